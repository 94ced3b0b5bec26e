/**
 * A dataset's JSON Schemas (draft 2020-12) for its examples' `input`, `output` and `metadata`,
 * and the check of examples against them before upload. The validator is the core's (the
 * `jsonschema` Rust crate, through the addon), the one the server and the Python SDK run, so a
 * local check lists the same issues as the server's `schema_violation`: the JSON path in the
 * example (`$.input.question`), the schema path (`/input/properties/question/type`) and the
 * message. An absent output or metadata is checked as `{}`; `format` is an annotation only; a
 * `$ref` must stay inside the schema (nothing is fetched).
 *
 * @module
 */

import { type Client, clientOrDefault } from "./client.js";
import { type DatasetRef, resolveDataset } from "./datasets.js";
import { type ExampleError, exampleErrorOf, NotFoundError, type RecordIssue } from "./errors.js";
import { issueLine } from "./files.js";
import type { components } from "./generated/openapi.js";
import { MAX_REPORTED_ERRORS } from "./limits.js";
import { native } from "./native.js";
import type { PreparedExamples } from "./records.js";
import { type Camelized, camelized } from "./wire.js";

type Schemas = components["schemas"];

/** A dataset's schemas: `input`, `output`, `metadata` (null: none), `updatedAt`, `forced`. */
export type DatasetSchema = Camelized<Schemas["DatasetSchema"]>;

/** The code of an example that violates the dataset's schema. */
export const SCHEMA_VIOLATION = "schema_violation";

/** One part's schema: a JSON Schema object or a boolean; null or undefined for none. */
export type SchemaDocument = Record<string, unknown> | boolean | null | undefined;

function text(schema: SchemaDocument): string | null {
  return schema === null || schema === undefined ? null : JSON.stringify(schema);
}

/**
 * Sets the dataset's JSON Schemas; every later upsert is checked against them.
 *
 * ```ts
 * await setSchema({ dataset: { datasetName: "qa" }, input: { type: "object", required: ["question"] } });
 * ```
 *
 * @throws {TypeError} a part that is not a valid draft 2020-12 schema (every problem named), before sending.
 * @throws {ValidationError} `schema_violation`: examples of the latest version violate it
 *   (`problem.errors`: source id, path, schema path); nothing is stored unless `force: true`.
 * @throws {NotFoundError} `dataset_not_found`.
 */
export async function setSchema(options: {
  client?: Client;
  dataset: DatasetRef;
  input?: SchemaDocument;
  output?: SchemaDocument;
  metadata?: SchemaDocument;
  force?: boolean;
}): Promise<DatasetSchema> {
  const client = clientOrDefault(options.client);
  if (options.force !== undefined && typeof options.force !== "boolean") {
    throw new TypeError(`force must be true or false, not ${JSON.stringify(options.force)}`);
  }
  const issues = native.schemaIssues(text(options.input), text(options.output), text(options.metadata));
  if (issues.length > 0) {
    throw new TypeError(`invalid JSON Schema: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
  }
  const { id } = await resolveDataset(client, options.dataset);
  const wire = await client.request("put", "/v1/datasets/{dataset_id}/schema", {
    path: { dataset_id: id },
    json: {
      input: options.input ?? null,
      output: options.output ?? null,
      metadata: options.metadata ?? null,
      force: options.force ?? false,
    },
  });
  return camelized(wire);
}

/** The dataset's JSON Schemas, `null` when it has none. */
export async function getSchema(options: { client?: Client; dataset: DatasetRef }): Promise<DatasetSchema | null> {
  const client = clientOrDefault(options.client);
  const { id } = await resolveDataset(client, options.dataset);
  try {
    return camelized(await client.request("get", "/v1/datasets/{dataset_id}/schema", { path: { dataset_id: id } }));
  } catch (error) {
    if (error instanceof NotFoundError && error.code === "schema_not_found") {
      return null;
    }
    throw error;
  }
}

/** Removes the dataset's JSON Schemas (kept in its history); {@link NotFoundError} `schema_not_found`. */
export async function deleteSchema(options: { client?: Client; dataset: DatasetRef }): Promise<void> {
  const client = clientOrDefault(options.client);
  const { id } = await resolveDataset(client, options.dataset);
  await client.request("delete", "/v1/datasets/{dataset_id}/schema", { path: { dataset_id: id } });
}

/** A file's records are named `FILE:LINE:`, as the reader's own errors and the CLI name them. */
function errorOf(issues: RecordIssue[], moreErrors: number, file?: string): ExampleError {
  return exampleErrorOf(
    issues,
    moreErrors,
    (issue) => {
      if (file !== undefined && issue.line !== undefined) {
        return issueLine(file, issue);
      }
      const known = issue.sourceId === undefined ? "" : ` [source id ${issue.sourceId}]`;
      return `row ${issue.row}: ${issue.code} at ${issue.path}${known}: ${issue.message}`;
    },
    file,
  );
}

/**
 * Throws {@link ExampleError} `schema_violation` listing every violation of the prepared
 * examples against `schema` (a plan's `dataset_schema`), as the server would. Package-internal.
 */
export function checkExamples(schema: Schemas["DatasetSchema"], prepared: PreparedExamples): void {
  const validator = native.NativeSchemaValidator.compile(
    text(schema.input as SchemaDocument),
    text(schema.output as SchemaDocument),
    text(schema.metadata as SchemaDocument),
  );
  const examples = prepared.sourceIds.map((_, row) => `{${prepared.contentJson(row)}}`);
  const found = validator.validateExamples(examples);
  if (found.length === 0) {
    return;
  }
  const issues: RecordIssue[] = found.slice(0, MAX_REPORTED_ERRORS).map((v) => ({
    row: v.index,
    code: SCHEMA_VIOLATION,
    path: v.path,
    message: v.message,
    sourceId: prepared.sourceIds[v.index] as string,
    schemaPath: v.schemaPath,
    ...(prepared.lines === undefined ? {} : { line: prepared.lines[v.index] as number }),
  }));
  throw errorOf(issues, found.length - issues.length, prepared.file);
}

/**
 * The server's `schema_violation` refusal of an upsert as the {@link ExampleError} the local
 * check throws: each path within the example, `row` its index, `line` (from `lines`, a file's)
 * the line where it starts, named `FILE:LINE:` when `file` is given. Package-internal.
 */
export function violationsFromProblem(
  problem: Record<string, unknown>,
  lines?: ArrayLike<number>,
  file?: string,
): ExampleError {
  const entries = (problem.errors ?? []) as Array<Record<string, unknown>>;
  const issues: RecordIssue[] = entries.map((entry) => {
    let path = String(entry.path);
    let row: number;
    if (typeof entry.index === "number") {
      row = entry.index;
      path = `$${path.slice(path.indexOf("]") + 1)}`;
    } else {
      // The request's NDJSON line: the header is line 1, example i is line i + 2.
      row = Number(entry.line) - 2;
    }
    const issue: RecordIssue = { row, code: SCHEMA_VIOLATION, path, message: String(entry.detail) };
    if (lines !== undefined) {
      issue.line = lines[row] as number;
    }
    if (typeof entry.source_id === "string") {
      issue.sourceId = entry.source_id;
    }
    if (typeof entry.schema_path === "string") {
      issue.schemaPath = entry.schema_path;
    }
    return issue;
  });
  return errorOf(issues, Number(problem.more_errors ?? 0), file);
}
