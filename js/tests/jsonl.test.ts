// hashJsonl: the JSONL case of hashFile, a file of example records hashed off the JS thread.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ExampleError, exampleHash, HashError, hashJsonl } from "groundset";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "groundset-jsonl-"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function record(i: number) {
  return {
    id: `ex-${i}`,
    input: { question: `${i} é 😀 ${"word ".repeat(i % 7)}`, n: i / 3 },
    output: i % 2 ? { answer: [i, true, null] } : null,
    metadata: i % 5 ? { tags: ["qa", `t${i % 3}`] } : undefined,
  };
}

function writeJsonl(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

describe("hashJsonl", () => {
  test("matches exampleHash of the same records, in file order", async () => {
    const records = Array.from({ length: 3_000 }, (_, i) => record(i));
    const path = writeJsonl(
      "records.jsonl",
      records.map((r) => JSON.stringify(r)),
    );
    const pairs = await hashJsonl(path);
    expect(pairs).toHaveLength(records.length);
    expect(pairs).toEqual(records.map((r) => [r.id, exampleHash(r)]));
  });

  test("threads 1 and 2 agree", async () => {
    const path = writeJsonl(
      "threads.jsonl",
      Array.from({ length: 5_000 }, (_, i) => JSON.stringify(record(i))),
    );
    const [one, two, all] = await Promise.all([
      hashJsonl(path, { threads: 1 }),
      hashJsonl(path, { threads: 2 }),
      hashJsonl(path, { threads: 0 }),
    ]);
    expect(one).toHaveLength(5_000);
    expect(two).toEqual(one);
    expect(all).toEqual(one);
  });

  test("idKey names the source id; integer ids come back as strings; blank lines are skipped", async () => {
    const lines = ['{"key": 7, "input": {"q": 1}}', "", '{"key": "ünïcode 😀", "input": {"q": 2}}'];
    const pairs = await hashJsonl(pathToFileURL(writeJsonl("keys.jsonl", lines)), { idKey: "key" });
    expect(pairs).toEqual([
      ["7", exampleHash({ input: { q: 1 } })],
      ["ünïcode 😀", exampleHash({ input: { q: 2 } })],
    ]);

    // With another id key, an "id" member is outside the record: refused, not silently left out of the hash.
    lines[2] = '{"key": "b", "input": {"q": 2}, "id": "other"}';
    const error = (await hashJsonl(writeJsonl("other-id.jsonl", lines), { idKey: "key" }).catch(
      (e: unknown) => e,
    )) as ExampleError;
    expect(error).toBeInstanceOf(ExampleError);
    expect(error.errors.map(({ line, code, path }) => ({ line, code, path }))).toEqual([
      { line: 3, code: "unknown_field", path: "$.id" },
    ]);
    expect(error.errors[0]?.message).toContain('the id key "key"');
  });

  test("bad lines reject with one ExampleError listing each, with its line", async () => {
    const lines = Array.from({ length: 20 }, (_, i) => JSON.stringify(record(i)));
    lines[11] = '{"id": "bad", "input": {"v": [1, 12345678901234567890]}}';
    lines[15] = "not json";
    const path = writeJsonl("bad.jsonl", lines);
    const error = (await hashJsonl(path).catch((e: unknown) => e)) as ExampleError;
    expect(error).toBeInstanceOf(ExampleError);
    expect(error.errors.map(({ line, row, code, path, sourceId }) => ({ line, row, code, path, sourceId }))).toEqual([
      // A line the parser refuses has no source id.
      { line: 12, row: 11, code: "integer_not_exact", path: "$.input.v[1]", sourceId: undefined },
      { line: 16, row: 15, code: "invalid_json", path: "$", sourceId: undefined },
    ]);
    expect(error.moreErrors).toBe(0);
    expect({ code: error.code, path: error.path, line: error.line, row: error.row }).toEqual({
      code: "integer_not_exact",
      path: "$.input.v[1]",
      line: 12,
      row: 11,
    });
    expect(error.message).toContain(`${path}:12: integer_not_exact at $.input.v[1]: `);
    expect(error.message).toContain(`${path}:16: invalid_json at $: `);
  });

  test.each([
    ["a line that is not JSON", "{", "invalid_json", "$"],
    ["a missing id", '{"input": {}}', "missing_source_id", "$.id"],
    ["an id that is not a string or an integer", '{"id": 1.5, "input": {}}', "invalid_source_id", "$.id"],
    ["an input that is not an object", '{"id": "a", "input": [1]}', "not_an_object", "$.input"],
    ["a lone surrogate", '{"id": "a", "input": {"s": "\\ud800"}}', "lone_surrogate", "$.input.s"],
  ])("%s", async (_name, line, code, path) => {
    const file = writeJsonl(`${code}.jsonl`, [JSON.stringify(record(1)), line]);
    const error = (await hashJsonl(file).catch((e: unknown) => e)) as ExampleError;
    expect(error).toBeInstanceOf(ExampleError);
    expect({ code: error.code, path: error.path, line: error.line }).toEqual({ code, path, line: 2 });
    expect(error.errors).toHaveLength(1);
  });

  test("a missing file rejects with io_error", async () => {
    const error = (await hashJsonl(join(dir, "missing.jsonl")).catch((e: unknown) => e)) as HashError;
    expect(error).toBeInstanceOf(HashError);
    expect(error.code).toBe("io_error");
    expect(error.path).toBe("$");
    expect(error.message).toContain("missing.jsonl");
    expect(error.line).toBeUndefined();
  });

  test("bad options are a TypeError", async () => {
    await expect(hashJsonl(join(dir, "x.jsonl"), { threads: -1 })).rejects.toThrow(TypeError);
    await expect(hashJsonl(join(dir, "x.jsonl"), { threads: 1.5 })).rejects.toThrow(TypeError);
    await expect(hashJsonl(join(dir, "x.jsonl"), { idKey: "" })).rejects.toThrow(TypeError);
  });

  test("the main thread stays responsive while a large file is hashed", async () => {
    // About 60 MB: long enough to hash that a timer must fire meanwhile.
    const line = JSON.stringify({ ...record(3), input: { text: "é😀 word ".repeat(110) } });
    const lines = Array.from({ length: 60_000 }, (_, i) => line.replace('"ex-3"', `"big-${i}"`));
    const path = writeJsonl("large.jsonl", lines);
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
    }, 1);
    const started = performance.now();
    const pending = hashJsonl(path, { threads: 2 });
    // The promise is returned at once, before any hashing.
    expect(performance.now() - started).toBeLessThan(50);
    const pairs = await pending;
    clearInterval(timer);
    expect(pairs).toHaveLength(60_000);
    expect(pairs[59_999]?.[0]).toBe("big-59999");
    expect(ticks).toBeGreaterThan(5);
  });
});
