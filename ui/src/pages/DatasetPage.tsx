import { Link, useParams } from "react-router";
import { EvaluatorChart, experimentLabel } from "../components/EvaluatorChart";
import { Pager, useCursor } from "../components/Pager";
import { Empty, ErrorMessage, Loaded } from "../components/State";
import { Tags } from "../components/Tags";
import { api, type Experiment, type Schemas, unwrap, type Version } from "../lib/api";
import { formatCount, formatCounted, formatDate, formatScore } from "../lib/format";
import { paths } from "../lib/paths";
import { type Load, useLoad } from "../lib/useLoad";

const VERSIONS_PAGE = 20;
const EXPERIMENTS_PAGE = 20;
/** The chart shows the latest experiments, at most this many (pages of 100 with summaries). */
export const CHART_EXPERIMENTS = 300;

type ExperimentPage = Schemas["ExperimentPage"];

/** The first page of the dataset's experiments with their summaries, newest first. */
function firstExperiments(datasetId: string, signal: AbortSignal): Promise<ExperimentPage> {
  return unwrap(
    api.GET("/v1/datasets/{dataset_id}/experiments", {
      params: { path: { dataset_id: datasetId }, query: { limit: EXPERIMENTS_PAGE, summary: true } },
      signal,
    }),
  );
}

export function DatasetPage() {
  const { datasetId = "" } = useParams();
  // The table's first page is also the chart's first: read once (each summary aggregates every
  // run of its experiment) and shared; the chart reads only the pages after it.
  const first = useLoad((signal) => firstExperiments(datasetId, signal), [datasetId]);
  const dataset = useLoad(
    (signal) => unwrap(api.GET("/v1/datasets/{dataset_id}", { params: { path: { dataset_id: datasetId } }, signal })),
    [datasetId],
  );
  return (
    <Loaded load={dataset} what="Loading the dataset" heading={`Dataset ${datasetId}`}>
      {(info) => (
        <>
          <hgroup>
            <h1>{info.name}</h1>
            <p>
              {info.description ?? <span className="muted">Dataset {info.id}</span>}
              {" · "}
              {formatCounted(info.example_count, "example")} · changed{" "}
              <time dateTime={info.updated_at} title={info.updated_at}>
                {formatDate(info.updated_at)}
              </time>{" "}
              <Tags tags={info.tags} />
            </p>
          </hgroup>
          {info.latest_version_id ? (
            <p>
              <Link to={paths.version(info.id, info.latest_version_id)} role="button">
                Examples of the latest version
              </Link>{" "}
              <Link to={paths.diff(info.id, undefined, info.latest_version_id)} role="button" className="secondary">
                What changed
              </Link>
            </p>
          ) : (
            <Empty>This dataset has no version yet.</Empty>
          )}
          <div className="dataset-grid">
            <section aria-labelledby="versions-heading" className="dataset-versions">
              <h2 id="versions-heading">Versions</h2>
              <Versions datasetId={info.id} />
            </section>
            <section aria-labelledby="chart-heading">
              <h2 id="chart-heading">Evaluator means across experiments</h2>
              <MeansChart datasetId={info.id} first={first} />
            </section>
          </div>
          <section aria-labelledby="experiments-heading">
            <h2 id="experiments-heading">Experiments</h2>
            <Experiments datasetId={info.id} first={first} />
          </section>
        </>
      )}
    </Loaded>
  );
}

function Versions({ datasetId }: { datasetId: string }) {
  const cursor = useCursor("versions");
  const load = useLoad(
    (signal) =>
      unwrap(
        api.GET("/v1/datasets/{dataset_id}/versions", {
          params: { path: { dataset_id: datasetId }, query: { cursor, limit: VERSIONS_PAGE } },
          signal,
        }),
      ),
    [datasetId, cursor],
  );
  return (
    <Loaded load={load} what="Loading the versions">
      {(page) =>
        page.data.length === 0 ? (
          <Empty>No versions yet.</Empty>
        ) : (
          <>
            <ol className="timeline" aria-label="Versions, newest first">
              {page.data.map((version, index) => (
                <VersionItem
                  key={version.id}
                  version={version}
                  previous={page.data[index + 1] ?? null}
                  isFirst={index === page.data.length - 1 && !page.next_cursor}
                />
              ))}
            </ol>
            <Pager nextCursor={page.next_cursor} param="versions" label="Pages of versions" />
          </>
        )
      }
    </Loaded>
  );
}

function VersionItem({ version, previous, isFirst }: { version: Version; previous: Version | null; isFirst: boolean }) {
  return (
    <li>
      <strong>
        <Link to={paths.version(version.dataset_id, version.id)}>version {version.id}</Link>
      </strong>{" "}
      <Tags tags={version.tags} />
      <br />
      <small>
        <time dateTime={version.created_at} title={version.created_at}>
          {formatDate(version.created_at)}
        </time>
        {" · "}
        {formatCounted(version.example_count, "example")}
      </small>
      <br />
      <small className="counts">
        <span className="count-created" title="examples created">
          +{formatCount(version.created)} created
        </span>{" "}
        <span className="count-updated" title="examples updated">
          ~{formatCount(version.updated)} updated
        </span>{" "}
        <span className="count-deleted" title="examples deleted">
          −{formatCount(version.deleted)} deleted
        </span>
      </small>
      {version.description && <p className="version-description">{version.description}</p>}
      <br />
      <small>
        digest{" "}
        <code className="id digest" title={version.digest}>
          {version.digest.slice(0, 16)}…
        </code>
        {!isFirst && (
          <>
            {" · "}
            <Link to={paths.diff(version.dataset_id, previous?.id, version.id)}>diff with the previous version</Link>
          </>
        )}
      </small>
    </li>
  );
}

function meanOf(experiment: Experiment, evaluator: string): number | null | undefined {
  return experiment.summary?.evaluations.find((summary) => summary.name === evaluator)?.mean_score;
}

function Experiments({ datasetId, first }: { datasetId: string; first: Load<ExperimentPage> }) {
  const cursor = useCursor("experiments");
  // Later pages are the table's own; the first is the page's shared one.
  const later = useLoad(
    (signal) =>
      cursor
        ? unwrap(
            api.GET("/v1/datasets/{dataset_id}/experiments", {
              params: { path: { dataset_id: datasetId }, query: { cursor, limit: EXPERIMENTS_PAGE, summary: true } },
              signal,
            }),
          )
        : Promise.resolve(null),
    [datasetId, cursor],
  );
  const load: Load<ExperimentPage> = cursor
    ? later.status === "ok"
      ? later.data
        ? { ...later, data: later.data }
        : { status: "loading" }
      : later
    : first;
  return (
    <Loaded load={load} what="Loading the experiments">
      {(page) => {
        if (page.data.length === 0) {
          return (
            <Empty>
              No experiments yet: run one on this dataset with an SDK (Python run_experiment, TypeScript runExperiment);
              the CLI lists and compares them (groundset experiments, groundset compare).
            </Empty>
          );
        }
        const evaluators = [
          ...new Set(page.data.flatMap((e) => e.summary?.evaluations.map((summary) => summary.name) ?? [])),
        ].sort();
        return (
          <>
            <div className="table-wrap">
              <table className="striped experiments">
                <thead>
                  <tr>
                    <th scope="col">Experiment</th>
                    <th scope="col">Version</th>
                    <th scope="col" className="number">
                      Runs
                    </th>
                    <th scope="col" className="number">
                      Errors
                    </th>
                    {evaluators.map((name) => (
                      <th scope="col" className="number" key={name}>
                        {name}
                      </th>
                    ))}
                    <th scope="col">Compare</th>
                  </tr>
                </thead>
                <tbody>
                  {page.data.map((experiment, index) => {
                    const older = page.data[index + 1];
                    return (
                      <tr key={experiment.id} data-experiment-id={experiment.id}>
                        <td>
                          <Link to={paths.experiment(experiment.id)}>{experimentLabel(experiment)}</Link>
                          <br />
                          <small className="muted">
                            #{experiment.id} ·{" "}
                            <time dateTime={experiment.created_at} title={experiment.created_at}>
                              {formatDate(experiment.created_at)}
                            </time>
                          </small>
                        </td>
                        <td>
                          <Link to={paths.version(experiment.dataset_id, experiment.version_id)}>
                            {experiment.version_id}
                          </Link>
                        </td>
                        <td className="number">{formatCount(experiment.summary?.runs)}</td>
                        <td className="number">{formatCount(experiment.summary?.errored_runs)}</td>
                        {evaluators.map((name) => (
                          <td className="number" key={name}>
                            {formatScore(meanOf(experiment, name))}
                          </td>
                        ))}
                        <td>
                          {older ? (
                            <Link
                              to={paths.compare(older.id, experiment.id)}
                              aria-label={`Compare experiment ${experiment.id} with ${older.id}`}
                            >
                              with #{older.id}
                            </Link>
                          ) : null}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <Pager nextCursor={page.next_cursor} param="experiments" label="Pages of experiments" />
          </>
        );
      }}
    </Loaded>
  );
}

/** The latest experiments (at most CHART_EXPERIMENTS) with their summaries, oldest first: the
 * shared first page, then pages of 100 after it. */
async function chartExperiments(
  datasetId: string,
  first: ExperimentPage,
  signal: AbortSignal,
): Promise<{ list: Experiment[]; more: boolean }> {
  const list: Experiment[] = [...first.data];
  let cursor: string | null = first.next_cursor;
  while (cursor && list.length < CHART_EXPERIMENTS) {
    const page: ExperimentPage = await unwrap(
      api.GET("/v1/datasets/{dataset_id}/experiments", {
        params: { path: { dataset_id: datasetId }, query: { cursor, limit: 100, summary: true } },
        signal,
      }),
    );
    list.push(...page.data);
    cursor = page.next_cursor;
  }
  return { list: list.slice(0, CHART_EXPERIMENTS).reverse(), more: cursor !== null || list.length > CHART_EXPERIMENTS };
}

/** An experiment is scored when one of its evaluators has a mean (label-only ones have none). */
export function isScored(experiment: Experiment): boolean {
  return (experiment.summary?.evaluations ?? []).some((summary) => summary.mean_score != null);
}

function MeansChart({ datasetId, first }: { datasetId: string; first: Load<ExperimentPage> }) {
  const firstPage = first.status === "ok" ? first.data : null;
  const load = useLoad(
    (signal) => (firstPage ? chartExperiments(datasetId, firstPage, signal) : new Promise<never>(() => {})),
    [datasetId, firstPage],
  );
  if (first.status === "error") return <ErrorMessage error={first.error} />;
  return (
    <Loaded load={load} what="Loading the chart">
      {({ list, more }) => {
        const scored = list.filter(isScored);
        if (scored.length === 0)
          return <Empty>No evaluations yet: the chart shows each evaluator's mean once experiments are scored.</Empty>;
        const count = `${formatCount(scored.length)} scored experiment${scored.length === 1 ? "" : "s"}`;
        return (
          <>
            <EvaluatorChart experiments={scored} />
            <p>
              <small className="muted" data-testid="chart-caption">
                {more ? `The ${count} among the latest ${CHART_EXPERIMENTS}` : `All ${count}`}, oldest first; a dashed
                line marks a change of dataset version.
              </small>
            </p>
          </>
        );
      }}
    </Loaded>
  );
}
