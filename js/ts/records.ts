/**
 * From the caller's records to the server's examples: structured or flat records, a source id
 * by key, by callback or by content hash, and every content hash in one call into the core.
 *
 * @module
 */

import { ExampleError, HashError } from "./errors.js";
import { type Example, hashExamples } from "./hash.js";
import { isWellFormed } from "./value.js";

/** The longest source id the server takes (in characters). */
const MAX_SOURCE_ID = 512;

/**
 * A record of the caller's: a structured example (`{ input, output?, metadata? }`) or a flat
 * row. Any object type, interfaces included; checked at run time.
 */
export type ExampleRecord = object;

/** How records become examples: the options of `upsertDataset` that say so. */
export interface RecordOptions<R extends ExampleRecord = ExampleRecord> {
  /** The record field holding each example's source id (a string, or an integer written in decimal). */
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
  inputs: unknown[];
  outputs: unknown[];
  metadatas: unknown[];
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

function checkSourceId(sourceId: string, row: number, origin: string, path?: string): string {
  const fields = { code: "invalid_source_id", row, path };
  if (sourceId.length === 0) {
    throw new ExampleError(`row ${row}: ${origin} is an empty string; a source id must be non-empty`, fields);
  }
  if (sourceId.length > MAX_SOURCE_ID && [...sourceId].length > MAX_SOURCE_ID) {
    throw new ExampleError(`row ${row}: ${origin} is longer than ${MAX_SOURCE_ID} characters`, fields);
  }
  if (!isWellFormed(sourceId)) {
    throw new ExampleError(`row ${row}: ${origin} has a lone surrogate; a source id must be valid Unicode`, fields);
  }
  return sourceId;
}

function sourceIdOfKey(record: Record<string, unknown>, key: string, row: number): string {
  const value = record[key];
  const path = keyPath(key);
  const origin = `the source id at ${path}`;
  if (typeof value === "string") {
    return checkSourceId(value, row, origin, path);
  }
  if (typeof value === "number" && Number.isSafeInteger(value)) {
    return String(value);
  }
  if (typeof value === "bigint") {
    return value.toString();
  }
  if (!(key in record)) {
    throw new ExampleError(`row ${row}: no source id at ${path} (sourceIdKey "${key}")`, {
      code: "missing_source_id",
      row,
      path,
    });
  }
  throw new ExampleError(`row ${row}: ${origin} is ${describe(value)}; it must be a string or an integer`, {
    code: "invalid_source_id",
    row,
    path,
  });
}

function pick(
  record: Record<string, unknown>,
  keys: readonly string[],
  row: number,
  option: string,
): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of keys) {
    if (!(key in record)) {
      throw new ExampleError(`row ${row}: no key "${key}" (named in ${option})`, {
        code: "missing_key",
        row,
        path: keyPath(key),
      });
    }
    picked[key] = record[key];
  }
  return picked;
}

function objectOrEmpty(value: unknown, row: number, member: string): unknown {
  if (value === undefined || value === null) {
    return {};
  }
  if (!isPlainObject(value)) {
    throw new ExampleError(`row ${row}: $.${member} is ${describe(value)}; it must be a plain object`, {
      code: "not_an_object",
      row,
      path: `$.${member}`,
    });
  }
  return value;
}

const ROW_PATH = /^\$\[(\d+)\]/;

/**
 * The hashes of a batch; an error about the batch (`$[3].input.x`) becomes one about its row
 * (row 3, `$.input.x`), as the Python SDK reports it.
 */
function hashedAtRow(examples: Example[]): string[] {
  try {
    return hashExamples(examples);
  } catch (error) {
    const match = error instanceof HashError ? ROW_PATH.exec(error.path) : null;
    if (error instanceof HashError && match !== null) {
      const path = `$${error.path.slice(match[0].length)}`;
      throw new HashError(error.code, path, error.reason, undefined, Number(match[1]));
    }
    throw error;
  }
}

/**
 * The examples of `records`: content, source id and content hash of each.
 *
 * Flat records when any of `inputKeys`, `outputKeys`, `metadataKeys` is given; structured
 * (`{ input, output?, metadata? }`) otherwise. Without `sourceIdKey` and `sourceId`, an
 * example's identity is its content hash, and identical examples count once.
 *
 * @throws {ExampleError} naming the row: not an object, a bad, missing or repeated source id, a missing field.
 * @throws {HashError} a value outside the hash domain, with its `row` and its `path` in that record (`$.input.items[0]`).
 */
export function prepareExamples<R extends ExampleRecord>(
  records: Iterable<R>,
  options: RecordOptions<R>,
): PreparedExamples {
  const { sourceIdKey, sourceId, inputKeys, outputKeys, metadataKeys } = options;
  if (sourceIdKey !== undefined && sourceId !== undefined) {
    throw new TypeError("pass at most one of sourceIdKey and sourceId");
  }
  const flat = inputKeys !== undefined || outputKeys !== undefined || metadataKeys !== undefined;
  const named = new Set([...(outputKeys ?? []), ...(metadataKeys ?? [])]);
  if (sourceIdKey !== undefined) {
    named.add(sourceIdKey);
  }
  const inputs: unknown[] = [];
  const structured: Example[] = [];
  const outputs: unknown[] = [];
  const metadatas: unknown[] = [];
  let sourceIds: string[] = [];
  let index = 0;
  for (const given of records) {
    const record: unknown = given;
    if (!isPlainObject(record)) {
      throw new ExampleError(`row ${index}: an example must be a plain object, not ${describe(record)}`, {
        code: "not_a_mapping",
        row: index,
      });
    }
    if (flat) {
      inputs.push(
        inputKeys !== undefined
          ? pick(record, inputKeys, index, "inputKeys")
          : Object.fromEntries(Object.entries(record).filter(([key]) => !named.has(key))),
      );
      outputs.push(outputKeys === undefined ? {} : pick(record, outputKeys, index, "outputKeys"));
      metadatas.push(metadataKeys === undefined ? {} : pick(record, metadataKeys, index, "metadataKeys"));
    } else {
      if (!isPlainObject(record.input)) {
        throw new ExampleError(
          record.input === undefined
            ? `row ${index}: no $.input: give structured records ({ input, output?, metadata? }), ` +
                "or name the fields of flat records with inputKeys, outputKeys or metadataKeys"
            : `row ${index}: $.input is ${describe(record.input)}; it must be a plain object`,
          { code: record.input === undefined ? "missing_key" : "not_an_object", row: index, path: "$.input" },
        );
      }
      inputs.push(record.input);
      structured.push(record as unknown as Example);
      outputs.push(objectOrEmpty(record.output, index, "output"));
      metadatas.push(objectOrEmpty(record.metadata, index, "metadata"));
    }
    if (sourceIdKey !== undefined) {
      sourceIds.push(sourceIdOfKey(record, sourceIdKey, index));
    } else if (sourceId !== undefined) {
      const value: unknown = sourceId(given, index);
      if (typeof value !== "string") {
        throw new ExampleError(`row ${index}: sourceId(record) returned ${describe(value)}; it must return a string`, {
          code: "invalid_source_id",
          row: index,
        });
      }
      sourceIds.push(checkSourceId(value, index, "the source id from sourceId(record)"));
    }
    index++;
  }
  // Structured records are hashed as they are (the hasher reads only input, output and metadata).
  const contentHashes = hashedAtRow(
    flat ? inputs.map((input, row) => ({ input, output: outputs[row], metadata: metadatas[row] })) : structured,
  );
  if (sourceIdKey === undefined && sourceId === undefined) {
    sourceIds = contentHashes;
  }
  return dropRepeats({ sourceIds, contentHashes, inputs, outputs, metadatas }, sourceIdKey ?? sourceId);
}

/**
 * The examples with each source id once. A repeated content-hash identity is the same example
 * given twice and is dropped; a repeated key or callback identity is an error naming both rows.
 */
function dropRepeats(prepared: PreparedExamples, identity: unknown): PreparedExamples {
  const firstRow = new Map<string, number>();
  const repeats: number[] = [];
  prepared.sourceIds.forEach((id, row) => {
    const first = firstRow.get(id);
    if (first === undefined) {
      firstRow.set(id, row);
    } else if (identity !== undefined) {
      throw new ExampleError(`rows ${first} and ${row} have the same source id "${id}"`, {
        code: "duplicate_source_id",
        row,
        sourceId: id,
      });
    } else {
      repeats.push(row);
    }
  });
  if (repeats.length === 0) {
    return prepared;
  }
  const keep = (_: unknown, row: number) => firstRow.get(prepared.sourceIds[row] as string) === row;
  return {
    sourceIds: prepared.sourceIds.filter(keep),
    contentHashes: prepared.contentHashes.filter(keep),
    inputs: prepared.inputs.filter(keep),
    outputs: prepared.outputs.filter(keep),
    metadatas: prepared.metadatas.filter(keep),
  };
}
