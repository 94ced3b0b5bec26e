// No value given to the SDK becomes a dot segment or a '/' that reaches another route: fetch
// folds `tags/..` (and `tags/%2E%2E`) into the dataset's own URL, so `deleteTag({tag: ".."})`
// was `DELETE /v1/datasets/N`. Against the test server: the dataset and its tag stay intact.
import {
  deleteDataset,
  deleteSchema,
  deleteTag,
  getDataset,
  listTags,
  loadExperiment,
  tagHistory,
  tagVersion,
  upsertDataset,
  ValidationError,
} from "groundset";
import { expect, test } from "vitest";
import { testClient, uniqueName } from "./api.js";

const client = testClient();

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
}

async function intact(datasetName: string, versionId: string): Promise<void> {
  const dataset = await getDataset({ client, dataset: { datasetName } });
  expect(dataset.examples).toHaveLength(1);
  const tags = await listTags({ client, dataset: { datasetName } });
  expect(tags.map((tag) => [tag.name, tag.versionId])).toEqual([["keep", versionId]]);
}

async function made(): Promise<{ datasetName: string; datasetId: string; versionId: string }> {
  const datasetName = uniqueName("dots");
  const result = await upsertDataset({
    client,
    dataset: { datasetName },
    examples: [{ id: "a", input: { q: 1 } }],
    sourceIdKey: "id",
    tag: "keep",
  });
  return { datasetName, datasetId: result.datasetId as string, versionId: result.versionId as string };
}

test.each([".", ".."])("a tag %j is refused before sending, with the server's code and words", async (tag) => {
  const { datasetName, datasetId, versionId } = await made();
  const byName = { datasetName };
  const calls = [
    () => deleteTag({ client, dataset: byName, tag }),
    () => deleteTag({ client, dataset: { datasetId }, tag }),
    () => tagVersion({ client, dataset: byName, tag, versionId }),
    () => tagHistory({ client, dataset: byName, tag }),
    () => getDataset({ client, dataset: { ...byName, tag } }),
    () => upsertDataset({ client, dataset: byName, examples: [{ id: "a", input: { q: 1 } }], sourceIdKey: "id", tag }),
  ];
  for (const call of calls) {
    const thrown = await rejection(call());
    expect(thrown).toBeInstanceOf(ValidationError);
    const error = thrown as ValidationError;
    expect([error.status, error.code]).toEqual([422, "invalid_tag"]);
    expect(error.detail).toBe(`\`tag\`: a tag must not be '${tag}', which a URL reads as a path step`);
  }
  await intact(datasetName, versionId);
});

test("no id becomes a dot segment or a '/' that reaches another route", async () => {
  const { datasetName, datasetId, versionId } = await made();
  for (const value of [".", "..", "1/..", `${datasetId}/schema`, `${datasetId}/tags/keep`]) {
    for (const call of [
      () => deleteDataset({ client, dataset: { datasetId: value } }),
      () => deleteSchema({ client, dataset: { datasetId: value } }),
      () => listTags({ client, dataset: { datasetId: value } }),
      () => loadExperiment({ client, experiment: value }),
    ]) {
      const thrown = await rejection(call());
      expect(thrown, value).toBeInstanceOf(TypeError);
      expect(String(thrown)).toContain("cannot be one segment of a URL path");
    }
  }
  const slashed = await rejection(deleteTag({ client, dataset: { datasetName }, tag: "keep/.." }));
  expect((slashed as ValidationError).detail).toBe("`tag`: a tag must not contain '/' (character 4)");
  await intact(datasetName, versionId);
});
