// The JS value mapping: what is a JSON value, and the errors for what is not.
import { createHash } from "node:crypto";
import { canonicalize, exampleHash, GroundsetError, HashError, hashValue, UnsupportedTypeError } from "groundset";
import { describe, expect, test } from "vitest";
import { expectHashError, nestedArrays, nestedObjects } from "./helpers.js";

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

describe("accepted values", () => {
  test("the README example", () => {
    expect(canonicalize({ b: 1, a: [1, "é"] })).toBe('{"a":[1,"é"],"b":1}');
    expect(hashValue({ b: 1, a: [1, "é"] })).toBe(sha256('{"a":[1,"é"],"b":1}'));
  });

  test("hashValue is 64 lowercase hex digits", () => {
    expect(hashValue(null)).toMatch(/^[0-9a-f]{64}$/);
  });

  test("members whose value is undefined are left out, as JSON.stringify does", () => {
    expect(canonicalize({ a: undefined, b: 1, c: { d: undefined } })).toBe('{"b":1,"c":{}}');
    expect(hashValue({ a: undefined, b: 1 })).toBe(hashValue({ b: 1 }));
  });

  test("objects without a prototype are plain objects", () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.z = 1;
    bare.a = [Object.create(null)];
    expect(canonicalize(bare)).toBe('{"a":[{}],"z":1}');
    expect(hashValue(bare)).toBe(hashValue({ a: [{}], z: 1 }));
  });

  test("members are sorted by UTF-16 code units, not by code points", () => {
    expect(canonicalize({ "\ue000": 1, "\u{10000}": 2 })).toBe('{"\u{10000}":2,"\ue000":1}');
    expect(canonicalize({ b: 1, a: 2, B: 3, "10": 4, "9": 5 })).toBe('{"10":4,"9":5,"B":3,"a":2,"b":1}');
  });

  test("numbers are written as ECMAScript writes doubles", () => {
    expect(canonicalize(-0)).toBe("0");
    expect(canonicalize([-0, 0])).toBe("[0,0]");
    expect(canonicalize(2 ** 68)).toBe("295147905179352830000");
    expect(canonicalize(2 ** 53 + 2)).toBe("9007199254740994");
    expect(canonicalize([1e21, 1e-7, 0.1 + 0.2, -5e-324, Number.MAX_VALUE])).toBe(
      "[1e+21,1e-7,0.30000000000000004,-5e-324,1.7976931348623157e+308]",
    );
    expect(hashValue(2 ** 68)).toBe(sha256("295147905179352830000"));
  });

  test("strings keep every character; pairs of surrogates are one character", () => {
    expect(canonicalize("😀\u2028\u0000\u007f")).toBe('"😀\u2028\\u0000\u007f"');
    expect(canonicalize({ "\ud83d\ude00": "\ud83d\ude00" })).toBe('{"😀":"😀"}');
  });

  test("the same value in any member order has one hash", () => {
    expect(hashValue({ a: 1, b: [true, null, "x"] })).toBe(hashValue({ b: [true, null, "x"], a: 1 }));
  });

  test("a member Object.prototype gets from a library is not the value's", () => {
    const value = { b: { c: [1, { d: "x" }] }, a: null };
    const before = hashValue(value);
    const prototype = Object.prototype as Record<string, unknown>;
    prototype.injected = "everywhere";
    try {
      expect(canonicalize(value)).toBe('{"a":null,"b":{"c":[1,{"d":"x"}]}}');
      expect(hashValue(value)).toBe(before);
      expect(exampleHash({ input: value })).toBe(sha256(`{"input":${canonicalize(value)},"metadata":{},"output":{}}`));
    } finally {
      delete prototype.injected;
    }
  });

  test("a member named __proto__ is an ordinary member", () => {
    const value = JSON.parse('{"__proto__": {"x": 1}, "a": 2}') as unknown;
    expect(canonicalize(value)).toBe('{"__proto__":{"x":1},"a":2}');
  });

  test("128 nested containers are allowed", () => {
    expect(canonicalize(nestedArrays(128, "bottom"))).toBe(`${"[".repeat(128)}"bottom"${"]".repeat(128)}`);
    expect(hashValue(nestedObjects(128))).toMatch(/^[0-9a-f]{64}$/);
  });

  test("a large value (more strings than one tape's worth)", () => {
    const value = Array.from({ length: 3000 }, (_, i) => ({ [`k${i}`]: "é".repeat(2000), n: i }));
    const expected = JSON.stringify(value.map((item, i) => ({ [`k${i}`]: item[`k${i}`], n: i })));
    expect(canonicalize(value)).toBe(expected);
  });
});

describe("values outside the domain", () => {
  test.each([
    ["NaN", { a: [1, Number.NaN] }, "$.a[1]"],
    ["Infinity", { x: Number.POSITIVE_INFINITY }, "$.x"],
    ["-Infinity", [Number.NEGATIVE_INFINITY], "$[0]"],
    ["NaN at the root", Number.NaN, "$"],
  ])("non_finite_number: %s", (_name, value, path) => {
    const error = expectHashError(() => hashValue(value), "non_finite_number", path);
    expect(error.message).toMatch(/NaN|Infinity/);
    expectHashError(() => canonicalize(value), "non_finite_number", path);
  });

  test.each([
    ["lone high surrogate", { s: "\ud800" }, "$.s"],
    ["lone low surrogate", ["\udc00"], "$[0]"],
    ["high surrogate then letter", "\ud83dx", "$"],
    ["swapped surrogates", "\ude00\ud83d", "$"],
    ["at the end of a long string", { t: ["ok", `${"é".repeat(100)}\ud800`] }, "$.t[1]"],
    ["in a member name: reported at the object", { o: { "a\udc00": 1 } }, "$.o"],
  ])("lone_surrogate: %s", (_name, value, path) => {
    expectHashError(() => hashValue(value), "lone_surrogate", path);
    expectHashError(() => canonicalize(value), "lone_surrogate", path);
  });

  test("depth_exceeded past 128 nested containers, at the 129th", () => {
    expectHashError(() => hashValue(nestedArrays(129)), "depth_exceeded", `$${"[0]".repeat(128)}`);
    expectHashError(() => canonicalize(nestedObjects(129)), "depth_exceeded", `$${".a".repeat(128)}`);
    // Far deeper than any stack: refused before it is walked.
    expectHashError(() => hashValue(nestedArrays(100_000)), "depth_exceeded", `$${"[0]".repeat(128)}`);
  });

  test("a cycle is refused as too deep, not a stack overflow", () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expectHashError(() => hashValue(cycle), "depth_exceeded", `$${".self".repeat(128)}`);
  });

  class Point {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
  }
  class Stamp {
    toJSON() {
      return "stamp";
    }
  }
  class List extends Array<number> {}

  test.each([
    ["a BigInt", { n: 10n }, "$.n", "BigInt"],
    ["undefined in an array", [1, undefined], "$[1]", "undefined"],
    // biome-ignore lint/suspicious/noSparseArray: the hole is the case
    ["a hole in an array", [1, , 3], "$[1]", "undefined"],
    ["a function in an array", [() => 1], "$[0]", "function"],
    ["a symbol in an array", [Symbol("s")], "$[0]", "symbol"],
    ["a function member", { f() {} }, "$.f", "function"],
    ["a symbol member", { s: Symbol.iterator }, "$.s", "symbol"],
    ["undefined at the root", undefined, "$", "undefined"],
    ["a Date", { when: new Date(0) }, "$.when", "Date"],
    ["a Map", { m: new Map([["a", 1]]) }, "$.m", "Map"],
    ["a Set", [new Set([1])], "$[0]", "Set"],
    ["a RegExp", { r: /x/ }, "$.r", "RegExp"],
    ["a typed array", { bytes: new Uint8Array(2) }, "$.bytes", "Uint8Array"],
    ["a Buffer", { data: Buffer.from("hi") }, "$.data", "Buffer"],
    ["an ArrayBuffer", { buffer: new ArrayBuffer(4) }, "$.buffer", "ArrayBuffer"],
    ["a class instance", { p: new Point(1, 2) }, "$.p", "Point"],
    ["an Array subclass", { l: List.from([1]) }, "$.l", "Array subclass"],
    ["a boxed number", [Object(1)], "$[0]", "Number"],
    ["a boxed string", { s: Object("s") }, "$.s", "String"],
    ["a boxed boolean", { b: Object(true) }, "$.b", "Boolean"],
    ["an object with a toJSON method", { v: { toJSON: () => 1 } }, "$.v", "toJSON"],
    ["a class with toJSON", { v: new Stamp() }, "$.v", "Stamp"],
    ["an array with toJSON", { v: Object.assign([1], { toJSON: () => 1 }) }, "$.v", "toJSON"],
    ["an error", { e: new Error("x") }, "$.e", "Error"],
    ["a promise", { p: Promise.resolve(1) }, "$.p", "Promise"],
    ["deep inside", { input: { items: [{ ok: 1 }, { when: new Date() }] } }, "$.input.items[1].when", "Date"],
    ["under a key that needs quotes", { "a key": [1n] }, '$["a key"][0]', "BigInt"],
  ])("unsupported_type: %s", (_name, value, path, typeName) => {
    const error = expectHashError(() => hashValue(value), "unsupported_type", path);
    expect(error.message).toContain(typeName);
    // The Python SDK's class for the same refusal.
    expect(error).toBeInstanceOf(UnsupportedTypeError);
    expect(error.name).toBe("UnsupportedTypeError");
    expectHashError(() => canonicalize(value), "unsupported_type", path);
  });

  test("the first failure in walk order is reported, lone surrogates included", () => {
    expectHashError(() => hashValue({ a: "\ud800", b: Number.NaN }), "lone_surrogate", "$.a");
    expectHashError(() => hashValue({ b: Number.NaN, a: "\ud800" }), "non_finite_number", "$.b");
  });
});

describe("error classes", () => {
  test("HashError extends GroundsetError extends Error, with its fields", () => {
    const error = expectHashError(() => hashValue({ x: [Number.NaN] }), "non_finite_number", "$.x[0]");
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("HashError");
    expect(error).not.toBeInstanceOf(UnsupportedTypeError);
    expect(error.message).toBe(`non_finite_number at $.x[0]: ${error.reason}`);
    expect(error.line).toBeUndefined();
    expect(error.column).toBeUndefined();
    expect(new HashError("io_error", "$", "x")).toBeInstanceOf(GroundsetError);
    expect(new GroundsetError("x").name).toBe("GroundsetError");
  });
});
