import { type FormEvent, useEffect, useId, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { DatasetCrumbs } from "../components/DatasetCrumbs";
import { JsonDiff, jsonDiffers } from "../components/JsonDiff";
import { JsonView } from "../components/JsonView";
import { withParam } from "../components/Pager";
import { Empty, ErrorMessage, Loaded } from "../components/State";
import { ApiError, api, type Dataset, type Example, jsonPage, type Schemas, unwrap, type Version } from "../lib/api";
import { formatCount, formatCounted } from "../lib/format";
import { paths } from "../lib/paths";
import { useLoad } from "../lib/useLoad";

export const DIFF_PAGE_SIZE = 20;
const KINDS = ["updated", "created", "deleted"] as const;
type Kind = (typeof KINDS)[number];
type Diff = Schemas["Diff"];

/** The versions of the selects: the latest 1,000, newest first. */
async function loadVersions(datasetId: string, signal: AbortSignal): Promise<[Dataset, Version[]]> {
  return Promise.all([
    unwrap(api.GET("/v1/datasets/{dataset_id}", { params: { path: { dataset_id: datasetId } }, signal })),
    unwrap(
      api.GET("/v1/datasets/{dataset_id}/versions", {
        params: { path: { dataset_id: datasetId }, query: { limit: 1000 } },
        signal,
      }),
    ).then((page) => page.data),
  ]);
}

export function DiffPage() {
  const { datasetId = "" } = useParams();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const from = params.get("from");
  const to = params.get("to");
  const head = useLoad((signal) => loadVersions(datasetId, signal), [datasetId]);
  // A URL without `to` means the latest version, without `from` the version before `to`: the
  // address is made explicit (replaced) so that it can be shared as it is.
  const versions = head.status === "ok" ? head.data[1] : null;
  const toId = to ?? versions?.[0]?.id ?? null;
  const toIndex = versions?.findIndex((version) => version.id === toId) ?? -1;
  const fromId = from ?? (toIndex >= 0 ? (versions?.[toIndex + 1]?.id ?? null) : null);
  useEffect(() => {
    if (versions && toId && fromId && (from !== fromId || to !== toId)) {
      const next = new URLSearchParams(params);
      next.set("from", fromId);
      next.set("to", toId);
      navigate(`?${next}`, { replace: true });
    }
  }, [versions, from, to, fromId, toId, params, navigate]);
  return (
    <Loaded load={head} what="Loading the versions" heading="Diff">
      {([dataset, list]) => (
        <>
          <DatasetCrumbs dataset={dataset} here="diff" />
          <h1>
            Diff of {dataset.name}
            {fromId && toId ? `: version ${fromId} → ${toId}` : ""}
          </h1>
          {list.length === 0 ? (
            <Empty>This dataset has no version yet.</Empty>
          ) : (
            <>
              <VersionPicker versions={list} from={fromId} to={toId} />
              {fromId && toId ? (
                <div className="diff-result">
                  <DiffView datasetId={dataset.id} from={fromId} to={toId} />
                </div>
              ) : (
                <Empty>
                  Version {toId} is the dataset's first: all its examples were created with it.{" "}
                  {toId && <Link to={paths.version(dataset.id, toId)}>See its examples</Link>}
                </Empty>
              )}
            </>
          )}
        </>
      )}
    </Loaded>
  );
}

function versionLabel(version: Version): string {
  const tags = version.tags.length > 0 ? ` [${version.tags.join(", ")}]` : "";
  return `version ${version.id}${tags} · ${formatCounted(version.example_count, "example")}`;
}

function VersionSelect({
  label,
  versions,
  value,
  onChange,
}: {
  label: string;
  versions: Version[];
  value: string;
  onChange: (value: string) => void;
}) {
  const id = useId();
  // A side the list does not hold (an unknown id, or one older than the latest 1,000) shows the
  // empty "choose" option: a select must never show another version than the address names.
  const known = versions.some((version) => version.id === value);
  return (
    <label htmlFor={id}>
      {label}
      <select id={id} value={known ? value : ""} onChange={(event) => onChange(event.target.value)} required>
        <option value="" disabled>
          {value && !known ? `Choose (no version ${value})` : "Choose a version…"}
        </option>
        {versions.map((version) => (
          <option key={version.id} value={version.id}>
            {versionLabel(version)}
          </option>
        ))}
      </select>
    </label>
  );
}

function VersionPicker({ versions, from, to }: { versions: Version[]; from: string | null; to: string | null }) {
  const [fromValue, setFrom] = useState(from ?? "");
  const [toValue, setTo] = useState(to ?? "");
  const navigate = useNavigate();
  useEffect(() => setFrom(from ?? ""), [from]);
  useEffect(() => setTo(to ?? ""), [to]);
  function submit(event: FormEvent) {
    event.preventDefault();
    navigate(`?${new URLSearchParams({ from: fromValue, to: toValue })}`);
  }
  return (
    <form onSubmit={submit} className="version-picker">
      <VersionSelect label="From" versions={versions} value={fromValue} onChange={setFrom} />
      <VersionSelect label="To" versions={versions} value={toValue} onChange={setTo} />
      <button type="submit">Show the diff</button>
      {from && to && (
        <Link to={`?${new URLSearchParams({ from: to, to: from })}`} className="secondary">
          Swap
        </Link>
      )}
    </form>
  );
}

function DiffView({ datasetId, from, to }: { datasetId: string; from: string; to: string }) {
  const [params] = useSearchParams();
  const load = useLoad(
    (signal) =>
      unwrap(
        api.GET("/v1/datasets/{dataset_id}/diff", {
          params: { path: { dataset_id: datasetId }, query: { from_version_id: from, to_version_id: to } },
          signal,
        }),
      ),
    [datasetId, from, to],
  );
  return (
    <Loaded load={load} what="Comparing the versions">
      {(diff) => {
        const asked = params.get("show") as Kind | null;
        const kind: Kind =
          asked && KINDS.includes(asked) ? asked : (KINDS.find((name) => diff[name].length > 0) ?? "updated");
        const total = diff.created.length + diff.updated.length + diff.deleted.length;
        return (
          <>
            <p>
              <small className="muted">
                digest <code title={diff.from_digest}>{diff.from_digest.slice(0, 12)}…</code> →{" "}
                <code title={diff.to_digest}>{diff.to_digest.slice(0, 12)}…</code>
              </small>
            </p>
            {total === 0 ? (
              <Empty>The two versions hold the same examples with the same content.</Empty>
            ) : (
              <>
                <nav aria-label="Kinds of change" className="kind-tabs">
                  <ul>
                    {KINDS.map((name) => (
                      <li key={name}>
                        <Link
                          to={withParam(withoutPage(params), "show", name)}
                          aria-current={name === kind ? "page" : undefined}
                          preventScrollReset
                        >
                          {formatCount(diff[name].length)} {name}
                        </Link>
                      </li>
                    ))}
                  </ul>
                </nav>
                <ChangedExamples datasetId={datasetId} diff={diff} kind={kind} />
              </>
            )}
          </>
        );
      }}
    </Loaded>
  );
}

function withoutPage(params: URLSearchParams): URLSearchParams {
  const next = new URLSearchParams(params);
  next.delete("page");
  return next;
}

/** The examples of `sourceIds` in a version, by source id. */
async function examplesAt(
  datasetId: string,
  versionId: string,
  sourceIds: string[],
  signal: AbortSignal,
): Promise<Map<string, Example>> {
  if (sourceIds.length === 0) return new Map();
  const page = jsonPage(
    await unwrap(
      api.GET("/v1/datasets/{dataset_id}/examples", {
        params: {
          path: { dataset_id: datasetId },
          query: { version_id: versionId, source_id: sourceIds, limit: sourceIds.length },
        },
        signal,
      }),
    ),
  );
  return new Map(page.data.map((example) => [example.source_id, example]));
}

function ChangedExamples({ datasetId, diff, kind }: { datasetId: string; diff: Diff; kind: Kind }) {
  const [params] = useSearchParams();
  const ids = diff[kind];
  const pages = Math.max(1, Math.ceil(ids.length / DIFF_PAGE_SIZE));
  const pageNumber = Math.min(pages, Math.max(1, Number(params.get("page")) || 1));
  const shown = ids.slice((pageNumber - 1) * DIFF_PAGE_SIZE, pageNumber * DIFF_PAGE_SIZE);
  const from = diff.from_version_id;
  const to = diff.to_version_id;
  // The ids as one string: a new array each render would load again each render.
  const shownKey = shown.join("\u0000");
  const load = useLoad(
    (signal) => {
      const wanted = shownKey ? shownKey.split("\u0000") : [];
      return Promise.all([
        kind === "created" ? new Map<string, Example>() : examplesAt(datasetId, from, wanted, signal),
        kind === "deleted" ? new Map<string, Example>() : examplesAt(datasetId, to, wanted, signal),
      ]);
    },
    [datasetId, from, to, kind, shownKey],
  );
  if (ids.length === 0) return <Empty>No example was {kind}.</Empty>;
  return (
    <section aria-label={`Examples ${kind}`}>
      <Loaded load={load} what="Loading the examples">
        {([before, after]) => (
          <div className="changed-examples">
            {shown.map((sourceId) => {
              const old = before.get(sourceId);
              const current = after.get(sourceId);
              return (
                <article key={sourceId} className={`change change-${kind}`}>
                  <header>
                    <code className="source-id">{sourceId}</code> <span className={`badge badge-${kind}`}>{kind}</span>
                  </header>
                  {kind === "updated" && old && current ? (
                    <UpdatedExample old={old} current={current} from={from} to={to} />
                  ) : (
                    <WholeExample example={old ?? current} />
                  )}
                </article>
              );
            })}
          </div>
        )}
      </Loaded>
      <DiffPager pages={pages} page={pageNumber} />
    </section>
  );
}

const PARTS = ["input", "output", "metadata"] as const;

function UpdatedExample({ old, current, from, to }: { old: Example; current: Example; from: string; to: string }) {
  return (
    <div className="table-wrap">
      <table className="side-by-side-table">
        <thead>
          <tr>
            <th scope="col">Part</th>
            <th scope="col">Version {from}</th>
            <th scope="col">Version {to}</th>
          </tr>
        </thead>
        <tbody>
          {PARTS.map((part) => {
            const changed = jsonDiffers(old[part], current[part]);
            return (
              <tr key={part} className={changed ? "part-changed" : "part-same"}>
                <th scope="row">
                  {part}
                  {changed ? (
                    <>
                      {" "}
                      <span className="badge badge-updated">changed</span>
                    </>
                  ) : (
                    <small className="muted"> (same)</small>
                  )}
                </th>
                <td>
                  <JsonDiff value={old[part]} other={current[part]} side="before" />
                </td>
                <td>
                  <JsonDiff value={current[part]} other={old[part]} side="after" />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function WholeExample({ example }: { example: Example | undefined }) {
  if (!example) {
    return <ErrorMessage error={new ApiError(404, "example_not_found", "The example is in neither version.")} />;
  }
  return (
    <dl className="whole-example">
      {PARTS.map((part) => (
        <div key={part}>
          <dt>{part}</dt>
          <dd>
            <JsonView value={example[part]} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

function DiffPager({ pages, page }: { pages: number; page: number }) {
  const [params] = useSearchParams();
  if (pages <= 1) return null;
  return (
    <nav aria-label="Pages of changed examples" className="pager">
      <ul>
        {page > 1 && (
          <li>
            <Link to={withParam(params, "page", page === 2 ? null : String(page - 1))}>← Previous</Link>
          </li>
        )}
        <li>
          Page {page} of {pages}
        </li>
      </ul>
      <ul>
        {page < pages && (
          <li>
            <Link to={withParam(params, "page", String(page + 1))} rel="next">
              Next →
            </Link>
          </li>
        )}
      </ul>
    </nav>
  );
}
