// An experiment: its summary, a way to compare it with another experiment of its dataset, and its
// runs, filtered, sorted and paged by the server (the view in the URL: ?errors=, ?evaluator=,
// ?min=, ?max=, ?sort=, ?cursor=).
import { useMemo, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { experimentLabel } from "../components/EvaluatorChart";
import { Pager, useCursor } from "../components/Pager";
import { RunsFilters, runsView } from "../components/RunsFilters";
import { RunsSummary } from "../components/RunsSummary";
import { RunsTable } from "../components/RunsTable";
import { Empty, Loaded } from "../components/State";
import { api, type Example, type Experiment, type Schemas, unwrap } from "../lib/api";
import { paths } from "../lib/paths";
import { useLoad } from "../lib/useLoad";

export const RUNS_PAGE_SIZE = 50;

/** The experiment with its summary, asked once for the page: the summary and the runs wait on
 * the same answer, and the runs page is asked for at the same time (the summary is the slower
 * read at 100,000 runs). */
function experimentRequest(experimentId: string): Promise<Experiment> {
  return unwrap(api.GET("/v1/experiments/{experiment_id}", { params: { path: { experiment_id: experimentId } } }));
}

/** The experiment, its dataset's name and the experiments of its dataset before it (newest
 * first, at most 100: the ones to compare it with). */
async function loadExperiment(request: Promise<Experiment>, signal: AbortSignal) {
  const experiment = await request;
  const path = { dataset_id: experiment.dataset_id };
  const [dataset, earlier] = await Promise.all([
    unwrap(api.GET("/v1/datasets/{dataset_id}", { params: { path }, signal })),
    unwrap(
      api.GET("/v1/datasets/{dataset_id}/experiments", {
        params: { path, query: { before: experiment.id, limit: 100 } },
        signal,
      }),
    ),
  ]);
  return { experiment, dataset, earlier: earlier.data };
}

export function ExperimentPage() {
  const { experimentId = "" } = useParams();
  const request = useMemo(() => experimentRequest(experimentId), [experimentId]);
  const load = useLoad((signal) => loadExperiment(request, signal), [request]);
  // One heading whatever the state: the experiment's name once read, its id before (and when
  // it could not be read).
  return (
    <>
      <h1>
        {load.status === "ok" ? experimentLabel(load.data.experiment) : "Experiment"}{" "}
        <small className="muted">#{experimentId}</small>
      </h1>
      <Loaded load={load} what="Loading the experiment">
        {({ experiment, dataset, earlier }) => (
          <>
            <RunsSummary experiment={experiment} datasetName={dataset.name} />
            <CompareWith experiment={experiment} earlier={earlier} />
          </>
        )}
      </Loaded>
      {load.status !== "error" && <RunsSection experimentId={experimentId} request={request} />}
    </>
  );
}

/** The previous experiment (of the same name when it has one) as a link, and any earlier one
 * of the dataset to pick as the base. */
function CompareWith({ experiment, earlier }: { experiment: Experiment; earlier: Experiment[] }) {
  const navigate = useNavigate();
  const previous = earlier.find((other) => experiment.name && other.name === experiment.name) ?? earlier[0];
  const [base, setBase] = useState(previous?.id ?? "");
  if (earlier.length === 0) {
    return (
      <p className="muted" data-testid="compare-with">
        No earlier experiment on this dataset to compare with.
      </p>
    );
  }
  return (
    <section aria-labelledby="compare-heading" data-testid="compare-with">
      <h2 id="compare-heading">Compare</h2>
      {previous && (
        <p>
          <Link to={paths.compare(previous.id, experiment.id)} data-testid="compare-previous">
            Compare with previous
          </Link>{" "}
          <span className="muted">
            ({experimentLabel(previous)} #{previous.id}, version {previous.version_id})
          </span>
        </p>
      )}
      <form
        className="compare-pick"
        onSubmit={(event) => {
          event.preventDefault();
          if (base) navigate(paths.compare(base, experiment.id));
        }}
      >
        <label>
          Or compare with (as the base)
          <select name="base" value={base} onChange={(event) => setBase(event.target.value)}>
            {earlier.map((other) => (
              <option key={other.id} value={other.id}>
                #{other.id} {experimentLabel(other)} (version {other.version_id})
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="secondary">
          Compare
        </button>
      </form>
    </section>
  );
}

interface RunsAnswer {
  experiment: Experiment;
  runs: Schemas["RunPage"];
  examples: Map<string, Example>;
}

async function loadRuns(
  experimentId: string,
  request: Promise<Experiment>,
  search: string,
  cursor: string | null,
  signal: AbortSignal,
): Promise<RunsAnswer> {
  const view = runsView(new URLSearchParams(search));
  const scoreUsed = view.min !== undefined || view.max !== undefined || view.sort?.endsWith("score");
  const [runs, experiment] = await Promise.all([
    unwrap(
      api.GET("/v1/experiments/{experiment_id}/runs", {
        params: {
          path: { experiment_id: experimentId },
          query: {
            cursor,
            limit: RUNS_PAGE_SIZE,
            errors: view.errors,
            evaluator: scoreUsed ? view.evaluator : undefined,
            min_score: view.min,
            max_score: view.max,
            sort: view.sort,
          },
        },
        signal,
      }),
    ),
    request,
  ]);
  // The examples' content at the experiment's version, for the page's runs only.
  const sourceIds = [...new Set(runs.data.map((run) => run.source_id))];
  const examples = new Map<string, Example>();
  if (sourceIds.length > 0) {
    const page = await unwrap(
      api.GET("/v1/datasets/{dataset_id}/examples", {
        params: {
          path: { dataset_id: experiment.dataset_id },
          query: { version_id: experiment.version_id, source_id: sourceIds, limit: sourceIds.length },
        },
        signal,
      }),
    );
    // A JSON page (the route answers NDJSON only when asked to).
    if (typeof page !== "string") for (const example of page.data) examples.set(example.source_id, example);
  }
  return { experiment, runs, examples };
}

function RunsSection({ experimentId, request }: { experimentId: string; request: Promise<Experiment> }) {
  const [params] = useSearchParams();
  const cursor = useCursor();
  const view = new URLSearchParams(params);
  view.delete("cursor");
  const search = view.toString();
  const load = useLoad<RunsAnswer>(
    (signal) => loadRuns(experimentId, request, search, cursor, signal),
    [experimentId, request, search, cursor],
  );
  // The filters stay when the runs' read is refused (an evaluator the experiment does not
  // have, from a link or an edited URL), so the refusal shows under the form that fixes it.
  const shown = useLoad<Experiment>(() => request, [request]);
  const experiment = shown.status === "ok" ? shown.data : null;
  const evaluators = experiment?.summary?.evaluations.map((evaluation) => evaluation.name) ?? [];
  const filtered = search !== "";
  return (
    <section aria-labelledby="runs-heading">
      <h2 id="runs-heading">Runs</h2>
      {experiment && <RunsFilters key={search} evaluators={evaluators} />}
      <Loaded load={load} what="Loading the runs">
        {({ runs, examples }) =>
          runs.data.length === 0 ? (
            <Empty>
              {filtered
                ? "No run matches these filters."
                : "No runs yet: run the experiment with an SDK (run_experiment / runExperiment)."}
            </Empty>
          ) : (
            <>
              <RunsTable
                runs={runs.data}
                examples={examples}
                evaluators={evaluators}
                repetitions={experiment?.repetitions ?? 1}
              />
              <Pager nextCursor={runs.next_cursor} label="Pages of runs" />
            </>
          )
        }
      </Loaded>
    </section>
  );
}
