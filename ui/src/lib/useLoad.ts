import { type DependencyList, useEffect, useState } from "react";
import { ApiError } from "./api";

export type Load<T> =
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "ok"; data: T; refreshing: boolean };

/** Runs `load` when `deps` change (the previous call's signal aborted) and tracks its state;
 * while a new call runs, the last data stays on screen (`refreshing`). */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): Load<T> {
  const [state, setState] = useState<Load<T>>({ status: "loading" });
  // The caller lists what `load` reads (biome checks the callers: biome.json's hooks option).
  useEffect(() => {
    const controller = new AbortController();
    setState((previous) => (previous.status === "ok" ? { ...previous, refreshing: true } : { status: "loading" }));
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ status: "ok", data, refreshing: false });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        const failure =
          error instanceof ApiError
            ? error
            : new ApiError(0, "client_error", String((error as Error)?.message ?? error));
        setState({ status: "error", error: failure });
      },
    );
    return () => controller.abort();
  }, deps);
  return state;
}
