// The top of a comparison: the verdict a CI gate reads, the examples per class, each evaluator's
// means on all examples and like for like with their deltas, and what the runs cost.
import { Link } from "react-router";
import type { Schemas } from "../lib/api";
import { formatCount, formatCounted, formatScore } from "../lib/format";
import { paths } from "../lib/paths";
import { formatCost, formatMs } from "./RunsSummary";

type Comparison = Schemas["Comparison"];

const signed = new Intl.NumberFormat(undefined, { maximumFractionDigits: 4, signDisplay: "exceptZero" });
const signedMs = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1, signDisplay: "exceptZero" });

/** A difference with its sign, marked better or worse (`higherIsBetter` for scores). */
export function Delta({
  value,
  higherIsBetter = true,
  unit = "",
}: {
  value: number | null | undefined;
  higherIsBetter?: boolean;
  unit?: string;
}) {
  if (value === null || value === undefined) return <span className="muted">—</span>;
  const better = higherIsBetter ? value > 0 : value < 0;
  const worse = higherIsBetter ? value < 0 : value > 0;
  return (
    <span className={`delta${better ? " better" : worse ? " worse" : ""}`}>
      {unit === " ms" ? signedMs.format(value) : signed.format(value)}
      {unit}
    </span>
  );
}

function Side({ side, label }: { side: Schemas["ComparedExperiment"]; label: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>
        <Link to={paths.experiment(side.id)}>{side.name ?? `experiment ${side.id}`}</Link>{" "}
        <small className="muted">
          #{side.id} · version {side.version_id}
          {side.task_version && <> · task {side.task_version}</>} · {formatCounted(side.runs, "run")},{" "}
          {formatCounted(side.errored_runs, "error")}, {formatCount(side.reused_runs)} reused
        </small>
      </dd>
    </div>
  );
}

function Verdict({ comparison }: { comparison: Comparison }) {
  const verdict = comparison.verdict;
  if (!verdict.comparable) {
    return (
      <article className="state error" role="status" data-testid="verdict">
        <strong>Not comparable</strong>
        <p>{verdict.not_comparable?.detail ?? "No example of the verdict's scope could be compared."}</p>
        {verdict.not_comparable && (
          <small>
            <code>{verdict.not_comparable.code}</code>
          </small>
        )}
      </article>
    );
  }
  const scope = verdict.scope.map((status) => status.replace("_", " ")).join(" and ");
  return (
    <article className={verdict.regressed ? "state error" : "state"} role="status" data-testid="verdict">
      <strong>{verdict.regressed ? "Regressed" : "No regression"}</strong>
      <p>
        {formatCounted(verdict.regressed_examples, "example")} regressed, {formatCount(verdict.improved_examples)}{" "}
        improved
        {verdict.missing_runs > 0 && <>, {formatCount(verdict.missing_runs)} with a missing run in head</>}
        {verdict.new_run_errors > 0 && <>, {formatCount(verdict.new_run_errors)} with new run errors</>}{" "}
        <span className="muted">(examples counted: {scope})</span>
      </p>
    </article>
  );
}

/** Neither side has a score (a label evaluator aside): every evaluation errored, so a kind and
 * a threshold would describe nothing. */
function unscored(evaluator: Schemas["ComparedEvaluator"]): boolean {
  return evaluator.kind !== "label" && evaluator.all.base.count === 0 && evaluator.all.head.count === 0;
}

const EVALUATOR_COLUMNS = [
  "Base (all)",
  "Head (all)",
  "Δ all",
  "Base (same content)",
  "Head (same content)",
  "Δ same content",
  "Compared",
  "Regressions",
  "Improvements",
];

export function CompareAggregates({ comparison }: { comparison: Comparison }) {
  const { counts, deltas, base, head } = comparison;
  return (
    <section aria-labelledby="aggregates-heading">
      <h2 id="aggregates-heading">Overview</h2>
      <dl className="facts">
        <Side side={base} label="Base" />
        <Side side={head} label="Head" />
      </dl>
      <Verdict comparison={comparison} />
      {comparison.selections_differ && (
        <p className="muted">
          The two experiments were created with different selections: an example outside a side's selection is absent on
          that side.
        </p>
      )}
      <dl className="facts" data-testid="compare-counts">
        {(
          [
            ["Same content", counts.same_content],
            ["Example changed", counts.changed],
            ["Only in base", counts.only_base],
            ["Only in head", counts.only_head],
            ["Output changed", counts.output_changed],
            ["Missing runs in head", counts.missing_runs],
            ["New run errors", counts.new_run_errors],
          ] as const
        ).map(([label, count]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{formatCount(count)}</dd>
          </div>
        ))}
      </dl>
      {comparison.evaluators.length > 0 && (
        <div className="table-wrap">
          <table className="striped" data-testid="compare-evaluators">
            <caption className="muted">
              Means on all examples of each side, and like for like on the examples of the same content scored on both
            </caption>
            <thead>
              <tr>
                <th scope="col">Evaluator</th>
                {EVALUATOR_COLUMNS.map((label) => (
                  <th scope="col" className="number" key={label}>
                    {label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {comparison.evaluators.map((evaluator) => (
                <tr key={evaluator.name} data-testid="compare-evaluator">
                  <th scope="row">
                    {evaluator.name}
                    <br />
                    <small className="muted">
                      {unscored(evaluator)
                        ? "no scores (every evaluation errored)"
                        : `${evaluator.kind}, threshold ${formatScore(evaluator.threshold)}`}
                    </small>
                  </th>
                  <td className="number">
                    {formatScore(evaluator.all.base.mean)}
                    <br />
                    <small className="muted">n={formatCount(evaluator.all.base.count)}</small>
                  </td>
                  <td className="number">
                    {formatScore(evaluator.all.head.mean)}
                    <br />
                    <small className="muted">n={formatCount(evaluator.all.head.count)}</small>
                  </td>
                  <td className="number">
                    <Delta value={evaluator.all.delta} />
                  </td>
                  <td className="number">{formatScore(evaluator.like_for_like.base_mean)}</td>
                  <td className="number">{formatScore(evaluator.like_for_like.head_mean)}</td>
                  <td className="number">
                    <Delta value={evaluator.like_for_like.delta} />
                  </td>
                  <td className="number">{formatCount(evaluator.like_for_like.count)}</td>
                  <td className="number">
                    {formatCount(evaluator.regressions)}
                    {(evaluator.missing > 0 || evaluator.new_errors > 0) && (
                      <>
                        <br />
                        <small className="muted">
                          {formatCount(evaluator.missing)} missing, {formatCounted(evaluator.new_errors, "new error")}
                        </small>
                      </>
                    )}
                  </td>
                  <td className="number">{formatCount(evaluator.improvements)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(base.latency_ms.count > 0 || head.latency_ms.count > 0) && (
        <dl className="facts" data-testid="compare-costs">
          <div>
            <dt>Latency p50 (base → head)</dt>
            <dd>
              {formatMs(base.latency_ms.p50)} → {formatMs(head.latency_ms.p50)}{" "}
              <Delta value={deltas.latency_ms.p50} higherIsBetter={false} unit=" ms" />
            </dd>
          </div>
          <div>
            <dt>Latency p95 (base → head)</dt>
            <dd>
              {formatMs(base.latency_ms.p95)} → {formatMs(head.latency_ms.p95)}{" "}
              <Delta value={deltas.latency_ms.p95} higherIsBetter={false} unit=" ms" />
            </dd>
          </div>
          {(base.usage.runs_with_tokens > 0 || head.usage.runs_with_tokens > 0) && (
            <div>
              <dt>Tokens in / out (head − base)</dt>
              <dd>
                <Delta value={deltas.tokens_in} higherIsBetter={false} /> /{" "}
                <Delta value={deltas.tokens_out} higherIsBetter={false} />
              </dd>
            </div>
          )}
          {head.usage.costs.map((cost) => (
            <div key={cost.currency ?? ""}>
              <dt>Cost of head{cost.currency ? ` (${cost.currency})` : ""}</dt>
              <dd>
                {formatCost(cost)}{" "}
                <Delta
                  value={deltas.costs.find((delta) => delta.currency === cost.currency)?.amount}
                  higherIsBetter={false}
                />
              </dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
