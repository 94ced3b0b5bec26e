// Export of a dataset version as a file: the server's GET /v1/datasets/{id}/export streamed to
// a path or a writable stream.

import { once } from "node:events";
import { basename, dirname, extname, join } from "node:path";
import { type Client, clientOrDefault } from "./client.js";
import { checkTag, type DatasetSelector, resolveDataset } from "./datasets.js";

/** The formats of an export. */
export type ExportFormat = "jsonl" | "csv";

/** The extensions that name a format (any case); a path with another one is JSONL by default. */
const EXTENSIONS: Readonly<Record<string, ExportFormat>> = { ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl" };

/**
 * The format an export writes (the Python SDK's and the CLI's rule): `format` when given, else
 * the one `path`'s extension names (`.csv`: CSV; `.jsonl`, `.ndjson`: JSONL; any case), else
 * JSONL.
 *
 * @throws {TypeError} a format other than `"jsonl"` and `"csv"`, or one the extension
 *   contradicts (`format: "jsonl"` to `x.csv`): the file would be misread by what reads it by name.
 */
export function exportFormat(path: string | undefined, format: unknown): ExportFormat {
  if (format !== undefined && format !== "jsonl" && format !== "csv") {
    throw new TypeError(`format must be "jsonl" or "csv", not ${JSON.stringify(format)}`);
  }
  const named = path === undefined ? undefined : EXTENSIONS[extname(path).toLowerCase()];
  if (format === undefined) {
    return named ?? "jsonl";
  }
  if (named !== undefined && named !== format) {
    throw new TypeError(
      `format ${JSON.stringify(format)} contradicts the extension of path ${JSON.stringify(path)}, which names ${named}: ` +
        `give a path ending in .${format}, or leave format out`,
    );
  }
  return format;
}

/** What {@link exportDataset} wrote. */
export interface ExportResult {
  /** The dataset's id. */
  datasetId: string;
  /** The version exported (the latest when none was named). */
  versionId: string;
  format: ExportFormat;
  /** The file written; `null` when a stream was given. */
  path: string | null;
  /** The bytes written. */
  size: number;
}

/**
 * Writes a version of a dataset (`dataset.versionId` or `dataset.tag`, else the latest) to `path`
 * or `stream` as the server exports it, streamed (memory stays bounded however large the
 * version). The file reads back to the version's exact content hashes: `hashFile(path, {
 * sourceIdKey: idKey })` gives its manifest, and a mirror `upsertDataset({ path, sourceIdKey })`
 * of it is a no-op.
 *
 * - `format`: default: the one `path`'s extension names (`.csv`: CSV; `.jsonl`, `.ndjson`:
 *   JSONL), else JSONL; refused when the extension names the other ({@link exportFormat}).
 *   `"jsonl"`: one `{ [idKey], input, output, metadata }` object per line;
 *   `"csv"`: the id column, then dotted string columns (`input.question`) and `….:json` columns
 *   of JSON text for every other value (an empty cell: absent), RFC 4180 with CRLF line ends
 *   (docs/hashing.md, section 5). A CSV export's first bytes come after the server's pass that
 *   plans the columns, so its chunks are waited for without the client's `timeoutMs`.
 * - `idKey`: the member (CSV: column) of each example's source id, default `"id"`; not `input`,
 *   `output` or `metadata` (in CSV also without `.` and `:`).
 * - `path`: written under a temporary name in its directory, then renamed, so that a failed
 *   export leaves no file and never half of one; or `stream`, written as the bytes arrive (not
 *   ended, so that `process.stdout` can take it).
 *
 * @throws {NotFoundError} no such dataset, version (`version_not_found`) or tag (`tag_not_found`).
 * @throws {ValidationError} `invalid_id_key`, `dataset_has_no_version`, `invalid_tag`.
 * @throws {TypeError} a bad option, before anything is sent.
 */
export async function exportDataset(options: {
  client?: Client;
  dataset: DatasetSelector;
  format?: ExportFormat;
  idKey?: string;
  path?: string;
  stream?: NodeJS.WritableStream;
}): Promise<ExportResult> {
  const format = exportFormat(options.path, options.format);
  if ((options.path === undefined) === (options.stream === undefined)) {
    throw new TypeError("exportDataset takes exactly one of path and stream");
  }
  const { versionId, tag } = options.dataset as { versionId?: string; tag?: string };
  if (versionId !== undefined && tag !== undefined) {
    throw new TypeError("dataset takes versionId or tag, not both");
  }
  const client = clientOrDefault(options.client);
  const info = await resolveDataset(client, options.dataset);
  const response = await client.send("get", "/v1/datasets/{dataset_id}/export", {
    path: { dataset_id: info.id },
    query: {
      format,
      id_key: options.idKey ?? "id",
      version_id: versionId,
      tag: tag === undefined ? undefined : checkTag(tag, "tag"),
    },
    accept: format === "csv" ? "text/csv" : "application/jsonl",
    patient: format === "csv",
  });
  const exported = response.headers.get("x-version-id") ?? "";
  if (options.stream !== undefined) {
    const size = await copy(response, options.stream);
    return { datasetId: info.id, versionId: exported, format, path: null, size };
  }
  // Loaded here, not at the package's import: node:crypto and node:fs's ESM facade (which reads
  // fs.promises and the stream classes) take tens of ms to load, and only a file export needs them.
  const [{ randomBytes }, { createWriteStream }, { rename, unlink }] = await Promise.all([
    import("node:crypto"),
    import("node:fs"),
    import("node:fs/promises"),
  ]);
  const target = options.path as string;
  const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString("hex")}.part`);
  const file = createWriteStream(temporary, { flags: "wx" });
  try {
    const size = await copy(response, file);
    file.end();
    await once(file, "close");
    await rename(temporary, target);
    return { datasetId: info.id, versionId: exported, format, path: target, size };
  } catch (error) {
    file.destroy();
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

/** Writes the answer's body to `stream` (waiting for it to drain), without ending it; its size. */
async function copy(response: Response, stream: NodeJS.WritableStream): Promise<number> {
  let size = 0;
  if (response.body === null) {
    return size;
  }
  for await (const chunk of response.body) {
    size += chunk.length;
    if (!stream.write(chunk)) {
      await once(stream, "drain");
    }
  }
  return size;
}
