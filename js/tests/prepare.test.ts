// prepareExamples (what upsertDataset does with examples in memory): the core finds the
// repeated identities and the manifest digest while it hashes; both must be what the columns
// it returns give (manifestDigest of its pairs, a repeat named with its first row).
import { exampleHash, manifestDigest } from "groundset";
import { describe, expect, test } from "vitest";
import type { ExampleError } from "../ts/errors.js";
import { manifestDigestOfColumns } from "../ts/hash.js";
import { prepareExamples } from "../ts/records.js";

function pairs(prepared: { sourceIds: string[]; contentHashes: string[] }): Array<[string, string]> {
  return prepared.sourceIds.map((id, row) => [id, prepared.contentHashes[row] as string]);
}

function issuesOf(work: () => unknown): Array<[number, string, string | undefined]> {
  try {
    work();
  } catch (error) {
    return (error as ExampleError).errors.map((issue) => [issue.row, issue.code, issue.sourceId]);
  }
  throw new Error("no ExampleError");
}

describe("prepareExamples: identities found while hashing", () => {
  test("ids in UTF-16 order (not code point order), across several parts: the digest of the pairs", () => {
    // Code point order puts U+FFFF before U+10000; UTF-16 order puts the surrogates first.
    const odd = ["\uffff", "😀", "\ue000", "a", "\u{10000}", "é", '"q"', "\n", "Z"];
    const records = Array.from({ length: 6_000 }, (_, row) => ({
      id: row < odd.length ? odd[row] : row % 3 === 0 ? row : `id-${row}`,
      input: { text: "量".repeat(row % 400), row },
    }));
    const prepared = prepareExamples(records, { sourceIdKey: "id" });
    expect(prepared.sourceIds.slice(0, 3)).toEqual(["\uffff", "😀", "\ue000"]);
    expect(prepared.sourceIds[9]).toBe("9");
    expect(prepared.contentHashes[5]).toBe(exampleHash({ input: { text: "量".repeat(5), row: 5 } }));
    expect(prepared.digest).toBe(manifestDigest(pairs(prepared)));
    expect(prepared.digest).toBe(manifestDigestOfColumns(prepared.sourceIds, prepared.contentHashes));
    const reversed = prepareExamples(records.slice().reverse(), { sourceIdKey: "id" });
    expect(reversed.digest).toBe(prepared.digest);
  });

  test("by sourceId(record) and by content hash: the digest of the pairs; the same content counts once", () => {
    const records = Array.from({ length: 300 }, (_, row) => ({ a: row % 50, input: { q: row % 50 } }));
    const byFunction = prepareExamples(
      records.slice(0, 50).map(({ a, input }) => ({ a, input })),
      { sourceId: (record) => `f${record.a}` },
    );
    expect(byFunction.digest).toBe(manifestDigest(pairs(byFunction)));
    const byContent = prepareExamples(
      records.map(({ input }) => ({ input })),
      {},
    );
    expect(byContent.sourceIds).toHaveLength(50);
    expect(byContent.sourceIds).toEqual(byContent.contentHashes);
    expect(byContent.sourceIds[7]).toBe(exampleHash({ input: { q: 7 } }));
    expect(byContent.digest).toBe(manifestDigest(pairs(byContent)));
  });

  test("every repeat is named with the first row of its id, a refused record's id included", () => {
    const records = [
      { id: "a", input: { x: Number.NaN } },
      { id: 7, input: {} },
      { id: "a", input: {} },
      { id: "7", input: {} },
      { id: null, input: {} },
      { input: {} },
      { id: "a", input: { s: "\ud800" } },
      { id: "b", input: {} },
    ];
    expect(issuesOf(() => prepareExamples(records, { sourceIdKey: "id" }))).toEqual([
      [0, "non_finite_number", "a"],
      [2, "duplicate_source_id", "a"],
      [3, "duplicate_source_id", "7"],
      [4, "invalid_source_id", undefined],
      [5, "missing_source_id", undefined],
      [6, "lone_surrogate", "a"],
      [6, "duplicate_source_id", "a"],
    ]);
  });

  test("string ids of every length and kind in one batch: each checked by the rule, each kept as given", () => {
    // Ids below and above the length the core copies into a reused buffer (63 units), at and
    // past the rule's 512 characters (an astral character is one of them, two units), after a
    // long one, with a lone surrogate, U+0000, or empty: refused ones by their rows.
    const long = "x".repeat(200);
    const astral = "😀".repeat(512);
    const ids = ["a", long, "b", "y".repeat(63), "z".repeat(64), astral, `${astral}!`, "é\ud800", "a\u0000b", "", "c"];
    const records = ids.map((id, row) => ({ id, input: { row } }));
    expect(issuesOf(() => prepareExamples(records, { sourceIdKey: "id" }))).toEqual([
      [6, "invalid_source_id", undefined],
      [7, "invalid_source_id", undefined],
      [8, "invalid_source_id", undefined],
      [9, "invalid_source_id", undefined],
    ]);
    const valid = records.filter((_, row) => row < 6 || row === 10);
    expect(prepareExamples(valid, { sourceIdKey: "id" }).sourceIds).toEqual(valid.map((record) => record.id));
  });
});
