/**
 * Datasets: `upsertDataset` (make the server's dataset match the caller's examples) and the
 * reads (`getDataset`, `listDatasets`, `listVersions`, `diffVersions`,
 * `deleteDataset`).
 *
 * @module
 */

import { allPages, type Client, clientOrDefault, type RequestJson } from "./client.js";
import { PLAN_EXPIRED, PLAN_THRESHOLD, PROGRESS_THRESHOLD, STREAM_THRESHOLD } from "./constants.js";
import { ConflictError, NotFoundError, ValidationError } from "./errors.js";
import { type FileFormat, readRecordFile } from "./files.js";
import { shown } from "./format.js";
import type { components } from "./generated/openapi.js";
import { manifestDigestOfColumns } from "./hash.js";
import { progressShown } from "./progress.js";
import {
  checkOptionKeys,
  checkRecordOptions,
  type ExampleRecord,
  type PreparedExamples,
  prepareExamples,
  type RecordOptions,
  StreamedExamples,
} from "./records.js";
import { checkExamples, SCHEMA_VIOLATION, violationsFromProblem } from "./schemas.js";
import type { Selection } from "./selections.js";
import { ndjsonChunks, neededChunks } from "./upload.js";
import { type Camelized, camelized } from "./wire.js";

type Schemas = components["schemas"];

/** A dataset by name (created by an upsert when missing) or by id. */
export type DatasetRef = { datasetName: string; datasetId?: never } | { datasetId: string; datasetName?: never };

/** A dataset and, optionally, one of its versions by id or by tag (default: the latest). */
export type DatasetSelector = DatasetRef & ({ versionId?: string; tag?: never } | { tag: string; versionId?: never });

/** How an upsert treats the server's examples that `examples` does not name. */
export type UpsertMode = "merge" | "mirror";

/** Options of {@link upsertDataset}, whatever the source of the examples. */
export interface UpsertDatasetCommon<R extends ExampleRecord = ExampleRecord> extends RecordOptions<R> {
  /** The client to use; default one made from `GROUNDSET_BASE_URL` and `GROUNDSET_API_KEY`. */
  client?: Client;
  /** The dataset: `{ datasetName }` (created when missing) or `{ datasetId }`. */
  dataset: DatasetRef;
  /**
   * `merge` (default): examples not in `examples` stay. `mirror`: they are deleted, so the
   * dataset holds exactly `examples`.
   */
  mode?: UpsertMode;
  /** The dataset's description (set on creation, and changed when it differs). */
  description?: string;
  /** The dataset's metadata (set on creation, and changed when it differs). */
  metadata?: Record<string, unknown>;
  /** The description of the version this upsert creates. */
  versionDescription?: string;
  /** The metadata of the version this upsert creates. */
  versionMetadata?: Record<string, unknown>;
  /** Classify only: nothing is written; the result lists the source ids of each class. */
  dryRun?: boolean;
  /**
   * Refuse (409 `version_conflict`) unless the dataset's latest version is this one (`null`:
   * unless the dataset has no version yet). Without it, a large sync still guards its own
   * plan with the version the plan saw.
   */
  expectedVersionId?: string | null;
  /**
   * Mirror only: allow deleting every example of a dataset that has some. Without it such a
   * sync (an empty file, a failed export) throws {@link ConflictError} `mirror_would_empty` and
   * nothing is written. A dataset that is new or already empty is never refused for this.
   */
  allowEmpty?: boolean;
  /**
   * Mirror only: the most examples the sync may delete (`0`: none); more throws
   * {@link ConflictError} `max_deletes_exceeded` (`problem.deleted` says how many it would have
   * deleted) and nothing is written. Checked by the plan of a large sync too, so nothing is
   * uploaded when it refuses. Default: no bound.
   */
  maxDeletes?: number;
  /**
   * A progress line on stderr while the examples are uploaded (`upload: 20000/50000 examples`).
   * Default: from {@link PROGRESS_THRESHOLD} examples on, when stderr is a terminal; `true`
   * shows it for any number, `false` never (as the Python SDK's `progress=`).
   */
  progress?: boolean;
  /**
   * Tag the version the sync produced, or the latest when nothing changed, in the same
   * transaction (`result.tag`). A tag on another version throws {@link ConflictError}
   * `tag_exists` and nothing is written, unless `moveTag: true` moves it (recorded in its
   * history). A dry run checks the same.
   */
  tag?: string;
  /** Move `tag` when it names another version now. */
  moveTag?: boolean;
  /**
   * Check the examples of a large sync against the dataset's JSON Schema (which its plan
   * carries) here, before uploading them (default `true`); the server checks every upsert
   * anyway, with the same validator and issues. A violation throws {@link ExampleError}
   * `schema_violation` either way, nothing written.
   */
  validate?: boolean;
}

/**
 * Options of {@link upsertDataset}: the common ones, and exactly one source of examples:
 * `examples` (records in memory) or `path` (a JSONL, JSON or CSV file, read by the core).
 */
export type UpsertDatasetOptions<R extends ExampleRecord = ExampleRecord> = UpsertDatasetCommon<R> &
  (
    | {
        /** The records: structured (`{ input, output?, metadata? }`) or flat (see `inputKeys`). */
        examples: Iterable<R>;
        path?: never;
        format?: never;
        threads?: never;
      }
    | {
        examples?: never;
        /**
         * A file of records, read and hashed by the Rust core as `hashFile` reads it (the same
         * options: `format`, `sourceIdKey`, `inputKeys`, ...), so the upsert's digest equals
         * `manifestDigest(await hashFile(path, options))`. Its content goes to the server as
         * the core's canonical JSON, never parsed into JS values.
         */
        path: string | URL;
        /** The file's format; default: from its extension (`.jsonl`, `.ndjson`, `.json`, `.csv`). */
        format?: FileFormat;
        /** Reading threads; `0` or missing uses every core. */
        threads?: number;
        sourceId?: never;
      }
  );

/**
 * What an upsert did (or, for a dry run, would do): `datasetId`, `datasetName`, `versionId`
 * (the new version, or the previous one for a no-op), `previousVersionId`, `noop`, `dryRun`,
 * the counts `created`, `updated`, `unchanged`, `deleted`, and `digest` (the dataset's digest
 * after the upsert, equal in every SDK for equal examples); for a dry run also the source ids
 * of each class (`createdSourceIds`, ...). Pass it as `dataset` to `runExperiment` to pin
 * exactly this version.
 */
export type UpsertResult = Camelized<Schemas["UpsertResult"]>;

/** An example as the server stores it: `id` (stable across versions), `sourceId`, `contentHash`, `input`, `output`, `metadata`, `versionId`. */
export type Example = Camelized<Schemas["Example"]>;

/** A dataset at one version, with its examples (the Python SDK's `Dataset`). */
export interface Dataset {
  id: string;
  name: string;
  /** The dataset's description, `null` when it has none. */
  description: string | null;
  /** The dataset's metadata (`{}` when it has none). */
  metadata: Record<string, unknown>;
  /** The version read, `null` for a dataset without any version. */
  versionId: string | null;
  digest: string;
  examples: Example[];
}

/** A dataset as listed. */
export type DatasetInfo = Camelized<Schemas["Dataset"]>;

/** A version of a dataset, with the counts of the upsert that made it and its digest. */
export type Version = Camelized<Schemas["Version"]>;

/** The source ids created, updated and deleted from one version to another, and both digests. */
export type Diff = Camelized<Schemas["Diff"]>;

/** An experiment as `listExperiments` lists it, without its runs or summary (`loadExperiment` reads those). */
export type ExperimentInfo = Camelized<Omit<Schemas["Experiment"], "summary" | "selection">> & {
  /** The part of the version it runs on (`null`: every example), as `runExperiment` takes it. */
  selection: Selection | null;
};

export { PLAN_THRESHOLD };

type UpsertHeader = Omit<RequestJson<"/v1/datasets/upsert", "post">, "examples">;
type WireExample = components["schemas"]["UpsertExample"];

function wireSelector(dataset: DatasetRef): { name: string } | { id: string } {
  if (dataset === null || typeof dataset !== "object") {
    throw new TypeError("dataset must be { datasetName } or { datasetId }");
  }
  const { datasetName, datasetId } = dataset as { datasetName?: unknown; datasetId?: unknown };
  if ((datasetName === undefined) === (datasetId === undefined)) {
    throw new TypeError("dataset must have exactly one of datasetName and datasetId");
  }
  if (datasetName !== undefined) {
    if (typeof datasetName !== "string" || datasetName === "") {
      throw new TypeError("dataset.datasetName must be a non-empty string");
    }
    return { name: datasetName };
  }
  if (typeof datasetId !== "string" || datasetId === "") {
    throw new TypeError("dataset.datasetId must be a non-empty string");
  }
  return { id: datasetId };
}

/** The 409 of an upsert by `manifest_digest` whose digest is not the latest version's. */
const DIGEST_DIFFERS = "digest_differs";

/**
 * The digest of the whole manifest (`manifestDigest` of every `[sourceId, contentHash]`:
 * SHA-256 of their RFC 8785 JSON sorted by source id), the digest of the version holding
 * exactly these examples, as `groundset hash --digest` prints it: found by the core while it
 * hashed examples in memory, else from the prepared columns (checked strings already).
 */
function preparedDigest(prepared: PreparedExamples): string {
  return prepared.digest ?? manifestDigestOfColumns(prepared.sourceIds, prepared.contentHashes);
}

function upsertResult(wire: Schemas["UpsertResult"]): UpsertResult {
  const result = camelized(wire);
  if (!wire.dry_run) {
    // Only a dry run lists the source ids of each class.
    delete result.createdSourceIds;
    delete result.updatedSourceIds;
    delete result.unchangedSourceIds;
    delete result.deletedSourceIds;
  }
  return result;
}

type JsonObject = { [key: string]: unknown };

/** The examples of a one-request upsert, all with their content. */
function wireExamples(
  prepared: PreparedExamples,
  values: { inputs: unknown[]; outputs: unknown[]; metadatas: unknown[] },
): WireExample[] {
  // Hashing already refused any input, output or metadata that is not an object.
  return prepared.sourceIds.map((source_id, row) => ({
    source_id,
    content_hash: prepared.contentHashes[row] as string,
    input: values.inputs[row] as JsonObject,
    output: values.outputs[row] as JsonObject,
    metadata: values.metadatas[row] as JsonObject,
  }));
}

/** The examples of a file, read and hashed by the core, with their canonical content. */
async function fileExamples(options: UpsertDatasetOptions<ExampleRecord>): Promise<PreparedExamples> {
  const { path, format, sourceIdKey, inputKeys, outputKeys, metadataKeys, threads } = options;
  if (options.sourceId !== undefined) {
    throw new TypeError("upsertDataset: sourceId(record) needs examples in memory; with path, use sourceIdKey");
  }
  const file = await readRecordFile(
    path as string | URL,
    { format, sourceIdKey, inputKeys, outputKeys, metadataKeys, threads },
    true,
    "upsertDataset",
  );
  const contents = file.contents();
  return {
    sourceIds: file.sourceIds(),
    contentHashes: file.contentHashes(),
    contentJson: (row) => contents[row] as string,
    lines: file.positions().lines,
    file: file.file,
  };
}

/** The examples of `options`, from exactly one of `examples` and `path`. */
async function preparedOf<R extends ExampleRecord>(options: UpsertDatasetOptions<R>): Promise<PreparedExamples> {
  const fromMemory = options.examples !== undefined;
  if (fromMemory === (options.path !== undefined)) {
    throw new TypeError("upsertDataset: give exactly one of examples and path");
  }
  if (fromMemory) {
    if (options.format !== undefined || options.threads !== undefined) {
      throw new TypeError("upsertDataset: format and threads go with path, not with examples");
    }
    return prepareExamples(options.examples as Iterable<R>, options);
  }
  return fileExamples(options as UpsertDatasetOptions<ExampleRecord>);
}

/**
 * Whether the plan shows the dataset already holds exactly these examples, so that the
 * content-less upsert would change nothing: no version, and no dataset description or
 * metadata to update (the same rule as the Python SDK's).
 */
function alreadyMatches(
  plan: Schemas["PlanResult"],
  options: Pick<UpsertDatasetOptions, "dryRun" | "description" | "metadata" | "expectedVersionId" | "tag">,
): boolean {
  return (
    plan.base_version_id !== null &&
    plan.needed_source_ids.length === 0 &&
    plan.deleted === 0 &&
    options.dryRun !== true &&
    options.description === undefined &&
    options.metadata === undefined &&
    (options.expectedVersionId === undefined || options.expectedVersionId === plan.base_version_id) &&
    // A tag is set by the upsert itself, even when nothing changed.
    options.tag === undefined
  );
}

/**
 * Makes the server's dataset match `examples` (or the records of the file at `path`): creates
 * the dataset when missing, and a new version only when an example was created, changed or
 * (in `mirror` mode) deleted.
 *
 * Every record is hashed here (one call into the native core); identity is `sourceIdKey`,
 * `sourceId(record)`, or else the content hash. The records are `examples` in memory, or the
 * file at `path` (JSONL, JSON or CSV), read and hashed by the core as `hashFile` does. A small sync sends all content in one
 * request. From {@link PLAN_THRESHOLD} examples on, it first sends the digest of the whole
 * manifest alone (`manifest_digest`): when the dataset's latest version has that digest, the
 * server answers the no-op in that one request (with `tag`, `moveTag`, `description` and
 * `metadata` applied). Otherwise it sends only the
 * `[sourceId, contentHash]` pairs (the plan), then one NDJSON stream naming the plan's `plan_id`
 * with only the examples the server lacks, with their content (the server holds the rest of the
 * manifest). When the server kept no plan, or no longer holds it (409 `plan_expired`: expired,
 * evicted, or planned on another server process), the stream is the whole manifest instead,
 * once, with content-less entries for the rest, and the caller sees no error. Either is
 * unguarded: the server takes the content it holds by hash from any revision of the dataset,
 * so a write committed in between never fails the sync (the last writer wins), and what it
 * truly lacks it names, sent again with content in the whole manifest. Only
 * `expectedVersionId` makes the sync fail with `version_conflict`. A new
 * dataset skips the plan (all its content is needed); a plan that finds nothing to change
 * ends the sync as a no-op without the upsert request. From {@link STREAM_THRESHOLD} records
 * in memory with `sourceIdKey`, a dataset by name and no `expectedVersionId`, one
 * `GET /v1/datasets?name=` comes first, and a new dataset's upload starts while its records
 * are hashed (at most `STREAM_CHUNK` at a time as the Python SDK, and ~4 MB of lines): a bad
 * record found late stops the sending, and the {@link ExampleError} lists every bad record as
 * always, nothing written. Lines with content are the Python SDK's bytes, written by the native core.
 *
 * ```ts
 * const result = await upsertDataset({
 *   dataset: { datasetName: "qa" },
 *   examples: [{ id: "q1", input: { question: "2+2?" }, output: { answer: "4" } }],
 *   sourceIdKey: "id",
 * });
 * result.noop; // true when nothing changed
 * await upsertDataset({ dataset: { datasetName: "qa" }, path: "qa.csv", sourceIdKey: "id", outputKeys: ["answer"] });
 * ```
 *
 * @throws {ExampleError} listing every record that cannot be an example (up to 100 in
 *   `errors`, then `moreErrors`): each with its `row` (and `line` in a file), `path`, `code` and
 *   `sourceId`; a value outside the hash domain has its code (`non_finite_number`, ...) and its
 *   path in the example (`$.input.items[0]`). Nothing is sent.
 * @throws {HashError} `io_error` when the file at `path` cannot be read.
 * @throws {ConflictError} `version_conflict` when `expectedVersionId` is not the latest version;
 *   `mirror_would_empty` / `max_deletes_exceeded` when the mirror guard (`allowEmpty`,
 *   `maxDeletes`) refuses (never retried).
 * @throws {APIError} other server errors; {@link APIConnectionError} when the server is unreachable.
 */
export async function upsertDataset<R extends ExampleRecord>(options: UpsertDatasetOptions<R>): Promise<UpsertResult> {
  checkOptionKeys(options, UPSERT_OPTIONS, "upsertDataset");
  const client = clientOrDefault(options.client);
  const selector = wireSelector(options.dataset);
  const mode = options.mode ?? "merge";
  if (mode !== "merge" && mode !== "mirror") {
    throw new TypeError(`mode must be "merge" or "mirror", not ${JSON.stringify(mode)}`);
  }
  if (options.progress !== undefined && typeof options.progress !== "boolean") {
    throw new TypeError(`upsertDataset: progress must be true or false, not ${JSON.stringify(options.progress)}`);
  }
  const guard = mirrorGuard(options, mode);
  checkExamplesShape(options.examples);
  if (options.validate !== undefined && typeof options.validate !== "boolean") {
    throw new TypeError(`upsertDataset: validate must be true or false, not ${JSON.stringify(options.validate)}`);
  }
  // The examples as sync prepared them: a server's schema_violation names a file's lines.
  const seen: { prepared?: PreparedExamples } = {};
  try {
    return await sync(client, selector, mode, guard, options, seen);
  } catch (error) {
    if (error instanceof ValidationError && error.code === SCHEMA_VIOLATION) {
      throw violationsFromProblem(error.problem, seen.prepared?.lines, seen.prepared?.file);
    }
    throw error instanceof ConflictError ? inTypeScriptWords(error) : error;
  }
}

/**
 * `examples` is records in memory: a string (a file's path, whose characters would each be a bad
 * record) or one record is refused before anything is read, naming the option.
 */
function checkExamplesShape(examples: unknown): void {
  if (typeof examples === "string") {
    const given = shown(examples);
    throw new TypeError(
      `upsertDataset: examples takes records, not the path ${given}: to read a file, pass path: ${given}`,
    );
  }
  if (examples !== undefined && (typeof examples !== "object" || examples === null || !(Symbol.iterator in examples))) {
    const what = examples === null ? "null" : typeof examples === "object" ? "one record (an object)" : typeof examples;
    throw new TypeError(`upsertDataset: examples must be an iterable of records (an array), not ${what}`);
  }
}

/** The options {@link upsertDataset} takes. */
const UPSERT_OPTIONS = [
  "client",
  "dataset",
  "examples",
  "path",
  "format",
  "threads",
  "sourceIdKey",
  "sourceId",
  "inputKeys",
  "outputKeys",
  "metadataKeys",
  "mode",
  "description",
  "metadata",
  "versionDescription",
  "versionMetadata",
  "dryRun",
  "expectedVersionId",
  "allowEmpty",
  "maxDeletes",
  "progress",
  "tag",
  "moveTag",
  "validate",
] as const;

/**
 * The mirror guard's 409s in the words of this SDK (`allowEmpty: true`, not the REST body's
 * `allow_empty`); any other conflict as it is.
 */
function inTypeScriptWords(error: ConflictError): ConflictError {
  const { problem } = error;
  if (error.code !== "mirror_would_empty" && error.code !== "max_deletes_exceeded") {
    return error;
  }
  const ids = Array.isArray(problem.source_ids) ? problem.source_ids.map(String) : [];
  const deleted = typeof problem.deleted === "number" ? problem.deleted : ids.length;
  const shown = Math.min(ids.length, 5);
  const listed = ids.slice(0, shown).join(", ") + (deleted > shown ? ` and ${deleted - shown} more` : "");
  const examples = `${deleted} example${deleted === 1 ? "" : "s"}`;
  const detail =
    error.code === "mirror_would_empty"
      ? `the mirror would delete all ${examples} of the dataset (${listed}) and leave it empty; ` +
        "nothing was written. Pass allowEmpty: true if that is meant"
      : `the mirror would delete ${examples} (${listed}), more than maxDeletes: ${String(problem.max_deletes)}; ` +
        "nothing was written. Raise maxDeletes if that is meant";
  return new ConflictError(error.status, problem, detail, error.request, error.requestId);
}

/** The upsert request's header (every member but the examples) of `options`. */
function headerOf<R extends ExampleRecord>(
  selector: { name: string } | { id: string },
  mode: UpsertMode,
  guard: { allow_empty?: boolean; max_deletes?: number },
  options: UpsertDatasetCommon<R>,
): UpsertHeader {
  const header: UpsertHeader = { dataset: selector, mode, dry_run: options.dryRun ?? false, ...guard };
  if (options.description !== undefined) {
    header.description = options.description;
  }
  if (options.metadata !== undefined) {
    header.metadata = options.metadata;
  }
  if (options.versionDescription !== undefined) {
    header.version_description = options.versionDescription;
  }
  if (options.versionMetadata !== undefined) {
    header.version_metadata = options.versionMetadata;
  }
  if (options.expectedVersionId !== undefined) {
    header.expected_version_id = options.expectedVersionId;
  }
  if (options.tag !== undefined) {
    header.tag = checkTag(options.tag, "tag");
  }
  if (options.moveTag !== undefined) {
    if (typeof options.moveTag !== "boolean") {
      throw new TypeError(`moveTag must be true or false, not ${JSON.stringify(options.moveTag)}`);
    }
    if (options.moveTag && options.tag === undefined) {
      throw new TypeError("moveTag: true goes with tag");
    }
    header.move_tag = options.moveTag;
  }
  return header;
}

/**
 * A new dataset's upload, sent while its records are hashed ({@link StreamedExamples}), as the
 * Python SDK's `upload_new`: from {@link STREAM_THRESHOLD} records in memory with `sourceIdKey`,
 * a dataset by name and no `expectedVersionId`. One `GET /v1/datasets?name=` first; `undefined`
 * when the dataset exists or the sync is not such (no request then): the whole hash comes first.
 * A dataset made between the `GET` and the upload is synced as any upload with every content is.
 */
async function uploadNew<R extends ExampleRecord>(
  client: Client,
  selector: { name: string } | { id: string },
  records: readonly R[],
  options: UpsertDatasetOptions<R>,
  header: UpsertHeader,
  show: boolean,
): Promise<UpsertResult | undefined> {
  checkRecordOptions(options);
  if (
    !("name" in selector) ||
    options.format !== undefined ||
    options.threads !== undefined ||
    options.sourceIdKey === undefined ||
    options.sourceId !== undefined ||
    options.expectedVersionId !== undefined ||
    records.length < STREAM_THRESHOLD
  ) {
    return undefined;
  }
  const found = await client.request("get", "/v1/datasets", { query: { name: selector.name, limit: 1 } });
  if (found.data.length > 0) {
    return undefined;
  }
  const streamed = new StreamedExamples(records, options);
  const wire = await client.request("post", "/v1/datasets/upsert", { ndjson: () => streamed.body(header, show) });
  return upsertResult(wire);
}

/** The sync of {@link upsertDataset}, its options checked. */
async function sync<R extends ExampleRecord>(
  client: Client,
  selector: { name: string } | { id: string },
  mode: UpsertMode,
  guard: { allow_empty?: boolean; max_deletes?: number },
  given: UpsertDatasetOptions<R>,
  seen: { prepared?: PreparedExamples },
): Promise<UpsertResult> {
  let options = given;
  const shows = (count: number) =>
    progressShown(options.progress) && (options.progress === true || count >= PROGRESS_THRESHOLD);
  const header = headerOf(selector, mode, guard, options);
  if (options.examples !== undefined && options.path === undefined) {
    // An iterable is taken once: its records are kept for whichever path follows.
    const records = Array.isArray(options.examples) ? options.examples : Array.from(options.examples);
    options = { ...options, examples: records };
    const uploaded = await uploadNew(client, selector, records, options, header, shows(records.length));
    if (uploaded !== undefined) {
      return uploaded;
    }
  }
  const prepared = await preparedOf(options);
  seen.prepared = prepared;
  const show = shows(prepared.sourceIds.length);
  if (prepared.sourceIds.length <= PLAN_THRESHOLD) {
    const values = prepared.values;
    // A file's content is canonical JSON text already: it goes out as NDJSON lines, unparsed.
    const wire = await client.request(
      "post",
      "/v1/datasets/upsert",
      values !== undefined
        ? { json: { ...header, examples: wireExamples(prepared, values) } }
        : { ndjson: () => ndjsonChunks(header, prepared, new Set(prepared.sourceIds), show) },
    );
    return upsertResult(wire);
  }
  // First the digest of the whole manifest alone: when the dataset's latest version has it, the
  // server answers the no-op (tag and dataset fields applied) in this one round trip.
  let fresh: boolean;
  try {
    const wire = await client.request("post", "/v1/datasets/upsert", {
      json: { ...header, manifest_digest: preparedDigest(prepared) },
    });
    const result = upsertResult(wire);
    if (result.dryRun && result.unchangedSourceIds == null) {
      // The server does not list them (that would read every example): they are all ours.
      result.unchangedSourceIds = [...prepared.sourceIds];
    }
    return result;
  } catch (error) {
    if (!(error instanceof ConflictError) || error.code !== DIGEST_DIFFERS) {
      throw error;
    }
    // A dataset that does not exist yet needs every content: no plan, but the same guard.
    fresh = error.problem.dataset_id == null;
  }
  const nothing = new Set<string>();
  let needed = new Set(prepared.sourceIds);
  let planId: string | null = null;
  if (!fresh) {
    // The plan takes the same content-less lines as the upsert, after its own header.
    const plan = await client.request("post", "/v1/datasets/upsert/plan", {
      // With the mirror guard, so that a refusal comes before any content is sent.
      ndjson: () => ndjsonChunks({ dataset: selector, mode, ...guard }, prepared, nothing),
    });
    if (options.validate !== false && plan.dataset_schema) {
      checkExamples(plan.dataset_schema, prepared);
    }
    const base = plan.base_version_id;
    needed = new Set(plan.needed_source_ids);
    if (alreadyMatches(plan, options)) {
      return {
        datasetId: plan.dataset_id,
        datasetName: plan.dataset_name,
        versionId: base,
        previousVersionId: base,
        noop: true,
        dryRun: false,
        created: 0,
        updated: 0,
        unchanged: plan.unchanged,
        deleted: 0,
        digest: plan.base_digest,
      };
    }
    planId = plan.plan_id ?? null;
  }
  if (planId !== null) {
    // Only the needed lines: the server holds the rest of the manifest under plan_id.
    const planned = { ...header, plan_id: planId };
    try {
      const wire = await client.request("post", "/v1/datasets/upsert", {
        ndjson: () => neededChunks(planned, prepared, needed, show),
      });
      return upsertResult(wire);
    } catch (error) {
      // plan_expired: this server process no longer holds the plan (expired, evicted, or
      // planned on another process): the whole manifest below, once, the caller none the wiser.
      if (!(error instanceof ConflictError) || error.code !== PLAN_EXPIRED) {
        needed = withLacking(error, options, needed);
      }
    }
  }
  // No guard of the plan's version: the server takes the content a content-less entry leaves
  // out from whatever revision of the dataset holds its hash, so a write committed between the
  // plan and the upsert is no reason to fail (the last writer wins). Only the caller's own
  // expectedVersionId guards the upsert.
  for (;;) {
    try {
      const wire = await client.request("post", "/v1/datasets/upsert", {
        ndjson: () => ndjsonChunks(header, prepared, needed, show),
      });
      return upsertResult(wire);
    } catch (error) {
      needed = withLacking(error, options, needed);
    }
  }
}

/**
 * `needed` with the source ids of a `stale_manifest` refusal: the dataset holds no content under
 * some hashes sent without it (it was deleted and made again since the plan), and it lists them,
 * to send again with their content. Any other error is thrown.
 */
function withLacking(
  error: unknown,
  options: Pick<UpsertDatasetOptions, "expectedVersionId">,
  needed: Set<string>,
): Set<string> {
  const lacking =
    error instanceof ConflictError && error.code === "stale_manifest" ? error.problem.needed_source_ids : undefined;
  if (
    !Array.isArray(lacking) ||
    lacking.length === 0 ||
    options.expectedVersionId !== undefined ||
    lacking.every((id) => needed.has(String(id)))
  ) {
    throw error;
  }
  return new Set([...needed, ...lacking.map(String)]);
}

/**
 * The mirror guard's members of an upsert or plan request, when not their defaults; refused
 * with a merge, which never deletes (as the Python SDK and the CLI refuse them).
 */
function mirrorGuard(
  options: Pick<UpsertDatasetOptions, "allowEmpty" | "maxDeletes">,
  mode: UpsertMode,
): {
  allow_empty?: boolean;
  max_deletes?: number;
} {
  const { allowEmpty, maxDeletes } = options;
  if (allowEmpty !== undefined && typeof allowEmpty !== "boolean") {
    throw new TypeError(`allowEmpty must be true or false, not ${JSON.stringify(allowEmpty)}`);
  }
  if (maxDeletes !== undefined && !(Number.isSafeInteger(maxDeletes) && maxDeletes >= 0)) {
    throw new TypeError(`maxDeletes must be an integer >= 0, not ${String(maxDeletes)}`);
  }
  if (mode === "merge" && (allowEmpty === true || maxDeletes !== undefined)) {
    const option = allowEmpty === true ? "allowEmpty: true" : `maxDeletes: ${maxDeletes}`;
    throw new TypeError(`upsertDataset: ${option} applies to mode "mirror" only (a merge never deletes examples)`);
  }
  return {
    ...(allowEmpty === true ? { allow_empty: true } : {}),
    ...(maxDeletes !== undefined ? { max_deletes: maxDeletes } : {}),
  };
}

/** The dataset a selector names, read from the server. */
/**
 * `tag` as given, refused before sending when it cannot be a tag (the server's rule is its own;
 * these are the mistakes made by hand): a non-string, empty, or all digits (a version id).
 * Package-internal.
 */
export function checkTag(tag: unknown, label: string): string {
  if (typeof tag !== "string") {
    throw new TypeError(`${label} must be a string, not ${typeof tag}`);
  }
  if (tag === "") {
    throw new TypeError(`${label} must not be empty`);
  }
  if (/^[0-9]+$/.test(tag)) {
    throw new TypeError(`${label} ${JSON.stringify(tag)} is all digits, which reads as a version id: use versionId`);
  }
  if (tag === "." || tag === "..") {
    // A dot segment: fetch folds `tags/..` (and `tags/%2E%2E`) into the dataset's own URL, so
    // it is refused here with the server's code and words, never sent.
    refuseTag(label, tag, `a tag must not be '${tag}', which a URL reads as a path step`);
  }
  if (tag.includes("/")) {
    refuseTag(label, tag, `a tag must not contain '/' (character ${[...tag.slice(0, tag.indexOf("/"))].length})`);
  }
  return tag;
}

function refuseTag(label: string, tag: string, reason: string): never {
  const detail = `\`${label}\`: ${reason}`;
  throw new ValidationError(422, { status: 422, code: "invalid_tag", detail, tag }, detail, "not sent");
}

/** The server's JSON of the dataset `dataset` names; package-internal. */
export async function resolveDataset(client: Client, dataset: DatasetRef): Promise<Schemas["Dataset"]> {
  const selector = wireSelector(dataset);
  if ("id" in selector) {
    return client.request("get", "/v1/datasets/{dataset_id}", { path: { dataset_id: selector.id } });
  }
  const page = await client.request("get", "/v1/datasets", { query: { name: selector.name, limit: 1 } });
  const found = page.data[0];
  if (found === undefined) {
    const detail = `no dataset is named ${shown(selector.name)}`;
    // The server's code for a dataset it lacks, so both lookups (and both SDKs) say the same.
    const problem = { status: 404, code: "dataset_not_found", detail, name: selector.name };
    throw new NotFoundError(404, problem, detail, "GET /v1/datasets");
  }
  return found;
}

/** The lines of an NDJSON response, parsed, as they arrive. */
async function* ndjsonLines(response: Response): AsyncGenerator<unknown> {
  const decoder = new TextDecoder();
  let rest = "";
  const body = response.body;
  if (body === null) {
    return;
  }
  for await (const bytes of body as unknown as AsyncIterable<Uint8Array>) {
    const text = rest + decoder.decode(bytes, { stream: true });
    const lines = text.split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim() !== "") {
        yield JSON.parse(line);
      }
    }
  }
  rest += decoder.decode();
  if (rest.trim() !== "") {
    yield JSON.parse(rest);
  }
}

/**
 * A dataset at a version (default: the latest) with all its examples, streamed from the
 * server as NDJSON.
 *
 * ```ts
 * const dataset = await getDataset({ dataset: { datasetName: "qa" } });
 * dataset.examples.length;
 * ```
 *
 * @throws {NotFoundError} no such dataset or version.
 */
export async function getDataset(options: { client?: Client; dataset: DatasetSelector }): Promise<Dataset> {
  const client = clientOrDefault(options.client);
  const { versionId: given, tag } = options.dataset as { versionId?: string; tag?: string };
  if (given !== undefined && tag !== undefined) {
    throw new TypeError("dataset takes versionId or tag, not both");
  }
  const info = await resolveDataset(client, options.dataset);
  let versionId = given ?? info.latest_version_id;
  if (tag !== undefined) {
    const path = { dataset_id: info.id, tag: checkTag(tag, "tag") };
    versionId = (await client.request("get", "/v1/datasets/{dataset_id}/tags/{tag}", { path })).version_id;
  }
  if (versionId === null) {
    const digest = (
      await client.request("get", "/v1/datasets/{dataset_id}/manifest", { path: { dataset_id: info.id } })
    ).digest;
    return { ...described(info), versionId: null, digest, examples: [] };
  }
  const path = { dataset_id: info.id, version_id: versionId };
  const { digest } = await client.request("get", "/v1/datasets/{dataset_id}/versions/{version_id}", { path });
  const response = await client.send("get", "/v1/datasets/{dataset_id}/examples", {
    path,
    query: { version_id: versionId },
    accept: "application/x-ndjson",
  });
  const examples: Example[] = [];
  for await (const line of ndjsonLines(response)) {
    examples.push(camelized(line as Schemas["Example"]));
  }
  return { ...described(info), versionId, digest, examples };
}

function described(info: Schemas["Dataset"]): Pick<Dataset, "id" | "name" | "description" | "metadata"> {
  return { id: info.id, name: info.name, description: info.description, metadata: info.metadata };
}

/** Every dataset on the server (or those named `name`). */
export async function listDatasets(options: { client?: Client; name?: string } = {}): Promise<DatasetInfo[]> {
  const client = clientOrDefault(options.client);
  const wire = await allPages((cursor) =>
    client.request("get", "/v1/datasets", { query: { cursor, limit: 1000, name: options.name } }),
  );
  return wire.map(camelized);
}

/** The versions of a dataset, newest first. */
export async function listVersions(options: { client?: Client; dataset: DatasetRef }): Promise<Version[]> {
  const client = clientOrDefault(options.client);
  const { id } = await resolveDataset(client, options.dataset);
  const wire = await allPages((cursor) =>
    client.request("get", "/v1/datasets/{dataset_id}/versions", {
      path: { dataset_id: id },
      query: { cursor, limit: 1000 },
    }),
  );
  return wire.map(camelized);
}

/**
 * The source ids created, updated and deleted from one version to another, each given by id or
 * by tag (`fromVersionId` or `fromTag`, `toVersionId` or `toTag`).
 */
export async function diffVersions(options: {
  client?: Client;
  dataset: DatasetRef;
  fromVersionId?: string;
  toVersionId?: string;
  fromTag?: string;
  toTag?: string;
}): Promise<Diff> {
  const client = clientOrDefault(options.client);
  for (const [version, tag, side] of [
    [options.fromVersionId, options.fromTag, "from"],
    [options.toVersionId, options.toTag, "to"],
  ] as const) {
    if ((version === undefined) === (tag === undefined)) {
      throw new TypeError(`diffVersions takes exactly one of ${side}VersionId and ${side}Tag`);
    }
    if (tag !== undefined) {
      checkTag(tag, `${side}Tag`);
    }
  }
  const { id } = await resolveDataset(client, options.dataset);
  const wire = await client.request("get", "/v1/datasets/{dataset_id}/diff", {
    path: { dataset_id: id },
    query: {
      from_version_id: options.fromVersionId,
      to_version_id: options.toVersionId,
      from_tag: options.fromTag,
      to_tag: options.toTag,
    },
  });
  return camelized(wire);
}

/** Deletes a dataset with all its versions and examples. */
export async function deleteDataset(options: { client?: Client; dataset: DatasetRef }): Promise<void> {
  const client = clientOrDefault(options.client);
  const { id } = await resolveDataset(client, options.dataset);
  await client.request("delete", "/v1/datasets/{dataset_id}", { path: { dataset_id: id } });
}
