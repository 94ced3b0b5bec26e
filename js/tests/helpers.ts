import { readFileSync } from "node:fs";
import { GroundsetError, HashError } from "groundset";
import { expect } from "vitest";

/** The golden vectors, read from the repository (never copied). */
export interface Vectors {
  max_depth: number;
  values: Array<{ name: string; value: unknown; canonical: string; sha256: string }>;
  examples: Array<{
    name: string;
    input: unknown;
    output?: unknown;
    metadata?: unknown;
    canonical: string;
    sha256: string;
  }>;
  manifests: Array<{ name: string; entries: Array<[string, string]>; canonical: string; sha256: string }>;
  invalid: Array<{ name: string; json: string; code: string; path: string }>;
  max_source_id_chars: number;
  max_safe_integer: number;
  /** JSON text of an id value: gives `source_id`, or fails with `code` (at the id's path). */
  source_ids: Array<{ name: string; json: string; source_id?: string; code?: string }>;
  invalid_examples: Array<{
    name: string;
    input: unknown;
    output?: unknown;
    metadata?: unknown;
    code: string;
    path: string;
  }>;
}

export const vectors = JSON.parse(
  readFileSync(new URL("../../fixtures/hash-vectors.json", import.meta.url), "utf8"),
) as Vectors;

/** Runs `call`, which must throw a {@link HashError} with `code` at `path`; returns it. */
export function expectHashError(call: () => unknown, code: string, path: string): HashError {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(HashError);
  expect(thrown).toBeInstanceOf(GroundsetError);
  const error = thrown as HashError;
  expect({ code: error.code, path: error.path }).toEqual({ code, path });
  expect(error.message).toContain(path);
  return error;
}

/** `levels` arrays nested in each other around `inner`. */
export function nestedArrays(levels: number, inner: unknown = 0): unknown {
  let value = inner;
  for (let level = 0; level < levels; level++) {
    value = [value];
  }
  return value;
}

/** `levels` objects nested in each other under key `a`, around `inner`. */
export function nestedObjects(levels: number, inner: unknown = 0): unknown {
  let value = inner;
  for (let level = 0; level < levels; level++) {
    value = { a: value };
  }
  return value;
}
