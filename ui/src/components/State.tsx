// Loading, empty and error states, said in words (and announced to screen readers).
import type { ReactNode } from "react";
import { type ApiError, UNREACHABLE } from "../lib/api";
import type { Load } from "../lib/useLoad";

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <p aria-busy="true" className="state">
      {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state empty">{children}</p>;
}

export function ErrorMessage({ error }: { error: ApiError }) {
  let text: string;
  if (error.status === 0 || error.code === "unreachable") text = `${UNREACHABLE}. Is groundset-server running?`;
  else if (error.status === 401) text = "An API key is needed to read this.";
  else text = error.detail;
  return (
    <article className="state error" role="alert">
      <strong>{error.status === 404 ? "Not found" : "Error"}</strong>
      <p>{text}</p>
      {error.status > 0 && (
        <small>
          HTTP {error.status}, <code>{error.code}</code>
        </small>
      )}
    </article>
  );
}

/** Renders `children(data)` once `load` has data; its loading and error states before, under
 * `heading` as the page's `<h1>` when given (a page whose title comes with its data). */
export function Loaded<T>({
  load,
  what,
  heading,
  children,
}: {
  load: Load<T>;
  what?: string;
  heading?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  if (load.status !== "ok") {
    return (
      <>
        {heading !== undefined && <h1>{heading}</h1>}
        {load.status === "loading" ? <Loading what={what} /> : <ErrorMessage error={load.error} />}
      </>
    );
  }
  return (
    <div aria-busy={load.refreshing} className="loaded">
      {children(load.data)}
    </div>
  );
}
