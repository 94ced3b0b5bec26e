// Files of records read by the core: hashFile, readExamples and upsertDataset({ path }), and
// every bad record reported at once (files and in-memory examples alike).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ExampleError,
  exampleHash,
  getDataset,
  HashError,
  hashFile,
  hashJsonl,
  listDatasets,
  MAX_REPORTED_ERRORS,
  manifestDigest,
  readExamples,
  upsertDataset,
} from "groundset";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testClient, uniqueName } from "./api.js";

const client = testClient();
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "groundset-files-"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const BOM = "\ufeff";

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

async function exampleError(promise: Promise<unknown>): Promise<ExampleError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(ExampleError);
  return error as ExampleError;
}

/** The fields of each issue that tests compare. */
function brief(error: ExampleError) {
  return error.errors.map(({ line, row, code, path, sourceId }) => ({ line, row, code, path, sourceId }));
}

describe("the reading rules", () => {
  const csv = "id,input.question,output.answer\r\nq1,What is 2+2?,4\r\nq2,Capital of Peru?,Lima\r\n";
  const jsonl = '{"id": "q1", "input": {"question": "What is 2+2?"}, "output": {"answer": "4"}}\r\n';
  const json = `[${jsonl.trim()}]`;

  test.each([
    ["CSV", "csv", csv],
    ["JSONL", "jsonl", jsonl],
    ["JSON", "json", json],
  ])("a %s file with a byte-order mark reads like the one without", async (_name, extension, text) => {
    const plain = await hashFile(write(`plain.${extension}`, text), { sourceIdKey: "id" });
    const marked = await hashFile(write(`bom.${extension}`, BOM + text), { sourceIdKey: "id" });
    expect(plain.length).toBeGreaterThan(0);
    expect(marked).toEqual(plain);
    expect(plain[0]).toEqual(["q1", exampleHash({ input: { question: "What is 2+2?" }, output: { answer: "4" } })]);
  });

  test("CSV: a quoted cell may hold newlines; a ragged row is refused naming its line and both counts", async () => {
    const path = write(
      "ragged.csv",
      'id,input.question,output.answer\nq1,"two\nlines",4\nq2,Name a prime, such as seven,7\nq3,short\nq4,ok,ok\n',
    );
    const error = await exampleError(hashFile(path, { sourceIdKey: "id" }));
    expect(brief(error)).toEqual([
      { line: 4, row: 1, code: "field_count", path: "$", sourceId: undefined },
      { line: 5, row: 2, code: "field_count", path: "$", sourceId: undefined },
    ]);
    expect(error.errors[0]?.message).toMatch(/4 fields.*3|3.*4 fields/);
    expect(error.errors[1]?.message).toMatch(/2 fields.*3|3.*2 fields/);
    expect(error.message).toContain(`${path}:4: field_count at $: `);
  });

  test("a repeated source id names the first record's line, as FILE:LINE names the record", async () => {
    const path = write(
      "dup.jsonl",
      '{"id":1,"input":{"q":1}}\n{"id":"1","input":{"q":2}}\n{"id":1.0,"input":{"q":3}}\n',
    );
    const error = await exampleError(hashFile(path, { sourceIdKey: "id" }));
    expect(brief(error)).toEqual([
      { line: 2, row: 1, code: "duplicate_source_id", path: "$.id", sourceId: "1" },
      { line: 3, row: 2, code: "duplicate_source_id", path: "$.id", sourceId: "1" },
    ]);
    expect(error.message).toContain(
      `\n  ${path}:3: duplicate_source_id at $.id [source id 1]: the source id "1" is also the id of line 1`,
    );
  });

  test("CSV: a header with a repeated or empty name is refused", async () => {
    for (const header of ["id,input.q,input.q", "id,,input.q"]) {
      const error = await exampleError(hashFile(write("header.csv", `${header}\nq1,a,b\n`), { sourceIdKey: "id" }));
      expect({ code: error.code, line: error.line }).toEqual({ code: "invalid_header", line: 1 });
    }
    // A name written three times is one cause: one issue naming every repeat, and a header's
    // issues are no bad records.
    const path = write("repeats.csv", "id,input.q,input.q,input.q,output.a,output.a\nq1,a,b,c,d,e\n");
    const error = await exampleError(hashFile(path, { sourceIdKey: "id" }));
    expect(error.message).toBe(
      `${path}: a bad header (2 problems):\n` +
        `  ${path}:1: invalid_header at $: columns 3 and 4 ("input.q") repeat the name of column 2\n` +
        `  ${path}:1: invalid_header at $: column 6 ("output.a") repeats the name of column 5`,
    );
  });

  test.each([
    [
      "JSONL",
      "dup.jsonl",
      '{"id": "q0", "input": {}}\n{"id": "q1", "input": {"q": 1}, "output": {"a": "4", "a": "5"}}\n',
    ],
    [
      "JSON",
      "dup.json",
      '[{"id": "q0", "input": {}},\n {"id": "q1", "input": {"q": 1}, "output": {"a": "4", "a": "5"}}]',
    ],
  ])("%s: a member name twice is refused with its line and path", async (_name, file, text) => {
    const error = await exampleError(hashFile(write(file, text), { sourceIdKey: "id" }));
    expect(brief(error)).toEqual([{ line: 2, row: 1, code: "duplicate_key", path: "$.output.a", sourceId: undefined }]);
  });

  test.each([
    ["JSONL", "ids.jsonl", '{"id": 7.0, "input": {"q": 1}}\n{"id": 9007199254740993, "input": {"q": 2}}\n'],
    ["JSON", "ids.json", '[{"id": 7.0, "input": {"q": 1}},\n{"id": 9007199254740993, "input": {"q": 2}}]'],
  ])("%s: id 7.0 is 7, id 9007199254740993 is refused (invalid_source_id)", async (_name, file, text) => {
    const path = write(file, text);
    const error = await exampleError(hashFile(path, { sourceIdKey: "id" }));
    expect(brief(error)).toEqual([{ line: 2, row: 1, code: "invalid_source_id", path: "$.id", sourceId: undefined }]);
    expect(error.errors[0]?.message).toContain("write it as a string");
    const good = write(`good-${file}`, text.replace("9007199254740993", "9007199254740991"));
    expect(await hashFile(good, { sourceIdKey: "id" })).toEqual([
      ["7", exampleHash({ input: { q: 1 } })],
      ["9007199254740991", exampleHash({ input: { q: 2 } })],
    ]);
  });

  test("the format comes from the extension, or from format", async () => {
    const path = write("records.txt", jsonl);
    const error = await rejection(hashFile(path));
    expect(error).toBeInstanceOf(HashError);
    expect((error as HashError).code).toBe("io_error");
    expect(await hashFile(path, { format: "jsonl", sourceIdKey: "id" })).toEqual(
      await hashFile(write("records.jsonl", jsonl), { sourceIdKey: "id" }),
    );
    await expect(hashFile(path, { format: "xml" as "csv" })).rejects.toThrow(TypeError);
  });

  test("readExamples gives each record's content as the server stores it", async () => {
    const path = write("flat.csv", "id,question,answer,topic\r\nq1,What is 2+2?,4,math\r\n");
    const examples = await readExamples(path, {
      sourceIdKey: "id",
      outputKeys: ["answer"],
      metadataKeys: ["topic"],
    });
    expect(examples).toEqual([
      {
        sourceId: "q1",
        contentHash: exampleHash({
          input: { question: "What is 2+2?" },
          output: { answer: "4" },
          metadata: { topic: "math" },
        }),
        line: 2,
        row: 0,
        input: { question: "What is 2+2?" },
        output: { answer: "4" },
        metadata: { topic: "math" },
      },
    ]);
  });

  test("hashJsonl is hashFile on JSONL with the id key id", async () => {
    const path = write("alias.jsonl", jsonl);
    expect(await hashJsonl(path)).toEqual(await hashFile(path, { sourceIdKey: "id" }));
    const keyed = write("keyed.jsonl", '{"k": "a", "input": {"q": 1}}\n{"k": "b", "input": {"q": 2}}\n');
    const pairs = await hashFile(keyed, { sourceIdKey: "k" });
    expect(pairs.map(([sourceId]) => sourceId)).toEqual(["a", "b"]);
    // One name for the key in both readers; idKey, its former name here, still works.
    expect(await hashJsonl(keyed, { sourceIdKey: "k" })).toEqual(pairs);
    expect(await hashJsonl(keyed, { idKey: "k" })).toEqual(pairs);
    await expect(hashJsonl(keyed, { sourceIdKey: "k", idKey: "id" })).rejects.toThrow("give sourceIdKey only");
  });
});

describe("upsertDataset({ path }): the server's digest is hashFile's", () => {
  const records = Array.from({ length: 30 }, (_, i) => ({
    id: `q${i}`,
    input: { question: `${i} + ${i}? é 😀`, n: i / 4, big: 1e21 + i },
    output: { answer: String(2 * i) },
    metadata: i % 3 === 0 ? { tags: ["a"] } : null,
  }));
  const csvOf = (rows: typeof records) =>
    `${BOM}id,input.question,output.answer\r\n${rows
      .map((r) => `${r.id},"${r.input.question.replace(/"/g, '""')}",${r.output.answer}`)
      .join("\r\n")}\r\n`;

  test.each([
    ["JSONL", "upsert.jsonl", () => records.map((r) => JSON.stringify(r)).join("\n")],
    ["JSON", "upsert.json", () => JSON.stringify({ examples: records }, null, 2)],
    ["CSV", "upsert.csv", () => csvOf(records)],
  ])("%s", async (_name, file, text) => {
    const path = write(file, text());
    const dataset = { datasetName: uniqueName("file") };
    const pairs = await hashFile(path, { sourceIdKey: "id" });
    expect(pairs).toHaveLength(records.length);
    const result = await upsertDataset({ client, dataset, path, sourceIdKey: "id", mode: "mirror" });
    expect(result).toMatchObject({ created: records.length, noop: false });
    expect(result.digest).toBe(manifestDigest(pairs));
    const read = await getDataset({ client, dataset });
    expect(read.digest).toBe(result.digest);
    const stored = new Map(read.examples.map((example) => [example.sourceId, example]));
    const examples = await readExamples(path, { sourceIdKey: "id" });
    for (const example of examples) {
      expect(stored.get(example.sourceId)).toMatchObject({
        contentHash: example.contentHash,
        input: example.input,
        output: example.output,
        metadata: example.metadata,
      });
    }
    // The same file again changes nothing.
    expect(await upsertDataset({ client, dataset, path, sourceIdKey: "id", mode: "mirror" })).toMatchObject({
      noop: true,
      digest: result.digest,
    });
  });

  test("flat CSV records, and no id key (the content hash is the id)", async () => {
    const path = write("flat-upsert.csv", "question,answer\nWhat is 2+2?,4\nCapital of Peru?,Lima\nWhat is 2+2?,4\n");
    const options = { outputKeys: ["answer"] } as const;
    const pairs = await hashFile(path, options);
    expect(pairs.map(([id, hash]) => id === hash)).toEqual([true, true]);
    const result = await upsertDataset({ client, dataset: { datasetName: uniqueName("flat") }, path, ...options });
    expect(result.created).toBe(2);
    expect(result.digest).toBe(manifestDigest(pairs));
  });

  test("a large file goes through the plan; a re-sync after one change uploads one example", async () => {
    const many = Array.from({ length: 2_500 }, (_, i) => JSON.stringify({ id: i, input: { q: `q${i}` } }));
    const path = write("large.jsonl", many.join("\n"));
    const dataset = { datasetName: uniqueName("file-large") };
    const first = await upsertDataset({ client, dataset, path, sourceIdKey: "id" });
    expect(first).toMatchObject({ created: 2_500 });
    expect(first.digest).toBe(manifestDigest(await hashFile(path, { sourceIdKey: "id" })));
    many[1_234] = JSON.stringify({ id: 1_234, input: { q: "changed" } });
    write("large.jsonl", many.join("\n"));
    const second = await upsertDataset({ client, dataset, path, sourceIdKey: "id", mode: "mirror" });
    expect(second).toMatchObject({ created: 0, updated: 1, unchanged: 2_499, deleted: 0 });
    expect(second.digest).toBe(manifestDigest(await hashFile(path, { sourceIdKey: "id" })));
  });

  test("exactly one of examples and path", async () => {
    const dataset = { datasetName: uniqueName("one-source") };
    const both = { client, dataset, examples: [], path: "x.jsonl" } as unknown as Parameters<typeof upsertDataset>[0];
    await expect(upsertDataset(both)).rejects.toThrow("exactly one of examples and path");
    const neither = { client, dataset } as unknown as Parameters<typeof upsertDataset>[0];
    await expect(upsertDataset(neither)).rejects.toThrow("exactly one of examples and path");
  });
});

describe("every bad record is reported, up to 100, then the count; nothing is written", () => {
  test("a file with 150 bad lines", async () => {
    const lines = Array.from({ length: 200 }, (_, i) =>
      i % 4 === 3 ? JSON.stringify({ id: `ok${i}`, input: { i } }) : `{"id": "bad${i}", "input": {"a": 1, "a": 2}}`,
    );
    const path = write("many-bad.jsonl", lines.join("\n"));
    const dataset = { datasetName: uniqueName("many-bad-file") };
    for (const call of [
      () => hashFile(path, { sourceIdKey: "id" }),
      () => upsertDataset({ client, dataset, path, sourceIdKey: "id" }),
    ]) {
      const error = await exampleError(call());
      expect(error.errors).toHaveLength(MAX_REPORTED_ERRORS);
      expect(MAX_REPORTED_ERRORS).toBe(100);
      expect(error.moreErrors).toBe(50);
      expect(error.errors[0]).toMatchObject({ line: 1, row: 0, code: "duplicate_key", path: "$.input.a" });
      expect(error.errors[99]).toMatchObject({ line: 133, row: 132 });
      expect(error.message).toMatch(/^.*many-bad\.jsonl: 150 bad records:\n/);
      expect(error.message.split("\n")).toHaveLength(1 + 100 + 1);
      expect(error.message).toMatch(/\n {2}\.\.\. and 50 more$/);
    }
    expect(await listDatasets({ client, name: dataset.datasetName })).toEqual([]);
  });

  test("150 bad in-memory records, of every kind", async () => {
    const kinds = [
      (i: number) => ({ id: `n${i}`, input: { v: Number.NaN } }),
      (i: number) => ({ id: i + 0.5, input: {} }),
      (i: number) => ({ input: { i } }),
      (i: number) => ({ id: `s${i}`, input: { s: "\ud800" } }),
      (i: number) => ({ id: `o${i}`, input: {}, output: [i] }),
    ];
    const examples: unknown[] = [];
    for (let i = 0; i < 150; i++) {
      examples.push({ id: `good${i}`, input: { i } });
      examples.push((kinds[i % kinds.length] as (i: number) => unknown)(i));
    }
    examples.push({ id: "good0", input: { again: true } });
    const dataset = { datasetName: uniqueName("many-bad-memory") };
    const error = await exampleError(
      upsertDataset({ client, dataset, examples: examples as object[], sourceIdKey: "id" }),
    );
    expect(error.errors).toHaveLength(100);
    expect(error.moreErrors).toBe(51);
    expect(
      error.errors.slice(0, 5).map(({ line, row, code, path, sourceId }) => ({ line, row, code, path, sourceId })),
    ).toEqual([
      { line: undefined, row: 1, code: "non_finite_number", path: "$.input.v", sourceId: "n0" },
      { line: undefined, row: 3, code: "invalid_source_id", path: "$.id", sourceId: undefined },
      { line: undefined, row: 5, code: "missing_source_id", path: "$.id", sourceId: undefined },
      { line: undefined, row: 7, code: "lone_surrogate", path: "$.input.s", sourceId: "s3" },
      // A part that is not an object is the hasher's to refuse, as in Python: the record's id is known.
      { line: undefined, row: 9, code: "not_an_object", path: "$.output", sourceId: "o4" },
    ]);
    expect(error.message).toMatch(/^151 bad records:\n {2}row 1: non_finite_number at \$\.input\.v \[source id n0\]: /);
    expect(error.message).toMatch(/\n {2}\.\.\. and 51 more$/);
    expect(error).toMatchObject({ code: "non_finite_number", row: 1, path: "$.input.v", sourceId: "n0" });
    expect(await listDatasets({ client, name: dataset.datasetName })).toEqual([]);
  });
});

describe("CSV typed cells (`….:json` columns), as the core reads them for every binding", () => {
  test("typed cells read as JSON values and hash as the same JSONL", async () => {
    const csv = write(
      "typed-cells.csv",
      "id,input.question,input.score:json,input.tags:json,output:json,metadata.source:json\r\n" +
        'q1,2+2?,0.5,"[""math"", 1]","{""answer"": 4}",\r\n' +
        'q2,,-0.0,"{}",,"""web"""\r\n',
    );
    const examples = await readExamples(csv, { sourceIdKey: "id" });
    expect(examples.map(({ sourceId, input, output, metadata }) => ({ sourceId, input, output, metadata }))).toEqual([
      {
        sourceId: "q1",
        input: { question: "2+2?", score: 0.5, tags: ["math", 1] },
        output: { answer: 4 },
        metadata: {},
      },
      { sourceId: "q2", input: { question: "", score: 0, tags: {} }, output: {}, metadata: { source: "web" } },
    ]);
    const jsonl = write(
      "typed-cells.jsonl",
      '{"id": "q1", "input": {"question": "2+2?", "score": 0.5, "tags": ["math", 1]}, "output": {"answer": 4}}\n' +
        '{"id": "q2", "input": {"question": "", "score": -0.0, "tags": {}}, "metadata": {"source": "web"}}\n',
    );
    expect(await hashFile(csv, { sourceIdKey: "id" })).toEqual(await hashFile(jsonl, { sourceIdKey: "id" }));
  });

  test("bad JSON in a cell names the line, the column and the path", async () => {
    const path = write("typed-bad.csv", 'id,input.v:json\na,"{""k"": 1, ""k"": 2}"\nb,1\nc,nan\n');
    const issues = (await exampleError(hashFile(path, { sourceIdKey: "id" }))).errors;
    expect(issues.map(({ line, code, path, sourceId }) => ({ line, code, path, sourceId }))).toEqual([
      { line: 2, code: "duplicate_key", path: "$.input.v.k", sourceId: "a" },
      { line: 4, code: "invalid_json", path: "$.input.v", sourceId: "c" },
    ]);
    expect(issues[0]?.message).toContain('column 2 ("input.v:json") holds JSON text');
  });
});

describe("a file that cannot be read", () => {
  // The same concept and words as the Python SDK (python/tests/test_read_files.py): HashError
  // `io_error` at `$` naming the path and the system's reason, whichever call read it.
  test("is a HashError io_error naming the path, for every call that reads a file", async () => {
    const missing = join(dir, "nope.jsonl");
    const calls = [
      () => hashFile(missing),
      () => readExamples(missing),
      () => hashJsonl(missing),
      () => upsertDataset({ client, dataset: { datasetName: uniqueName("unread") }, path: missing }),
    ];
    for (const call of calls) {
      const error = await rejection(call());
      expect(error).toBeInstanceOf(HashError);
      expect([(error as HashError).code, (error as HashError).path]).toEqual(["io_error", "$"]);
      expect((error as HashError).message).toBe(
        `io_error at $: cannot open ${missing}: No such file or directory (os error 2)`,
      );
    }
  });
});

describe("stray text on a line", () => {
  // The same lines as the Python SDK's (python/tests/test_read_files.py, STRAY_TEXT_LINES).
  test("is named by line and column, with a hint for a lone carriage return", async () => {
    const file = join(__dirname, "..", "..", "fixtures", "read", "stray-text.jsonl");
    const error = await rejection(hashFile(file, { sourceIdKey: "id" }));
    expect(error).toBeInstanceOf(ExampleError);
    expect((error as ExampleError).errors.map((issue) => issue.column)).toEqual([28, 28, 31]);
    expect((error as ExampleError).message.split("\n").slice(1)).toEqual([
      `  ${file}:1:28: invalid_json at $: unexpected text after the JSON value; the line holds a carriage return ` +
        "(\\r) at column 27: a lone CR is a line break only in a file without LF, so in this file it is inside " +
        "the line (remove it, or make it a line break)",
      `  ${file}:2:28: invalid_json at $: unexpected text after the JSON value`,
      `  ${file}:3:31: invalid_json at $: unexpected text after the JSON value`,
    ]);
  });
});
