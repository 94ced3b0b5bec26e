// Server-side cursor paging with shareable URLs: the page's cursor is a query parameter
// (`?cursor=` by default; a page with two paged lists names one of them otherwise); the cursors
// of the pages before it ride in the history state, so "Previous" works without reloading them.
import { Link, useLocation, useSearchParams } from "react-router";

type PagerState = Record<string, (string | null)[] | undefined>;

/** The current page's cursor from the URL (`?cursor=` or `?<param>=`), null on the first page. */
export function useCursor(param = "cursor"): string | null {
  const [params] = useSearchParams();
  return params.get(param);
}

/** The URL's search with `name` set to `value` (removed for null), the other parameters kept. */
export function withParam(params: URLSearchParams, name: string, value: string | null): string {
  const next = new URLSearchParams(params);
  if (value === null || value === "") next.delete(name);
  else next.set(name, value);
  const text = next.toString();
  return text ? `?${text}` : "?";
}

/** Links to the first, previous and next page; `nextCursor` is the page answer's `next_cursor`. */
export function Pager({
  nextCursor,
  label = "Pages",
  param = "cursor",
}: {
  nextCursor: string | null | undefined;
  label?: string;
  param?: string;
}) {
  const [params] = useSearchParams();
  const location = useLocation();
  const cursor = params.get(param);
  const state = (location.state as PagerState | null) ?? {};
  const previous = state[param] ?? [];
  if (cursor === null && !nextCursor) return null;
  const back = previous.length > 0 ? (previous[previous.length - 1] ?? null) : null;
  return (
    <nav aria-label={label} className="pager">
      <ul>
        {cursor !== null && (
          <li>
            <Link to={withParam(params, param, null)} preventScrollReset>
              First page
            </Link>
          </li>
        )}
        {cursor !== null && previous.length > 0 && (
          <li>
            <Link
              to={withParam(params, param, back)}
              state={{ ...state, [param]: previous.slice(0, -1) }}
              preventScrollReset
            >
              ← Previous
            </Link>
          </li>
        )}
      </ul>
      <ul>
        {nextCursor && (
          <li>
            <Link
              to={withParam(params, param, nextCursor)}
              state={{ ...state, [param]: [...previous, cursor] }}
              preventScrollReset
              rel="next"
            >
              Next →
            </Link>
          </li>
        )}
      </ul>
    </nav>
  );
}
