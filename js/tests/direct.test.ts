// The core writes an example's canonical JSON straight from its tape (src/direct.rs), and
// only where it gives up (a lone surrogate, ...) through canonhash's values: both must give
// RFC 8785's bytes. Checked here against a canonical form written independently in JS (keys
// sorted by UTF-16 code units, as Array.prototype.sort compares strings; strings, numbers and
// literals as JSON.stringify writes them, which RFC 8785 adopts), on random values whose
// strings mix every kind of UTF-16 unit the writer treats apart.
import { createHash } from "node:crypto";
import { exampleHash, hashExamples, hashValue } from "groundset";
import { describe, expect, test } from "vitest";
import { hashBatch } from "../ts/hash.js";
import { expectHashError } from "./helpers.js";

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

function canonical(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonical).join(",")}]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, member]) => member !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonical(member)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function exampleCanonical(example: { input: unknown; output?: unknown; metadata?: unknown }): string {
  const part = (value: unknown) => (value === undefined || value === null ? "{}" : canonical(value));
  return `{"input":${canonical(example.input)},"metadata":${part(example.metadata)},"output":${part(example.output)}}`;
}

/** A small deterministic generator (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Each kind of unit the writer handles apart: ASCII, each character it escapes, 2- and 3-byte
// UTF-8, the BMP above the surrogates (which sorts after them in UTF-16 order, before them in
// code points), and surrogate pairs.
const UNITS = [
  "a",
  "Z",
  " ",
  "~",
  '"',
  "\\",
  "\n",
  "\t",
  "\b",
  "\f",
  "\r",
  "\u0000",
  "\u001f",
  "\u007f",
  "é",
  "\u07ff",
  "\u0800",
  "量",
  "\u2028",
  "\ud7ff",
  "\ue000",
  "\uffff",
  "😀",
  "\u{10ffff}",
  "\u{10000}",
];
const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.1,
  1e21,
  1e-7,
  5e-324,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 60),
  1.7976931348623157e308,
  123.456,
];

function generator(seed: number) {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const string = (plain: boolean): string => {
    const length = Math.floor(next() * (next() < 0.1 ? 300 : 12));
    let text = "";
    for (let index = 0; index < length; index++) {
      text += plain && next() < 0.7 ? pick(["a", "b", "c", "é", "量", "😀"]) : pick(UNITS);
    }
    return text;
  };
  const value = (depth: number): unknown => {
    const kind = next();
    if (depth < 4 && kind < 0.2) {
      const object: Record<string, unknown> = {};
      for (let count = Math.floor(next() * 7); count > 0; count--) {
        object[string(true)] = next() < 0.05 ? undefined : value(depth + 1);
      }
      return object;
    }
    if (depth < 4 && kind < 0.35) {
      return Array.from({ length: Math.floor(next() * 5) }, () => value(depth + 1));
    }
    if (kind < 0.6) {
      return string(false);
    }
    if (kind < 0.8) {
      return next() < 0.5 ? pick(NUMBERS) : (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20);
    }
    return pick([null, true, false]);
  };
  const object = (): Record<string, unknown> => {
    const made = value(0);
    return made !== null && typeof made === "object" && !Array.isArray(made)
      ? (made as Record<string, unknown>)
      : { value: made };
  };
  return {
    example: () => ({
      input: object(),
      ...(next() < 0.7 ? { output: next() < 0.2 ? null : object() } : {}),
      ...(next() < 0.7 ? { metadata: object() } : {}),
    }),
  };
}

describe("the core's tape writer", () => {
  test("2,000 random examples: exampleHash and hashExamples give the canonical bytes' hash", () => {
    const { example } = generator(19);
    const examples = Array.from({ length: 2_000 }, example);
    const expected = examples.map((one) => sha256(exampleCanonical(one)));
    expect(examples.map(exampleHash)).toEqual(expected);
    expect(hashExamples(examples)).toEqual(expected);
  });

  test("random values: hashValue gives the canonical bytes' hash", () => {
    const { example } = generator(7);
    for (let round = 0; round < 300; round++) {
      const value = example().input;
      expect(hashValue(value)).toBe(sha256(canonical(value)));
    }
  });

  test("member names sort by UTF-16 code units, not by code points", () => {
    const input = { "\ue000": 1, "😀": 2, "\uffff": 3, a: 4, "\u{10000}": 5 };
    expect(exampleHash({ input })).toBe(
      sha256('{"input":{"a":4,"𐀀":5,"😀":2,"\ue000":1,"\uffff":3},"metadata":{},"output":{}}'),
    );
  });

  test("ASCII written four units at a time: a character to escape, or not ASCII, at every place", () => {
    // U+001F and U+0020, U+007F and U+0080 are the edges of what goes as it is.
    for (const odd of ['"', "\\", "\u0000", "\u001f", " ", "\u007f", "\u0080", "é", "😀", "\n", "!", "#", "[", "]"]) {
      for (let at = 0; at < 9; at++) {
        const text = `${"abcdefgh".slice(0, at)}${odd}${"ijklmnop".slice(at)}`;
        expect(exampleHash({ input: { text } })).toBe(sha256(exampleCanonical({ input: { text } })));
      }
    }
  });

  test("ASCII checked sixteen units at a time: an odd unit at every place of three blocks", () => {
    // Units above 0xFF whose low byte is ASCII ("\u0141" is 0x41 'A' below, "\u0122" a quote),
    // the first unit that narrows to zero (U+8000), and surrogates, besides the edges above.
    const odds = ['"', "\\", "\u0000", "\u001f", "\u007f", "\u0080", "\u00ff", "\u0100", "\u0141", "\u0122"];
    odds.push("\u015c", "\u8000", "\uff41", "é", "量", "😀", "\ud83d", "\ude00", "\n", " ", "~");
    const ascii = "The quick brown fox jumps over the lazy dog, 0123456789!";
    for (const odd of odds) {
      const lone = odd.length === 1 && odd >= "\ud800" && odd <= "\udfff";
      for (let at = 0; at <= 48; at++) {
        // One odd unit, then again after a wide character with a run's worth of ASCII left.
        for (const text of [`${ascii.slice(0, at)}${odd}${ascii.slice(at)}`, `${ascii.slice(0, at)}量${odd}${ascii}`]) {
          const example = { input: { text } };
          if (!lone) {
            expect(exampleHash(example)).toBe(sha256(exampleCanonical(example)));
          } else {
            expectHashError(() => exampleHash(example), "lone_surrogate", "$.input.text");
          }
        }
      }
    }
    for (let length = 0; length <= 40; length++) {
      const text = `é${ascii.slice(0, length)}`;
      expect(exampleHash({ input: { text } })).toBe(sha256(exampleCanonical({ input: { text } })));
    }
  });

  test("a string with a character to escape, long and short", () => {
    for (const text of ['"', "\\", "\n", "\u0001", `${"é".repeat(1000)}"${"量".repeat(1000)}`, "a\u001fb"]) {
      expect(exampleHash({ input: { text } })).toBe(sha256(exampleCanonical({ input: { text } })));
    }
  });

  test.each([
    ["in a value after an escaped string", { input: { a: ['"', "x\ud800"] } }, "$.input.a[1]"],
    ["at a string's end", { input: { b: "😀\ud83d" } }, "$.input.b"],
    ["a low surrogate first", { input: {}, output: { c: "\ude00😀" } }, "$.output.c"],
    ["in a member name", { input: { d: { "k\udc00": 1 } } }, "$.input.d"],
    [
      "in metadata, before output",
      { input: {}, output: { e: "\ud800" }, metadata: { f: ["\udbff"] } },
      "$.metadata.f[0]",
    ],
  ])("a lone surrogate %s: the general path's error", (_name, example, path) => {
    expectHashError(() => exampleHash(example), "lone_surrogate", path);
    expectHashError(() => hashExamples([{ input: {} }, example]), "lone_surrogate", `$[1]${path.slice(1)}`);
  });

  test("a batch with lone surrogates here and there: each one's error, every other hash", () => {
    const { example } = generator(3);
    const examples: Array<{ input: object }> = Array.from({ length: 3_000 }, example);
    const bad = [5, 1_000, 2_999];
    for (const index of bad) {
      examples[index] = { input: { x: ["ok", "\ud800"] } };
    }
    const { hashes, failures } = hashBatch(examples, true);
    expect([...failures.keys()].sort((a, b) => a - b)).toEqual(bad);
    for (const index of bad) {
      expect(failures.get(index)?.code).toBe("lone_surrogate");
      expect(failures.get(index)?.path).toBe("$.input.x[1]");
    }
    examples.forEach((one, index) => {
      if (!bad.includes(index)) {
        expect(hashes[index]).toBe(sha256(exampleCanonical(one)));
      }
    });
  });

  test("examples of many short strings: handed over in calls of bounded arguments, refused ones taken back", () => {
    // The strings go to the core as the arguments of one call per chunk: an example of 20,000
    // strings takes several calls; a refused one's strings, written before its failure, are
    // never handed over; the member names at each position change from example to example.
    const examples: Array<{ input: object; output?: object }> = Array.from({ length: 400 }, (_, index) => ({
      input:
        index % 50 === 7
          ? { many: Array.from({ length: 20_000 }, (_, at) => `${at % 10}é`) }
          : {
              [`k${index % 3}`]: ["a", "量", `${index}`],
              [index % 2 === 0 ? "z" : "y"]: { s: "😀".repeat(index % 5) },
            },
      output: { tail: "x".repeat(index % 13) },
    }));
    const bad = [8, 57, 399];
    for (const index of bad) {
      examples[index] = { input: { many: Array.from({ length: 9_000 }, () => "s"), after: [Number.NaN] } };
    }
    const { hashes, failures } = hashBatch(examples, true);
    expect([...failures.keys()]).toEqual(bad);
    expect(failures.get(57)?.path).toBe("$.input.after[0]");
    examples.forEach((one, index) => {
      if (!bad.includes(index)) {
        expect(hashes[index]).toBe(sha256(exampleCanonical(one)));
      }
    });
  });

  test("JS-refused examples between long strings: the text handed over in chunks stays aligned", () => {
    // ~3,000 units per example: chunks of the text go to the core every few examples, and the
    // batch spans several parts; a refused example has written its strings before its
    // failure, which must be taken back from the text not yet handed over.
    const examples: Array<{ input: object; output?: object }> = Array.from({ length: 1_200 }, (_, index) => ({
      input: { text: `${index} ${"é量😀".repeat(700)}`, n: index },
      output: { tail: "x".repeat(index % 97) },
    }));
    const bad = new Map<number, string>([
      [0, "non_finite_number"],
      [6, "unsupported_type"],
      [7, "non_finite_number"],
      [333, "unsupported_type"],
      [1_199, "non_finite_number"],
    ]);
    for (const [index, code] of bad) {
      const refused = code === "non_finite_number" ? Number.NaN : new Date(0);
      examples[index] = { input: { text: "y".repeat(20_000), after: [refused] } };
    }
    const { hashes, failures } = hashBatch(examples, true);
    expect(new Map([...failures].map(([index, error]) => [index, error.code]))).toEqual(bad);
    expect(failures.get(333)?.path).toBe("$.input.after[0]");
    examples.forEach((one, index) => {
      if (!bad.has(index)) {
        expect(hashes[index]).toBe(sha256(exampleCanonical(one)));
      }
    });
  });
});

describe("the member rule with a batch that stops at its first refused example", () => {
  test("the part ends before the refused example, its members too", () => {
    // The batch writer takes the refused example from the source (so the member list noted it)
    // and ends the part before it: the part's members were one more than its examples, which
    // the core took for a malformed tape.
    const examples = [
      { id: "a", input: { x: 1 } },
      { id: "b", input: { x: 2 }, output: null },
      { id: "c", input: { x: Number.NaN } },
      { id: "d", input: { x: 4 } },
    ];
    const { hashes, failures } = hashBatch(examples, false, { idKey: "id", anyMembers: false });
    expect([...failures].map(([index, error]) => [index, error.code, error.path])).toEqual([
      [2, "non_finite_number", "$.input.x"],
    ]);
    expect(hashes.slice(0, 2)).toEqual([
      sha256(exampleCanonical({ input: { x: 1 } })),
      sha256(exampleCanonical({ input: { x: 2 } })),
    ]);
  });
});
