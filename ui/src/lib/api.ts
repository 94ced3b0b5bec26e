// The REST API client: openapi-fetch typed with the SDK's generated `paths` (never hand-copied),
// on the page's own origin. The API key, when the server has one, lives in sessionStorage (the
// browser session) and goes as `Authorization: Bearer`; any 401 asks for it again.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "../../../js/ts/generated/openapi.ts";

export type Schemas = components["schemas"];
export type Dataset = Schemas["Dataset"];
export type Version = Schemas["Version"];
export type Example = Schemas["Example"];
export type Experiment = Schemas["Experiment"];
export type Problem = Schemas["Problem"];

export const API_KEY_STORAGE = "groundset.apiKey";

export function apiKey(): string | null {
  try {
    return sessionStorage.getItem(API_KEY_STORAGE);
  } catch {
    return null;
  }
}

export function setApiKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(API_KEY_STORAGE);
  else sessionStorage.setItem(API_KEY_STORAGE, key);
}

type KeyListener = (refused: boolean) => void;
const keyListeners = new Set<KeyListener>();

/** Calls `listener(refused)` on every 401: `refused` is true when a key was sent (and is wrong). */
export function onApiKeyNeeded(listener: KeyListener): () => void {
  keyListeners.add(listener);
  return () => keyListeners.delete(listener);
}

const auth: Middleware = {
  onRequest({ request }) {
    const key = apiKey();
    if (key) request.headers.set("Authorization", `Bearer ${key}`);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401) {
      const refused = request.headers.has("Authorization");
      for (const listener of keyListeners) listener(refused);
    }
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: globalThis.location?.origin ?? "" });
api.use(auth);

/** A failed call: `status` 0 when the server did not answer at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail);
    this.name = "ApiError";
  }
}

export const UNREACHABLE = "The server did not answer";

/** The data of an openapi-fetch answer, or an ApiError from its problem (RFC 9457) body. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "unreachable", UNREACHABLE);
  }
  const { data, error, response } = result;
  if (response.ok && data !== undefined) return data;
  const problem = (error ?? {}) as Partial<Problem>;
  if (response.status >= 502 && response.status <= 504 && !problem.code) {
    throw new ApiError(response.status, "unreachable", UNREACHABLE);
  }
  throw new ApiError(
    response.status,
    problem.code ?? `http_${response.status}`,
    problem.detail ?? `${response.status} ${response.statusText}`,
  );
}

/** A JSON answer of a route that can also answer NDJSON (its declared type is a union with the
 * NDJSON text): the page object, or an ApiError if text came instead. */
export function jsonPage<T extends object>(value: T | string): T {
  if (typeof value === "string") throw new ApiError(0, "unexpected_answer", "The server answered text, not JSON");
  return value;
}
