/**
 * The HTTP client: base URL and API key (from the environment by default), a timeout, retries
 * with backoff, and request and response types taken from the server's OpenAPI document
 * (`generated/openapi.ts`), so a route or a field the server lacks does not compile. The
 * defaults and the retry policy are those of `contract/sdk.json` (`constants.ts`), the same as
 * the Python SDK's.
 *
 * @module
 */

import {
  BACKOFF_BASE_SECONDS,
  BACKOFF_JITTER,
  BACKOFF_MAX_SECONDS,
  DEFAULT_BASE_URL,
  MAX_RETRIES,
  RETRIED_STATUSES,
  RETRY_AFTER_MAX_SECONDS,
  TIMEOUT_SECONDS,
  UNRETRIED_CODES,
} from "./constants.js";
import { APIConnectionError, type APIError, APITimeoutError, errorFromResponse, GroundsetError } from "./errors.js";
import type { paths } from "./generated/openapi.js";

export { DEFAULT_BASE_URL };

/** Options of {@link createClient}; every one is optional. */
export interface ClientOptions {
  /** The server's URL; default `GROUNDSET_BASE_URL`, else `http://127.0.0.1:6060`. */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer <apiKey>`; default `GROUNDSET_API_KEY`. */
  apiKey?: string;
  /** The `fetch` to call; default the global one (Node 18+). Wrap it to log or inspect requests. */
  fetch?: typeof fetch;
  /**
   * How long to wait for the server at any one step, in milliseconds: connecting, sending the
   * next chunk of the body, receiving the answer's headers or its next chunk. Not a bound on the
   * whole request, so a large upload that keeps moving is never cut. Default 60,000 (the
   * contract's `TIMEOUT_SECONDS`, the Python SDK's `timeout=60`).
   */
  timeoutMs?: number;
  /**
   * Retries after a connection error, a timeout, 429 or 503 (not 503 `database_gone`), with exponential backoff;
   * default 2.
   */
  maxRetries?: number;
}

type Method = "get" | "post" | "put" | "delete";
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
  ndjson?: () => AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;
  /** The `Accept` header; default `application/json`. */
  accept?: string;
  /**
   * Wait for each chunk of a successful answer's body without the `timeoutMs` bound: for an
   * answer whose server works long before its first byte (a CSV export plans its columns first).
   */
  patient?: boolean;
  /**
   * Called each time the request is to be tried again after a connection error or a timeout:
   * the experiment runner holds back new task calls meanwhile.
   */
  onConnectionRetry?: () => void;
}

/** A Retry-After in delta-seconds (an HTTP-date is ignored), read as the Python SDK reads it. */
const RETRY_AFTER = /^(\d+\.?\d*|\.\d+)$/;

function environment(name: string): string | undefined {
  const value = typeof process === "undefined" ? undefined : process.env[name];
  return value === undefined || value === "" ? undefined : value;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The wait before retry number `attempt` (1-based), by the contract's policy: a Retry-After in
 * seconds if the server sent one (up to `RETRY_AFTER_MAX_SECONDS`), else exponential backoff
 * from `BACKOFF_BASE_SECONDS` capped at `BACKOFF_MAX_SECONDS`, lengthened by up to
 * `BACKOFF_JITTER` at random.
 */
function backoffMs(attempt: number, retryAfter: string | null): number {
  if (retryAfter !== null && RETRY_AFTER.test(retryAfter)) {
    return Math.min(Number(retryAfter), RETRY_AFTER_MAX_SECONDS) * 1000;
  }
  const base = Math.min(BACKOFF_BASE_SECONDS * 2 ** (attempt - 1), BACKOFF_MAX_SECONDS) * 1000;
  return base * (1 + Math.random() * BACKOFF_JITTER);
}

/**
 * Aborts its signal once `ms` pass without a {@link touch}: the timeout of one step, as httpx
 * applies it to each connect, write and read, rather than `AbortSignal.timeout` over a whole
 * request, which would cut a large upload that is still moving.
 */
class IdleTimer {
  readonly #controller = new AbortController();
  readonly #ms: number;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(ms: number) {
    this.#ms = ms;
    this.touch();
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  touch(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#controller.abort(new DOMException(`no progress within ${this.#ms} ms`, "TimeoutError"));
    }, this.#ms);
    // An answer left unread must not keep the process alive until the timer fires.
    this.#timer.unref?.();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}

/** `response` with a body that touches `timer` at every chunk and stops it at the end. */
/**
 * Whether an answer of a retried status is raised at once: its problem code is one of
 * `UNRETRIED_CODES` (503 `database_gone`: a database gone under the running server is not back
 * seconds later). Reads a copy of the body, so the answer can still be read or cancelled.
 */
async function unretried(response: Response): Promise<boolean> {
  try {
    const problem: unknown = await response.clone().json();
    const code = typeof problem === "object" && problem !== null ? (problem as { code?: unknown }).code : undefined;
    return typeof code === "string" && UNRETRIED_CODES.has(code);
  } catch {
    return false;
  }
}

function watched(response: Response, timer: IdleTimer): Response {
  if (response.body === null) {
    timer.stop();
    return response;
  }
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        timer.touch();
        controller.enqueue(chunk);
      },
      flush() {
        timer.stop();
      },
    }),
  );
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/**
 * The request body of `chunks` (bytes pass through as they are); an error thrown by `chunks`
 * itself (a bad record found while the body is written) cuts the body off and is kept in
 * `failed`, for `send` to throw as it is, never retried.
 */
function bodyStream(
  chunks: () => AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  onChunk: () => void,
  failed: { error?: unknown },
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let iterator: AsyncIterator<string | Uint8Array> | Iterator<string | Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: IteratorResult<string | Uint8Array>;
      try {
        if (iterator === undefined) {
          const source = chunks();
          iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
        }
        next = await iterator.next();
      } catch (error) {
        failed.error = error;
        throw error;
      }
      onChunk();
      if (next.done) {
        controller.close();
      } else {
        controller.enqueue(typeof next.value === "string" ? encoder.encode(next.value) : next.value);
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

/** The URL, or `undefined` for text that is not one (Node 18.0 lacks `URL.canParse`). */
function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
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
    const parsed = parseUrl(this.baseUrl);
    if (parsed === undefined || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
      throw new GroundsetError(`baseUrl must be an http:// or https:// URL, not ${JSON.stringify(this.baseUrl)}`);
    }
    if (parsed.pathname.endsWith("/v1")) {
      // Every path is /v1/...: the URL would reach /v1/v1/..., a 404 that names nothing.
      const root = this.baseUrl.slice(0, -"/v1".length);
      throw new GroundsetError(
        `baseUrl is the server's root, without /v1: ${JSON.stringify(root)}, not ${JSON.stringify(this.baseUrl)}`,
      );
    }
    this.#apiKey = options.apiKey ?? environment("GROUNDSET_API_KEY");
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? TIMEOUT_SECONDS * 1000;
    this.maxRetries = options.maxRetries ?? MAX_RETRIES;
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
      const text = String(value);
      if (text === "" || text === "." || text === ".." || text.includes("/")) {
        // No escape keeps these one segment: fetch folds `tags/..` (and `%2E%2E`) into the
        // path around it (RFC 3986 section 5.2.4), and the server routes an escaped `/` as `/`
        // (`datasets/1%2Fschema` is the schema's route). No id, version or tag holds either.
        throw new TypeError(
          `${name} ${JSON.stringify(text)} cannot be one segment of a URL path: it would reach another route`,
        );
      }
      filled = filled.replace(`{${name}}`, encodeURIComponent(text));
    }
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query ?? {})) {
      // A list is a repeated parameter (`only=a&only=b`), as FastAPI reads it.
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item !== undefined && item !== null) {
          search.append(name, String(item));
        }
      }
    }
    const text = search.toString();
    return `${this.baseUrl}${filled}${text === "" ? "" : `?${text}`}`;
  }

  /**
   * Sends a request and returns the successful `Response` (its body unread, still under the
   * timeout between chunks), retrying connection errors, timeouts, 429 and 503 with backoff.
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
    // An error of the body's own chunks: the request was cut off for it.
    const failed: { error?: unknown } = {};
    for (let attempt = 0; ; attempt++) {
      const timer = new IdleTimer(this.timeoutMs);
      const init: RequestInit & { duplex?: "half"; window?: null } = {
        method: method.toUpperCase(),
        headers,
        signal: timer.signal,
      };
      if (jsonText !== undefined) {
        init.body = jsonText;
      } else if (options.ndjson !== undefined) {
        init.body = bodyStream(options.ndjson, () => timer.touch(), failed);
        init.duplex = "half";
        // Not followed (a streamed body cannot be sent again), and so not cloned: fetch tees the
        // body of a request it may have to follow, and the branch nobody reads holds every chunk
        // sent until the response (the whole body: for a million examples, GBs of external
        // memory, each 64 MB of it a full collection of the caller's heap that frees nothing).
        init.redirect = "error";
        init.window = null;
      }
      let response: Response;
      try {
        response = await this.#fetch(url, init);
        timer.touch();
      } catch (error) {
        timer.stop();
        if (failed.error !== undefined) {
          throw failed.error;
        }
        if (attempt < this.maxRetries) {
          options.onConnectionRetry?.();
          await delay(backoffMs(attempt + 1, null));
          continue;
        }
        throw this.#connectionError(error, url, attempt);
      }
      if (response.ok) {
        if (options.patient) {
          timer.stop();
          return response;
        }
        return watched(response, timer);
      }
      if (RETRIED_STATUSES.has(response.status) && attempt < this.maxRetries && !(await unretried(response))) {
        timer.stop();
        await response.body?.cancel();
        await delay(backoffMs(attempt + 1, response.headers.get("retry-after")));
        continue;
      }
      try {
        throw await this.#apiError(response, label);
      } finally {
        timer.stop();
      }
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
    // The port to serve on is the one this client asks for, as the Python SDK says it.
    const port = new URL(this.baseUrl).port || "6060";
    return new APIConnectionError(
      `cannot reach the groundset server at ${this.baseUrl} (${connectionReason(error)})${tries}. Start one with ` +
        `\`groundset-server serve --port ${port}\`, or set GROUNDSET_BASE_URL (or createClient's baseUrl) to the ` +
        "URL of a running server.",
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
