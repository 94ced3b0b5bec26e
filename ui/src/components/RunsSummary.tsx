// An experiment's summary: what it ran on, its run counts, each evaluator's mean, latency and
// usage (when its runs recorded them).
import { Link } from "react-router";
import type { Schemas } from "../lib/api";
import { formatCount, formatCounted, formatDate, formatScore } from "../lib/format";
import { paths } from "../lib/paths";

type Experiment = Schemas["Experiment"];

const milliseconds = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const money = new Intl.NumberFormat(undefined, { maximumFractionDigits: 6 });

export function formatMs(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : `${milliseconds.format(value)} ms`;
}

export function formatCost(cost: Schemas["CostTotal"]): string {
  return `${money.format(cost.amount)}${cost.currency ? ` ${cost.currency}` : " (no currency)"}`;
}

export function RunsSummary({ experiment, datasetName }: { experiment: Experiment; datasetName?: string }) {
  const summary = experiment.summary;
  return (
    <section aria-labelledby="summary-heading">
      <h2 id="summary-heading">Summary</h2>
      {experiment.description && <p>{experiment.description}</p>}
      <dl className="facts" data-testid="experiment-summary">
        <div>
          <dt>Dataset</dt>
          <dd>
            <Link to={paths.dataset(experiment.dataset_id)}>{datasetName ?? `dataset ${experiment.dataset_id}`}</Link>
          </dd>
        </div>
        <div>
          <dt>Version</dt>
          <dd>
            <Link
              to={paths.version(experiment.dataset_id, experiment.version_id)}
              aria-label={`Examples of version ${experiment.version_id}`}
            >
              version {experiment.version_id}
            </Link>
            {experiment.selection && (
              <small className="muted"> (a selection of {formatCounted(experiment.example_count, "example")})</small>
            )}
          </dd>
        </div>
        <div>
          <dt>Task version</dt>
          <dd>
            {experiment.task_version ? <code>{experiment.task_version}</code> : <span className="muted">none</span>}
          </dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <time dateTime={experiment.created_at} title={experiment.created_at}>
              {formatDate(experiment.created_at)}
            </time>
          </dd>
        </div>
        {summary && (
          <>
            <div>
              <dt>Runs</dt>
              <dd data-testid="summary-runs">
                {formatCount(summary.runs)} of {formatCount(summary.expected_runs)} expected
                {experiment.repetitions > 1 && (
                  <small className="muted">
                    {" "}
                    ({formatCounted(experiment.example_count, "example")} × {experiment.repetitions})
                  </small>
                )}
              </dd>
            </div>
            <div>
              <dt>Errors</dt>
              <dd data-testid="summary-errors">
                {formatCount(summary.errored_runs)}
                {summary.incomplete_runs > 0 && (
                  <small className="muted">
                    {" "}
                    · {formatCount(summary.incomplete_runs)} of {formatCount(summary.expected_runs)} without a
                    successful run
                  </small>
                )}
              </dd>
            </div>
            <div>
              <dt>Reused runs</dt>
              <dd data-testid="summary-reused">{formatCount(summary.reused_runs)}</dd>
            </div>
            {summary.latency_ms.count > 0 && (
              <div>
                <dt>Latency</dt>
                <dd data-testid="summary-latency">
                  p50 {formatMs(summary.latency_ms.p50)} · p95 {formatMs(summary.latency_ms.p95)}
                  <small className="muted"> ({formatCounted(summary.latency_ms.count, "run")})</small>
                </dd>
              </div>
            )}
            {(summary.usage.runs_with_tokens > 0 || summary.usage.costs.length > 0) && (
              <div>
                <dt>Usage</dt>
                <dd data-testid="summary-usage">
                  {summary.usage.runs_with_tokens > 0 && (
                    <>
                      {formatCount(summary.usage.tokens_in)} tokens in · {formatCount(summary.usage.tokens_out)} out
                    </>
                  )}
                  {summary.usage.costs.map((cost) => (
                    <span key={cost.currency ?? ""}> · {formatCost(cost)}</span>
                  ))}
                </dd>
              </div>
            )}
          </>
        )}
      </dl>
      {summary && summary.evaluations.length > 0 && (
        <div className="table-wrap">
          <table className="striped" data-testid="evaluator-means">
            <caption className="muted">Evaluators over all runs</caption>
            <thead>
              <tr>
                <th scope="col">Evaluator</th>
                {["Mean score", "Scored", "Evaluations", "Errors"].map((label) => (
                  <th scope="col" className="number" key={label}>
                    {label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {summary.evaluations.map((evaluator) => (
                <tr key={evaluator.name}>
                  <th scope="row">
                    {evaluator.scored > 0 ? (
                      <Link
                        to={`?${new URLSearchParams({ evaluator: evaluator.name, sort: "-score" })}#runs-heading`}
                        title={`The runs by the score of ${evaluator.name}, highest first`}
                      >
                        {evaluator.name}
                      </Link>
                    ) : (
                      evaluator.name
                    )}
                  </th>
                  <td className="number">{formatScore(evaluator.mean_score)}</td>
                  <td className="number">{formatCount(evaluator.scored)}</td>
                  <td className="number">{formatCount(evaluator.count)}</td>
                  <td className="number">{formatCount(evaluator.errors)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
