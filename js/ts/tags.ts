/**
 * Version tags: a name for one version of a dataset (`"baseline"`, `"release-2026-11"`),
 * unique in the dataset, created, moved (only when asked) and deleted, each change kept in the
 * tag's history. Wherever a version is read (`getDataset`, `diffVersions`, experiments), a tag
 * names it too.
 *
 * @module
 */

import { allPages, type Client, clientOrDefault } from "./client.js";
import { checkTag, type DatasetRef, resolveDataset } from "./datasets.js";
import type { components } from "./generated/openapi.js";
import { type Camelized, camelized } from "./wire.js";

type Schemas = components["schemas"];

/** A tag: `name`, the `versionId` it points at, `createdAt`, `updatedAt` (ISO 8601 UTC). */
export type Tag = Camelized<Schemas["Tag"]>;

/** One change of a tag: `action` (`created`, `moved`, `deleted`), `versionId` (null when deleted), `previousVersionId` (null when created), `at`. */
export type TagEvent = Camelized<Schemas["TagEvent"]>;

async function tagPath(client: Client, dataset: DatasetRef, tag: string): Promise<{ dataset_id: string; tag: string }> {
  const checked = checkTag(tag, "tag");
  const { id } = await resolveDataset(client, dataset);
  return { dataset_id: id, tag: checked };
}

/**
 * Points the dataset's `tag` at `versionId` (created when new) and returns it.
 *
 * ```ts
 * await tagVersion({ dataset: { datasetName: "qa" }, tag: "baseline", versionId: "3" });
 * ```
 *
 * @throws {ConflictError} `tag_exists`: it points at another version (`problem.version_id`) and
 *   `move` is not true; `move: true` moves it, recorded in {@link tagHistory}.
 * @throws {NotFoundError} `dataset_not_found`, `version_not_found`.
 * @throws {ValidationError} `invalid_tag` (over 512 characters, `/`, U+0000).
 * @throws {TypeError} a tag that is empty or all digits, before anything is sent.
 */
export async function tagVersion(options: {
  client?: Client;
  dataset: DatasetRef;
  tag: string;
  versionId: string;
  move?: boolean;
}): Promise<Tag> {
  const client = clientOrDefault(options.client);
  if (typeof options.versionId !== "string" || options.versionId === "") {
    throw new TypeError(`versionId must be a non-empty string, not ${JSON.stringify(options.versionId)}`);
  }
  if (options.move !== undefined && typeof options.move !== "boolean") {
    throw new TypeError(`move must be true or false, not ${JSON.stringify(options.move)}`);
  }
  const path = await tagPath(client, options.dataset, options.tag);
  const wire = await client.request("put", "/v1/datasets/{dataset_id}/tags/{tag}", {
    path,
    json: { version_id: options.versionId, move: options.move ?? false },
  });
  return camelized(wire);
}

/** Deletes the dataset's `tag` (its history stays); {@link NotFoundError} `tag_not_found`. */
export async function deleteTag(options: { client?: Client; dataset: DatasetRef; tag: string }): Promise<void> {
  const client = clientOrDefault(options.client);
  const path = await tagPath(client, options.dataset, options.tag);
  await client.request("delete", "/v1/datasets/{dataset_id}/tags/{tag}", { path });
}

/** Every tag of the dataset, by name (code point order), each with its version. */
export async function listTags(options: { client?: Client; dataset: DatasetRef }): Promise<Tag[]> {
  const client = clientOrDefault(options.client);
  const { id } = await resolveDataset(client, options.dataset);
  const wire = await allPages((cursor) =>
    client.request("get", "/v1/datasets/{dataset_id}/tags", {
      path: { dataset_id: id },
      query: { cursor, limit: 1000 },
    }),
  );
  return wire.map(camelized);
}

/**
 * Every change of the tag, oldest first (`created`, `moved` with the version before,
 * `deleted`), a deleted tag's too; {@link NotFoundError} `tag_not_found` for a tag the dataset
 * never had.
 */
export async function tagHistory(options: { client?: Client; dataset: DatasetRef; tag: string }): Promise<TagEvent[]> {
  const client = clientOrDefault(options.client);
  const path = await tagPath(client, options.dataset, options.tag);
  const wire = await client.request("get", "/v1/datasets/{dataset_id}/tags/{tag}/history", { path });
  return wire.data.map((event) => camelized(event));
}
