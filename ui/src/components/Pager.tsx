// Server-side cursor paging with shareable URLs: the page's cursor is `?cursor=`; the cursors
// of the pages before it ride in the history state, so "Previous" works without reloading them.
import { Link, useLocation, useSearchParams } from "react-router";

interface PagerState {
  previous?: (string | null)[];
}

/** The current page's cursor from the URL (`?cursor=`), null on the first page. */
export function useCursor(): string | null {
  const [params] = useSearchParams();
  return params.get("cursor");
}

function withCursor(params: URLSearchParams, cursor: string | null): string {
  const next = new URLSearchParams(params);
  if (cursor === null) next.delete("cursor");
  else next.set("cursor", cursor);
  const text = next.toString();
  return text ? `?${text}` : "?";
}

/** Links to the first, previous and next page; `nextCursor` is the page answer's `next_cursor`. */
export function Pager({ nextCursor, label = "Pages" }: { nextCursor: string | null | undefined; label?: string }) {
  const [params] = useSearchParams();
  const location = useLocation();
  const cursor = params.get("cursor");
  const previous = ((location.state as PagerState | null)?.previous ?? []).slice();
  if (cursor === null && !nextCursor) return null;
  const back = previous.length > 0 ? (previous[previous.length - 1] ?? null) : null;
  return (
    <nav aria-label={label} className="pager">
      <ul>
        {cursor !== null && (
          <li>
            <Link to={withCursor(params, null)}>First page</Link>
          </li>
        )}
        {cursor !== null && previous.length > 0 && (
          <li>
            <Link to={withCursor(params, back)} state={{ previous: previous.slice(0, -1) } satisfies PagerState}>
              ← Previous
            </Link>
          </li>
        )}
      </ul>
      <ul>
        {nextCursor && (
          <li>
            <Link to={withCursor(params, nextCursor)} state={{ previous: [...previous, cursor] } satisfies PagerState}>
              Next →
            </Link>
          </li>
        )}
      </ul>
    </nav>
  );
}
