import { Link } from "react-router";
import { Pager, useCursor } from "../components/Pager";
import { Empty, Loaded } from "../components/State";
import { Tags } from "../components/Tags";
import { api, unwrap } from "../lib/api";
import { formatCount, formatDate } from "../lib/format";
import { paths } from "../lib/paths";
import { useLoad } from "../lib/useLoad";

export const DATASETS_PAGE_SIZE = 50;

export function DatasetsPage() {
  const cursor = useCursor();
  const load = useLoad(
    (signal) => unwrap(api.GET("/v1/datasets", { params: { query: { cursor, limit: DATASETS_PAGE_SIZE } }, signal })),
    [cursor],
  );
  return (
    <>
      <h1>Datasets</h1>
      <Loaded load={load} what="Loading the datasets">
        {(page) =>
          page.data.length === 0 ? (
            <Empty>No datasets yet: upsert one with an SDK or the CLI (groundset upsert).</Empty>
          ) : (
            <>
              <div className="table-wrap">
                <table className="striped datasets">
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Latest version</th>
                      <th scope="col" className="number">
                        Examples
                      </th>
                      <th scope="col">Last change</th>
                      <th scope="col">Tags</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.data.map((dataset) => (
                      <tr key={dataset.id}>
                        <td data-label="Name">
                          <Link to={paths.dataset(dataset.id)}>{dataset.name}</Link>
                          {dataset.description && (
                            <>
                              <br />
                              <small className="muted">{dataset.description}</small>
                            </>
                          )}
                        </td>
                        <td data-label="Latest version">
                          {dataset.latest_version_id ? (
                            <Link
                              to={paths.version(dataset.id, dataset.latest_version_id)}
                              aria-label={`Examples of version ${dataset.latest_version_id} of ${dataset.name}`}
                            >
                              version {dataset.latest_version_id}
                            </Link>
                          ) : (
                            <span className="muted">none</span>
                          )}
                        </td>
                        <td className="number" data-label="Examples">
                          {formatCount(dataset.example_count)}
                        </td>
                        <td data-label="Last change">
                          <time dateTime={dataset.updated_at} title={dataset.updated_at}>
                            {formatDate(dataset.updated_at)}
                          </time>
                        </td>
                        <td data-label="Tags">
                          <Tags tags={dataset.tags} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager nextCursor={page.next_cursor} label="Pages of datasets" />
            </>
          )
        }
      </Loaded>
    </>
  );
}
