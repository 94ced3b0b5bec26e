/**
 * `hashJsonl`: the JSONL case of {@link hashFile}, kept under its first name.
 *
 * @module
 */

import { hashFile } from "./files.js";

/**
 * `[sourceId, contentHash]` of every record of the JSONL file at `path`, in file order:
 * `hashFile(path, { format: "jsonl", sourceIdKey, threads })`, where the source id is
 * required (default key `"id"`).
 *
 * @param options.sourceIdKey the member that holds the source id (default `"id"`), as `hashFile` names it.
 * @param options.idKey deprecated: the former name of `sourceIdKey`.
 * @param options.threads hashing threads; `0` or missing uses every core.
 * @throws {TypeError} an empty key, or `idKey` and `sourceIdKey` naming different keys.
 * @throws {ExampleError} (the promise rejects with it) listing every bad line, with its `line`.
 * @throws {HashError} `io_error` when the file cannot be read.
 */
export async function hashJsonl(
  path: string | URL,
  options: { sourceIdKey?: string; idKey?: string; threads?: number } = {},
): Promise<Array<[string, string]>> {
  const { sourceIdKey, idKey, threads } = options;
  if (sourceIdKey !== undefined && idKey !== undefined && sourceIdKey !== idKey) {
    throw new TypeError("hashJsonl: give sourceIdKey only (idKey is its deprecated former name)");
  }
  if (idKey !== undefined) {
    process.emitWarning(
      "hashJsonl: idKey is deprecated; name the key sourceIdKey, as hashFile does",
      "DeprecationWarning",
    );
  }
  const key = sourceIdKey ?? idKey ?? "id";
  if (typeof key !== "string" || key === "") {
    throw new TypeError("hashJsonl: sourceIdKey must be a non-empty string");
  }
  return hashFile(path, { format: "jsonl", sourceIdKey: key, threads });
}
