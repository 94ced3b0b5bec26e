/**
 * From the caller's records to the server's examples: structured or flat records, a source id
 * by key, by callback or by content hash, and every content hash in one call into the core.
 *
 * @module
 */

import { STREAM_CHUNK } from "./constants.js";
import { ExampleError, exampleErrorOf, type HashError, type RecordIssue } from "./errors.js";
import { hashJoined, idColumn, type JoinedHashes, type MemberRule, partsOf, splitHashes } from "./hash.js";
import { MAX_REPORTED_ERRORS } from "./limits.js";
import { callNative, native } from "./native.js";
import { ProgressLine } from "./progress.js";

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
  /**
   * A function of the record (and its index) returning its source id, for composite keys: a
   * string or an integer, as a `sourceIdKey` member's value. One that throws is an
   * {@link ExampleError} `invalid_source_id` naming the record's row, its error the `cause`.
   */
  sourceId?: (record: R, index: number) => string | number;
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
  /**
   * In-memory records only: the NDJSON lines with content of the examples at `rows`, in that
   * order, written by the core (see {@link contentLines}).
   */
  linesOf?(rows: ArrayLike<number>): ContentLines;
  /** A file's records only: the 1-based line where each starts. */
  lines?: ArrayLike<number>;
  /** A file's records only: the file, as given, that names them (`FILE:LINE:`) in errors. */
  file?: string;
  /** The manifest digest of these examples, when found while hashing them (see `manifestDigest`). */
  digest?: string | undefined;
}

/** A bad record, with the line that reports it in an {@link ExampleError}'s message. */
class Issues {
  readonly list: Array<{ issue: RecordIssue; text: string }> = [];
  /** Added to each row given: the records are checked a chunk at a time, this one's first. */
  offset = 0;

  add(given: number, code: string, message: string, path = "$", sourceId?: string): void {
    const row = given + this.offset;
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
  issues: Issues,
  row: number,
): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of keys) {
    if (key in record) {
      picked[key] = record[key];
    } else {
      issues.add(row, "missing_key", `no key "${key}" (named in ${option})`, keyPath(key));
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

/** Stands in for a record whose content was refused, so that the others are still hashed. */
const PLACEHOLDER = { input: {} };

/** A record's missing or null output or metadata: both hash as `{}` and are sent as `{}`. */
const EMPTY: Readonly<Record<string, never>> = Object.freeze({});

/** A record without an id value to check (none found, or none asked for). */
const NO_ID = Symbol("no source id");

/**
 * The records as columns, one entry per record that is a plain object (no object per record:
 * they would all live to the end and be copied by every scavenge): its row, what is hashed
 * (a structured record as it is, the core checking its members; a flat record's example; a
 * placeholder for a refused one) and its id's value. Every problem found is in `issues`, all of
 * a record's (as the Python SDK reports them): a record whose content is refused still has its
 * id checked.
 */
function columnsOf<R extends ExampleRecord>(
  records: Iterable<R>,
  options: RecordOptions<R>,
  issues: Issues,
): { rows: number[]; hashed: unknown[]; idValues: unknown[] } {
  const { sourceIdKey, sourceId, inputKeys, outputKeys, metadataKeys } = options;
  const flat = inputKeys !== undefined || outputKeys !== undefined || metadataKeys !== undefined;
  const named = new Set([...(outputKeys ?? []), ...(metadataKeys ?? [])]);
  if (sourceIdKey !== undefined) {
    named.add(sourceIdKey);
  }
  const idPath = sourceIdKey === undefined ? "$" : keyPath(sourceIdKey);
  const rows: number[] = [];
  const hashed: unknown[] = [];
  const idValues: unknown[] = [];
  let row = 0;
  for (const given of records) {
    const record: unknown = given;
    if (!isPlainObject(record)) {
      issues.add(row, "not_a_mapping", `an example must be a plain object, not ${describe(record)}`);
      row++;
      continue;
    }
    let example: unknown = record;
    if (flat) {
      const before = issues.list.length;
      const input =
        inputKeys !== undefined
          ? pick(record, inputKeys, "inputKeys", issues, row)
          : Object.fromEntries(Object.entries(record).filter(([key]) => !named.has(key)));
      const output = outputKeys === undefined ? {} : pick(record, outputKeys, "outputKeys", issues, row);
      const metadata = metadataKeys === undefined ? {} : pick(record, metadataKeys, "metadataKeys", issues, row);
      example = issues.list.length === before ? { input, output, metadata } : PLACEHOLDER;
    }
    let id: unknown = NO_ID;
    if (sourceIdKey !== undefined) {
      if (sourceIdKey in record) {
        id = record[sourceIdKey];
      } else {
        issues.add(row, "missing_source_id", `no source id at ${idPath} (sourceIdKey "${sourceIdKey}")`, idPath);
      }
    } else if (sourceId !== undefined) {
      let value: unknown;
      try {
        value = sourceId(given, row);
      } catch (error) {
        // The caller's function failed: say on which record, its error as the cause.
        const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        const message = `row ${row}: invalid_source_id at $: sourceId(record) threw ${what}`;
        throw Object.assign(new ExampleError(message, { code: "invalid_source_id", row }), { cause: error });
      }
      if (value === undefined) {
        const reason = "a source id must be a string or an integer, found undefined";
        issues.add(row, "invalid_source_id", `sourceId(record) returned undefined: ${reason}`);
      } else {
        // Checked by the core's rule, as a sourceIdKey's value is (a string or an integer).
        id = value;
      }
    }
    rows.push(row);
    hashed.push(example);
    idValues.push(id);
    row++;
  }
  return { rows, hashed, idValues };
}

/**
 * The source id of each of `idValues` by the core's rule (`undefined` for a record without
 * one, or whose id was refused: reported in `issues`).
 */
function sourceIdsOf(
  idValues: unknown[],
  rows: number[],
  issues: Issues,
  sourceIdKey: string | undefined,
): Array<string | undefined> {
  if (!idValues.includes(NO_ID)) {
    // Every record has an id value (the usual case): checked and spelled in place.
    const refused = checkIds(idValues, rows, issues, sourceIdKey);
    for (const index of refused) {
      idValues[index] = undefined;
    }
    return idValues as Array<string | undefined>;
  }
  const checked: number[] = [];
  idValues.forEach((value, index) => {
    if (value !== NO_ID) {
      checked.push(index);
    }
  });
  const values = checked.map((index) => idValues[index]);
  const refused = checkIds(
    values,
    checked.map((index) => rows[index] as number),
    issues,
    sourceIdKey,
  );
  const ids = new Array<string | undefined>(idValues.length).fill(undefined);
  checked.forEach((index, at) => {
    if (!refused.has(at)) {
      ids[index] = values[at] as string;
    }
  });
  return ids;
}

/** Throws a `TypeError` for record options that do not go together (before anything is sent). */
export function checkRecordOptions<R extends ExampleRecord>(options: RecordOptions<R>): void {
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
  checkRecordOptions(options);
  const flat = inputKeys !== undefined || outputKeys !== undefined || metadataKeys !== undefined;
  const issues = new Issues();
  const { rows, hashed, idValues } = columnsOf(records, options, issues);
  const byId = sourceIdKey !== undefined || sourceId !== undefined;
  // The id values found, checked in one call; a refused one leaves its record without an id.
  const ids = byId ? sourceIdsOf(idValues, rows, issues, sourceIdKey) : undefined;
  // The core's member rule of structured records (the rule of files): with a sourceId
  // function, the record's other members are the function's to read. The core also finds the
  // repeated ids and the manifest digest while it hashes.
  const rule = flat ? undefined : { idKey: sourceIdKey, anyMembers: sourceId !== undefined };
  const found = hashJoined(hashed, true, rule, ids === undefined ? "content" : { ids });
  for (const [index, failure] of found.failures) {
    issues.add(rows[index] as number, failure.code, failure.reason, failure.path, ids?.[index]);
  }
  // Every record with a valid id takes part in the check for repeats, as in the Python SDK;
  // by content hash, the same content again is one example (the first).
  const repeats = found.repeats ?? new Uint32Array(0);
  if (ids !== undefined) {
    const path = sourceIdKey === undefined ? "$" : keyPath(sourceIdKey);
    for (let at = 0; at < repeats.length; at += 2) {
      const id = ids[repeats[at] as number] as string;
      const first = rows[repeats[at + 1] as number] as number;
      issues.add(
        rows[repeats[at] as number] as number,
        "duplicate_source_id",
        `the source id ${JSON.stringify(id)} is also the id of row ${first}`,
        path,
        id,
      );
    }
  }
  issues.throwIfAny();
  return preparedOf(hashed, flat, found, ids, repeats);
}

/** The examples of a batch without issues: `repeats` (by content hash) left out. */
function preparedOf(
  hashed: unknown[],
  flat: boolean,
  found: JoinedHashes,
  ids: Array<string | undefined> | undefined,
  repeats: Uint32Array,
): PreparedExamples {
  const { joined } = found;
  let keep: number[] | undefined;
  if (repeats.length > 0) {
    const dropped = new Set<number>();
    for (let at = 0; at < repeats.length; at += 2) {
      dropped.add(repeats[at] as number);
    }
    keep = [];
    for (let index = 0; index < hashed.length; index++) {
      if (!dropped.has(index)) {
        keep.push(index);
      }
    }
  }
  const hashOf = (index: number) => joined.slice(index * 64, index * 64 + 64);
  const kept = <T>(column: (index: number) => T): T[] =>
    keep === undefined ? Array.from({ length: hashed.length }, (_, index) => column(index)) : keep.map(column);
  const sourceIds = ids === undefined ? kept(hashOf) : (ids as string[]);
  // Made when first asked for: an unchanged re-sync, answered by the digest, needs neither.
  let contentHashes: string[] | undefined;
  let values: { inputs: unknown[]; outputs: unknown[]; metadatas: unknown[] } | undefined;
  const valuesOf = () => {
    values ??= flat
      ? {
          inputs: kept((index) => (hashed[index] as FlatExample).input),
          outputs: kept((index) => (hashed[index] as FlatExample).output),
          metadatas: kept((index) => (hashed[index] as FlatExample).metadata),
        }
      : {
          inputs: kept((index) => (hashed[index] as StructuredRecord).input),
          outputs: kept((index) => (hashed[index] as StructuredRecord).output ?? EMPTY),
          metadatas: kept((index) => (hashed[index] as StructuredRecord).metadata ?? EMPTY),
        };
    return values;
  };
  return {
    sourceIds,
    get contentHashes() {
      contentHashes ??= ids === undefined ? sourceIds : keep === undefined ? splitHashes(joined) : kept(hashOf);
      return contentHashes;
    },
    contentJson: (at) => {
      const { inputs, outputs, metadatas } = valuesOf();
      return (
        `"input":${JSON.stringify(inputs[at])},"output":${JSON.stringify(outputs[at])},` +
        `"metadata":${JSON.stringify(metadatas[at])}`
      );
    },
    get values() {
      return valuesOf();
    },
    linesOf: (rows) => {
      const at = (row: number) => (keep === undefined ? row : (keep[row] as number));
      // Checked already: the core writes them without the member rule.
      const written = contentLines(
        Array.from(rows, (row) => hashed[at(row)]),
        Array.from(rows, (row) => sourceIds[row]),
      );
      if (written.failures.size > 0) {
        throw new Error("groundset: an example hashed before failed when its line was written (a bug)");
      }
      return written;
    },
    digest: found.digest,
  };
}

/** A flat record's example, as hashed. */
interface FlatExample {
  input: unknown;
  output: unknown;
  metadata: unknown;
}

/** A structured record, as hashed (checked by the core). */
interface StructuredRecord {
  input?: unknown;
  output?: unknown;
  metadata?: unknown;
}

/** The NDJSON lines with content of a batch of examples: see {@link contentLines}. */
export interface ContentLines {
  /** The lines, each ending in a newline, a part of the batch per buffer, in order. */
  lines: Uint8Array[];
  /** How many examples each of `lines` holds. */
  counts: Uint32Array;
  /** Each example's line's end (bytes) in its buffer; a line starts where the one before ends. */
  ends: Uint32Array;
  /** 64 hex digits per example (64 zeros for a failure). */
  joined: string;
  /** The error of each example outside the hash domain (by index), as {@link hashJoined}'s. */
  failures: Map<number, HashError>;
  /** With `seen`: pairs of an example's index and the row of the first with its source id. */
  repeats?: Uint32Array;
}

/**
 * The line `{"content_hash":…,"input":…,"metadata":…,"output":…,"source_id":…}` of each of
 * `examples` (`ids`: its source id), as the upsert sends it: written by the core from the tape
 * it hashes, byte for byte the Python core's `example_lines` (a missing or `null` output or
 * metadata is `null`). No JS string of a line is made. With `rule`, the examples are structured
 * records held to the core's member rule, as {@link hashJoined} holds them; every failure is in
 * `failures`, and then the lines are not to be sent.
 */
export function contentLines(
  examples: Iterable<unknown>,
  ids: ArrayLike<string | undefined>,
  rule?: MemberRule,
  seen?: { ids: InstanceType<typeof native.SeenIds>; rows: Uint32Array },
): ContentLines {
  const { nextPart, coreRule, failuresWith } = partsOf(examples, true, rule);
  const found = callNative(() => native.exampleLines(nextPart, coreRule, idColumn(ids), seen?.ids, seen?.rows));
  const failures = failuresWith(found.failures);
  const { lines, counts, ends, hashes: joined, repeats } = found;
  return { lines, counts, ends, joined, failures, ...(repeats == null ? {} : { repeats }) };
}

/**
 * The bytes of lines a streamed body's chunk aims at. Its lines stay in memory (outside the heap)
 * until sent; a chunk's worth much larger (20,000 examples of ~1 KB: ~20 MB) outlives two young
 * collections while the server takes it, is promoted, and from then on counts as external memory
 * until a full collection of the caller's whole heap, which V8 starts for every ~64 MB of it
 * (a million examples: ~5, 0.5-1 s of marking each; 4-5 MB chunks: none).
 */
const STREAM_CHUNK_BYTES = 4 * 2 ** 20;
/** Records in a streamed body's first chunk, before any line's size is known. */
const FIRST_CHUNK = 2_000;
/** The fewest records in a chunk, however large: each chunk costs a call into the core. */
const MIN_CHUNK = 256;

/**
 * The records of a new dataset's upload, hashed as its body asks for them (the Python SDK's
 * `upload_new`): the server decodes and writes a chunk while the next is hashed, and the first
 * lines leave long before the last record is hashed. A chunk holds at most {@link STREAM_CHUNK}
 * records, fewer when their lines would pass {@link STREAM_CHUNK_BYTES}. Records by
 * `sourceIdKey` only. Each body starts anew (a retried request hashes again).
 */
export class StreamedExamples<R extends ExampleRecord> {
  constructor(
    private readonly records: readonly R[],
    private readonly options: RecordOptions<R>,
  ) {}

  /**
   * The chunks of the NDJSON upsert body: the `header` line, then every example with its
   * content. A bad record stops the sending; the rest is still checked, and the body throws the
   * {@link ExampleError} {@link prepareExamples} would (every bad record, in the same words)
   * before its end, so the server, which commits only a whole body, writes nothing.
   */
  *body(header: object, show: boolean): Generator<string | Uint8Array> {
    const { records, options } = this;
    const { sourceIdKey, inputKeys, outputKeys, metadataKeys } = options;
    const flat = inputKeys !== undefined || outputKeys !== undefined || metadataKeys !== undefined;
    const rule = flat ? undefined : { idKey: sourceIdKey, anyMembers: false };
    const path = sourceIdKey === undefined ? "$" : keyPath(sourceIdKey);
    const issues = new Issues();
    // Each source id's first row, for the repeats across chunks (held by the core).
    const seen = new native.SeenIds();
    const progress = new ProgressLine(records.length, "upload", "examples", show);
    yield `${JSON.stringify(header)}\n`;
    // Records in the next chunk: from the size of the lines so far once there are some.
    let size = Math.min(STREAM_CHUNK, FIRST_CHUNK);
    let sentBytes = 0;
    for (let start = 0; start < records.length; start += size) {
      if (sentBytes > 0) {
        size = Math.max(MIN_CHUNK, Math.min(STREAM_CHUNK, Math.floor((STREAM_CHUNK_BYTES * start) / sentBytes)));
      }
      issues.offset = start;
      const { rows, hashed, idValues } = columnsOf(records.slice(start, start + size), options, issues);
      const ids = sourceIdsOf(idValues, rows, issues, sourceIdKey);
      const written = contentLines(hashed, ids, rule, {
        ids: seen,
        rows: Uint32Array.from(rows, (row) => row + start),
      });
      for (const [index, failure] of written.failures) {
        issues.add(rows[index] as number, failure.code, failure.reason, failure.path, ids[index]);
      }
      const repeats = written.repeats ?? new Uint32Array(0);
      for (let at = 0; at < repeats.length; at += 2) {
        const index = repeats[at] as number;
        const id = ids[index] as string;
        const message = `the source id ${JSON.stringify(id)} is also the id of row ${repeats[at + 1]}`;
        issues.add(rows[index] as number, "duplicate_source_id", message, path, id);
      }
      if (issues.list.length > 0) {
        continue; // nothing more is sent; every bad record is still found
      }
      for (const buffer of written.lines) {
        sentBytes += buffer.byteLength;
      }
      yield* handedOver(written.lines);
      progress.advance(hashed.length);
    }
    progress.close();
    // Thrown before the body's end: the server sees it cut off and writes nothing.
    issues.throwIfAny();
  }
}

/**
 * Each of `lines`, let go of as it is handed over: a buffer `fetch` still sends while the next
 * lines are written would otherwise stay reachable from here, survive the young generation's
 * collections and count as external memory until a full collection of the caller's whole heap
 * (V8 starts one for every ~64 MB of such memory: for a million examples, dozens).
 */
export function* handedOver(lines: Uint8Array[]): Generator<Uint8Array> {
  for (let next = lines.shift(); next !== undefined; next = lines.shift()) {
    yield next;
  }
}
