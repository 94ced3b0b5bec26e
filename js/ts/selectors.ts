/**
 * Naming an experiment: by id, by an `Experiment` or `ExperimentInfo`, or by a selector
 * ("the latest experiment named X on dataset D, on version V, created before E"), and listing
 * a dataset's experiments with the server's filters. The same rules as the Python SDK's.
 *
 * @module
 */

import { allPages, type Client, clientOrDefault } from "./client.js";
import { checkTag, type DatasetInfo, type DatasetRef, type ExperimentInfo, listDatasets } from "./datasets.js";
import { GroundsetError, NotFoundError } from "./errors.js";
import { shown } from "./format.js";
import { selectionFromWire } from "./selections.js";
import { camelized } from "./wire.js";

/**
 * The latest experiment of a dataset with a name: `dataset` is the dataset's name or a
 * `{ datasetName } | { datasetId }` object; `versionId` (or the version's `tag`, not both)
 * keeps the experiments pinned to that version; `before` keeps those created before another
 * experiment (so `{ experimentName: "nightly", before: latestNightly }` is the nightly before
 * the latest).
 */
export interface ExperimentSelector {
  dataset: string | DatasetRef;
  experimentName: string;
  versionId?: string;
  tag?: string;
  before?: ExperimentRef;
}

/**
 * An experiment: its id, an `Experiment` (of `runExperiment` or `loadExperiment`; not a dry
 * run), an `ExperimentInfo` (of `listExperiments`), or an {@link ExperimentSelector}.
 */
export type ExperimentRef = string | { readonly id: string | null; readonly dryRun?: boolean } | ExperimentSelector;

const SELECTOR_KEYS = new Set(["dataset", "experimentName", "versionId", "tag", "before"]);

function checkText(value: unknown, what: string): string {
  if (typeof value !== "string" || value === "") {
    throw new TypeError(`${what} must be a non-empty string, not ${value === "" ? '""' : typeof value}`);
  }
  return value;
}

/** `dataset` checked: a name (in a selector) or `{ datasetName } | { datasetId }`; `what` names it in errors. */
export function datasetRefOf(dataset: unknown, what = "selector.dataset"): DatasetRef {
  if (typeof dataset === "string" && what === "selector.dataset") {
    return { datasetName: checkText(dataset, what) };
  }
  if (dataset !== null && typeof dataset === "object") {
    const { datasetName, datasetId, ...rest } = dataset as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length === 0 && (datasetName === undefined) !== (datasetId === undefined)) {
      return datasetName === undefined
        ? { datasetId: checkText(datasetId, `${what}.datasetId`) }
        : { datasetName: checkText(datasetName, `${what}.datasetName`) };
    }
  }
  throw new TypeError(
    what === "selector.dataset"
      ? 'selector.dataset must be a dataset name or { datasetName } | { datasetId }, as in { dataset: "qa" }'
      : `${what} must be { datasetName } or { datasetId }`,
  );
}

/**
 * The dataset `dataset` names, as the server lists it (with its latest version).
 *
 * @throws {NotFoundError} code `dataset_not_found`.
 */
export async function datasetInfoOf(client: Client, dataset: DatasetRef): Promise<DatasetInfo> {
  if (dataset.datasetId !== undefined) {
    const wire = await client.request("get", "/v1/datasets/{dataset_id}", { path: { dataset_id: dataset.datasetId } });
    return camelized(wire);
  }
  const name = dataset.datasetName;
  const found = (await listDatasets({ client, name })).find((info) => info.name === name);
  if (found === undefined) {
    const detail = `no dataset is named ${shown(String(name))}`;
    // The server's code for a dataset it lacks, as every other lookup by name says it.
    throw new NotFoundError(404, { status: 404, code: "dataset_not_found", detail, name }, detail, "GET /v1/datasets");
  }
  return found;
}

/** The id of the dataset `dataset` names (a name is looked up; an id is taken as it is). */
async function datasetIdOf(client: Client, dataset: DatasetRef): Promise<string> {
  return dataset.datasetId ?? (await datasetInfoOf(client, dataset)).id;
}

function isSelector(ref: object): ref is ExperimentSelector {
  return "experimentName" in ref || "dataset" in ref;
}

/**
 * The id of the experiment `ref` names; a selector is resolved on the server.
 *
 * @throws {TypeError} `ref` is none of the forms, or a selector has an unknown key or a bad value.
 * @throws {NotFoundError} code `experiment_not_found` when a selector finds no experiment (or `dataset_not_found`).
 * @throws {GroundsetError} `ref` is a dry run's `Experiment`, which was not stored.
 */
export async function experimentIdOf(client: Client, ref: ExperimentRef, what = "experiment"): Promise<string> {
  if (typeof ref === "string") {
    return checkText(ref, what);
  }
  if (ref === null || typeof ref !== "object") {
    throw new TypeError(`${what} must be an experiment id, an Experiment, an ExperimentInfo or a selector, not ${ref}`);
  }
  if (isSelector(ref)) {
    return selectedId(client, ref, what);
  }
  if ("id" in ref) {
    if (ref.id === null) {
      throw new GroundsetError(`${what}: a dry run was not stored, so no call can read it back`);
    }
    return checkText(ref.id, `${what}.id`);
  }
  throw new TypeError(`${what} must be an experiment id, an Experiment, an ExperimentInfo or a selector`);
}

async function selectedId(client: Client, selector: ExperimentSelector, what: string): Promise<string> {
  const unknown = Object.keys(selector).filter((key) => !SELECTOR_KEYS.has(key));
  if (unknown.length > 0) {
    throw new TypeError(
      `${what}: unknown selector key(s) ${unknown.join(", ")}; a selector has dataset, experimentName, versionId or tag, and before`,
    );
  }
  const name = checkText(selector.experimentName, `${what}.experimentName`);
  const versionId = selector.versionId === undefined ? undefined : checkText(selector.versionId, `${what}.versionId`);
  const tag = selector.tag === undefined ? undefined : checkTag(selector.tag, `${what}.tag`);
  const dataset = datasetRefOf(selector.dataset);
  const before =
    selector.before === undefined ? undefined : await experimentIdOf(client, selector.before, `${what}.before`);
  const datasetId = await datasetIdOf(client, dataset);
  const page = await client.request("get", "/v1/datasets/{dataset_id}/experiments", {
    path: { dataset_id: datasetId },
    query: { name, version_id: versionId, tag, before, limit: 1 },
  });
  const found = page.data[0];
  if (found === undefined) {
    const where = [
      `named ${shown(name)} on dataset ${JSON.stringify(dataset.datasetName ?? dataset.datasetId)}`,
      ...(versionId === undefined ? [] : [`version ${versionId}`]),
      ...(tag === undefined ? [] : [`tag ${JSON.stringify(tag)}`]),
      ...(before === undefined ? [] : [`created before experiment ${before}`]),
    ];
    const detail = `${what}: no experiment ${where.join(", ")}`;
    const problem = { status: 404, code: "experiment_not_found", detail, name, dataset_id: datasetId };
    throw new NotFoundError(404, problem, detail, `GET /v1/datasets/${datasetId}/experiments`);
  }
  return found.id;
}

/**
 * The experiments on any version of a dataset, newest first (without runs or summary:
 * `loadExperiment` reads those); `experimentName` keeps those of that name, `versionId` (or
 * `tag`, not both) those pinned to that version.
 *
 * ```ts
 * const [latest] = await listExperiments({ dataset: { datasetName: "qa" }, experimentName: "nightly" });
 * ```
 *
 * @throws {NotFoundError} no such dataset.
 */
export async function listExperiments(options: {
  client?: Client;
  dataset: DatasetRef;
  experimentName?: string;
  versionId?: string;
  tag?: string;
}): Promise<ExperimentInfo[]> {
  const client = clientOrDefault(options.client);
  const name = options.experimentName === undefined ? undefined : checkText(options.experimentName, "experimentName");
  const versionId = options.versionId === undefined ? undefined : checkText(options.versionId, "versionId");
  const tag = options.tag === undefined ? undefined : checkTag(options.tag, "tag");
  const datasetId = await datasetIdOf(client, datasetRefOf(options.dataset, "dataset"));
  const wire = await allPages((cursor) =>
    client.request("get", "/v1/datasets/{dataset_id}/experiments", {
      path: { dataset_id: datasetId },
      query: { cursor, limit: 1000, name, version_id: versionId, tag },
    }),
  );
  return wire.map((item) => ({ ...camelized(item), selection: selectionFromWire(item.selection) }));
}
