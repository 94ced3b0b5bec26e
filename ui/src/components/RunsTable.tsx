// A page of an experiment's runs as a table: the example's input and expected output (at the
// experiment's version), the run's output, each evaluator's evaluation, latency and error.
import { Link, useSearchParams } from "react-router";
import type { Example } from "../lib/api";
import { formatCount } from "../lib/format";
import { formatMs } from "./RunsSummary";
import { EvaluationCell, type Run, ValueCell, withQuery } from "./RunsValue";

/** The sort of a column header's link: ascending first, descending when already ascending. */
function SortHeader({ label, sort, className }: { label: string; sort: string; className?: string }) {
  const [params] = useSearchParams();
  const current = params.get("sort") ?? "";
  const direction = current === sort ? "ascending" : current === `-${sort}` ? "descending" : undefined;
  const next = current === sort ? `-${sort}` : sort;
  return (
    <th scope="col" className={className} aria-sort={direction ?? "none"}>
      <Link to={withQuery(params, { sort: next })} title={`Sort by ${label.toLowerCase()}`}>
        {label}
        {direction === "ascending" ? " ▲" : direction === "descending" ? " ▼" : ""}
      </Link>
    </th>
  );
}

function EvaluatorHeader({ name }: { name: string }) {
  const [params] = useSearchParams();
  const sorted = params.get("evaluator") === name ? params.get("sort") : null;
  const direction = sorted === "score" ? "ascending" : sorted === "-score" ? "descending" : undefined;
  // Highest first on the first click: the best and worst answers are what a reader looks for.
  const next = sorted === "-score" ? "score" : "-score";
  return (
    <th scope="col" aria-sort={direction ?? "none"}>
      <Link
        to={withQuery(params, { sort: next, evaluator: name, min: null, max: null })}
        title={`Sort by the score of ${name}`}
      >
        {name}
        {direction === "ascending" ? " ▲" : direction === "descending" ? " ▼" : ""}
      </Link>
    </th>
  );
}

export function RunsTable({
  runs,
  examples,
  evaluators,
  repetitions,
}: {
  runs: Run[];
  examples: Map<string, Example>;
  evaluators: string[];
  repetitions: number;
}) {
  return (
    <div className="table-wrap">
      <table className="striped runs" data-testid="runs-table">
        <thead>
          <tr>
            <SortHeader label="Source id" sort="source_id" />
            <th scope="col">Input</th>
            <th scope="col">Expected output</th>
            <th scope="col">Output</th>
            {evaluators.map((name) => (
              <EvaluatorHeader key={name} name={name} />
            ))}
            <SortHeader label="Latency" sort="latency_ms" className="number" />
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => {
            const example = examples.get(run.source_id);
            return (
              <tr key={run.id} data-testid="run-row" data-source-id={run.source_id}>
                <th scope="row">
                  <code className="id">{run.source_id}</code>
                  {repetitions > 1 && (
                    <>
                      <br />
                      <small className="muted">repetition {run.repetition_number}</small>
                    </>
                  )}
                  {run.reused_from_run_id && (
                    <>
                      <br />
                      <small className="muted" title={`copied from run ${run.reused_from_run_id}`}>
                        reused
                      </small>
                    </>
                  )}
                </th>
                <td data-label="Input">
                  <ValueCell value={example?.input} absent="not read" />
                </td>
                <td data-label="Expected output">
                  <ValueCell value={example ? (example.output ?? undefined) : undefined} absent="none" />
                </td>
                <td data-label="Output">
                  {run.error ? <span className="muted">no output</span> : <ValueCell value={run.output} />}
                </td>
                {evaluators.map((name) => (
                  <td key={name} data-label={name}>
                    <EvaluationCell evaluation={run.evaluations.find((evaluation) => evaluation.name === name)} />
                  </td>
                ))}
                <td className="number" data-label="Latency">
                  {formatMs(run.latency_ms)}
                  {(run.tokens_in !== null || run.tokens_out !== null) && (
                    <>
                      <br />
                      <small className="muted" title="tokens in / out">
                        {formatCount(run.tokens_in)} / {formatCount(run.tokens_out)} tok
                      </small>
                    </>
                  )}
                </td>
                <td data-label="Error">
                  {run.error ? <span className="run-error">{run.error}</span> : <span className="muted">—</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
