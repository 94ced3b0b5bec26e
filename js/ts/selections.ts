/**
 * Experiments on part of a dataset version: the `selection` of `runExperiment`, as the Python
 * SDK's `selection=` and the server's `Selection` (`sourceIds` is the wire's `source_ids`;
 * metadata keys are the user's and stay as they are).
 *
 * @module
 */

import { canonicalize } from "./canon.js";
import type { Example } from "./datasets.js";
import type { HashError } from "./errors.js";
import type { components } from "./generated/openapi.js";
import { sourceIdOf } from "./limits.js";

type WireSelection = components["schemas"]["Selection"];

/** One top-level metadata key's condition: it holds `eq`, or one of `in`. */
export type MetadataCondition = { eq: unknown } | { in: unknown[] };

/**
 * Part of a version's examples: those of `sourceIds` (every one must be in the version), or
 * those whose metadata satisfies every condition (`{ lang: { in: ["en", "fr"] }, split: { eq:
 * "test" } }`; values equal as canonical JSON, RFC 8785: `1` is `1.0`, `true` is not `1`; an
 * example without the key is not selected). Only this explicit form: a plain value is refused,
 * never guessed at.
 */
export type Selection = { sourceIds: Array<string | number> } | { metadata: Record<string, MetadataCondition> };

const FORMS = "{ sourceIds: [string, ...] } or { metadata: { KEY: { eq: value } | { in: [values] } } }";

/**
 * `selection` checked as the server's `Selection` and written as the wire's.
 *
 * @throws {TypeError} naming the place: not one of the two forms, an id not a non-empty
 *   string, a condition not `{ eq }` or `{ in: [...] }`, a value that is not JSON.
 */
export function selectionToWire(selection: unknown): WireSelection {
  if (selection === null || typeof selection !== "object" || Array.isArray(selection)) {
    throw new TypeError(`selection must be ${FORMS}, not ${JSON.stringify(selection) ?? String(selection)}`);
  }
  const keys = Object.keys(selection);
  if (keys.length !== 1 || (keys[0] !== "sourceIds" && keys[0] !== "metadata")) {
    throw new TypeError(`selection must have exactly one key, sourceIds or metadata: ${FORMS}; got [${keys}]`);
  }
  if ("sourceIds" in selection) {
    const ids: unknown = selection.sourceIds;
    if (!Array.isArray(ids)) {
      throw new TypeError("selection.sourceIds must be an array of source ids (strings)");
    }
    if (ids.length < 1 || ids.length > 100_000) {
      throw new TypeError(`selection.sourceIds must hold 1 to 100,000 source ids, not ${ids.length}`);
    }
    // The source-id rule of upserts: an integer is its decimal text (7 is "7").
    const texts = ids.map((id: unknown, index) => {
      let text: string;
      try {
        text = sourceIdOf(id);
      } catch (error) {
        throw new TypeError(`selection.sourceIds[${index}]: ${(error as HashError).reason ?? String(error)}`);
      }
      if (text === "") {
        throw new TypeError(`selection.sourceIds[${index}] must be a non-empty source id, not ""`);
      }
      return text;
    });
    return { source_ids: texts };
  }
  const conditions: unknown = (selection as { metadata: unknown }).metadata;
  const entries =
    conditions !== null && typeof conditions === "object" && !Array.isArray(conditions)
      ? Object.entries(conditions)
      : [];
  if (entries.length < 1 || entries.length > 100) {
    throw new TypeError(`selection.metadata must map 1 to 100 metadata keys to conditions: ${FORMS}`);
  }
  const checked: Record<string, components["schemas"]["MetadataCondition"]> = {};
  for (const [key, condition] of entries) {
    const where = `selection.metadata[${JSON.stringify(key)}]`;
    const tests = condition !== null && typeof condition === "object" ? Object.keys(condition) : [];
    if (Array.isArray(condition) || tests.length !== 1 || (tests[0] !== "eq" && tests[0] !== "in")) {
      throw new TypeError(`${where} must be { eq: value } or { in: [values] }, not ${JSON.stringify(condition)}`);
    }
    const test = condition as { eq?: unknown; in?: unknown };
    if (tests[0] === "in" && (!Array.isArray(test.in) || test.in.length === 0)) {
      throw new TypeError(`${where}.in must be a non-empty array of values, not ${JSON.stringify(test.in)}`);
    }
    checked[key] = tests[0] === "eq" ? { eq: test.eq } : { in: [...(test.in as unknown[])] };
  }
  try {
    canonicalize(checked);
  } catch (error) {
    throw new TypeError(`selection.metadata: ${(error as Error).message}`);
  }
  return { metadata: checked };
}

/** The server's selection (`null`: the whole version) in the SDK's form. */
export function selectionFromWire(wire: WireSelection | null | undefined): Selection | null {
  if (wire === null || wire === undefined) {
    return null;
  }
  if (wire.source_ids !== null && wire.source_ids !== undefined) {
    return { sourceIds: wire.source_ids };
  }
  return { metadata: (wire.metadata ?? {}) as Record<string, MetadataCondition> };
}

/**
 * The examples (of one version) a checked selection selects, as the server finds them: for a
 * dry run, which asks the server nothing.
 *
 * @throws {TypeError} source ids not among `examples` (the first ten and how many), or a
 *   selection that selects nothing.
 */
export function selectedExamples(examples: readonly Example[], selection: WireSelection): Example[] {
  let chosen: Example[];
  if (selection.source_ids !== null && selection.source_ids !== undefined) {
    const known = new Set(examples.map((example) => example.sourceId));
    const unknown = [...new Set(selection.source_ids)].filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new TypeError(
        `${unknown.length} source id(s) of selection are not in the version: ${JSON.stringify(unknown.slice(0, 10))}`,
      );
    }
    const wanted = new Set(selection.source_ids);
    chosen = examples.filter((example) => wanted.has(example.sourceId));
  } else {
    const allowed = Object.entries(selection.metadata ?? {}).map(([key, condition]) => {
      const values = "in" in condition && Array.isArray(condition.in) ? condition.in : [condition.eq];
      return [key, new Set(values.map((value) => canonicalize(value)))] as const;
    });
    chosen = examples.filter((example) => {
      const metadata = example.metadata as Record<string, unknown>;
      return allowed.every(([key, texts]) => Object.hasOwn(metadata, key) && texts.has(canonicalize(metadata[key])));
    });
  }
  if (chosen.length === 0) {
    throw new TypeError("selection selects none of the version's examples");
  }
  return chosen;
}

/**
 * `selection: 3 source ids` or `selection: metadata lang in ["en","fr"] and split eq "test"`
 * (values as compact JSON), as the Python SDK prints it.
 */
export function selectionLine(selection: Selection): string {
  if ("sourceIds" in selection) {
    const count = selection.sourceIds.length;
    return `selection: ${count} source id${count === 1 ? "" : "s"}`;
  }
  const conditions = Object.entries(selection.metadata).flatMap(([key, condition]) =>
    Object.entries(condition).map(([test, value]) => `${key} ${test} ${JSON.stringify(value)}`),
  );
  return `selection: metadata ${conditions.join(" and ")}`;
}
