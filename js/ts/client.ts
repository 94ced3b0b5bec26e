/**
 * The HTTP client: base URL and API key (from the environment by default), a timeout, retries
 * with backoff, and request and response types taken from the server's OpenAPI document
 * (`generated/openapi.ts`), so a route or a field the server lacks does not compile.
 *
 * @module
 */

import { APIConnectionError, type APIError, APITimeoutError, errorFromResponse, GroundsetError } from "./errors.js";
import type { paths } from "./generated/openapi.js";

/** The base URL when neither `baseUrl` nor `GROUNDSET_BASE_URL` is given. */
export const DEFAULT_BASE_URL = "http://127.0.0.1:6060";

/** Options of {@link createClient}; every one is optional. */
export interface ClientOptions {
  /** The server's URL; default `GROUNDSET_BASE_URL`, else `http://127.0.0.1:6060`. */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer <apiKey>`; default `GROUNDSET_API_KEY`. */
  apiKey?: string;
  /** The `fetch` to call; default the global one (Node 18+). Wrap it to log or inspect requests. */
  fetch?: typeof fetch;
  /** Each attempt of a request is aborted after this many milliseconds; default 300,000 (5 minutes). */
  timeoutMs?: number;
  /** Retries after a connection error, a timeout, 429 or 503, with exponential backoff; default 2. */
  maxRetries?: number;
}

type Method = "get" | "post" | "delete";
/** The server's routes that have this method. */
export type PathWith<M extends Method> = {
  [P in keyof paths]: paths[P][M] extends { responses: unknown } ? P : never;
}[keyof paths];
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type Parameters<P extends keyof paths, M extends Method> = Operation<P, M> extends { parameters: infer T } ? T : never;
type PathParameters<P extends keyof paths, M extends Method> = Parameters<P, M> extends { path: infer T } ? T : never;
type QueryParameters<P extends keyof paths, M extends Method> =
  Parameters<P, M> extends { query?: infer T } ? T : never;
/** The JSON body a route takes. */
export type RequestJson<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody: { content: { "application/json": infer T } } } ? T : never;
/** The JSON body a route answers with on success (200 or 201; `undefined` for 204). */
export type ResponseJson<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { responses: { 200: { content: { "application/json": infer T } } } }
    ? T
    : Operation<P, M> extends { responses: { 201: { content: { "application/json": infer T } } } }
      ? T
      : undefined;

/** A request: its path and query parameters, and a JSON body or a body stream of NDJSON lines. */
export interface RequestOptions<P extends keyof paths, M extends Method> {
  path?: PathParameters<P, M>;
  query?: QueryParameters<P, M>;
  /** Serialized with `JSON.stringify`. */
  json?: RequestJson<P, M>;
  /**
   * The body as NDJSON chunks, made anew for every attempt: called once per try, so a retry
   * sends the whole body again.
   */
  ndjson?: () => AsyncIterable<string> | Iterable<string>;
  /** The `Accept` header; default `application/json`. */
  accept?: string;
}

const RETRIED_STATUSES = new Set([429, 503]);
const MAX_BACKOFF_MS = 8_000;

function environment(name: string): string | undefined {
  const value = typeof process === "undefined" ? undefined : process.env[name];
  return value === undefined || value === "" ? undefined : value;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The wait before retry number `attempt` (1-based): a Retry-After in seconds if the server sent one. */
function backoffMs(attempt: number, retryAfter: string | null): number {
  const seconds = retryAfter === null ? Number.NaN : Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) {
    return Math.min(seconds * 1000, MAX_BACKOFF_MS);
  }
  const base = Math.min(250 * 2 ** (attempt - 1), MAX_BACKOFF_MS);
  return base / 2 + Math.random() * (base / 2);
}

function bodyStream(chunks: () => AsyncIterable<string> | Iterable<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let iterator: AsyncIterator<string> | Iterator<string> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (iterator === undefined) {
        const source = chunks();
        iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
      }
      const next = await iterator.next();
      if (next.done) {
        controller.close();
      } else {
        controller.enqueue(encoder.encode(next.value));
      }
    },
    async cancel() {
      await iterator?.return?.();
    },
  });
}

function connectionReason(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause !== undefined && typeof cause === "object") {
    if (typeof cause.code === "string") {
      return cause.code;
    }
    if (typeof cause.message === "string") {
      return cause.message;
    }
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * A connection to a groundset server. Make one with {@link createClient}; every SDK call takes
 * it as `client` (or makes a default one from the environment).
 */
export class Client {
  /** The server's URL, without a trailing slash. */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly #apiKey: string | undefined;
  readonly #fetch: typeof fetch;

  constructor(options: ClientOptions = {}) {
    const baseUrl = options.baseUrl ?? environment("GROUNDSET_BASE_URL") ?? DEFAULT_BASE_URL;
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.#apiKey = options.apiKey ?? environment("GROUNDSET_API_KEY");
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? 300_000;
    this.maxRetries = options.maxRetries ?? 2;
    if (typeof this.#fetch !== "function") {
      throw new GroundsetError("no global fetch: use Node 18 or later, or pass `fetch` to createClient");
    }
    if (!Number.isInteger(this.maxRetries) || this.maxRetries < 0) {
      throw new GroundsetError(`maxRetries must be a non-negative integer, not ${options.maxRetries}`);
    }
    if (!(this.timeoutMs > 0)) {
      throw new GroundsetError(`timeoutMs must be a positive number of milliseconds, not ${options.timeoutMs}`);
    }
  }

  /** The URL of a route with its path and query parameters filled in. */
  url(route: string, path?: object, query?: object): string {
    let filled = route;
    for (const [name, value] of Object.entries(path ?? {})) {
      filled = filled.replace(`{${name}}`, encodeURIComponent(String(value)));
    }
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) {
        search.set(name, String(value));
      }
    }
    const text = search.toString();
    return `${this.baseUrl}${filled}${text === "" ? "" : `?${text}`}`;
  }

  /**
   * Sends a request and returns the successful `Response` (its body unread), retrying
   * connection errors, timeouts, 429 and 503 with backoff.
   *
   * @throws {APIError} (a subclass by status) for any other error status, or once retries ran out.
   * @throws {APIConnectionError} when the server cannot be reached.
   */
  async send<P extends keyof paths, M extends Method>(
    method: M,
    route: P,
    options: RequestOptions<P, M> = {},
  ): Promise<Response> {
    const url = this.url(route, options.path as object | undefined, options.query as object | undefined);
    const label = `${method.toUpperCase()} ${new URL(url).pathname}`;
    const headers: Record<string, string> = { accept: options.accept ?? "application/json" };
    if (this.#apiKey !== undefined) {
      headers.authorization = `Bearer ${this.#apiKey}`;
    }
    const jsonText = options.json === undefined ? undefined : JSON.stringify(options.json);
    if (jsonText !== undefined) {
      headers["content-type"] = "application/json";
    } else if (options.ndjson !== undefined) {
      headers["content-type"] = "application/x-ndjson";
    }
    for (let attempt = 0; ; attempt++) {
      const init: RequestInit & { duplex?: "half" } = {
        method: method.toUpperCase(),
        headers,
        signal: AbortSignal.timeout(this.timeoutMs),
      };
      if (jsonText !== undefined) {
        init.body = jsonText;
      } else if (options.ndjson !== undefined) {
        init.body = bodyStream(options.ndjson);
        init.duplex = "half";
      }
      let response: Response;
      try {
        response = await this.#fetch(url, init);
      } catch (error) {
        if (attempt < this.maxRetries) {
          await delay(backoffMs(attempt + 1, null));
          continue;
        }
        throw this.#connectionError(error, url, attempt);
      }
      if (response.ok) {
        return response;
      }
      if (RETRIED_STATUSES.has(response.status) && attempt < this.maxRetries) {
        await response.body?.cancel();
        await delay(backoffMs(attempt + 1, response.headers.get("retry-after")));
        continue;
      }
      throw await this.#apiError(response, label);
    }
  }

  /** As {@link send}, then the answer's JSON body (`undefined` for 204). */
  async request<P extends keyof paths, M extends Method>(
    method: M,
    route: P,
    options: RequestOptions<P, M> = {},
  ): Promise<ResponseJson<P, M>> {
    const response = await this.send(method, route, options);
    if (response.status === 204) {
      return undefined as ResponseJson<P, M>;
    }
    return (await response.json()) as ResponseJson<P, M>;
  }

  async #apiError(response: Response, label: string): Promise<APIError> {
    let text = "";
    try {
      text = await response.text();
    } catch {
      // The body broke off: the status alone still says what happened.
    }
    return errorFromResponse(response.status, text, label, response.headers.get("x-request-id") ?? undefined);
  }

  #connectionError(error: unknown, url: string, retries: number): APIConnectionError {
    const tries = retries === 0 ? "" : ` (after ${retries + 1} attempts)`;
    if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
      return new APITimeoutError(`no answer from ${url} within ${this.timeoutMs} ms${tries}`, url, { cause: error });
    }
    return new APIConnectionError(
      `cannot reach the groundset server at ${this.baseUrl} (${connectionReason(error)})${tries}: start one with ` +
        "`groundset-server serve`, or point GROUNDSET_BASE_URL (or createClient's baseUrl) at a running one",
      url,
      { cause: error },
    );
  }
}

/**
 * A client for the groundset server at `baseUrl` (default `GROUNDSET_BASE_URL`, else
 * `http://127.0.0.1:6060`), authenticating with `apiKey` (default `GROUNDSET_API_KEY`).
 *
 * ```ts
 * const client = createClient({ baseUrl: "http://127.0.0.1:6060", timeoutMs: 60_000 });
 * await upsertDataset({ client, dataset: { datasetName: "qa" }, examples });
 * ```
 */
export function createClient(options: ClientOptions = {}): Client {
  return new Client(options);
}

let defaultClient: Client | undefined;

/** `client`, or one client made from the environment and kept for later calls. */
export function clientOrDefault(client: Client | undefined): Client {
  if (client !== undefined) {
    return client;
  }
  defaultClient ??= new Client();
  return defaultClient;
}

/** Every page of a listing, in order. */
export async function allPages<T>(
  read: (cursor: string | undefined) => Promise<{ data: T[]; next_cursor: string | null }>,
) {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    items.push(...page.data);
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
  return items;
}
