/**
 * RFC 8785 canonical JSON of JS values.
 *
 * @module
 */

import { callNative, native } from "./native.js";
import { valueTape } from "./value.js";

/**
 * The RFC 8785 (JCS) canonical JSON text of `value`: members sorted by UTF-16 code units,
 * numbers as ECMAScript writes them, minimal escapes, no whitespace.
 *
 * `value` must be a JSON value: a plain object (prototype `Object.prototype` or `null`), an
 * array, a string, a finite number, a boolean or `null`. Object members whose value is
 * `undefined` are left out, as `JSON.stringify` does.
 *
 * @throws {HashError} `unsupported_type` (a BigInt, `undefined` in an array, a function, a
 * symbol, a Date, Map, Set, RegExp, typed array, Buffer, class instance, boxed primitive or an
 * object with a `toJSON` method), `non_finite_number` (NaN, ±Infinity), `lone_surrogate` or
 * `depth_exceeded` (more than 128 nested arrays and objects), with the path of the value.
 */
export function canonicalize(value: unknown): string {
  const [slots, strings, units, names] = valueTape(value);
  return callNative(() => native.canonicalizeValue(slots, strings, units, names));
}
