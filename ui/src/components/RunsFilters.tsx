// The runs table's filters and sort, kept in the URL (?errors=, ?evaluator=&min=&max=, ?sort=)
// so a view can be shared; applying them starts on the first page.
import { type FormEvent, useId, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { withQuery } from "./RunsValue";

export const RUN_SORTS = [
  ["", "Stored order"],
  ["source_id", "Source id, A to Z"],
  ["-source_id", "Source id, Z to A"],
  ["latency_ms", "Latency, fastest first"],
  ["-latency_ms", "Latency, slowest first"],
  ["score", "Score, lowest first"],
  ["-score", "Score, highest first"],
] as const;

export type RunSort = Exclude<(typeof RUN_SORTS)[number][0], "">;

/** The view the URL asks for (unknown values read as none). */
export function runsView(params: URLSearchParams) {
  const errors = params.get("errors");
  const sort = params.get("sort") ?? "";
  const number = (name: string) => {
    const text = params.get(name);
    if (text === null || text.trim() === "") return undefined;
    const value = Number(text);
    return Number.isFinite(value) ? value : undefined;
  };
  return {
    errors: errors === "only" || errors === "none" ? (errors as "only" | "none") : undefined,
    evaluator: params.get("evaluator") || undefined,
    min: number("min"),
    max: number("max"),
    sort: RUN_SORTS.some(([value]) => value === sort && value !== "") ? (sort as RunSort) : undefined,
  };
}

function ScoreInput(props: {
  id: string;
  name: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  off: boolean;
}) {
  return (
    <label htmlFor={props.id}>
      {props.label}
      <input
        id={props.id}
        name={props.name}
        type="number"
        step="any"
        inputMode="decimal"
        value={props.value}
        onChange={(event) => props.onChange(event.target.value)}
        disabled={props.off}
      />
    </label>
  );
}

export function RunsFilters({ evaluators }: { evaluators: string[] }) {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const id = useId();
  const [errors, setErrors] = useState(params.get("errors") ?? "");
  const [evaluator, setEvaluator] = useState(
    params.get("evaluator") ?? (evaluators.length === 1 ? (evaluators[0] ?? "") : ""),
  );
  const [min, setMin] = useState(params.get("min") ?? "");
  const [max, setMax] = useState(params.get("max") ?? "");
  const [sort, setSort] = useState(params.get("sort") ?? "");
  const [problem, setProblem] = useState<string | null>(null);
  const asked = params.get("evaluator");
  const scoreUsed = min !== "" || max !== "" || sort.endsWith("score");

  function submit(event: FormEvent) {
    event.preventDefault();
    if (scoreUsed && !evaluator) {
      setProblem("Choose the evaluator whose scores the range or the sort reads.");
      return;
    }
    if (min !== "" && max !== "" && Number(min) > Number(max)) {
      setProblem(`The lowest score (${min}) is above the highest (${max}).`);
      return;
    }
    setProblem(null);
    navigate(withQuery(params, { errors, evaluator: scoreUsed ? evaluator : null, min, max, sort }));
  }

  const none = evaluators.length === 0;
  const filtered = ["errors", "evaluator", "min", "max", "sort"].some((name) => params.has(name));
  return (
    <form onSubmit={submit} className="runs-filters" aria-label="Filter and sort the runs" data-testid="runs-filters">
      <div className="filter-grid">
        <label htmlFor={`${id}-errors`}>
          Errors
          <select id={`${id}-errors`} name="errors" value={errors} onChange={(e) => setErrors(e.target.value)}>
            <option value="">All runs</option>
            <option value="only">Only errors</option>
            <option value="none">No errors</option>
          </select>
        </label>
        <label htmlFor={`${id}-evaluator`}>
          Evaluator
          <select
            id={`${id}-evaluator`}
            name="evaluator"
            value={evaluator}
            onChange={(e) => setEvaluator(e.target.value)}
            disabled={evaluators.length === 0}
          >
            <option value="">{evaluators.length === 0 ? "No evaluators" : "Choose…"}</option>
            {evaluators.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
            {asked && !evaluators.includes(asked) && (
              // The URL's evaluator, shown as asked (the server's refusal below names the real ones).
              <option value={asked}>{asked} (not in this experiment)</option>
            )}
          </select>
        </label>
        <ScoreInput id={`${id}-min`} name="min" label="Score from" value={min} onChange={setMin} off={none} />
        <ScoreInput id={`${id}-max`} name="max" label="Score to" value={max} onChange={setMax} off={none} />
        <label htmlFor={`${id}-sort`}>
          Sort
          <select id={`${id}-sort`} name="sort" value={sort} onChange={(e) => setSort(e.target.value)}>
            {RUN_SORTS.filter(([value]) => evaluators.length > 0 || !value.endsWith("score")).map(([value, text]) => (
              <option key={value} value={value}>
                {text}
              </option>
            ))}
          </select>
        </label>
      </div>
      {problem && (
        <p role="alert" className="run-error">
          {problem}
        </p>
      )}
      <div className="filter-actions">
        <button type="submit">Apply</button>
        {filtered && (
          <Link
            to={withQuery(params, { errors: null, evaluator: null, min: null, max: null, sort: null })}
            role="button"
            className="secondary outline"
          >
            Clear filters
          </Link>
        )}
      </div>
    </form>
  );
}
