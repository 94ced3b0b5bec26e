import { Link } from "react-router";
import { Pager, useCursor } from "../components/Pager";
import { Empty, Loaded } from "../components/State";
import { api, unwrap } from "../lib/api";
import { formatCount, formatDate, shortId } from "../lib/format";
import { paths } from "../lib/paths";
import { useLoad } from "../lib/useLoad";

export function DatasetsPage() {
  const cursor = useCursor();
  const load = useLoad(
    (signal) => unwrap(api.GET("/v1/datasets", { params: { query: { cursor, limit: 50 } }, signal })),
    [cursor],
  );
  return (
    <>
      <h1>Datasets</h1>
      <Loaded load={load} what="Loading the datasets">
        {(page) =>
          page.data.length === 0 ? (
            <Empty>No datasets yet: upsert one with the SDK or `groundset upsert`.</Empty>
          ) : (
            <>
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Latest version</th>
                      <th scope="col" className="number">
                        Examples
                      </th>
                      <th scope="col">Last change</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.data.map((dataset) => (
                      <tr key={dataset.id}>
                        <td>
                          <Link to={paths.dataset(dataset.id)}>{dataset.name}</Link>
                        </td>
                        <td>
                          {dataset.latest_version_id ? (
                            <Link to={paths.version(dataset.id, dataset.latest_version_id)}>
                              <code className="id">{shortId(dataset.latest_version_id)}</code>
                            </Link>
                          ) : (
                            <span className="muted">none</span>
                          )}
                        </td>
                        <td className="number">{formatCount(dataset.example_count)}</td>
                        <td title={dataset.updated_at}>{formatDate(dataset.updated_at)}</td>
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
