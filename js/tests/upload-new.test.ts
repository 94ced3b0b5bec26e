// A new dataset's upload while its records are hashed (STREAM_THRESHOLD records and more), as the
// Python SDK's upload_new, against the test server.
import { ExampleError, getDataset, listDatasets, manifestDigest, NotFoundError, upsertDataset } from "groundset";
import { describe, expect, test } from "vitest";
import { STREAM_CHUNK, STREAM_THRESHOLD } from "../ts/constants.js";
import { prepareExamples } from "../ts/records.js";
import { testClient, uniqueName } from "./api.js";

/** A fetch that passes everything on, noting each request and how many body bytes left. */
interface Counted {
  method: string;
  path: string;
  bytes: number;
  status: number;
}

function countingFetch(): { fetch: typeof fetch; sent: Counted[] } {
  const sent: Counted[] = [];
  const counting = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input));
    const request = { method: init.method ?? "GET", path: `${url.pathname}${url.search}`, bytes: 0, status: 0 };
    sent.push(request);
    let body = init.body;
    if (body instanceof ReadableStream) {
      body = body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            request.bytes += chunk.byteLength;
            controller.enqueue(chunk);
          },
        }),
      );
    }
    const response = await fetch(input, { ...init, body } as RequestInit);
    request.status = response.status;
    return response;
  };
  return { fetch: counting as typeof fetch, sent };
}

function rows(count: number): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, i) => ({
    id: `r${i}`,
    input: { q: `question ${i} é 🎉` },
    output: { a: i },
    ...(i % 3 === 0 ? { metadata: { n: i } } : {}),
  }));
}

describe("a new dataset's upload starts while its records are hashed", () => {
  const count = STREAM_THRESHOLD + STREAM_CHUNK / 2;

  test("one GET, then one body with every content: the dataset holds exactly the records", async () => {
    const records = rows(count);
    const dataset = { datasetName: uniqueName("upload-new") };
    const { fetch, sent } = countingFetch();
    const client = testClient({ fetch });
    const result = await upsertDataset({ client, dataset, examples: records, sourceIdKey: "id" });
    expect(sent.map(({ method, path }) => `${method} ${path}`)).toEqual([
      `GET /v1/datasets?name=${dataset.datasetName}&limit=1`,
      "POST /v1/datasets/upsert",
    ]);
    const prepared = prepareExamples(records, { sourceIdKey: "id" });
    const pairs = prepared.sourceIds.map((id, row) => [id, prepared.contentHashes[row]] as [string, string]);
    expect(result).toMatchObject({ created: count, updated: 0, noop: false, digest: manifestDigest(pairs) });
    // The same records again: the dataset exists, so the digest alone answers (after the GET).
    sent.length = 0;
    const again = await upsertDataset({ client, dataset, examples: records, sourceIdKey: "id" });
    expect(again.noop, JSON.stringify(sent)).toBe(true);
    // (A busy server's 503 may have the digest sent again: never a plan, never a body of lines.)
    expect(sent[0]?.path.split("?")[0]).toBe("/v1/datasets");
    expect(sent.slice(1).map(({ method, path, bytes }) => [method, path, bytes])).toContainEqual([
      "POST",
      "/v1/datasets/upsert",
      0,
    ]);
    expect(sent.slice(1).every(({ path, bytes }) => path === "/v1/datasets/upsert" && bytes === 0)).toBe(true);
    const held = await getDataset({ client, dataset });
    const byId = new Map(held.examples.map((example) => [example.sourceId, example]));
    expect(byId.get("r3")).toMatchObject({ input: { q: "question 3 é 🎉" }, output: { a: 3 }, metadata: { n: 3 } });
    expect(byId.get("r4")).toMatchObject({ output: { a: 4 }, metadata: {} });
  });

  test("bad records in later chunks: sending stops, every one is named as the whole hash names it, nothing is written", async () => {
    const records = rows(count);
    // Past the first chunk, so that its lines were sent before the first bad one was found.
    records[STREAM_CHUNK + 5] = { id: "r5", input: { q: "the id of row 5 again" } };
    records[3 * STREAM_CHUNK] = { id: "bad-number", input: { x: Number.NaN } };
    records[3 * STREAM_CHUNK + 1] = { input: { q: "no id" } };
    records[count - 1] = { id: "unknown member", input: {}, extra: 1 };
    records[count - 2] = { id: "r7", input: { q: "the id of row 7 again" } };
    let whole: unknown;
    try {
      prepareExamples(records, { sourceIdKey: "id" });
    } catch (error) {
      whole = error;
    }
    // The sources' own class (this test imports prepareExamples from ts/, not the package).
    expect((whole as Error).name).toBe("ExampleError");
    const dataset = { datasetName: uniqueName("upload-new-bad") };
    const { fetch, sent } = countingFetch();
    const client = testClient({ fetch });
    const thrown = await upsertDataset({ client, dataset, examples: records, sourceIdKey: "id" }).catch(
      (error: unknown) => error,
    );
    expect(thrown).toBeInstanceOf(ExampleError);
    const [streamed, expected] = [thrown as ExampleError, whole as ExampleError];
    expect(streamed.message).toBe(expected.message);
    expect(streamed.errors).toEqual(expected.errors);
    expect(streamed.errors.map((issue) => [issue.row, issue.code])).toEqual([
      [STREAM_CHUNK + 5, "duplicate_source_id"],
      [3 * STREAM_CHUNK, "non_finite_number"],
      [3 * STREAM_CHUNK + 1, "missing_source_id"],
      [count - 2, "duplicate_source_id"],
      [count - 1, "unknown_field"],
    ]);
    // The first chunks' lines left (about 80 bytes each; the first chunk holds 2,000 records, the
    // next ones as many as make ~4 MB of lines, at most STREAM_CHUNK), then the body was cut off:
    // no retry.
    expect(sent.map(({ method, path }) => `${method} ${path.split("?")[0]}`)).toEqual([
      "GET /v1/datasets",
      "POST /v1/datasets/upsert",
    ]);
    expect(sent[1]?.bytes).toBeGreaterThan(2_000 * 80);
    expect(sent[1]?.bytes).toBeLessThan(STREAM_CHUNK * 2 * 200);
    await expect(getDataset({ client, dataset })).rejects.toBeInstanceOf(NotFoundError);
    expect(await listDatasets({ client, name: dataset.datasetName })).toEqual([]);
  });
});
