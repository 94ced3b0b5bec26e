import { deleteDataset, exampleHash, getDataset, PLAN_THRESHOLD, upsertDataset } from "groundset";
import { describe, expect, test } from "vitest";
import { ndjsonOf, recordingFetch, type SentRequest, testClient, uniqueName } from "./api.js";

const COUNT = 50_000;

function record(index: number, version = 0) {
  return {
    id: `ex-${index}`,
    input: { question: `what is ${index} squared?`, context: { index, tags: ["sq", `v${version}`] } },
    output: { answer: String(index * index + version) },
    metadata: { bucket: index % 7 },
  };
}

/**
 * The requests of one sync by dataset name: the digest (refused: digest_differs), the plan
 * (unless the dataset is new), the upsert; with the plan and the upsert's lines parsed.
 */
function planAndUpsert(sent: SentRequest[], planned = true) {
  const paths = ["/v1/datasets/upsert", ...(planned ? ["/v1/datasets/upsert/plan"] : []), "/v1/datasets/upsert"];
  expect(sent.map((request) => new URL(request.url).pathname)).toEqual(paths);
  const plan = planned ? (sent[1] as SentRequest) : undefined;
  const upsert = sent[sent.length - 1] as SentRequest;
  expect(upsert.contentType).toBe("application/x-ndjson");
  const [header, ...lines] = ndjsonOf(upsert.body);
  return { plan, header, lines };
}

describe("a large sync plans first and sends only the content the server lacks", () => {
  test(`${COUNT.toLocaleString("en")} examples: initial, unchanged, 0.1% changed`, async () => {
    expect(COUNT).toBeGreaterThanOrEqual(PLAN_THRESHOLD);
    const dataset = { datasetName: uniqueName("plan") };
    const records = Array.from({ length: COUNT }, (_, index) => record(index));
    /** A mirror sync of `examples`, and what it sent. */
    const sync = async (examples: Array<ReturnType<typeof record>>) => {
      const { fetch, sent } = recordingFetch();
      const client = testClient({ fetch });
      return { result: await upsertDataset({ client, dataset, examples, sourceIdKey: "id", mode: "mirror" }), sent };
    };

    const initial = await sync(records);
    const created = initial.result;
    expect(created).toMatchObject({ created: COUNT, unchanged: 0, noop: false });
    {
      // A new dataset needs every content: its digest is refused, it is not planned, and the upsert is not
      // guarded (a dataset made meanwhile takes the sync as its next version).
      const { header, lines } = planAndUpsert(initial.sent, false);
      expect(header).toMatchObject({ dataset: { name: dataset.datasetName }, mode: "mirror" });
      expect(header).not.toHaveProperty("expected_version_id");
      expect(lines).toHaveLength(COUNT);
      expect(lines.every((line) => "input" in line)).toBe(true);
      expect(lines[3]).toEqual({ source_id: "ex-3", content_hash: exampleHash(record(3)), ...pickContent(record(3)) });
    }

    const unchanged = await sync(records);
    const noop = unchanged.result;
    expect(noop).toMatchObject({ noop: true, unchanged: COUNT, versionId: created.versionId, digest: created.digest });
    // The digest of the whole manifest is the latest version's: one request, no plan.
    expect(unchanged.sent.map((request) => new URL(request.url).pathname)).toEqual(["/v1/datasets/upsert"]);
    expect(unchanged.sent[0]?.contentType).toBe("application/json");
    expect(JSON.parse(unchanged.sent[0]?.body ?? "")).toEqual({
      dataset: { name: dataset.datasetName },
      mode: "mirror",
      dry_run: false,
      manifest_digest: created.digest,
    });

    const changedIndexes = new Set(Array.from({ length: 50 }, (_, k) => k * 997));
    const evolved = records.map((original, index) => (changedIndexes.has(index) ? record(index, 1) : original));
    const changed = await sync(evolved);
    const next = changed.result;
    expect(next).toMatchObject({ updated: 50, unchanged: COUNT - 50, created: 0, deleted: 0 });
    expect(next.previousVersionId).toBe(created.versionId);
    {
      const { plan, header, lines } = planAndUpsert(changed.sent);
      expect(plan?.contentType).toBe("application/x-ndjson");
      const [planHeader, ...manifest] = ndjsonOf(plan?.body ?? "");
      expect(planHeader).toEqual({ dataset: { name: dataset.datasetName }, mode: "mirror" });
      expect(manifest).toHaveLength(COUNT);
      expect(manifest[3]).toEqual({ source_id: "ex-3", content_hash: exampleHash(record(3)) });
      // No guard of the plan's version: the server takes content it holds by hash, whatever moved.
      expect(header).not.toHaveProperty("expected_version_id");
      // Only the changed examples, with content: the server holds the rest of the manifest under
      // plan_id, so mirror deletes nothing.
      expect(typeof header?.plan_id).toBe("string");
      expect(lines.every((line) => "input" in line)).toBe(true);
      expect(lines.map((line) => line.source_id).sort()).toEqual(
        [...changedIndexes].map((index) => `ex-${index}`).sort(),
      );
    }

    const read = await getDataset({ client: testClient(), dataset });
    expect(read.examples).toHaveLength(COUNT);
    expect(read.digest).toBe(next.digest);
    expect(read.examples.find((example) => example.sourceId === "ex-997")?.output).toEqual({
      answer: String(997 * 997 + 1),
    });
  });

  test("a dataset that moves between plan and upsert takes the sync, the last writer winning", async () => {
    const dataset = { datasetName: uniqueName("replan") };
    // Between this sync's plan and its upsert, another writer changes the dataset.
    const { result, sent } = await racingSync(dataset, async () => {
      await upsertDataset({ client: testClient(), dataset, examples: [record(0, 5)], sourceIdKey: "id" });
    });
    // No second plan: ex-0 went without content, which the server takes from the revision
    // the plan saw, so the other writer's change to it is undone as this sync has it.
    expect(sent.map((request) => new URL(request.url).pathname)).toEqual([
      "/v1/datasets/upsert",
      "/v1/datasets/upsert/plan",
      "/v1/datasets/upsert",
    ]);
    expect(result).toMatchObject({ updated: 2, unchanged: PLAN_THRESHOLD - 1 });
    const read = await getDataset({ client: testClient(), dataset });
    expect(read.examples.find((example) => example.sourceId === "ex-0")?.output).toEqual(record(0).output);
    expect(read.digest).toBe(result.digest);
  });

  test("a dataset made again between plan and upsert gets the content it lacks sent again", async () => {
    const dataset = { datasetName: uniqueName("remade") };
    const { result, sent } = await racingSync(dataset, async () => {
      await deleteDataset({ client: testClient(), dataset });
      await upsertDataset({ client: testClient(), dataset, examples: [record(0)], sourceIdKey: "id" });
    });
    // The first upsert is refused with stale_manifest naming every example whose hash the new
    // dataset holds nowhere; the second sends their content (ex-0 the new dataset holds).
    expect(sent.map((request) => new URL(request.url).pathname)).toEqual([
      "/v1/datasets/upsert",
      "/v1/datasets/upsert/plan",
      "/v1/datasets/upsert",
      "/v1/datasets/upsert",
    ]);
    const resent = ndjsonOf(sent[3]?.body ?? "").slice(1);
    expect(resent.filter((line) => !("input" in line)).map((line) => line.source_id)).toEqual(["ex-0"]);
    expect(result).toMatchObject({ created: PLAN_THRESHOLD, unchanged: 1 });
    const read = await getDataset({ client: testClient(), dataset });
    expect(read.examples).toHaveLength(PLAN_THRESHOLD + 1);
    expect(read.digest).toBe(result.digest);
  });
});

/**
 * A large sync of `PLAN_THRESHOLD + 1` records (ex-1 changed) over a dataset holding them all,
 * with `interfere` run once between its plan and its upsert.
 */
async function racingSync(dataset: { datasetName: string }, interfere: () => Promise<void>) {
  const records = Array.from({ length: PLAN_THRESHOLD + 1 }, (_, index) => record(index));
  await upsertDataset({ client: testClient(), dataset, examples: records, sourceIdKey: "id" });
  const { fetch: recording, sent } = recordingFetch();
  let interfered = false;
  const interfering = (async (input: string | URL | Request, init?: RequestInit) => {
    if (!interfered && String(input).endsWith("/v1/datasets/upsert") && sent.length === 2) {
      interfered = true;
      await interfere();
    }
    return recording(input, init);
  }) as typeof fetch;
  const evolved = records.map((original, index) => (index === 1 ? record(1, 1) : original));
  const result = await upsertDataset({
    client: testClient({ fetch: interfering }),
    dataset,
    examples: evolved,
    sourceIdKey: "id",
  });
  expect(interfered).toBe(true);
  return { result, sent };
}

function pickContent(value: ReturnType<typeof record>) {
  return { input: value.input, output: value.output, metadata: value.metadata };
}
