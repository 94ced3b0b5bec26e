// Version tags through the TypeScript SDK against the test server: tag, move, delete, history,
// reads by tag, the upsert's tag (one request and the plan path), mistakes caught before sending.
import {
  ConflictError,
  deleteTag,
  diffVersions,
  getDataset,
  listExperiments,
  listTags,
  listVersions,
  loadExperiment,
  NotFoundError,
  PLAN_THRESHOLD,
  runExperiment,
  tagHistory,
  tagVersion,
  upsertDataset,
} from "groundset";
import { expect, test } from "vitest";
import { testClient, uniqueName } from "./api.js";

const client = testClient();

function rows(count: number, edited = -1) {
  return Array.from({ length: count }, (_, i) => ({
    id: String(i),
    input: { q: `question ${i}${i === edited ? " edited" : ""}` },
  }));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
}

test("tag, move, delete and the history", async () => {
  const dataset = { datasetName: uniqueName("tags") };
  const first = await upsertDataset({ client, dataset, examples: rows(3), sourceIdKey: "id", tag: "baseline" });
  expect(first.tag).toBe("baseline");
  const second = await upsertDataset({ client, dataset, examples: rows(3, 1), sourceIdKey: "id" });
  expect(second.tag).toBeNull();
  const [v1, v2] = [first.versionId as string, second.versionId as string];

  const refused = await rejection(tagVersion({ client, dataset, tag: "baseline", versionId: v2 }));
  expect(refused).toBeInstanceOf(ConflictError);
  expect((refused as ConflictError).code).toBe("tag_exists");
  expect((refused as ConflictError).problem.version_id).toBe(v1);
  const moved = await tagVersion({ client, dataset, tag: "baseline", versionId: v2, move: true });
  expect(moved.versionId).toBe(v2);
  await tagVersion({ client, dataset, tag: "old ?#%", versionId: v1 });
  expect((await listTags({ client, dataset })).map((tag) => [tag.name, tag.versionId])).toEqual([
    ["baseline", v2],
    ["old ?#%", v1],
  ]);
  const versions = await listVersions({ client, dataset });
  expect(Object.fromEntries(versions.map((version) => [version.id, version.tags]))).toEqual({
    [v1]: ["old ?#%"],
    [v2]: ["baseline"],
  });

  await deleteTag({ client, dataset, tag: "baseline" });
  const gone = await rejection(deleteTag({ client, dataset, tag: "baseline" }));
  expect(gone).toBeInstanceOf(NotFoundError);
  expect((gone as NotFoundError).code).toBe("tag_not_found");
  const events = await tagHistory({ client, dataset, tag: "baseline" });
  expect(events.map((event) => [event.action, event.versionId, event.previousVersionId])).toEqual([
    ["created", v1, null],
    ["moved", v2, v1],
    ["deleted", null, v2],
  ]);
});

test("reads by tag", async () => {
  const dataset = { datasetName: uniqueName("tags") };
  const first = await upsertDataset({ client, dataset, examples: rows(2), sourceIdKey: "id", tag: "v-one" });
  await upsertDataset({ client, dataset, examples: rows(3, 0), sourceIdKey: "id", tag: "v-two" });
  const old = await getDataset({ client, dataset: { ...dataset, tag: "v-one" } });
  expect([old.versionId, old.digest, old.examples.length]).toEqual([first.versionId, first.digest, 2]);
  const diff = await diffVersions({ client, dataset, fromTag: "v-one", toTag: "v-two" });
  expect([diff.created, diff.updated, diff.deleted]).toEqual([["2"], ["0"], []]);
  const unknown = await rejection(getDataset({ client, dataset: { ...dataset, tag: "nope" } }));
  expect((unknown as NotFoundError).code).toBe("tag_not_found");
});

test("the upsert's tag on the plan path, its conflict and a dry run", async () => {
  const dataset = { datasetName: uniqueName("tags") };
  const many = rows(PLAN_THRESHOLD + 1);
  const first = await upsertDataset({ client, dataset, examples: many, sourceIdKey: "id" });
  const same = await upsertDataset({ client, dataset, examples: many, sourceIdKey: "id", tag: "stable" });
  expect([same.noop, same.tag, same.versionId]).toEqual([true, "stable", first.versionId]);
  const edited = rows(PLAN_THRESHOLD + 1, 5);
  const sync = { client, dataset, examples: edited, sourceIdKey: "id", tag: "stable" };
  const refused = await rejection(upsertDataset(sync));
  expect((refused as ConflictError).code).toBe("tag_exists");
  // The message names this SDK's option, not the wire's member.
  expect((refused as ConflictError).detail).toContain("`moveTag: true`");
  expect((refused as ConflictError).detail).not.toContain("move_tag");
  const dry = await upsertDataset({ ...sync, moveTag: true, dryRun: true });
  expect([dry.dryRun, dry.tag, dry.updated, dry.tagChange]).toEqual([true, "stable", 1, "moved"]);
  expect((await listTags({ client, dataset }))[0]?.versionId).toBe(first.versionId);
  const moved = await upsertDataset({ ...sync, moveTag: true });
  expect((await listTags({ client, dataset }))[0]?.versionId).toBe(moved.versionId);
});

test("mistakes are caught before sending", async () => {
  const dataset = { datasetName: "never-sent" };
  await expect(tagVersion({ client, dataset, tag: "12", versionId: "12" })).rejects.toThrow(/all digits/);
  await expect(diffVersions({ client, dataset, toTag: "x" })).rejects.toThrow(/fromVersionId and fromTag/);
  await expect(upsertDataset({ client, dataset, examples: [{ input: {} }], moveTag: true })).rejects.toThrow(
    /goes with tag/,
  );
  await expect(getDataset({ client, dataset: { ...dataset, versionId: "1", tag: "x" } as never })).rejects.toThrow(
    /not both/,
  );
});

test("experiments on a tagged version", async () => {
  const dataset = { datasetName: uniqueName("tags") };
  const first = await upsertDataset({ client, dataset, examples: rows(2), sourceIdKey: "id", tag: "baseline" });
  await upsertDataset({ client, dataset, examples: rows(3, 0), sourceIdKey: "id" });
  const task = (example: { input: Record<string, unknown> }) => ({ echo: example.input.q });
  const run = (selector: object) =>
    runExperiment({ client, dataset: selector as never, task, experimentName: "nightly", printSummary: false });
  const pinned = await run({ ...dataset, tag: "baseline" });
  expect(pinned.versionId).toBe(first.versionId);
  const latest = await run(dataset);
  expect(latest.versionId).not.toBe(first.versionId);
  const listed = await listExperiments({ client, dataset, tag: "baseline" });
  expect(listed.map((experiment) => experiment.id)).toEqual([pinned.id]);
  const loaded = await loadExperiment({
    client,
    experiment: { dataset, experimentName: "nightly", tag: "baseline" },
  });
  expect(loaded.id).toBe(pinned.id);
  const unknown = await rejection(run({ ...dataset, tag: "nope" }));
  expect((unknown as NotFoundError).code).toBe("tag_not_found");
});
