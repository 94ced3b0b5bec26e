/**
 * The one source-id rule and the limits of groundset, from the Rust core (`canonhash`), so that
 * every SDK, the CLI and the server accept and spell the same ids (docs/hashing.md).
 *
 * @module
 */

import { callNative, native } from "./native.js";

/** The longest source id, in Unicode scalar values (characters; an emoji is one): 512. */
export const MAX_SOURCE_ID_CHARS: number = native.MAX_SOURCE_ID_CHARS;

/**
 * The largest magnitude of a numeric source id: 2^53 - 1 = 9007199254740991, JavaScript's
 * `Number.MAX_SAFE_INTEGER` and the interoperable range of RFC 7493 section 2.2.
 */
export const MAX_SAFE_INTEGER: number = native.MAX_SAFE_INTEGER;

/** The longest dataset, experiment or evaluator name or tag, in Unicode scalar values: 512. */
export const MAX_NAME_CHARS: number = native.MAX_NAME_CHARS;

/** The deepest nesting of arrays and objects in a hashed value: 128. */
export const MAX_DEPTH: number = native.MAX_DEPTH;

/** How many bad records an {@link ExampleError} lists one by one (the rest are counted): 100. */
export const MAX_REPORTED_ERRORS: number = native.MAX_REPORTED_ERRORS;

/**
 * The source id `value` stands for, by the one rule of every groundset SDK:
 *
 * - a string: taken as is (no trimming), if it is non-empty, at most {@link MAX_SOURCE_ID_CHARS}
 *   characters, well-formed Unicode (no lone surrogate) and free of U+0000;
 * - a number or a bigint whose value is an integer of magnitude at most
 *   {@link MAX_SAFE_INTEGER}: its decimal digits (`7`, `7n` and `7.0` give `"7"`, `-0` gives `"0"`).
 *
 * Anything else is refused: a fraction, a number beyond the range (`9007199254740992`, which
 * may be a rounded `9007199254740993`: write such ids as strings), a boolean, `null`, an object.
 *
 * ```ts
 * sourceIdOf(7); // "7"
 * sourceIdOf("q-1"); // "q-1"
 * ```
 *
 * @throws {HashError} `invalid_source_id` at `$`, saying what was found.
 */
export function sourceIdOf(value: unknown): string {
  return callNative(() => native.sourceIdOf(value));
}
