import { rmSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { basename } from "node:path";
import {
  APIConnectionError,
  APIError,
  APITimeoutError,
  AuthenticationError,
  BadRequestError,
  Client,
  createClient,
  DEFAULT_BASE_URL,
  GroundsetError,
  getDataset,
  listDatasets,
  NotFoundError,
  upsertDataset,
  ValidationError,
} from "groundset";
import { afterAll, describe, expect, inject, test } from "vitest";
import { recordingFetch, testClient, uniqueName } from "./api.js";
import { startServer } from "./server.setup.js";

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

/** A TCP server on a free port that accepts connections and never answers. */
async function silentServer(): Promise<{ server: Server; url: string; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  if (address === null || typeof address === "string") {
    throw new Error("no port");
  }
  return { server, url: `http://127.0.0.1:${address.port}`, sockets };
}

function portOf(server: HttpServer): number {
  const address = server.address();
  if (address === null || typeof address === "string") {
    throw new Error("no port");
  }
  return address.port;
}

/** A port nothing listens on (taken, then released). */
async function closedPortUrl(): Promise<string> {
  const { server, url } = await silentServer();
  await new Promise((done) => server.close(done));
  return url;
}

describe("createClient", () => {
  test("defaults come from GROUNDSET_BASE_URL and GROUNDSET_API_KEY, else the local server", async () => {
    const saved = { url: process.env.GROUNDSET_BASE_URL, key: process.env.GROUNDSET_API_KEY };
    try {
      delete process.env.GROUNDSET_BASE_URL;
      expect(createClient().baseUrl).toBe(DEFAULT_BASE_URL);
      const { baseUrl, apiKey } = inject("groundset");
      process.env.GROUNDSET_BASE_URL = `${baseUrl}/`;
      process.env.GROUNDSET_API_KEY = apiKey;
      const fromEnvironment = createClient();
      expect(fromEnvironment.baseUrl).toBe(baseUrl);
      // The key from the environment is accepted by the server.
      expect(Array.isArray(await listDatasets({ client: fromEnvironment }))).toBe(true);
      expect(createClient({ baseUrl: "http://example.invalid:1" }).baseUrl).toBe("http://example.invalid:1");
      expect(() => createClient({ baseUrl: "localhost:6060" })).toThrow(
        'baseUrl must be an http:// or https:// URL, not "localhost:6060"',
      );
      expect(() => createClient({ baseUrl: "127.0.0.1:6060" })).toThrow("baseUrl must be an http:// or https:// URL");
      expect(() => createClient({ baseUrl: "http://h:6060/v1/" })).toThrow(
        'baseUrl is the server\'s root, without /v1: "http://h:6060", not "http://h:6060/v1"',
      );
    } finally {
      for (const [name, value] of [
        ["GROUNDSET_BASE_URL", saved.url],
        ["GROUNDSET_API_KEY", saved.key],
      ] as const) {
        if (value === undefined) {
          delete process.env[name];
        } else {
          process.env[name] = value;
        }
      }
    }
  });

  test("bad options are refused", () => {
    expect(() => createClient({ maxRetries: -1 })).toThrow(/maxRetries must be a non-negative integer/);
    expect(() => createClient({ timeoutMs: 0 })).toThrow(/timeoutMs must be a positive number/);
    expect(createClient()).toBeInstanceOf(Client);
  });
});

describe("errors arrive as their classes, with status, code and the server's message", () => {
  test("a wrong API key is an AuthenticationError", async () => {
    const error = await rejection(listDatasets({ client: testClient({ apiKey: "not-the-key" }) }));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toBeInstanceOf(GroundsetError);
    const authentication = error as AuthenticationError;
    expect({ status: authentication.status, code: authentication.code }).toEqual({ status: 401, code: "unauthorized" });
    expect(authentication.detail).toContain("Authorization: Bearer");
    expect(authentication.message).toBe(`GET /v1/datasets: HTTP 401 unauthorized: ${authentication.detail}`);
    expect(authentication.requestId).toMatch(/^[0-9a-f]{32}$/);
  });

  test("a missing dataset is a NotFoundError, by id and by name", async () => {
    const byId = await rejection(getDataset({ client: testClient(), dataset: { datasetId: "999999" } }));
    expect(byId).toBeInstanceOf(NotFoundError);
    expect((byId as NotFoundError).status).toBe(404);
    const byName = await rejection(getDataset({ client: testClient(), dataset: { datasetName: uniqueName("none") } }));
    expect(byName).toBeInstanceOf(NotFoundError);
    expect((byName as NotFoundError).message).toMatch(/no dataset is named "none-/);
  });

  test("a request the server cannot accept is a ValidationError; an unreadable one a BadRequestError", async () => {
    const client = testClient();
    const invalid = await rejection(client.request("get", "/v1/datasets", { query: { limit: 5000 } }));
    expect(invalid).toBeInstanceOf(ValidationError);
    expect((invalid as ValidationError).status).toBe(422);
    expect((invalid as ValidationError).code).toBe("invalid_request");

    const unreadable = await rejection(
      client.request("post", "/v1/datasets/upsert", { ndjson: () => ["this is not json\n"] }),
    );
    expect(unreadable).toBeInstanceOf(BadRequestError);
    expect((unreadable as BadRequestError).status).toBe(400);
    expect((unreadable as BadRequestError).problem.line).toBe(1);
  });

  test("a source id the server refuses names the examples", async () => {
    const client = testClient();
    const error = await rejection(
      client.request("post", "/v1/datasets/upsert", {
        json: {
          dataset: { name: uniqueName("refused") },
          examples: [{ source_id: "a", content_hash: "0".repeat(64), input: { q: 1 } }],
        },
      }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    const validation = error as ValidationError;
    expect(validation.code).toBe("hash_mismatch");
    expect(validation.problem.source_ids).toEqual(["a"]);
    expect(validation.message).toContain("[source ids: a]");
  });
});

describe("connections", () => {
  const servers: Array<{ server: Server; sockets: Set<Socket> }> = [];
  afterAll(async () => {
    for (const { server, sockets } of servers) {
      // close() waits for open connections: the silent server's are ended first.
      for (const socket of sockets) {
        socket.destroy();
      }
      await new Promise((done) => server.close(done));
    }
  });

  test("an unreachable server is an APIConnectionError naming the URL and how to start one, after retries", async () => {
    const url = await closedPortUrl();
    const { fetch, sent } = recordingFetch();
    const error = await rejection(
      upsertDataset({
        client: createClient({ baseUrl: url, fetch, maxRetries: 2 }),
        dataset: { datasetName: "x" },
        examples: [{ input: { q: 1 } }],
      }),
    );
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error).toBeInstanceOf(GroundsetError);
    const connection = error as APIConnectionError;
    // Two sentences, the port to serve on as the Python SDK gives it.
    expect(connection.message).toBe(
      `cannot reach the groundset server at ${url} (ECONNREFUSED) (after 3 attempts). Start one with ` +
        `\`groundset-server serve --port ${new URL(url).port}\`, or set GROUNDSET_BASE_URL (or createClient's ` +
        "baseUrl) to the URL of a running server.",
    );
    expect(sent).toHaveLength(3);
  });

  test("no answer within timeoutMs is an APITimeoutError", async () => {
    const silent = await silentServer();
    servers.push(silent);
    const { url } = silent;
    const started = Date.now();
    const error = await rejection(
      listDatasets({ client: createClient({ baseUrl: url, timeoutMs: 300, maxRetries: 0 }) }),
    );
    expect(error).toBeInstanceOf(APITimeoutError);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect((error as APITimeoutError).message).toContain("within 300 ms");
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  test("timeoutMs bounds each step, not the whole answer: a slow answer that keeps moving is read whole", async () => {
    // Headers at once, then the body in 8 pieces 100 ms apart: 800 ms in all, never 300 ms idle.
    const slow = createHttpServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      const pieces = ['{"data":', "[]", ",", '"next_cursor"', ":", "null", " ", "}"];
      const timer = setInterval(() => {
        const piece = pieces.shift();
        if (piece === undefined) {
          clearInterval(timer);
          response.end();
        } else {
          response.write(piece);
        }
      }, 100);
    });
    await new Promise<void>((done) => slow.listen(0, "127.0.0.1", done));
    const stalled = createHttpServer((_request, response) => {
      // Headers and a first piece, then nothing: the read times out.
      response.writeHead(200, { "content-type": "application/json" });
      response.write('{"data":');
    });
    await new Promise<void>((done) => stalled.listen(0, "127.0.0.1", done));
    try {
      const started = Date.now();
      const slowClient = createClient({ baseUrl: `http://127.0.0.1:${portOf(slow)}`, timeoutMs: 300, maxRetries: 0 });
      expect(await listDatasets({ client: slowClient })).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(700);
      const stalledClient = createClient({
        baseUrl: `http://127.0.0.1:${portOf(stalled)}`,
        timeoutMs: 300,
        maxRetries: 0,
      });
      const error = await rejection(listDatasets({ client: stalledClient }));
      expect((error as Error).name).toBe("TimeoutError");
    } finally {
      slow.closeAllConnections();
      stalled.closeAllConnections();
      await Promise.all([slow, stalled].map((server) => new Promise((done) => server.close(done))));
    }
  });

  test("the default timeout is the contract's: 60 s", () => {
    expect(createClient().timeoutMs).toBe(60_000);
  });

  test("429 and 503 are retried; other errors are not", async () => {
    // The test server never answers 503 or 429: this fetch answers the first attempts itself.
    const { fetch: real, sent } = recordingFetch();
    let busy = 2;
    const flaky = (async (input: string | URL | Request, init?: RequestInit) => {
      if (busy > 0) {
        busy--;
        return new Response(JSON.stringify({ code: "busy", detail: "try later" }), {
          status: busy === 1 ? 503 : 429,
          headers: { "content-type": "application/problem+json", "retry-after": "0" },
        });
      }
      return real(input, init);
    }) as typeof fetch;
    const datasets = await listDatasets({ client: testClient({ fetch: flaky }) });
    expect(Array.isArray(datasets)).toBe(true);
    expect(busy).toBe(0);
    expect(sent).toHaveLength(1);

    let calls = 0;
    const notFound = (async (input: string | URL | Request, init?: RequestInit) => {
      calls++;
      return fetch(input, init);
    }) as typeof fetch;
    await rejection(getDataset({ client: testClient({ fetch: notFound }), dataset: { datasetId: "424242" } }));
    expect(calls).toBe(1);
  });

  test("503 database_gone is raised after one request: a database gone is not retried", async () => {
    const gone = await startServer();
    try {
      const database = gone.databaseUrl.slice("sqlite:///".length);
      for (const suffix of ["", "-wal", "-shm"]) {
        rmSync(`${database}${suffix}`, { force: true });
      }
      const { fetch: recording, sent } = recordingFetch();
      const client = createClient({ baseUrl: gone.baseUrl, apiKey: inject("groundset").apiKey, fetch: recording });
      const error = await rejection(listDatasets({ client }));
      expect(error).toBeInstanceOf(APIError);
      expect((error as APIError).status).toBe(503);
      expect((error as APIError).code).toBe("database_gone");
      expect((error as APIError).detail).toContain(`the SQLite database file '${basename(database)}' cannot be opened`);
      expect(sent).toHaveLength(1);
    } finally {
      await gone.stop();
    }
  });
});
