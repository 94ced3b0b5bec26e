/**
 * `hashJsonl`: the JSONL case of {@link hashFile}, kept under its first name.
 *
 * @module
 */

import { hashFile } from "./files.js";

/**
 * `[sourceId, contentHash]` of every record of the JSONL file at `path`, in file order:
 * `hashFile(path, { format: "jsonl", sourceIdKey: idKey, threads })`, where the source id is
 * required (default key `"id"`).
 *
 * @param options.idKey the member that holds the source id (default `"id"`).
 * @param options.threads hashing threads; `0` or missing uses every core.
 * @throws {ExampleError} (the promise rejects with it) listing every bad line, with its `line`.
 * @throws {HashError} `io_error` when the file cannot be read.
 */
export async function hashJsonl(
  path: string | URL,
  options: { idKey?: string; threads?: number } = {},
): Promise<Array<[string, string]>> {
  const { idKey = "id", threads } = options;
  if (typeof idKey !== "string" || idKey === "") {
    throw new TypeError("hashJsonl: idKey must be a non-empty string");
  }
  return hashFile(path, { format: "jsonl", sourceIdKey: idKey, threads });
}
