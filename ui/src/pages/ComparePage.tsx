// Two experiments of one dataset compared (GET /v1/experiments/compare): the verdict and the
// like-for-like aggregates at the top, then the examples aligned, regressions first, paged by
// the server (?base=&head=, ?only=, ?include_changed=true, ?cursor=).
import { type FormEvent, useId, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import type { paths as api_paths } from "../../../js/ts/generated/openapi.ts";
import { CompareAggregates } from "../components/CompareAggregates";
import { CompareExamples, type SidesData } from "../components/CompareExamples";
import { experimentLabel } from "../components/EvaluatorChart";
import { Pager, useCursor } from "../components/Pager";
import { type Run, withQuery } from "../components/RunsValue";
import { Empty, Loaded } from "../components/State";
import { api, type Example, type Schemas, unwrap } from "../lib/api";
import { paths } from "../lib/paths";
import { useLoad } from "../lib/useLoad";

export const COMPARE_PAGE_SIZE = 20;

type CompareQuery = NonNullable<api_paths["/v1/experiments/compare"]["get"]["parameters"]["query"]>;
type Only = NonNullable<CompareQuery["only"]>[number];

/** The examples a reader can narrow the list to (the API's `only`), "" for all of them. */
export const COMPARE_FILTERS: [Only | "", string][] = [
  ["", "All, regressions first"],
  ["regressions", "Regressions"],
  ["improvements", "Improvements"],
  ["missing_runs", "Missing runs"],
  ["new_errors", "New errors"],
  ["output_changed", "Output changed"],
  ["changed", "Example changed"],
  ["same_content", "Same content"],
  ["only_base", "Only in base"],
  ["only_head", "Only in head"],
];

function onlyOf(params: URLSearchParams): Only | undefined {
  const value = params.get("only") ?? "";
  return COMPARE_FILTERS.find(([only]) => only === value && only !== "")?.[0] || undefined;
}

export function ComparePage() {
  const [params] = useSearchParams();
  const base = params.get("base");
  const head = params.get("head");
  if (!base || !head) {
    return (
      <>
        <h1>Compare experiments</h1>
        <ComparePicker base={base} head={head} />
      </>
    );
  }
  return <Comparison base={base} head={head} />;
}

/** Two experiment ids; with one of them known, the other picked from its dataset's experiments. */
function ComparePicker({ base, head }: { base: string | null; head: string | null }) {
  const navigate = useNavigate();
  const id = useId();
  const known = head ?? base;
  const [chosenBase, setBase] = useState(base ?? "");
  const [chosenHead, setHead] = useState(head ?? "");
  const load = useLoad(
    async (signal) => {
      if (!known) return null;
      const experiment = await unwrap(
        api.GET("/v1/experiments/{experiment_id}", { params: { path: { experiment_id: known } }, signal }),
      );
      const page = await unwrap(
        api.GET("/v1/datasets/{dataset_id}/experiments", {
          params: { path: { dataset_id: experiment.dataset_id }, query: { limit: 100 } },
          signal,
        }),
      );
      return page.data;
    },
    [known],
  );
  function submit(event: FormEvent) {
    event.preventDefault();
    if (chosenBase.trim() && chosenHead.trim()) navigate(paths.compare(chosenBase.trim(), chosenHead.trim()));
  }
  const options = load.status === "ok" ? load.data : null;
  // While the experiments load, a disabled list says so (fields of another kind would be swapped
  // under the reader's cursor); ids are typed only when no list can be had.
  const field = (which: "base" | "head", value: string, set: (value: string) => void) =>
    known && load.status === "loading" ? (
      <select id={`${id}-${which}`} name={which} disabled aria-busy="true">
        <option>Loading…</option>
      </select>
    ) : options ? (
      <select id={`${id}-${which}`} name={which} value={value} onChange={(event) => set(event.target.value)} required>
        <option value="">Choose…</option>
        {options.map((experiment) => (
          <option key={experiment.id} value={experiment.id}>
            #{experiment.id} {experimentLabel(experiment)} (version {experiment.version_id})
          </option>
        ))}
      </select>
    ) : (
      <input
        id={`${id}-${which}`}
        name={which}
        inputMode="numeric"
        value={value}
        onChange={(event) => set(event.target.value)}
        required
      />
    );
  return (
    <>
      <p>
        Pick the base (the experiment before) and the head (the one after) by id, or open an experiment and follow
        “Compare with previous”; the experiments of a dataset are listed on <Link to={paths.datasets()}>its page</Link>.
      </p>
      {load.status === "error" && <p className="run-error">{load.error.detail}</p>}
      <form onSubmit={submit} className="compare-pick" data-testid="compare-picker">
        <label htmlFor={`${id}-base`}>
          Base experiment
          {field("base", chosenBase, setBase)}
        </label>
        <label htmlFor={`${id}-head`}>
          Head experiment
          {field("head", chosenHead, setHead)}
        </label>
        <button type="submit">Compare</button>
      </form>
    </>
  );
}

interface CompareAnswer {
  comparison: Schemas["Comparison"];
  sides: SidesData;
}

/** Every run of `sourceIds` in one experiment, by source id (repetitions in order). */
async function runsOf(
  experimentId: string,
  sourceIds: string[],
  repetitions: number,
  signal: AbortSignal,
): Promise<Map<string, Run[]>> {
  const found = new Map<string, Run[]>();
  if (sourceIds.length === 0) return found;
  const page = await unwrap(
    api.GET("/v1/experiments/{experiment_id}/runs", {
      params: {
        path: { experiment_id: experimentId },
        query: { source_id: sourceIds, limit: Math.min(10_000, sourceIds.length * repetitions), sort: "source_id" },
      },
      signal,
    }),
  );
  for (const run of page.data) {
    const list = found.get(run.source_id) ?? [];
    list.push(run);
    found.set(run.source_id, list);
  }
  for (const list of found.values()) list.sort((a, b) => a.repetition_number - b.repetition_number);
  return found;
}

async function examplesOf(
  datasetId: string,
  versionId: string,
  sourceIds: string[],
  signal: AbortSignal,
): Promise<Map<string, Example>> {
  const found = new Map<string, Example>();
  if (sourceIds.length === 0) return found;
  const page = await unwrap(
    api.GET("/v1/datasets/{dataset_id}/examples", {
      params: {
        path: { dataset_id: datasetId },
        query: { version_id: versionId, source_id: sourceIds, limit: sourceIds.length },
      },
      signal,
    }),
  );
  if (typeof page !== "string") for (const example of page.data) found.set(example.source_id, example);
  return found;
}

async function loadComparison(
  base: string,
  head: string,
  only: Only | undefined,
  includeChanged: boolean,
  cursor: string | null,
  signal: AbortSignal,
): Promise<CompareAnswer> {
  const comparison = await unwrap(
    api.GET("/v1/experiments/compare", {
      params: {
        query: {
          base,
          head,
          only: only ? [only] : undefined,
          include_changed: includeChanged || undefined,
          order: "regressions_first",
          cursor,
          limit: COMPARE_PAGE_SIZE,
        },
      },
      signal,
    }),
  );
  // The page's outputs and contents: each side's runs, each version's examples (the base's
  // only where the head's version lacks the example or edited it).
  const inBase = comparison.data.filter((item) => item.base != null).map((item) => item.source_id);
  const inHead = comparison.data.filter((item) => item.head != null).map((item) => item.source_id);
  const baseContent = comparison.data
    .filter((item) => item.status === "only_base" || item.status === "changed")
    .map((item) => item.source_id);
  const [baseRuns, headRuns, baseExamples, headExamples] = await Promise.all([
    runsOf(comparison.base.id, inBase, comparison.base.repetitions, signal),
    runsOf(comparison.head.id, inHead, comparison.head.repetitions, signal),
    examplesOf(comparison.dataset_id, comparison.base.version_id, baseContent, signal),
    examplesOf(comparison.dataset_id, comparison.head.version_id, inHead, signal),
  ]);
  return { comparison, sides: { base: baseRuns, head: headRuns, baseExamples, headExamples } };
}

function Comparison({ base, head }: { base: string; head: string }) {
  const [params] = useSearchParams();
  const cursor = useCursor();
  const only = onlyOf(params);
  const includeChanged = params.get("include_changed") === "true";
  const load = useLoad(
    (signal) => loadComparison(base, head, only, includeChanged, cursor, signal),
    [base, head, only, includeChanged, cursor],
  );
  return (
    <>
      <h1>
        Compare #{base} → #{head}
      </h1>
      <p>
        <Link to={paths.compare(head, base)} data-testid="swap">
          Swap base and head
        </Link>
      </p>
      <Loaded load={load} what="Comparing the experiments">
        {({ comparison, sides }) => (
          <>
            <CompareAggregates comparison={comparison} />
            <section aria-labelledby="examples-heading">
              <h2 id="examples-heading">Examples</h2>
              <nav aria-label="Which examples" className="compare-filters">
                <ul>
                  {COMPARE_FILTERS.map(([value, text]) => (
                    <li key={value}>
                      <Link
                        to={withQuery(params, { only: value })}
                        aria-current={(only ?? "") === value ? "page" : undefined}
                      >
                        {text}
                      </Link>
                    </li>
                  ))}
                </ul>
              </nav>
              <p>
                <Link
                  to={withQuery(params, { include_changed: includeChanged ? null : "true" })}
                  data-testid="include-changed"
                >
                  {includeChanged
                    ? "Count same-content examples only in the verdict"
                    : "Count changed examples in the verdict too"}
                </Link>
              </p>
              {comparison.data.length === 0 ? (
                <Empty>{only ? "No example of this kind." : "No example in either experiment's version."}</Empty>
              ) : (
                <>
                  <CompareExamples examples={comparison.data} sides={sides} />
                  <Pager nextCursor={comparison.next_cursor} label="Pages of examples" />
                </>
              )}
            </section>
          </>
        )}
      </Loaded>
      {load.status === "error" && <ComparePicker base={base} head={head} />}
    </>
  );
}
