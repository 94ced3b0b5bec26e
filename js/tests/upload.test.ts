import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canonicalize, getDataset, upsertDataset } from "groundset";
import { describe, expect, test } from "vitest";
import { readRecordFile } from "../ts/files.js";
import type { PreparedExamples } from "../ts/records.js";
import { prepareExamples } from "../ts/records.js";
import { ndjsonChunks, ROWS_PER_CHUNK } from "../ts/upload.js";
import { ndjsonOf, recordingFetch, testClient, uniqueName } from "./api.js";

/** Ids a fast path could get wrong: each needs an escape, or is outside ASCII. */
const AWKWARD_IDS = [
  'quote " in it',
  "back\\slash",
  "tab\tnew\nline",
  "control \u0001 and \u001f",
  "del \u007f",
  "non-ASCII é ß 漢字",
  "emoji 🎉",
  "line separator \u2028",
  "</script>",
];

function records(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    id: AWKWARD_IDS[i] ?? `row-${i}`,
    input: { q: `question ${i}`, nested: [{ content_hash: "x" }, { a: i / 3 }] },
    output: { a: "é".repeat(i % 3) },
    metadata: { n: i },
  }));
}

/**
 * The body line by line: a line with content of records in memory is the Python SDK's (the
 * canonical JSON of the line's object, a missing part `null`), a file's has its canonical texts.
 */
function oldBody(header: object, prepared: PreparedExamples, needed: ReadonlySet<string>, given?: Row[]): string {
  let body = `${JSON.stringify(header)}\n`;
  prepared.sourceIds.forEach((id, row) => {
    const hash = prepared.contentHashes[row] as string;
    const head = `{"source_id":${JSON.stringify(id)},"content_hash":"${hash}"`;
    const record = given?.[row];
    if (!needed.has(id)) {
      body += `${head}}\n`;
    } else if (record !== undefined) {
      const { input, output, metadata } = record;
      body += `${canonicalize({ content_hash: hash, input, metadata, output, source_id: id })}\n`;
    } else {
      body += `${head},${prepared.contentJson(row)}}\n`;
    }
  });
  return body;
}

type Row = ReturnType<typeof records>[number];

/** A body's chunks as one text. */
function text(chunks: Array<string | Uint8Array>): string {
  return chunks.map((chunk) => (typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"))).join("");
}

const header = { dataset: { name: "d" }, mode: "merge" };

describe("the NDJSON bodies are written a block of examples at a time", () => {
  const count = 2 * ROWS_PER_CHUNK + 17;
  const given = records(count);
  const prepared = prepareExamples(given, { sourceIdKey: "id" });
  const every = (step: number) => new Set(prepared.sourceIds.filter((_, row) => row % step === 0));

  test.each([
    ["the plan", new Set<string>()],
    ["every content", every(1)],
    ["some content", every(7)],
    ["little content", every(2001)],
  ])("%s: the text written line by line before, in bounded chunks, anew on each call", (_, needed) => {
    const chunks = [...ndjsonChunks(header, prepared, needed)];
    expect(text(chunks)).toBe(oldBody(header, prepared, needed, given));
    expect(chunks.map((chunk) => text([chunk]).split("\n").length - 1)).toEqual([1, 2000, 2000, 17]);
    expect(text([...ndjsonChunks(header, prepared, needed)])).toEqual(text(chunks));
  });

  test("the awkward ids are sent as JSON.stringify writes them", () => {
    const lines = ndjsonOf(text([...ndjsonChunks(header, prepared, every(3))]));
    expect(lines.slice(1, 1 + AWKWARD_IDS.length).map((line) => line.source_id)).toEqual(AWKWARD_IDS);
  });

  test("a file's canonical texts", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "upload-")), "examples.jsonl");
    writeFileSync(
      path,
      records(ROWS_PER_CHUNK + 5)
        .map((row) => `${JSON.stringify(row)}\n`)
        .join(""),
    );
    const file = await readRecordFile(path, { sourceIdKey: "id" }, true, "test");
    const contents = file.contents();
    const fromFile: PreparedExamples = {
      sourceIds: file.sourceIds(),
      contentHashes: file.contentHashes(),
      contentJson: (row) => contents[row] as string,
    };
    for (const needed of [new Set(fromFile.sourceIds), new Set(AWKWARD_IDS.slice(0, 4)), new Set<string>()]) {
      expect(text([...ndjsonChunks(header, fromFile, needed)])).toBe(oldBody(header, fromFile, needed));
    }
  });
});

test("a planned sync of awkward ids against the server", async () => {
  const dataset = { datasetName: uniqueName("upload") };
  const rows = records(3000);
  const client = testClient();
  expect((await upsertDataset({ client, dataset, examples: rows, sourceIdKey: "id" })).created).toBe(3000);
  rows[0] = { ...(rows[0] as (typeof rows)[0]), output: { a: "edited" } };
  rows[5] = { ...(rows[5] as (typeof rows)[0]), output: { a: "edited too" } };
  const { fetch, sent } = recordingFetch();
  const second = await upsertDataset({ client: testClient({ fetch }), dataset, examples: rows, sourceIdKey: "id" });
  expect(second).toMatchObject({ updated: 2, unchanged: 2998, created: 0 });
  expect(sent.map((request) => new URL(request.url).pathname)).toEqual([
    "/v1/datasets/upsert",
    "/v1/datasets/upsert/plan",
    "/v1/datasets/upsert",
  ]);
  const lines = ndjsonOf(sent[2]?.body ?? "").slice(1);
  expect(lines.filter((line) => "input" in line).map((line) => line.source_id)).toEqual([
    AWKWARD_IDS[0],
    AWKWARD_IDS[5],
  ]);
  const held = await getDataset({ client, dataset });
  const outputs = new Map(held.examples.map((example) => [example.sourceId, example.output]));
  expect(outputs.get(AWKWARD_IDS[0] as string)).toEqual({ a: "edited" });
  expect(outputs.get(AWKWARD_IDS[5] as string)).toEqual({ a: "edited too" });
  expect(outputs.size).toBe(3000);
});
