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
  /** A file's records only: the 1-based line where each starts. */
  lines?: ArrayLike<number>;
  /** A file's records only: the file, as given, that names them (`FILE:LINE:`) in errors. */
  file?: string;
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

function pick(
  record: Record<string, unknown>,
  keys: readonly string[],
  option: string,
  refusals: Refusal[],
): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of keys) {
    if (key in record) {
      picked[key] = record[key];
    } else {
      refusals.push(new Refusal("missing_key", `no key "${key}" (named in ${option})`, keyPath(key)));
    }
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

/** What {@link exampleOf} finds in one record. */
interface Found {
  /** The example, or `undefined` when its content was refused (then a placeholder is hashed). */
  example: { input: unknown; output: unknown; metadata: unknown } | undefined;
  /** What is hashed: a structured record as it is (the core checks its members). */
  hashed: unknown;
  /** The id's value (`undefined`: by content hash, or refused). */
  id: unknown;
  /** Whether the record has an id value to check (a source id is asked for and was found). */
  hasId: boolean;
  refusals: Refusal[];
}

/** Stands in for a record whose content was refused, so that the others are still hashed. */
const PLACEHOLDER = { input: {} };

/**
 * The example a record stands for, its id's value and its problems, all of them (as the Python
 * SDK reports them): a record whose content is refused still has its id checked.
 * `undefined` for a record that is not a plain object (its one problem added to `refusals`).
 */
function exampleOf<R extends ExampleRecord>(
  given: R,
  row: number,
  options: RecordOptions<R>,
  flat: boolean,
  named: Set<string>,
  refusals: Refusal[],
): Found | undefined {
  const { sourceIdKey, sourceId, inputKeys, outputKeys, metadataKeys } = options;
  const record: unknown = given;
  if (!isPlainObject(record)) {
    refusals.push(new Refusal("not_a_mapping", `an example must be a plain object, not ${describe(record)}`));
    return undefined;
  }
  let example: Found["example"];
  if (flat) {
    const input =
      inputKeys !== undefined
        ? pick(record, inputKeys, "inputKeys", refusals)
        : Object.fromEntries(Object.entries(record).filter(([key]) => !named.has(key)));
    const output = outputKeys === undefined ? {} : pick(record, outputKeys, "outputKeys", refusals);
    const metadata = metadataKeys === undefined ? {} : pick(record, metadataKeys, "metadataKeys", refusals);
    example = refusals.length === 0 ? { input, output, metadata } : undefined;
  } else {
    // Checked by the hasher: the core's member rule, then each part (an object; output and
    // metadata also null or missing, which hash as {}).
    example = { input: record.input, output: record.output ?? {}, metadata: record.metadata ?? {} };
  }
  // The id's value, checked for the whole batch at once (see `checkIds`).
  let id: unknown;
  let hasId = false;
  if (sourceIdKey !== undefined) {
    if (sourceIdKey in record) {
      [id, hasId] = [record[sourceIdKey], true];
    } else {
      const path = keyPath(sourceIdKey);
      refusals.push(new Refusal("missing_source_id", `no source id at ${path} (sourceIdKey "${sourceIdKey}")`, path));
    }
  } else if (sourceId !== undefined) {
    id = sourceId(given, row);
    if (typeof id === "string") {
      hasId = true;
    } else {
      refusals.push(
        new Refusal("invalid_source_id", `sourceId(record) returned ${describe(id)}; it must return a string`),
      );
      id = undefined;
    }
  }
  const hashed = example === undefined ? PLACEHOLDER : flat ? example : record;
  return { example, hashed, id, hasId, refusals };
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
  const rows: number[] = [];
  const found: Found[] = [];
  let row = 0;
  for (const given of records) {
    const refusals: Refusal[] = [];
    const one = exampleOf(given, row, options, flat, named, refusals);
    for (const refusal of refusals) {
      issues.add(row, refusal.code, refusal.message, refusal.path);
    }
    if (one !== undefined) {
      rows.push(row);
      found.push(one);
    }
    row++;
  }
  const ids = found.map((one) => one.id);
  if (sourceIdKey !== undefined || sourceId !== undefined) {
    // The id values found, checked in one call; a refused one leaves its record without an id.
    const checked: number[] = [];
    found.forEach((one, index) => {
      if (one.hasId) {
        checked.push(index);
      }
    });
    const values = checked.map((index) => ids[index]);
    const refused = checkIds(
      values,
      checked.map((index) => rows[index] as number),
      issues,
      sourceIdKey,
    );
    checked.forEach((index, at) => {
      if (refused.has(at)) {
        (found[index] as Found).hasId = false;
        ids[index] = undefined;
      } else {
        ids[index] = values[at];
      }
    });
  }
  // The core's member rule of structured records (the rule of files): with a sourceId
  // function, the record's other members are the function's to read.
  const rule = flat ? undefined : { idKey: sourceIdKey, anyMembers: sourceId !== undefined };
  const { hashes, failures } = hashBatch(
    found.map((one) => one.hashed),
    true,
    rule,
  );
  const keep: number[] = [];
  const firstRow = new Map<string, number>();
  const identity = sourceIdKey ?? sourceId;
  hashes.forEach((hash, index) => {
    const at = rows[index] as number;
    const one = found[index] as Found;
    const failure = failures.get(index);
    if (failure !== undefined) {
      issues.add(at, failure.code, failure.reason, failure.path, one.hasId ? (ids[index] as string) : undefined);
    }
    if (identity !== undefined && !one.hasId) {
      return;
    }
    // Every record with a valid id takes part in the check for repeats, as in the Python SDK.
    const id = (ids[index] as string | undefined) ?? hash;
    const first = firstRow.get(id);
    if (first === undefined) {
      firstRow.set(id, at);
      if (failure === undefined && one.example !== undefined) {
        keep.push(index);
      }
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
  const examples = keep.map((index) => (found[index] as Found).example as NonNullable<Found["example"]>);
  const inputs = examples.map((example) => example.input);
  const outputs = examples.map((example) => example.output);
  const metadatas = examples.map((example) => example.metadata);
  return {
    sourceIds: keep.map((index) => (ids[index] as string | undefined) ?? (hashes[index] as string)),
    contentHashes: keep.map((index) => hashes[index] as string),
    contentJson: (at) =>
      `"input":${JSON.stringify(inputs[at])},"output":${JSON.stringify(outputs[at])},` +
      `"metadata":${JSON.stringify(metadatas[at])}`,
    values: { inputs, outputs, metadatas },
  };
}
