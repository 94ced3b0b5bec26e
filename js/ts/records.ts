/**
 * From the caller's records to the server's examples: structured or flat records, a source id
 * by key, by callback or by content hash, and every content hash in one call into the core.
 *
 * @module
 */

import { exampleErrorOf, type RecordIssue } from "./errors.js";
import { hashBatch } from "./hash.js";
import { MAX_REPORTED_ERRORS } from "./limits.js";
import { callNative, native } from "./native.js";

/**
 * A record of the caller's: a structured example (`{ input, output?, metadata? }`) or a flat
 * row. Any object type, interfaces included; checked at run time.
 */
export type ExampleRecord = object;

/** How records become examples: the options of `upsertDataset` that say so. */
export interface RecordOptions<R extends ExampleRecord = ExampleRecord> {
  /**
   * The record field holding each example's source id: a string, or an integer of magnitude at
   * most 2^53 - 1 (a number or a bigint), by the rule of {@link sourceIdOf}.
   */
  sourceIdKey?: string;
  /** A function of the record (and its index) returning its source id, for composite keys. */
  sourceId?: (record: R, index: number) => string;
  /** Flat records: the fields that make up `input` (default: every field not named elsewhere). */
  inputKeys?: readonly string[];
  /** Flat records: the fields that make up `output`. */
  outputKeys?: readonly string[];
  /** Flat records: the fields that make up `metadata`. */
  metadataKeys?: readonly string[];
}

/** The examples as the server takes them, in the caller's order, with their identities. */
export interface PreparedExamples {
  sourceIds: string[];
  contentHashes: string[];
  /** The members `"input":…,"output":…,"metadata":…` of the wire line of the example at `row`. */
  contentJson(row: number): string;
  /** In-memory records only: the content as JS values, for a JSON body. */
  values?: { inputs: unknown[]; outputs: unknown[]; metadatas: unknown[] };
}

/** A bad record, with the line that reports it in an {@link ExampleError}'s message. */
class Issues {
  readonly list: Array<{ issue: RecordIssue; text: string }> = [];

  add(row: number, code: string, message: string, path = "$", sourceId?: string): void {
    const issue: RecordIssue = { row, path, code, message };
    if (sourceId !== undefined) {
      issue.sourceId = sourceId;
    }
    // `row N: CODE at PATH [source id ID]: message`, as the Python SDK's `RecordIssue.describe`.
    const known = sourceId === undefined ? "" : ` [source id ${sourceId}]`;
    this.list.push({ issue, text: `row ${row}: ${code} at ${path}${known}: ${message}` });
  }

  /** The error listing them all, in row order, when there are any. */
  throwIfAny(): void {
    if (this.list.length === 0) {
      return;
    }
    const sorted = this.list.sort((a, b) => a.issue.row - b.issue.row);
    const kept = sorted.slice(0, MAX_REPORTED_ERRORS);
    const texts = new Map(kept.map(({ issue, text }) => [issue, text]));
    throw exampleErrorOf(
      kept.map(({ issue }) => issue),
      sorted.length - kept.length,
      (issue) => texts.get(issue) as string,
    );
  }
}

/** What `value` is, for messages: `null`, `an array`, `a string`, `an instance of Date`, `1.5`, ... */
function describe(value: unknown): string {
  if (value === null) {
    return "null";
  }
  if (Array.isArray(value)) {
    return "an array";
  }
  switch (typeof value) {
    case "number":
      return String(value);
    case "object": {
      const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
      return name === undefined || name === "Object" ? "an object" : `an instance of ${name}`;
    }
    case "undefined":
      return "undefined";
    default:
      return /^[aeiou]/.test(typeof value) ? `an ${typeof value}` : `a ${typeof value}`;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return false;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function keyPath(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `$.${key}` : `$[${JSON.stringify(key)}]`;
}

/** Why a record is not an example: its code, message and path. */
class Refusal {
  constructor(
    readonly code: string,
    readonly message: string,
    readonly path = "$",
  ) {}
}

/** The edit distance of two short names (Levenshtein), to suggest the name meant. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The known name closest to `name`, when it is close enough to be a misspelling of it. */
export function closest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const candidate of known) {
    const found = distance(name.toLowerCase(), candidate.toLowerCase());
    if (found < bestDistance) {
      [best, bestDistance] = [candidate, found];
    }
  }
  return best;
}

/**
 * Throws a `TypeError` naming the keys of `options` that `caller` does not take, and the
 * closest known one: in plain JavaScript a misspelt option (`sourceIdkey`) would else be
 * ignored, and the content hash would silently become every example's identity.
 */
export function checkOptionKeys(options: object, known: readonly string[], caller: string): void {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${caller}: the options must be an object`);
  }
  const unknown = Object.keys(options).filter((key) => !known.includes(key));
  if (unknown.length === 0) {
    return;
  }
  const named = unknown.map((key) => {
    const meant = closest(key, known);
    return meant === undefined
      ? JSON.stringify(key)
      : `${JSON.stringify(key)} (did you mean ${JSON.stringify(meant)}?)`;
  });
  throw new TypeError(
    `${caller}: unknown option${unknown.length === 1 ? "" : "s"} ${named.join(", ")}; it takes ${known.join(", ")}`,
  );
}

/**
 * Throws a `TypeError` when one key is named for two parts (`inputKeys` and `outputKeys`, say):
 * the field would be copied into both, which is never what a table's column means.
 */
export function checkParts(parts: Record<string, readonly string[] | undefined>, caller: string): void {
  const seen = new Map<string, string>();
  for (const [label, keys] of Object.entries(parts)) {
    for (const key of keys ?? []) {
      const first = seen.get(key);
      if (first !== undefined && first !== label) {
        throw new TypeError(
          `${caller}: the key ${JSON.stringify(key)} is named in both ${first} and ${label}; a field goes in one part`,
        );
      }
      seen.set(key, label);
    }
  }
}

function pick(record: Record<string, unknown>, keys: readonly string[], option: string): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of keys) {
    if (!(key in record)) {
      throw new Refusal("missing_key", `no key "${key}" (named in ${option})`, keyPath(key));
    }
    picked[key] = record[key];
  }
  return picked;
}

/**
 * The source ids of `values` (the ids of records `rows`) by the core's rule, in one call: each
 * value becomes its id in place; a refused one is reported in `issues`. Returns the indices
 * of the refused ones.
 */
function checkIds(values: unknown[], rows: number[], issues: Issues, sourceIdKey: string | undefined): Set<number> {
  const { failures, spelledRows, spelled, spelledLengths } = callNative(() => native.sourceIdsOf(values));
  let start = 0;
  spelledRows.forEach((index, at) => {
    const end = start + (spelledLengths[at] as number);
    values[index] = spelled.slice(start, end);
    start = end;
  });
  const path = sourceIdKey === undefined ? "$" : keyPath(sourceIdKey);
  const origin = sourceIdKey === undefined ? "sourceId(record) returned a bad id: " : "";
  for (const failure of failures) {
    issues.add(rows[failure.row] as number, failure.code, `${origin}${failure.message}`, path);
  }
  return new Set(failures.map((failure) => failure.row));
}

/** The example a record stands for, and its source id (`undefined`: by content hash). */
function exampleOf<R extends ExampleRecord>(
  given: R,
  row: number,
  options: RecordOptions<R>,
  flat: boolean,
  named: Set<string>,
): { example: { input: unknown; output: unknown; metadata: unknown }; structured: unknown; id: unknown } {
  const { sourceIdKey, sourceId, inputKeys, outputKeys, metadataKeys } = options;
  const record: unknown = given;
  if (!isPlainObject(record)) {
    throw new Refusal("not_a_mapping", `an example must be a plain object, not ${describe(record)}`);
  }
  let example: { input: unknown; output: unknown; metadata: unknown };
  if (flat) {
    example = {
      input:
        inputKeys !== undefined
          ? pick(record, inputKeys, "inputKeys")
          : Object.fromEntries(Object.entries(record).filter(([key]) => !named.has(key))),
      output: outputKeys === undefined ? {} : pick(record, outputKeys, "outputKeys"),
      metadata: metadataKeys === undefined ? {} : pick(record, metadataKeys, "metadataKeys"),
    };
  } else {
    // Checked by the hasher: the core's member rule, then each part (an object; output and
    // metadata also null or missing, which hash as {}).
    example = { input: record.input, output: record.output ?? {}, metadata: record.metadata ?? {} };
  }
  // The id's value, checked for the whole batch at once (see `checkedIds`).
  let id: unknown;
  if (sourceIdKey !== undefined) {
    if (!(sourceIdKey in record)) {
      const path = keyPath(sourceIdKey);
      throw new Refusal("missing_source_id", `no source id at ${path} (sourceIdKey "${sourceIdKey}")`, path);
    }
    id = record[sourceIdKey];
  } else if (sourceId !== undefined) {
    id = sourceId(given, row);
    if (typeof id !== "string") {
      throw new Refusal("invalid_source_id", `sourceId(record) returned ${describe(id)}; it must return a string`);
    }
  }
  // Structured records are hashed as they are, their members checked by the core's rule.
  return { example, structured: flat ? example : record, id };
}

/**
 * The examples of `records`: content, source id and content hash of each.
 *
 * Flat records when any of `inputKeys`, `outputKeys`, `metadataKeys` is given; structured
 * (`{ input, output?, metadata? }` and the `sourceIdKey` member) otherwise, held to the core's
 * member rule of files (see `hashBatch`). Without `sourceIdKey` and `sourceId`, an example's
 * identity is its content hash, and identical examples count once (the first).
 *
 * @throws {ExampleError} listing every bad record (up to 100, then the count): not an object,
 * a structured record with another member (`unknown_field`, did you mean …) or without input
 * (`not_an_object`), a bad, missing or repeated source id, a missing field, a value outside
 * the hash domain (its code, such as `non_finite_number`, and its path, `$.input.items[0]`).
 */
export function prepareExamples<R extends ExampleRecord>(
  records: Iterable<R>,
  options: RecordOptions<R>,
): PreparedExamples {
  const { sourceIdKey, sourceId, inputKeys, outputKeys, metadataKeys } = options;
  if (sourceIdKey !== undefined && sourceId !== undefined) {
    throw new TypeError("pass at most one of sourceIdKey and sourceId");
  }
  if (sourceIdKey !== undefined && typeof sourceIdKey !== "string") {
    throw new TypeError(
      typeof sourceIdKey === "function"
        ? "sourceIdKey takes the name of the member holding the id (a string); for a function of the record, pass sourceId instead"
        : `sourceIdKey must be a string, not ${describe(sourceIdKey)}`,
    );
  }
  checkParts({ inputKeys, outputKeys, metadataKeys }, "upsertDataset");
  const flat = inputKeys !== undefined || outputKeys !== undefined || metadataKeys !== undefined;
  const named = new Set([...(outputKeys ?? []), ...(metadataKeys ?? [])]);
  if (sourceIdKey !== undefined) {
    named.add(sourceIdKey);
  }
  const issues = new Issues();
  let rows: number[] = [];
  let ids: unknown[] = [];
  let examples: Array<{ input: unknown; output: unknown; metadata: unknown }> = [];
  let hashed: unknown[] = [];
  let row = 0;
  for (const given of records) {
    try {
      const { example, structured, id } = exampleOf(given, row, options, flat, named);
      rows.push(row);
      ids.push(id);
      examples.push(example);
      hashed.push(structured);
    } catch (error) {
      if (!(error instanceof Refusal)) {
        throw error;
      }
      issues.add(row, error.code, error.message, error.path);
    }
    row++;
  }
  if (sourceIdKey !== undefined || sourceId !== undefined) {
    const refused = checkIds(ids, rows, issues, sourceIdKey);
    if (refused.size > 0) {
      const keep = (_: unknown, index: number) => !refused.has(index);
      [rows, ids, examples, hashed] = [rows.filter(keep), ids.filter(keep), examples.filter(keep), hashed.filter(keep)];
    }
  }
  // The core's member rule of structured records (the rule of files): with a sourceId
  // function, the record's other members are the function's to read.
  const rule = flat ? undefined : { idKey: sourceIdKey, anyMembers: sourceId !== undefined };
  const { hashes, failures } = hashBatch(hashed, true, rule);
  const keep: number[] = [];
  const firstRow = new Map<string, number>();
  const identity = sourceIdKey ?? sourceId;
  hashes.forEach((hash, index) => {
    const at = rows[index] as number;
    const failure = failures.get(index);
    if (failure !== undefined) {
      issues.add(at, failure.code, failure.reason, failure.path, ids[index] as string | undefined);
      return;
    }
    const id = (ids[index] as string | undefined) ?? hash;
    const first = firstRow.get(id);
    if (first === undefined) {
      firstRow.set(id, at);
      keep.push(index);
    } else if (identity !== undefined) {
      const path = sourceIdKey === undefined ? "$" : keyPath(sourceIdKey);
      issues.add(
        at,
        "duplicate_source_id",
        `the source id ${JSON.stringify(id)} is also the id of row ${first}`,
        path,
        id,
      );
    }
    // Else the same content again: the content hash is its identity, so it is one example.
  });
  issues.throwIfAny();
  const inputs = keep.map((index) => examples[index]?.input);
  const outputs = keep.map((index) => examples[index]?.output);
  const metadatas = keep.map((index) => examples[index]?.metadata);
  return {
    sourceIds: keep.map((index) => (ids[index] as string | undefined) ?? (hashes[index] as string)),
    contentHashes: keep.map((index) => hashes[index] as string),
    contentJson: (at) =>
      `"input":${JSON.stringify(inputs[at])},"output":${JSON.stringify(outputs[at])},` +
      `"metadata":${JSON.stringify(metadatas[at])}`,
    values: { inputs, outputs, metadatas },
  };
}
