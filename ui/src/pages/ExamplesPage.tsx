import { type FormEvent, useEffect, useId, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { DatasetCrumbs } from "../components/DatasetCrumbs";
import { JsonView } from "../components/JsonView";
import { Pager, useCursor, withParam } from "../components/Pager";
import { Empty, Loaded } from "../components/State";
import { Tags } from "../components/Tags";
import { api, jsonPage, unwrap } from "../lib/api";
import { formatCounted, formatDate } from "../lib/format";
import { paths } from "../lib/paths";
import { useLoad } from "../lib/useLoad";

export const EXAMPLE_PAGE_SIZES = [25, 50, 100] as const;

function pageSize(text: string | null): number {
  const size = Number(text);
  return (EXAMPLE_PAGE_SIZES as readonly number[]).includes(size) ? size : EXAMPLE_PAGE_SIZES[0];
}

export function ExamplesPage() {
  const { datasetId = "", versionId = "" } = useParams();
  const [params] = useSearchParams();
  const q = params.get("q") ?? "";
  const limit = pageSize(params.get("limit"));
  const cursor = useCursor();
  const head = useLoad(
    (signal) =>
      Promise.all([
        unwrap(api.GET("/v1/datasets/{dataset_id}", { params: { path: { dataset_id: datasetId } }, signal })),
        unwrap(
          api.GET("/v1/datasets/{dataset_id}/versions/{version_id}", {
            params: { path: { dataset_id: datasetId, version_id: versionId } },
            signal,
          }),
        ),
      ]),
    [datasetId, versionId],
  );
  const examples = useLoad(
    async (signal) =>
      jsonPage(
        await unwrap(
          api.GET("/v1/datasets/{dataset_id}/examples", {
            params: {
              path: { dataset_id: datasetId },
              query: { version_id: versionId, cursor, limit, ...(q ? { q } : {}) },
            },
            signal,
          }),
        ),
      ),
    [datasetId, versionId, cursor, limit, q],
  );
  return (
    <Loaded load={head} what="Loading the version" heading={`Version ${versionId}`}>
      {([dataset, version]) => (
        <>
          <DatasetCrumbs dataset={dataset} here={`version ${version.id}`} />
          <hgroup>
            <h1>
              {dataset.name}, version {version.id} <Tags tags={version.tags} />
            </h1>
            <p>
              {formatCounted(version.example_count, "example")} ·{" "}
              <time dateTime={version.created_at} title={version.created_at}>
                {formatDate(version.created_at)}
              </time>{" "}
              · digest{" "}
              <code className="id" title={version.digest}>
                {version.digest.slice(0, 16)}…
              </code>
              {version.id !== dataset.latest_version_id && dataset.latest_version_id && (
                <>
                  {" · "}
                  <Link to={paths.version(dataset.id, dataset.latest_version_id)}>latest version</Link>
                </>
              )}
              {" · "}
              <Link to={paths.diff(dataset.id, undefined, version.id)}>what changed</Link>
            </p>
          </hgroup>
          {version.description && <p>{version.description}</p>}
          <SearchForm q={q} limit={limit} />
          <Loaded load={examples} what="Loading the examples">
            {(page) =>
              page.data.length === 0 ? (
                <Empty>{q ? `No example of this version matches “${q}”.` : "This version holds no examples."}</Empty>
              ) : (
                <>
                  <p className="muted">
                    <small>
                      {q ? `Examples whose source id or text matches “${q}”` : "Examples"}, oldest first,{" "}
                      {page.data.length} on this page
                      {page.next_cursor ? ", more on the next" : ""}.
                    </small>
                  </p>
                  <div className="table-wrap">
                    <table className="examples">
                      <thead>
                        <tr>
                          <th scope="col">Source id</th>
                          <th scope="col">Input</th>
                          <th scope="col">Output</th>
                          <th scope="col">Metadata</th>
                        </tr>
                      </thead>
                      <tbody>
                        {page.data.map((example) => (
                          <tr key={example.id} data-source-id={example.source_id}>
                            <th scope="row">
                              <code className="source-id" title={`content hash ${example.content_hash}`}>
                                {example.source_id}
                              </code>
                              {example.version_id !== version.id && (
                                <>
                                  <br />
                                  <small className="muted">since version {example.version_id}</small>
                                </>
                              )}
                            </th>
                            <td data-label="Input">
                              <JsonView value={example.input} />
                            </td>
                            <td data-label="Output">
                              <JsonView value={example.output} />
                            </td>
                            <td data-label="Metadata">
                              <JsonView value={example.metadata} />
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                  <Pager nextCursor={page.next_cursor} label="Pages of examples" />
                </>
              )
            }
          </Loaded>
        </>
      )}
    </Loaded>
  );
}

function SearchForm({ q, limit }: { q: string; limit: number }) {
  const [text, setText] = useState(q);
  // Back and forward change `q` without this form: show the search of the page shown.
  useEffect(() => setText(q), [q]);
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const searchId = useId();
  const sizeId = useId();
  function go(next: { q?: string; limit?: number }) {
    let search = withParam(params, "cursor", null);
    search = withParam(new URLSearchParams(search), "q", (next.q ?? q) || null);
    const size = next.limit ?? limit;
    search = withParam(new URLSearchParams(search), "limit", size === EXAMPLE_PAGE_SIZES[0] ? null : String(size));
    navigate(search);
  }
  function submit(event: FormEvent) {
    event.preventDefault();
    go({ q: text.trim() });
  }
  return (
    <search className="search-bar">
      <form onSubmit={submit}>
        <input
          id={searchId}
          type="search"
          name="q"
          aria-label="Search source ids and text"
          placeholder="Search source ids and text (input, output, metadata)"
          value={text}
          onChange={(event) => setText(event.target.value)}
        />
        <button type="submit">Search</button>
      </form>
      <label htmlFor={sizeId} className="page-size">
        Per page
        <select id={sizeId} value={limit} onChange={(event) => go({ limit: Number(event.target.value) })}>
          {EXAMPLE_PAGE_SIZES.map((size) => (
            <option key={size} value={size}>
              {size}
            </option>
          ))}
        </select>
      </label>
    </search>
  );
}
