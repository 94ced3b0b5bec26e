/**
 * Hashing a JSONL file of example records on all cores, off the JS thread.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { JsonlHashes } from "../native/index.js";
import { fromNative, native } from "./native.js";

/**
 * `[sourceId, contentHash]` of every record of the JSONL file at `path`, in file order.
 *
 * Each non-blank line is a JSON object with `input`, optional `output` and `metadata`, and a
 * source id (a string or an integer) under `idKey`. The file is read and hashed by the Rust
 * core on `threads` threads (default: every core) while the event loop runs on. The text is
 * read as written: an integer literal that no double represents is an error, not rounded.
 *
 * @param options.idKey the member that holds the source id (default `"id"`).
 * @param options.threads hashing threads; `0` or missing uses every core.
 * @returns a promise of the pairs; it rejects with the {@link HashError} of the first line
 * that fails, its `line` and `column` set (`io_error` when the file cannot be read).
 */
export async function hashJsonl(
  path: string | URL,
  options: { idKey?: string; threads?: number } = {},
): Promise<Array<[string, string]>> {
  const file = path instanceof URL ? fileURLToPath(path) : path;
  if (typeof file !== "string") {
    throw new TypeError("hashJsonl: path must be a string or a file: URL");
  }
  const { idKey = "id", threads } = options;
  if (typeof idKey !== "string" || idKey === "") {
    throw new TypeError("hashJsonl: idKey must be a non-empty string");
  }
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 0 && threads <= 1024)) {
    throw new TypeError("hashJsonl: threads must be an integer from 0 to 1024");
  }
  let packed: JsonlHashes;
  try {
    packed = await native.hashJsonl(file, idKey, threads);
  } catch (error) {
    throw fromNative(error, true);
  }
  const { ids, idLengths, hashes } = packed;
  const pairs: Array<[string, string]> = new Array(idLengths.length);
  let start = 0;
  for (let index = 0; index < idLengths.length; index++) {
    const end = start + (idLengths[index] as number);
    pairs[index] = [ids.slice(start, end), hashes.slice(index * 64, index * 64 + 64)];
    start = end;
  }
  return pairs;
}
