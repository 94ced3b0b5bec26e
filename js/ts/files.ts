/**
 * Files of example records (JSONL, JSON, CSV) read by the Rust core on all cores, off the JS
 * thread: the same reader as the Python SDK, the CLI (`groundset hash`) and the server, so a
 * file gives the same source ids and content hashes everywhere.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { ReadRecords } from "../native/index.js";
import { exampleErrorOf, type RecordIssue } from "./errors.js";
import { fromNative, native } from "./native.js";
import { checkOptionKeys, checkParts } from "./records.js";

/** The options {@link hashFile} and {@link readExamples} take. */
const READ_FILE_OPTIONS = ["format", "sourceIdKey", "inputKeys", "outputKeys", "metadataKeys", "threads"] as const;

/** The formats of {@link hashFile}: `jsonl` (also `ndjson`), `json` and `csv`. */
export type FileFormat = "jsonl" | "ndjson" | "json" | "csv";

/** How to read a file of records. */
export interface ReadFileOptions {
  /** The format; default: from the file name's extension (`.jsonl`, `.ndjson`, `.json`, `.csv`, any case). */
  format?: FileFormat;
  /**
   * The member holding each record's source id (a string, or an integer of magnitude at most
   * 2^53 - 1: see `sourceIdOf`). Default: none, the content hash is the id and identical
   * records count once, as in `upsertDataset`.
   */
  sourceIdKey?: string;
  /** Flat records: the members that make up `input` (default: every member not named elsewhere). */
  inputKeys?: readonly string[];
  /** Flat records: the members that make up `output`. */
  outputKeys?: readonly string[];
  /** Flat records: the members that make up `metadata`. */
  metadataKeys?: readonly string[];
  /** Reading threads; `0` or missing uses every core. */
  threads?: number;
}

/** A record of a file, read by {@link readExamples}. */
export interface FileExample {
  sourceId: string;
  contentHash: string;
  /** The 1-based line where the record starts. */
  line: number;
  /** The 0-based index of the record in the file (a CSV's header is not a row). */
  row: number;
  input: Record<string, unknown>;
  output: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** A file read by the core: its good records, packed as the addon hands them over. */
export class RecordFile {
  constructor(
    /** The file, as given. */
    readonly file: string,
    private readonly packed: ReadRecords,
  ) {}

  get length(): number {
    return this.packed.idLengths.length;
  }

  /** The source ids, in file order. */
  sourceIds(): string[] {
    const { ids, idLengths } = this.packed;
    const sourceIds: string[] = new Array(idLengths.length);
    let start = 0;
    for (let index = 0; index < idLengths.length; index++) {
      const end = start + (idLengths[index] as number);
      sourceIds[index] = ids.slice(start, end);
      start = end;
    }
    return sourceIds;
  }

  /** The content hashes, in file order. */
  contentHashes(): string[] {
    const { hashes } = this.packed;
    const contentHashes: string[] = new Array(hashes.length / 64);
    for (let index = 0; index < contentHashes.length; index++) {
      contentHashes[index] = hashes.slice(index * 64, index * 64 + 64);
    }
    return contentHashes;
  }

  /** The 1-based line and 0-based row of each record. */
  positions(): { lines: Uint32Array; rows: Uint32Array } {
    return { lines: this.packed.lines, rows: this.packed.rows };
  }

  /**
   * Each record's `"input":…,"output":…,"metadata":…` (canonical JSON), when read with content:
   * the members of its wire line, as the core wrote them.
   */
  contents(): string[] {
    const { contents, contentLengths } = this.packed;
    if (contents === undefined || contentLengths === undefined) {
      throw new Error("groundset: the file was read without content (a bug of the SDK)");
    }
    const texts: string[] = new Array(contentLengths.length);
    let chunk = 0;
    let start = 0;
    for (let index = 0; index < contentLengths.length; index++) {
      const length = contentLengths[index] as number;
      // A record never straddles two strings: when it does not fit, it is in the next one.
      if (start + length > (contents[chunk] as string).length) {
        chunk++;
        start = 0;
      }
      texts[index] = (contents[chunk] as string).slice(start, start + length);
      start += length;
    }
    return texts;
  }
}

function checkStrings(name: string, value: unknown, caller: string): void {
  if (value !== undefined && !(Array.isArray(value) && value.every((key) => typeof key === "string"))) {
    throw new TypeError(`${caller}: ${name} must be an array of strings`);
  }
}

/** A path given as a string or a `file:` URL, as a string. */
export function filePath(path: string | URL, caller: string): string {
  const file = path instanceof URL ? fileURLToPath(path) : path;
  if (typeof file !== "string" || file === "") {
    throw new TypeError(`${caller}: path must be a non-empty string or a file: URL`);
  }
  return file;
}

/**
 * Reads the file at `path` with the core.
 *
 * @throws {ExampleError} listing every bad record (line, row, path, code, source id).
 * @throws {HashError} `io_error` when the file cannot be read or its format is unknown.
 */
export async function readRecordFile(
  path: string | URL,
  options: ReadFileOptions,
  withContent: boolean,
  caller: string,
): Promise<RecordFile> {
  checkOptionKeys(options, READ_FILE_OPTIONS, caller);
  const file = filePath(path, caller);
  const { format, sourceIdKey, inputKeys, outputKeys, metadataKeys, threads } = options;
  if (format !== undefined && !["jsonl", "ndjson", "json", "csv"].includes(format)) {
    throw new TypeError(`${caller}: format must be "jsonl", "json" or "csv", not ${JSON.stringify(format)}`);
  }
  if (sourceIdKey !== undefined && (typeof sourceIdKey !== "string" || sourceIdKey === "")) {
    throw new TypeError(`${caller}: sourceIdKey must be a non-empty string`);
  }
  checkStrings("inputKeys", inputKeys, caller);
  checkStrings("outputKeys", outputKeys, caller);
  checkStrings("metadataKeys", metadataKeys, caller);
  checkParts({ inputKeys, outputKeys, metadataKeys }, caller);
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 0 && threads <= 1024)) {
    throw new TypeError(`${caller}: threads must be an integer from 0 to 1024`);
  }
  let packed: ReadRecords;
  try {
    packed = await native.readFile(file, {
      format,
      idKey: sourceIdKey,
      inputKeys: inputKeys === undefined ? undefined : [...inputKeys],
      outputKeys: outputKeys === undefined ? undefined : [...outputKeys],
      metadataKeys: metadataKeys === undefined ? undefined : [...metadataKeys],
      threads,
      withContent,
    });
  } catch (error) {
    throw fromNative(error, false);
  }
  if (packed.issues.length > 0) {
    const issues = packed.issues.map((native) => {
      const issue: RecordIssue = { row: native.row, path: native.path, code: native.code, message: native.message };
      if (native.line !== undefined) {
        issue.line = native.line;
      }
      if (native.column !== undefined && native.column !== null) {
        issue.column = native.column;
      }
      if (native.sourceId !== undefined) {
        issue.sourceId = native.sourceId;
      }
      return issue;
    });
    throw exampleErrorOf(issues, packed.moreIssues, (issue) => issueLine(file, issue), file);
  }
  return new RecordFile(file, packed);
}

/** `FILE:LINE[:COLUMN]: CODE at PATH [source id ID]: message`, as the CLI prints a bad record. Package-internal. */
export function issueLine(file: string, issue: RecordIssue): string {
  const id = issue.sourceId === undefined ? "" : ` [source id ${issue.sourceId}]`;
  const column = issue.line !== undefined && issue.column !== undefined ? `:${issue.column}` : "";
  return `${file}:${issue.line ?? "?"}${column}: ${issue.code} at ${issue.path}${id}: ${issue.message}`;
}

/**
 * `[sourceId, contentHash]` of every record of the file at `path`, in file order: the pairs
 * whose `manifestDigest` is the digest the server reports after `upsertDataset({ path })`
 * with the same options.
 *
 * The file is read and hashed by the Rust core on `threads` threads (default: every core)
 * while the event loop runs on. Rules (docs/hashing.md), for every format: a leading UTF-8
 * byte-order mark is skipped, CRLF is accepted, a member name twice in a record is refused.
 * JSONL: one record object per non-blank line. JSON: an array of records, or an object whose
 * `examples` member is one. CSV: a header row (a dotted name such as `input.question` nests),
 * then one record per row, every value a string (but in a `….:json` column, whose cells are
 * JSON text, an empty one absent); a row with more or fewer fields than the
 * header is refused. Records are structured (`{ input, output?, metadata? }`) unless
 * `inputKeys`, `outputKeys` or `metadataKeys` make them flat (a CSV's columns, say).
 *
 * ```ts
 * const pairs = await hashFile("evals.csv", { sourceIdKey: "id", inputKeys: ["question"], outputKeys: ["answer"] });
 * manifestDigest(pairs); // equals the server's digest after the same upsertDataset({ path })
 * ```
 *
 * @returns a promise of the pairs.
 * @throws {ExampleError} (the promise rejects with it) listing every bad record, up to 100,
 *   with its `line`, `row`, `path`, `code` and `sourceId`, then `moreErrors`.
 * @throws {HashError} `io_error` when the file cannot be read or its format is unknown.
 */
export async function hashFile(path: string | URL, options: ReadFileOptions = {}): Promise<Array<[string, string]>> {
  const records = await readRecordFile(path, options, false, "hashFile");
  const sourceIds = records.sourceIds();
  const contentHashes = records.contentHashes();
  const pairs: Array<[string, string]> = new Array(sourceIds.length);
  for (let index = 0; index < sourceIds.length; index++) {
    pairs[index] = [sourceIds[index] as string, contentHashes[index] as string];
  }
  return pairs;
}

/**
 * Every record of the file at `path` as the server would store it: source id, content hash,
 * line, row, and `input`, `output` and `metadata` (parsed from their canonical JSON). Options
 * and errors as {@link hashFile}.
 */
export async function readExamples(path: string | URL, options: ReadFileOptions = {}): Promise<FileExample[]> {
  const records = await readRecordFile(path, options, true, "readExamples");
  const sourceIds = records.sourceIds();
  const contentHashes = records.contentHashes();
  const { lines, rows } = records.positions();
  return records.contents().map((content, index) => {
    const { input, output, metadata } = JSON.parse(`{${content}}`) as Pick<
      FileExample,
      "input" | "output" | "metadata"
    >;
    return {
      sourceId: sourceIds[index] as string,
      contentHash: contentHashes[index] as string,
      line: lines[index] as number,
      row: rows[index] as number,
      input,
      output,
      metadata,
    };
  });
}
