/**
 * docs/hashing.md's table of JavaScript values says what the hashing does with `undefined`,
 * functions and symbols: an `undefined` member is left out (as `JSON.stringify` does), an
 * `undefined` array item is refused, a function or a symbol is refused wherever it is. The doc
 * once said an `undefined` member was both left out and refused; this holds the two together.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalize, HashError, hashValue } from "groundset";
import { describe, expect, test } from "vitest";

const table = readFileSync(join(__dirname, "..", "..", "docs", "hashing.md"), "utf8");

function refusal(value: unknown): string | undefined {
  try {
    canonicalize(value);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(HashError);
    return `${(error as HashError).code} at ${(error as HashError).path}`;
  }
}

describe("docs/hashing.md on undefined, functions and symbols", () => {
  test("the doc's rows", () => {
    expect(table).toContain("members whose value is `undefined` are left out, as `JSON.stringify` does");
    expect(table).toContain(
      "`undefined` as an array item (as a member value it is left out: see object), functions and symbols as " +
        "array items or member values",
    );
  });

  test("an undefined member is left out, as if absent", () => {
    expect(canonicalize({ a: 1, b: undefined })).toBe('{"a":1}');
    expect(hashValue({ a: 1, b: undefined })).toBe(hashValue({ a: 1 }));
  });

  test("an undefined array item, and a function or a symbol anywhere, are refused with their path", () => {
    expect(refusal([1, undefined])).toBe("unsupported_type at $[1]");
    expect(refusal({ f: () => 1 })).toBe("unsupported_type at $.f");
    expect(refusal([() => 1])).toBe("unsupported_type at $[0]");
    expect(refusal({ s: Symbol("x") })).toBe("unsupported_type at $.s");
    expect(refusal([Symbol("x")])).toBe("unsupported_type at $[0]");
  });
});
