// Dataset JSON Schemas through the TypeScript SDK against the test server: set, get, delete,
// the refusal over the latest version and force, and the local check of a large sync, which
// lists the same issues as the server (path in the example, schema path, message, source id).

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  deleteSchema,
  ExampleError,
  getSchema,
  NotFoundError,
  PLAN_THRESHOLD,
  setSchema,
  upsertDataset,
  ValidationError,
} from "groundset";
import { expect, test } from "vitest";
import { testClient, uniqueName } from "./api.js";

const client = testClient();

const QUESTION = {
  type: "object",
  required: ["question"],
  properties: { question: { type: "string", minLength: 1 }, level: { enum: ["easy", "hard"] } },
};
const BAD = [
  { id: "c", input: { question: "" } },
  { id: "d", input: { question: "ok?", level: "medium" } },
  { id: "e", input: { question: "fine" } },
  { id: "f", input: { level: "easy" } },
];
const EXPECTED = [
  ["c", "$.input.question", "/input/properties/question/minLength"],
  ["d", "$.input.level", "/input/properties/level/enum"],
  ["f", "$.input", "/input/required"],
];

function issuesOf(error: unknown) {
  if (!(error instanceof ExampleError)) {
    throw error;
  }
  expect(error.code).toBe("schema_violation");
  return error.errors.map((issue) => [issue.sourceId, issue.path, issue.schemaPath]);
}

async function refusal(action: Promise<unknown>): Promise<ExampleError> {
  try {
    await action;
  } catch (error) {
    if (error instanceof ExampleError) {
      return error;
    }
    throw error;
  }
  throw new Error("accepted");
}

function manyWithBad() {
  const rows: Array<{ id: string; input: Record<string, unknown> }> = Array.from(
    { length: PLAN_THRESHOLD + 5 },
    (_, i) => ({ id: `ok${i}`, input: { question: `q${i}` } }),
  );
  [3, 40, 41, 200].forEach((offset, i) => {
    rows.splice(offset, 0, BAD[i] as { id: string; input: Record<string, unknown> });
  });
  return rows;
}

test("set, get, delete and force", async () => {
  const dataset = { datasetName: uniqueName("schema") };
  await upsertDataset({ client, dataset, examples: [{ id: "a", input: { question: "2+2?" } }], sourceIdKey: "id" });
  expect(await getSchema({ client, dataset })).toBeNull();
  const stored = await setSchema({ client, dataset, input: QUESTION, metadata: true });
  expect([stored.input, stored.output, stored.metadata, stored.forced]).toEqual([QUESTION, null, true, false]);
  expect(await getSchema({ client, dataset })).toEqual(stored);
  await expect(setSchema({ client, dataset, input: { required: ["level"] } })).rejects.toBeInstanceOf(ValidationError);
  expect((await setSchema({ client, dataset, input: { required: ["level"] }, force: true })).forced).toBe(true);
  await expect(setSchema({ client, dataset, input: { type: "strin" } })).rejects.toThrow("$.input.type");
  await deleteSchema({ client, dataset });
  expect(await getSchema({ client, dataset })).toBeNull();
  await expect(deleteSchema({ client, dataset })).rejects.toBeInstanceOf(NotFoundError);
});

test("the local check lists what the server would", async () => {
  const dataset = { datasetName: uniqueName("schema") };
  await upsertDataset({ client, dataset, examples: [{ id: "a", input: { question: "2+2?" } }], sourceIdKey: "id" });
  await setSchema({ client, dataset, input: QUESTION });
  const small = await refusal(upsertDataset({ client, dataset, examples: BAD, sourceIdKey: "id" }));
  expect(issuesOf(small)).toEqual(EXPECTED);
  expect(small.errors.map((issue) => issue.row)).toEqual([0, 1, 3]);
  const rows = manyWithBad();
  const local = await refusal(upsertDataset({ client, dataset, examples: rows, sourceIdKey: "id" }));
  const server = await refusal(upsertDataset({ client, dataset, examples: rows, sourceIdKey: "id", validate: false }));
  expect(issuesOf(local)).toEqual(EXPECTED);
  expect(issuesOf(server)).toEqual(EXPECTED);
  expect(local.errors.map((issue) => issue.row)).toEqual([3, 40, 200]);
  expect(server.errors.map((issue) => [issue.row, issue.message])).toEqual(
    local.errors.map((issue) => [issue.row, issue.message]),
  );
  // A file: the line of each record, from the local check and from the server.
  const path = join(mkdtempSync(join(tmpdir(), "schema-")), "bad.jsonl");
  writeFileSync(path, rows.map((row) => `${JSON.stringify(row)}\n`).join(""));
  for (const validate of [true, false]) {
    const fromFile = await refusal(upsertDataset({ client, dataset, path, sourceIdKey: "id", validate }));
    expect(issuesOf(fromFile)).toEqual(EXPECTED);
    expect(fromFile.errors.map((issue) => issue.line)).toEqual([4, 41, 201]);
    // Named FILE:LINE, as the reader's own errors and the CLI name a file's records.
    expect(fromFile.message.startsWith(`${path}: 3 bad records:\n  ${path}:4: schema_violation`)).toBe(true);
    expect(fromFile.message).toContain(`\n  ${path}:201: schema_violation`);
  }
  // A small file is one request: the server's refusal, named the same way.
  const smallFile = join(mkdtempSync(join(tmpdir(), "schema-")), "small.jsonl");
  writeFileSync(smallFile, BAD.map((row) => `${JSON.stringify(row)}\n`).join(""));
  const fromSmall = await refusal(upsertDataset({ client, dataset, path: smallFile, sourceIdKey: "id" }));
  expect(fromSmall.message).toContain(`\n  ${smallFile}:1: schema_violation`);
  expect(fromSmall.message).not.toContain("row ");
});

test("a record breaking several rules is one bad record: violations counted apart", async () => {
  const dataset = { datasetName: uniqueName("schemas-count") };
  await upsertDataset({ client, dataset, examples: [{ id: "a", input: { question: "2+2?" } }], sourceIdKey: "id" });
  await setSchema({ client, dataset, input: QUESTION });
  const twice = [
    { id: "g", input: { question: "", level: "medium" } },
    { id: "h", input: { level: "x" } },
    { id: "i", input: { question: "fine" } },
  ];
  const refused = await refusal(upsertDataset({ client, dataset, examples: twice, sourceIdKey: "id" }));
  expect(refused.errors).toHaveLength(4);
  expect(refused.message.startsWith("2 bad records (4 violations):\n")).toBe(true);
  const oneEach = await refusal(upsertDataset({ client, dataset, examples: BAD, sourceIdKey: "id" }));
  expect(oneEach.message.startsWith("3 bad records:\n")).toBe(true);
});
