// A large sync names its plan's plan_id (issue 19) and sends only the examples the plan needs;
// when the server no longer holds the plan (409 plan_expired) the SDK sends the whole manifest
// once, and the caller sees no error. Against real server processes (the Python SDK's
// tests/test_plan_id.py, request for request).
import { exampleHash, getDataset, manifestDigest, upsertDataset } from "groundset";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { ndjsonOf, recordingFetch, testClient, uniqueName } from "./api.js";
import { type RunningServer, startServer } from "./server.setup.js";

const COUNT = 12_000;
const UPSERT = "/v1/datasets/upsert";
const PLAN = "/v1/datasets/upsert/plan";

type Row = { id: string; input: Record<string, unknown>; output?: Record<string, unknown> };

function rows(count = COUNT): Row[] {
  return Array.from({ length: count }, (_, i) => ({ id: `ex-${i}`, input: { q: `question ${i}` }, output: { a: i } }));
}

function onePercent(data: Row[]): Row[] {
  return data.map((row, i) => (i % 100 === 7 ? { ...row, output: { a: `changed ${i}` } } : row));
}

/**
 * Syncs through a client of `baseUrl` whose requests are recorded; with `planner`, plans go to
 * that other server process (as a load balancer could send them) and the rest to `baseUrl`.
 */
async function sync(
  baseUrl: string,
  datasetName: string,
  examples: Row[],
  options: { mode?: "merge" | "mirror"; dryRun?: boolean } = {},
  planner?: string,
) {
  const { fetch: recording, sent } = recordingFetch();
  const fetch = ((input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    if (planner !== undefined && url.pathname === PLAN) {
      return recording(new URL(`${url.pathname}${url.search}`, planner), init);
    }
    return recording(input, init);
  }) as typeof globalThis.fetch;
  const client = testClient({ baseUrl, fetch });
  const result = await upsertDataset({ client, dataset: { datasetName }, examples, sourceIdKey: "id", ...options });
  const paths = sent.map((request) => new URL(request.url).pathname);
  return { result, paths, bodies: sent.map((request) => request.body), client };
}

function digestOf(data: Row[]): string {
  return manifestDigest(data.map((row) => [row.id, exampleHash(row)] as [string, string]));
}

describe("upsertDataset by plan_id", () => {
  test("a 1% sync sends only the needed lines, with the plan's plan_id", async () => {
    const { baseUrl } = inject("groundset");
    const name = uniqueName("plan-id");
    const data = rows();
    await sync(baseUrl, name, data);
    const changed = [...onePercent(data), { id: "new", input: { q: "new" } }];
    const { result, paths, bodies, client } = await sync(baseUrl, name, changed, { mode: "mirror" });
    expect(paths).toEqual([UPSERT, PLAN, UPSERT]);
    const [header, ...lines] = ndjsonOf(bodies[2] ?? "");
    expect(typeof header?.plan_id).toBe("string");
    expect(header?.mode).toBe("mirror");
    const edited = changed.filter((row, i) => i % 100 === 7 || row.id === "new").map((row) => row.id);
    expect(lines.map((line) => line.source_id).sort()).toEqual(edited.sort());
    expect(lines.every((line) => "input" in line && "output" in line)).toBe(true);
    expect([result.created, result.updated, result.unchanged, result.deleted]).toEqual([
      1,
      COUNT / 100,
      COUNT - COUNT / 100,
      0,
    ]);
    expect(result.digest).toBe(digestOf(changed));
    expect((await getDataset({ client, dataset: { datasetName: name } })).digest).toBe(result.digest);
    // Nothing left to change: the digest alone says so.
    const again = await sync(baseUrl, name, changed, { mode: "mirror" });
    expect(again.result.noop).toBe(true);
    expect(again.paths).toEqual([UPSERT]);
  });

  describe("a server that keeps a plan for a millisecond", () => {
    let forgetful: RunningServer;
    beforeAll(async () => {
      forgetful = await startServer({ env: { GROUNDSET_PLAN_TTL_SECONDS: "0.001" } });
    });
    afterAll(async () => {
      await forgetful?.stop();
    });

    test.each([false, true])("an expired plan falls back to the whole manifest, once (dry run: %s)", async (dryRun) => {
      const name = uniqueName("plan-expired");
      const data = rows();
      const base = await sync(forgetful.baseUrl, name, data);
      const { result, paths, bodies, client } = await sync(forgetful.baseUrl, name, onePercent(data), { dryRun });
      expect(paths).toEqual([UPSERT, PLAN, UPSERT, UPSERT]);
      const planned = ndjsonOf(bodies[2] ?? "");
      const whole = ndjsonOf(bodies[3] ?? "");
      expect(planned[0]).toHaveProperty("plan_id");
      expect(whole[0]).not.toHaveProperty("plan_id");
      expect([planned.length, whole.length]).toEqual([1 + COUNT / 100, 1 + COUNT]);
      expect(whole.filter((line) => "input" in line)).toHaveLength(COUNT / 100);
      expect([result.updated, result.unchanged, result.dryRun]).toEqual([COUNT / 100, COUNT - COUNT / 100, dryRun]);
      const written = (await getDataset({ client, dataset: { datasetName: name } })).digest;
      expect(written).toBe(dryRun ? base.result.digest : result.digest);
      expect(written === result.digest).toBe(!dryRun);
    });
  });

  test("a plan made on another server process is expired where the upsert goes", async () => {
    const { baseUrl, databaseUrl } = inject("groundset");
    const planner = await startServer({ databaseUrl });
    try {
      const name = uniqueName("plan-elsewhere");
      const data = rows();
      await sync(baseUrl, name, data);
      const changed = onePercent(data);
      const { result, paths, bodies, client } = await sync(baseUrl, name, changed, {}, planner.baseUrl);
      expect(paths).toEqual([UPSERT, PLAN, UPSERT, UPSERT]);
      expect(ndjsonOf(bodies[2] ?? "")[0]).toHaveProperty("plan_id");
      expect([result.updated, result.unchanged]).toEqual([COUNT / 100, COUNT - COUNT / 100]);
      expect(result.digest).toBe(digestOf(changed));
      expect((await getDataset({ client, dataset: { datasetName: name } })).digest).toBe(result.digest);
    } finally {
      await planner.stop();
    }
  });
});
