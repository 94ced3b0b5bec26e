import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { prepareExamples, type RecordOptions } from "../ts/records.js";

/** The project's Python, whose core writes the Python SDK's upsert lines. */
const PYTHON = fileURLToPath(new URL("../../.venv/bin/python", import.meta.url));

/** What the Python core's `example_lines` writes for `records` with these ids and hashes. */
function pythonLines(
  records: unknown[],
  sourceIds: string[],
  hashes: string[],
  flat?: { inputKeys?: string[]; outputKeys?: string[]; metadataKeys?: string[]; sourceIdKey: string },
): Buffer {
  const script = `
import json, sys
from groundset_core import example_lines
given = json.load(sys.stdin)
flat = given["flat"]
keys = {} if flat is None else {
    "flat": True,
    "input_keys": flat.get("inputKeys"),
    "output_keys": flat.get("outputKeys"),
    "metadata_keys": flat.get("metadataKeys"),
    "source_id_key": flat["sourceIdKey"],
}
sys.stdout.buffer.write(example_lines(given["ids"], given["hashes"], given["records"], **keys))
`;
  const input = JSON.stringify({ records, ids: sourceIds, hashes, flat: flat ?? null });
  return execFileSync(PYTHON, ["-c", script], { input, maxBuffer: 1 << 28 });
}

/** The lines the TypeScript SDK sends for `records` (every row with content), as bytes. */
function typescriptLines(
  records: object[],
  options: RecordOptions,
): { bytes: Buffer; ids: string[]; hashes: string[] } {
  const prepared = prepareExamples(records, options);
  const rows = prepared.sourceIds.map((_, row) => row);
  const written = (prepared.linesOf as NonNullable<typeof prepared.linesOf>)(rows);
  return { bytes: Buffer.concat(written.lines), ids: prepared.sourceIds, hashes: prepared.contentHashes };
}

const AWKWARD = [
  'quote " and back\\slash',
  "tab\tnew\nline \u0001 \u001f \u007f",
  "non-ASCII é ß 漢字 and emoji 🎉",
  "line separator \u2028 </script>",
  "a".repeat(40) + "é".repeat(17),
];

/** Structured records of every shape a line has: parts missing or null, names that look like parts. */
function structured(count: number): object[] {
  return Array.from({ length: count }, (_, i) => {
    const input = {
      question: AWKWARD[i % AWKWARD.length] as string,
      metadata: {},
      output: i,
      nested: [{ b: 1, a: [i / 3, 1e21, 5e-7, -1.5, true, null] }, '}"{', []],
      [`k${i % 7}`]: { "e\u0301": "x", é: "y", "": "empty name", "\u{1F389}": 1, "\uFF21": 2 },
    };
    const record: Record<string, unknown> = { id: `${AWKWARD[i % AWKWARD.length]} #${i}`, input };
    switch (i % 6) {
      case 0:
        record.output = { answer: AWKWARD[(i + 1) % AWKWARD.length] };
        record.metadata = { n: i };
        break;
      case 1:
        record.output = { answer: "no metadata" };
        break;
      case 2:
        record.metadata = { m: [1, 2] };
        break;
      case 3:
        record.output = null;
        record.metadata = null;
        break;
      case 4:
        record.output = { metadata: {}, output: {} };
        record.metadata = null;
        break;
      default:
        break;
    }
    return record;
  });
}

describe("the content lines are the Python core's bytes", () => {
  test("structured records: parts missing or null are null, member order canonical", () => {
    const records = structured(5000);
    const { bytes, ids, hashes } = typescriptLines(records, { sourceIdKey: "id" });
    expect(bytes.toString("utf8").split("\n")).toHaveLength(5001);
    expect(bytes.equals(pythonLines(records, ids, hashes))).toBe(true);
  });

  test("flat records: each part an object, the id's member left out of the input", () => {
    const records = Array.from({ length: 3000 }, (_, i) => ({
      id: `row-${i}`,
      q: AWKWARD[i % AWKWARD.length],
      context: { depth: [[[i]]] },
      answer: i % 2 === 0 ? "yes" : null,
      source: "🎉",
    }));
    for (const keys of [{ outputKeys: ["answer"], metadataKeys: ["source"] }, { inputKeys: ["q"] }]) {
      const options = { sourceIdKey: "id", ...keys };
      const { bytes, ids, hashes } = typescriptLines(records, options);
      expect(bytes.equals(pythonLines(records, ids, hashes, options))).toBe(true);
    }
  });

  test("an example nested as deep as the hash allows is written as Python writes it", () => {
    let deep: unknown = "bottom";
    for (let level = 0; level < 126; level++) {
      deep = [deep];
    }
    const records = [
      { id: "deep", input: { deep }, output: { x: 1 } },
      { id: "flat", input: { a: 1 } },
    ];
    const { bytes, ids, hashes } = typescriptLines(records, { sourceIdKey: "id" });
    expect(bytes.equals(pythonLines(records, ids, hashes))).toBe(true);
  });

  test("the lines of some rows only, in the order asked", () => {
    const records = structured(4500);
    const prepared = prepareExamples(records, { sourceIdKey: "id" });
    const rows = [4499, 0, 2001, 17, 2000];
    const linesOf = prepared.linesOf as NonNullable<typeof prepared.linesOf>;
    const all = Buffer.concat(linesOf(prepared.sourceIds.map((_, row) => row)).lines)
      .toString("utf8")
      .split("\n");
    const some = Buffer.concat(linesOf(rows).lines).toString("utf8").split("\n");
    expect(some).toEqual([...rows.map((row) => all[row]), ""]);
  });
});
