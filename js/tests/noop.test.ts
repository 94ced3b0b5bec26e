// The one-round-trip no-op (issue 19) against a real server: a large sync first sends the digest
// of its whole manifest; an unchanged one is answered by that one request, any change is not.
import { ConflictError, getDataset, listTags, PLAN_THRESHOLD, upsertDataset } from "groundset";
import { describe, expect, test } from "vitest";
import { recordingFetch, type SentRequest, testClient, uniqueName } from "./api.js";

const COUNT = PLAN_THRESHOLD + 200;
const UPSERT = "/v1/datasets/upsert";
const PLAN = "/v1/datasets/upsert/plan";

type Row = { id: string; input: Record<string, unknown>; output?: Record<string, unknown>; metadata?: object };

function rows(count = COUNT): Row[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `ex-${i}`,
    input: { q: `question ${i}` },
    output: { a: i },
    metadata: { split: "train" },
  }));
}

function changes(data: Row[]): Record<string, Row[]> {
  const [first, ...rest] = data as [Row, ...Row[]];
  return {
    input: [{ ...first, input: { q: "question 0 " } }, ...rest],
    output: [{ ...first, output: { a: 1 } }, ...rest],
    metadata: [{ ...first, metadata: { split: "trai" } }, ...rest],
    "source id": [{ ...first, id: "ex-0 " }, ...rest],
    added: [...data, { id: "new", input: { q: "new" } }],
    removed: data.slice(0, -1),
  };
}

/** A sync through a recording client; `before` runs once just before the request to `beforePath`. */
async function sync(
  dataset: { datasetName: string },
  examples: Row[],
  options: Record<string, unknown> = {},
  before?: { path: string; run: () => Promise<unknown> },
) {
  const { fetch: recording, sent } = recordingFetch();
  let pending = before;
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    if (pending !== undefined && new URL(String(input)).pathname === pending.path) {
      const { run } = pending;
      pending = undefined;
      await run();
    }
    return recording(input, init);
  }) as typeof globalThis.fetch;
  const client = testClient({ fetch });
  const result = await upsertDataset({ client, dataset, examples, sourceIdKey: "id", ...options });
  return { result, paths: sent.map((request: SentRequest) => new URL(request.url).pathname), sent };
}

describe("an unchanged large sync is one request", () => {
  test("with tag, description, metadata; the order is not part of the digest", async () => {
    const dataset = { datasetName: uniqueName("noop") };
    const data = rows();
    const first = await sync(dataset, data);
    expect(first.paths).toEqual([UPSERT, UPSERT]); // digest_differs (no dataset), then every content
    const again = await sync(dataset, [...data].reverse(), {
      mode: "mirror",
      tag: "gold",
      description: "the set",
      metadata: { team: "eval" },
      versionDescription: "not written: no version",
    });
    expect(again.paths).toEqual([UPSERT]);
    const body = JSON.parse(again.sent[0]?.body ?? "");
    expect(body).not.toHaveProperty("examples");
    expect(body.manifest_digest).toBe(first.result.digest);
    expect(again.result).toMatchObject({
      noop: true,
      versionId: first.result.versionId,
      digest: first.result.digest,
      tag: "gold",
      created: 0,
      updated: 0,
      unchanged: COUNT,
      deleted: 0,
    });
    const read = await getDataset({ client: testClient(), dataset });
    expect([read.description, read.metadata]).toEqual(["the set", { team: "eval" }]);

    // The tag is on another version: refused in that one request, then moved by it.
    const edited = changes(data).output as Row[];
    const second = await sync(dataset, edited);
    const refused = await sync(dataset, edited, { tag: "gold" }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as ConflictError).code).toBe("tag_exists");
    const moved = await sync(dataset, edited, { tag: "gold", moveTag: true });
    expect(moved.paths).toEqual([UPSERT]);
    expect(moved.result).toMatchObject({ noop: true, versionId: second.result.versionId });
    expect((await listTags({ client: testClient(), dataset }))[0]?.versionId).toBe(second.result.versionId);
  });

  for (const mode of ["merge", "mirror"] as const) {
    test(`a one-byte change is never a no-op (${mode})`, async () => {
      const dataset = { datasetName: uniqueName("change") };
      const data = rows();
      const base = await sync(dataset, data);
      for (const [name, changed] of Object.entries(changes(data))) {
        const dry = await sync(dataset, changed, { mode, dryRun: true });
        expect(dry.paths.slice(0, 2), name).toEqual([UPSERT, PLAN]);
        if (mode === "merge" && name === "removed") {
          // A merge of fewer examples deletes nothing: the plan shows it matches already.
          expect(dry.result).toMatchObject({ noop: true, unchanged: COUNT - 1 });
          continue;
        }
        expect(dry.result.noop, name).toBe(false);
        expect(dry.result.created + dry.result.updated + dry.result.deleted, name).toBeGreaterThan(0);
      }
      expect((await getDataset({ client: testClient(), dataset })).digest).toBe(base.result.digest);
      const written = await sync(dataset, changes(data).output as Row[], { mode });
      expect(written.result).toMatchObject({ noop: false, updated: 1 });
    });
  }

  test("a dry run of the unchanged lists them, writes nothing", async () => {
    const dataset = { datasetName: uniqueName("dry") };
    const data = rows();
    const base = await sync(dataset, data);
    const dry = await sync(dataset, data, { dryRun: true, tag: "would" });
    expect(dry.paths).toEqual([UPSERT]);
    expect(dry.result).toMatchObject({
      dryRun: true,
      noop: true,
      versionId: base.result.versionId,
      tag: "would",
      tagChange: "created",
    });
    expect(dry.result.unchangedSourceIds).toEqual(data.map((row) => row.id));
    expect([dry.result.createdSourceIds, dry.result.updatedSourceIds, dry.result.deletedSourceIds]).toEqual([
      [],
      [],
      [],
    ]);
    expect(await listTags({ client: testClient(), dataset })).toEqual([]);
  });

  test("an empty dataset, then filled; a subset merged and mirrored", async () => {
    const dataset = { datasetName: uniqueName("empty") };
    const empty = await sync(dataset, []);
    expect(empty.paths).toEqual([UPSERT]);
    expect(empty.result.versionId).toBeNull();
    const data = rows();
    // The dataset exists without a version: the digest differs and the plan follows.
    const filled = await sync(dataset, data);
    expect(filled.paths).toEqual([UPSERT, PLAN, UPSERT]);
    expect(filled.result.created).toBe(COUNT);
    const subset = data.slice(0, COUNT - 5);
    const merged = await sync(dataset, subset);
    expect([merged.paths, merged.result.noop]).toEqual([[UPSERT, PLAN], true]);
    const mirrored = await sync(dataset, subset, { mode: "mirror" });
    expect([mirrored.paths, mirrored.result.deleted]).toEqual([[UPSERT, PLAN, UPSERT], 5]);
    const again = await sync(dataset, subset, { mode: "mirror" });
    expect([again.paths, again.result.noop]).toEqual([[UPSERT], true]);
  });

  test("a writer between the digest check and the upsert", async () => {
    const dataset = { datasetName: uniqueName("race") };
    const data = rows();
    await sync(dataset, data);
    const other = (examples: Row[], mode: "merge" | "mirror" = "merge") => ({
      path: PLAN,
      run: () => upsertDataset({ client: testClient(), dataset, examples, sourceIdKey: "id", mode }),
    });
    const mine = changes(data).output as Row[];
    const raced = await sync(dataset, mine, {}, other(changes(data).input as Row[]));
    // The last writer's examples are the dataset's, whatever came between.
    expect(raced.paths).toEqual([UPSERT, PLAN, UPSERT]);
    expect((await getDataset({ client: testClient(), dataset })).digest).toBe(raced.result.digest);
    // With expectedVersionId the caller's guard holds: the other writer's version is refused.
    const guarded = await sync(
      dataset,
      changes(data).metadata as Row[],
      { expectedVersionId: raced.result.versionId },
      other(changes(data).input as Row[]),
    ).catch((error: unknown) => error);
    expect((guarded as ConflictError).code).toBe("version_conflict");
    // And the other writer making the dataset equal to this sync meanwhile ends in a no-op.
    const same = await sync(dataset, data, {}, other(data, "mirror"));
    expect([same.paths, same.result.noop]).toEqual([[UPSERT, PLAN], true]);
  });
});
