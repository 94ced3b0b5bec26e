// How the runs and comparison pages show a stored value (an input, an expected or produced
// output) and an evaluation, in a cell of bounded height.
import type { Schemas } from "../lib/api";
import { formatScore } from "../lib/format";
import { JsonView } from "./JsonView";

export type Run = Schemas["Run"];
export type Evaluation = Schemas["Evaluation"];

/** A value as text for a text diff: a string as it is (an answer reads as prose), anything else
 * as indented JSON. */
export function valueText(value: unknown): string {
  if (typeof value === "string") return value;
  return JSON.stringify(value, null, 2) ?? String(value);
}

/** A stored value in a cell: a string as wrapped prose, JSON as a collapsible tree; `absent`
 * when there is none (undefined). */
export function ValueCell({ value, absent = "—" }: { value: unknown; absent?: string }) {
  if (value === undefined) return <span className="muted">{absent}</span>;
  return (
    <div className="cell-scroll">
      {typeof value === "string" ? <span className="prose">{value}</span> : <JsonView value={value} />}
    </div>
  );
}

/** One evaluation: its score, label, explanation and error (what was recorded of them). */
export function EvaluationCell({ evaluation }: { evaluation: Evaluation | undefined }) {
  if (!evaluation) return <span className="muted">—</span>;
  return (
    <div className="evaluation">
      {evaluation.score !== null && evaluation.score !== undefined && (
        <strong className="score" data-testid="score">
          {formatScore(evaluation.score)}
        </strong>
      )}
      {evaluation.label && (
        <span className="tag" title="label">
          {evaluation.label}
        </span>
      )}
      {evaluation.explanation && (
        <div className="cell-scroll explanation">
          <small>{evaluation.explanation}</small>
        </div>
      )}
      {evaluation.error && (
        <div className="run-error">
          <small>error: {evaluation.error}</small>
        </div>
      )}
    </div>
  );
}

/** The URL search `params` with `changes` applied (null or "" removes one), always without the
 * cursor: a new filter or sort starts on its first page. */
export function withQuery(params: URLSearchParams, changes: Record<string, string | null>): string {
  const next = new URLSearchParams(params);
  next.delete("cursor");
  for (const [name, value] of Object.entries(changes)) {
    if (value === null || value === "") next.delete(name);
    else next.set(name, value);
  }
  const text = next.toString();
  return text ? `?${text}` : "?";
}
