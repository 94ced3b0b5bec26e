// A body over a limit says which limit and what to do: the server's 413 names its setting and a
// proxy's own limit; a proxy's 413 (an HTML page, not the server's problem details) is told as
// a proxy's, in the Python SDK's words.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ContentTooLargeError, createClient, listDatasets, upsertDataset } from "groundset";
import { expect, inject, test } from "vitest";
import { startServer } from "./server.setup.js";

const records = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ id: `r${i}`, input: { text: "x".repeat(180) } }));

test("the server's 413 names GROUNDSET_MAX_BODY_BYTES and a proxy's limit", async () => {
  const limited = await startServer({ env: { GROUNDSET_MAX_BODY_BYTES: "1000000" } });
  try {
    const client = createClient({ baseUrl: limited.baseUrl, apiKey: inject("groundset").apiKey });
    const error = await upsertDataset({
      client,
      dataset: { datasetName: "qa" },
      examples: records(4000),
      sourceIdKey: "id",
    }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ContentTooLargeError);
    const { code, detail } = error as ContentTooLargeError;
    expect(code).toBe("body_too_large");
    expect(detail).toMatch(
      /^the body is (\d+ bytes, )?over the limit of 1000000 bytes: the server's GROUNDSET_MAX_BODY_BYTES/,
    );
    expect(detail).toContain("a proxy in front of the server may have a limit of its own");
    expect(await listDatasets({ client })).toEqual([]);
  } finally {
    await limited.stop();
  }
});

test("a proxy's 413 page is told as a proxy's", async () => {
  const proxy = createServer((request, response) => {
    request.resume();
    response.writeHead(413, { "content-type": "text/html", connection: "close" });
    response.end("<html><head><title>413 Request Entity Too Large</title></head><body>nginx</body></html>");
  });
  await new Promise<void>((listening) => proxy.listen(0, "127.0.0.1", listening));
  try {
    const { port } = proxy.address() as AddressInfo;
    const client = createClient({ baseUrl: `http://127.0.0.1:${port}`, maxRetries: 0 });
    const error = await upsertDataset({
      client,
      dataset: { datasetName: "qa" },
      examples: records(10),
      sourceIdKey: "id",
    }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ContentTooLargeError);
    expect((error as ContentTooLargeError).code).toBe("http_413");
    expect((error as ContentTooLargeError).detail).toBe(
      "a proxy in front of the server refused the body as too large (its own limit on a request's size, such as " +
        "nginx's client_max_body_size, 1 MB by default; the server's is GROUNDSET_MAX_BODY_BYTES): raise that limit, " +
        "or send less at a time",
    );
  } finally {
    proxy.close();
  }
});
