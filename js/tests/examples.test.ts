// Examples and batches of examples.
import { createHash } from "node:crypto";
import { exampleHash, hashExamples } from "groundset";
import { describe, expect, test } from "vitest";
import { expectHashError, nestedObjects } from "./helpers.js";

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

describe("exampleHash", () => {
  test("hashes the canonical {input, metadata, output} object", () => {
    const example = { input: { q: "2+2?", n: 2 ** 68 }, output: { a: -0 }, metadata: { tags: ["é"] } };
    expect(exampleHash(example)).toBe(
      sha256('{"input":{"n":295147905179352830000,"q":"2+2?"},"metadata":{"tags":["é"]},"output":{"a":0}}'),
    );
  });

  test("a missing, undefined or null output or metadata is {}", () => {
    const expected = sha256('{"input":{"q":1},"metadata":{},"output":{}}');
    expect(exampleHash({ input: { q: 1 } })).toBe(expected);
    expect(exampleHash({ input: { q: 1 }, output: undefined, metadata: null })).toBe(expected);
    expect(exampleHash({ input: { q: 1 }, output: {}, metadata: {} })).toBe(expected);
  });

  test("other members of the example are not hashed", () => {
    const withExtras = { id: "ex-1", input: { q: 1 }, when: new Date(), score: Number.NaN };
    expect(exampleHash(withExtras as { input: unknown })).toBe(exampleHash({ input: { q: 1 } }));
  });

  test("input may nest 127 levels below the example object, not 128", () => {
    expect(exampleHash({ input: nestedObjects(127) })).toMatch(/^[0-9a-f]{64}$/);
    expectHashError(() => exampleHash({ input: nestedObjects(128) }), "depth_exceeded", `$.input${".a".repeat(127)}`);
    expectHashError(
      () => exampleHash({ input: {}, metadata: nestedObjects(128) }),
      "depth_exceeded",
      `$.metadata${".a".repeat(127)}`,
    );
  });

  test.each([
    ["input missing", {}, "not_an_object", "$.input"],
    ["input an array", { input: [1] }, "not_an_object", "$.input"],
    ["input a string", { input: "q" }, "not_an_object", "$.input"],
    ["input NaN", { input: Number.NaN }, "not_an_object", "$.input"],
    ["output an array holding NaN", { input: {}, output: [Number.NaN] }, "not_an_object", "$.output"],
    ["metadata false", { input: {}, metadata: false }, "not_an_object", "$.metadata"],
    ["input a Date", { input: new Date() }, "unsupported_type", "$.input"],
    ["output a function", { input: {}, output: () => 1 }, "unsupported_type", "$.output"],
    ["a value deep in input", { input: { items: [1, 2n] } }, "unsupported_type", "$.input.items[1]"],
    ["a lone surrogate in output", { input: {}, output: { a: "\udfff" } }, "lone_surrogate", "$.output.a"],
  ])("%s", (_name, example, code, path) => {
    expectHashError(() => exampleHash(example as { input: unknown }), code, path);
  });

  test("an example that is not an object", () => {
    expectHashError(() => exampleHash(null as unknown as { input: unknown }), "not_an_object", "$");
    expectHashError(() => exampleHash([{ input: {} }] as unknown as { input: unknown }), "not_an_object", "$");
  });

  test("parts are checked in canonical order: input, metadata, output", () => {
    expectHashError(() => exampleHash({ input: {}, output: [], metadata: [] }), "not_an_object", "$.metadata");
  });
});

describe("hashExamples", () => {
  const examples = Array.from({ length: 50 }, (_, i) => ({
    input: { question: `q${i} é 😀`, n: i * 1.5 },
    output: i % 2 ? { answer: [i] } : undefined,
    metadata: i % 3 ? null : { tags: ["a", "b"] },
  }));

  test("matches exampleHash on each, in order", () => {
    expect(hashExamples(examples)).toEqual(examples.map((example) => exampleHash(example)));
  });

  test("takes any iterable", () => {
    function* generate() {
      yield* examples;
    }
    expect(hashExamples(generate())).toEqual(hashExamples(examples));
    expect(hashExamples([])).toEqual([]);
  });

  test("an error in item 3 has the item's index in front of its path", () => {
    const batch = [...examples.slice(0, 3), { input: { items: [Number.NaN] } }, ...examples.slice(3)];
    expectHashError(() => hashExamples(batch), "non_finite_number", "$[3].input.items[0]");
    const lone = [...examples.slice(0, 3), { input: { items: ["\ud800"] } }, ...examples.slice(3)];
    expectHashError(() => hashExamples(lone), "lone_surrogate", "$[3].input.items[0]");
    const notObject = [...examples.slice(0, 3), 7, ...examples.slice(3)];
    expectHashError(() => hashExamples(notObject as Array<{ input: unknown }>), "not_an_object", "$[3]");
  });

  test("the first bad example is reported, whichever check finds it", () => {
    // Item 1's lone surrogate comes before item 3's NaN.
    const batch = [examples[0], { input: { s: "\ud800" } }, examples[2], { input: { v: Number.NaN } }];
    expectHashError(() => hashExamples(batch as Array<{ input: unknown }>), "lone_surrogate", "$[1].input.s");
  });

  test("a batch of several tapes: hashes and error indices across them", () => {
    // About 8 million UTF-16 units, more than one tape holds.
    const long = "é😀 ".repeat(250);
    const many = Array.from({ length: 10_000 }, (_, i) => ({ input: { i, text: long }, output: { i } }));
    const hashes = hashExamples(many);
    expect(hashes).toHaveLength(10_000);
    for (const i of [0, 1, 4_999, 7_777, 9_999]) {
      expect(hashes[i]).toBe(exampleHash(many[i] as { input: unknown }));
    }
    expect(new Set(hashes).size).toBe(10_000);
    const bad = [...many];
    bad[9_500] = { input: { i: 9_500, text: `${long}\udc00` }, output: { i: 9_500 } };
    expectHashError(() => hashExamples(bad), "lone_surrogate", "$[9500].input.text");
  });
});
