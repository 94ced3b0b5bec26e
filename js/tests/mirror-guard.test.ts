import { ConflictError, listVersions, PLAN_THRESHOLD, upsertDataset } from "groundset";
import { describe, expect, test } from "vitest";
import { ndjsonOf, recordingFetch, testClient, uniqueName } from "./api.js";

const client = testClient();
const rows = (count: number) => Array.from({ length: count }, (_, index) => ({ id: `r${index}`, input: { q: index } }));

/** The ConflictError `promise` rejects with. */
async function conflict(promise: Promise<unknown>): Promise<ConflictError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConflictError);
  return error as ConflictError;
}

describe("the mirror guard: allowEmpty and maxDeletes", () => {
  test("a mirror of nothing is refused unless allowEmpty; nothing is written", async () => {
    const dataset = { datasetName: uniqueName("guard-empty") };
    await upsertDataset({ client, dataset, examples: rows(3), sourceIdKey: "id" });
    for (const dryRun of [false, true]) {
      const error = await conflict(upsertDataset({ client, dataset, examples: [], mode: "mirror", dryRun }));
      expect(error.status).toBe(409);
      expect(error.code).toBe("mirror_would_empty");
      expect(error.problem).toMatchObject({ deleted: 3, example_count: 3 });
      expect(error.message).toContain("leave it empty; nothing was written. Pass allowEmpty: true if that is meant");
      expect(error.message).not.toContain("allow_empty");
    }
    expect((await listVersions({ client, dataset })).length).toBe(1);

    const emptied = await upsertDataset({ client, dataset, examples: [], mode: "mirror", allowEmpty: true });
    expect(emptied).toMatchObject({ deleted: 3, noop: false });
    // Nothing left to wipe: the same mirror onto the empty dataset is a no-op.
    expect(await upsertDataset({ client, dataset, examples: [], mode: "mirror" })).toMatchObject({ noop: true });
  });

  test("maxDeletes bounds the deletions; merge refuses it", async () => {
    const dataset = { datasetName: uniqueName("guard-max") };
    await upsertDataset({ client, dataset, examples: rows(3), sourceIdKey: "id" });
    const { fetch, sent } = recordingFetch();
    const recorded = testClient({ fetch });
    const kept = rows(1);
    const options = { client: recorded, dataset, examples: kept, sourceIdKey: "id", mode: "mirror" } as const;
    const error = await conflict(upsertDataset({ ...options, maxDeletes: 1 }));
    expect(error.code).toBe("max_deletes_exceeded");
    expect(error.problem).toMatchObject({ deleted: 2, max_deletes: 1 });
    // In this SDK's words, not the REST body's.
    expect(error.message).toContain("more than maxDeletes: 1; nothing was written. Raise maxDeletes if that is meant");
    expect(error.detail).not.toContain("max_deletes");
    expect([...(error.problem.source_ids ?? [])].sort()).toEqual(["r1", "r2"]);
    expect(sent.length).toBe(1);
    expect(JSON.parse(sent[0]?.body ?? "{}")).toMatchObject({ mode: "mirror", max_deletes: 1 });

    expect(await upsertDataset({ ...options, maxDeletes: 2 })).toMatchObject({ deleted: 2 });
    // A merge never deletes: the mirror's options with it are a mistake, refused before any request.
    for (const guard of [{ maxDeletes: 0 }, { allowEmpty: true }]) {
      await expect(upsertDataset({ client, dataset, examples: rows(3), sourceIdKey: "id", ...guard })).rejects.toThrow(
        /applies to mode "mirror" only/,
      );
    }
  });

  test("a large sync learns the refusal from its plan and uploads nothing", async () => {
    const dataset = { datasetName: uniqueName("guard-plan") };
    const records = rows(PLAN_THRESHOLD + 200);
    await upsertDataset({ client, dataset, examples: records, sourceIdKey: "id" });
    const { fetch, sent } = recordingFetch();
    const recorded = testClient({ fetch });
    const examples = records.slice(0, -150);
    const options = { client: recorded, dataset, examples, sourceIdKey: "id", mode: "mirror" } as const;
    const error = await conflict(upsertDataset({ ...options, maxDeletes: 100 }));
    expect(error.code).toBe("max_deletes_exceeded");
    expect(error.problem.deleted).toBe(150);
    // The digest differs, then one plan and no upsert: the refusal is not taken for a dataset that moved.
    expect(sent.map((request) => new URL(request.url).pathname)).toEqual([
      "/v1/datasets/upsert",
      "/v1/datasets/upsert/plan",
    ]);
    expect(ndjsonOf(sent[1]?.body ?? "")[0]).toEqual({
      dataset: { name: dataset.datasetName },
      mode: "mirror",
      max_deletes: 100,
    });

    sent.length = 0;
    expect(await upsertDataset({ ...options, maxDeletes: 150 })).toMatchObject({ deleted: 150 });
    const upsert = sent[sent.length - 1];
    expect(new URL(upsert?.url ?? "").pathname).toBe("/v1/datasets/upsert");
    expect(ndjsonOf(upsert?.body ?? "")[0]).toMatchObject({ max_deletes: 150 });
  });

  test("bad options are refused before any request", async () => {
    const { fetch, sent } = recordingFetch();
    const recorded = testClient({ fetch });
    const dataset = { datasetName: uniqueName("guard-bad") };
    for (const bad of [{ maxDeletes: -1 }, { maxDeletes: 1.5 }, { maxDeletes: Number.NaN }, { allowEmpty: "yes" }]) {
      await expect(
        upsertDataset({ client: recorded, dataset, examples: rows(1), mode: "mirror", ...(bad as object) }),
      ).rejects.toThrow(TypeError);
    }
    expect(sent).toEqual([]);
  });
});
