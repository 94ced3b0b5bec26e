// Every case of fixtures/hash-vectors.json, on native JS values from JSON.parse.
import {
  canonicalize,
  exampleHash,
  HashError,
  hashExamples,
  hashValue,
  MAX_DEPTH,
  MAX_SAFE_INTEGER,
  MAX_SOURCE_ID_CHARS,
  manifestDigest,
  sourceIdOf,
} from "groundset";
import { describe, expect, test } from "vitest";
import { canonicalizeJson, hashJson } from "../native/index.js";
import { expectHashError, vectors } from "./helpers.js";

describe("values", () => {
  test.each(vectors.values.map((v) => [v.name, v] as const))("%s", (_name, vector) => {
    expect(canonicalize(vector.value)).toBe(vector.canonical);
    expect(hashValue(vector.value)).toBe(vector.sha256);
  });

  test("there are vectors", () => {
    expect(vectors.values.length).toBeGreaterThan(50);
  });
});

describe("examples", () => {
  test.each(vectors.examples.map((v) => [v.name, v] as const))("%s", (_name, vector) => {
    const { input, output, metadata } = vector;
    expect(exampleHash({ input, output, metadata })).toBe(vector.sha256);
  });

  test("hashExamples gives each example's hash, in order", () => {
    const examples = vectors.examples.map(({ input, output, metadata }) => ({ input, output, metadata }));
    expect(hashExamples(examples)).toEqual(vectors.examples.map((v) => v.sha256));
    expect(hashExamples([...examples].reverse())).toEqual(vectors.examples.map((v) => v.sha256).reverse());
  });
});

describe("invalid examples", () => {
  test.each(vectors.invalid_examples.map((v) => [v.name, v] as const))("%s", (_name, vector) => {
    const { input, output, metadata } = vector;
    expectHashError(() => exampleHash({ input, output, metadata }), vector.code, vector.path);
  });

  test.each(vectors.invalid_examples.map((v) => [v.name, v] as const))("%s, as item 2 of a batch", (_name, vector) => {
    const { input, output, metadata } = vector;
    const good = vectors.examples[0] as { input: unknown };
    const batch = [{ input: good.input }, { input: good.input }, { input, output, metadata }, { input: good.input }];
    expectHashError(() => hashExamples(batch), vector.code, `$[2]${vector.path.slice(1)}`);
  });
});

describe("manifests", () => {
  test.each(vectors.manifests.map((v) => [v.name, v] as const))("%s", (_name, vector) => {
    expect(manifestDigest(vector.entries)).toBe(vector.sha256);
    expect(manifestDigest([...vector.entries].reverse())).toBe(vector.sha256);
  });
});

describe("invalid JSON text (through the addon's private text entry)", () => {
  test.each(vectors.invalid.map((v) => [v.name, v] as const))("%s", (_name, vector) => {
    for (const call of [() => canonicalizeJson(vector.json), () => hashJson(vector.json)]) {
      let thrown: unknown;
      try {
        call();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(Error);
      const fields = JSON.parse((thrown as Error).message.replace(/^groundset:HashError:/, "")) as Record<
        string,
        unknown
      >;
      expect({ code: fields.code, path: fields.path }).toEqual({ code: vector.code, path: vector.path });
    }
  });
});

describe("invalid values that JS can hold fail as their text does", () => {
  // JSON.parse keeps lone surrogates, turns 1e400 into Infinity and nests as deep as asked:
  // the JS value must fail with the code and path the core gives the text.
  const comparable = vectors.invalid.filter((v) =>
    ["lone_surrogate", "non_finite_number", "depth_exceeded"].includes(v.code),
  );

  test("there are such vectors", () => {
    expect(comparable.map((v) => v.code).sort()).toEqual(
      expect.arrayContaining(["depth_exceeded", "lone_surrogate", "non_finite_number"]),
    );
  });

  test.each(comparable.map((v) => [v.name, v] as const))("%s", (_name, vector) => {
    const value: unknown = JSON.parse(vector.json);
    expectHashError(() => canonicalize(value), vector.code, vector.path);
    expectHashError(() => hashValue(value), vector.code, vector.path);
  });
});

describe("source ids, through sourceIdOf on the value JSON.parse gives", () => {
  test("the limits are the core's, and the vectors'", () => {
    expect(MAX_SOURCE_ID_CHARS).toBe(vectors.max_source_id_chars);
    expect(MAX_SAFE_INTEGER).toBe(vectors.max_safe_integer);
    expect(MAX_SAFE_INTEGER).toBe(Number.MAX_SAFE_INTEGER);
    expect(MAX_DEPTH).toBe(vectors.max_depth);
    expect(vectors.source_ids.length).toBeGreaterThanOrEqual(20);
  });

  test.each(vectors.source_ids.map((v) => [v.name, v] as const))("%s", (_name, vector) => {
    // JSON.parse rounds 9007199254740993 to 2^53, which the rule refuses as well.
    const value: unknown = JSON.parse(vector.json);
    if (vector.source_id !== undefined) {
      expect(sourceIdOf(value)).toBe(vector.source_id);
    } else {
      let thrown: unknown;
      try {
        sourceIdOf(value);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(HashError);
      expect({ code: (thrown as HashError).code, path: (thrown as HashError).path }).toEqual({
        code: vector.code,
        path: "$",
      });
    }
  });

  test("a bigint is an integer: 7n gives 7; beyond 2^53 - 1 it is refused, spelled in full", () => {
    expect(sourceIdOf(7n)).toBe("7");
    expect(sourceIdOf(-9007199254740991n)).toBe("-9007199254740991");
    for (const big of [2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n), 2n ** 200n]) {
      expectHashError(() => sourceIdOf(big), "invalid_source_id", "$");
      expect(() => sourceIdOf(big)).toThrow(`the integer ${big} is beyond the source-id range`);
    }
  });

  test("length is counted in characters, not UTF-16 units", () => {
    expect(sourceIdOf("😀".repeat(512))).toHaveLength(1024);
    expect(() => sourceIdOf("😀".repeat(513))).toThrow("this one has 513");
    expect(() => sourceIdOf("a\udc00b")).toThrow("well-formed Unicode");
  });

  test.each([
    ["true", true, "found boolean"],
    ["undefined", undefined, "found undefined"],
    ["a function", () => 1, "found a function"],
    ["NaN", Number.NaN, "must be an integer, found NaN"],
    ["7.5", 7.5, "must be an integer, found 7.5"],
  ])("%s is refused", (_name, value, message) => {
    expect(expectHashError(() => sourceIdOf(value), "invalid_source_id", "$").message).toContain(message);
  });
});
