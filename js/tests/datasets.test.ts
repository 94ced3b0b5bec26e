import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ConflictError,
  deleteDataset,
  diffVersions,
  ExampleError,
  exampleHash,
  GroundsetError,
  getDataset,
  listDatasets,
  listVersions,
  manifestDigest,
  NotFoundError,
  upsertDataset,
} from "groundset";
import { describe, expect, inject, test } from "vitest";
import { recordingFetch, testClient, uniqueName } from "./api.js";

const client = testClient();

function qa(id: string, question: string, answer: string, topic = "math") {
  return { id, input: { question }, output: { answer }, metadata: { topic } };
}

/** The digest of examples as the SDK would compute it: manifestDigest of (source id, content hash). */
function digestOf(pairs: Array<[string, { input: unknown; output?: unknown; metadata?: unknown }]>): string {
  return manifestDigest(pairs.map(([id, example]) => [id, exampleHash(example)] as [string, string]));
}

async function expectRejects<E extends Error>(promise: Promise<unknown>, errorClass: new (...args: never[]) => E) {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(errorClass);
  expect(error).toBeInstanceOf(GroundsetError);
  return error as E;
}

describe("create, evolve, re-upsert", () => {
  test("merge keeps what is not named; a re-sync of the same examples is a no-op", async () => {
    const dataset = { datasetName: uniqueName("merge") };
    const first = [qa("a", "1+1?", "2"), qa("b", "2+2?", "4"), qa("c", "3+3?", "6")];
    const created = await upsertDataset({ client, dataset, examples: first, sourceIdKey: "id" });
    expect(created).toMatchObject({ created: 3, updated: 0, unchanged: 0, deleted: 0, noop: false, dryRun: false });
    expect(created.previousVersionId).toBeNull();
    expect(created.datasetName).toBe(dataset.datasetName);
    expect(created.digest).toBe(digestOf(first.map((record) => [record.id, record])));

    const again = await upsertDataset({ client, dataset, examples: first, sourceIdKey: "id" });
    expect(again).toMatchObject({ noop: true, unchanged: 3, created: 0, versionId: created.versionId });
    expect(again.digest).toBe(created.digest);

    const evolved = [qa("a", "1+1?", "2"), qa("b", "2+2?", "four"), qa("d", "4+4?", "8")];
    const merged = await upsertDataset({ client, dataset, examples: evolved, sourceIdKey: "id", mode: "merge" });
    expect(merged).toMatchObject({ created: 1, updated: 1, unchanged: 1, deleted: 0, noop: false });
    expect(merged.previousVersionId).toBe(created.versionId);
    expect(merged.versionId).not.toBe(created.versionId);

    const read = await getDataset({ client, dataset });
    expect(read.versionId).toBe(merged.versionId);
    expect(read.digest).toBe(merged.digest);
    const bySourceId = Object.fromEntries(read.examples.map((example) => [example.sourceId, example]));
    expect(Object.keys(bySourceId).sort()).toEqual(["a", "b", "c", "d"]);
    expect(bySourceId.b).toMatchObject({ input: { question: "2+2?" }, output: { answer: "four" } });
    expect(bySourceId.c?.contentHash).toBe(exampleHash(qa("c", "3+3?", "6")));

    const old = await getDataset({ client, dataset: { datasetId: read.id, versionId: created.versionId as string } });
    expect(old.examples.map((example) => example.sourceId).sort()).toEqual(["a", "b", "c"]);
    expect(old.digest).toBe(created.digest);
  });

  test("mirror deletes what is not named; versions and diffs tell the story", async () => {
    const dataset = { datasetName: uniqueName("mirror") };
    const v1 = await upsertDataset({
      client,
      dataset,
      examples: [qa("a", "1", "1"), qa("b", "2", "2"), qa("c", "3", "3")],
      sourceIdKey: "id",
      versionDescription: "first",
      versionMetadata: { commit: "abc" },
    });
    const v2 = await upsertDataset({
      client,
      dataset,
      examples: [qa("a", "1", "1"), qa("b", "2", "two"), qa("e", "5", "5")],
      sourceIdKey: "id",
      mode: "mirror",
    });
    expect(v2).toMatchObject({ created: 1, updated: 1, unchanged: 1, deleted: 1 });
    const read = await getDataset({ client, dataset });
    expect(read.examples.map((example) => example.sourceId).sort()).toEqual(["a", "b", "e"]);

    const versions = await listVersions({ client, dataset });
    expect(versions.map((version) => version.id)).toEqual([v2.versionId, v1.versionId]);
    expect(versions[1]).toMatchObject({ description: "first", metadata: { commit: "abc" }, exampleCount: 3 });
    expect(versions[0]).toMatchObject({ exampleCount: 3, created: 1, updated: 1, deleted: 1, digest: v2.digest });

    const diff = await diffVersions({
      client,
      dataset: { datasetId: read.id },
      fromVersionId: v1.versionId as string,
      toVersionId: v2.versionId as string,
    });
    expect(diff).toMatchObject({ created: ["e"], updated: ["b"], deleted: ["c"], fromDigest: v1.digest });

    const listed = await listDatasets({ client, name: dataset.datasetName });
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: read.id, latestVersionId: v2.versionId });

    await deleteDataset({ client, dataset });
    await expectRejects(getDataset({ client, dataset }), NotFoundError);
    expect(await listDatasets({ client, name: dataset.datasetName })).toEqual([]);
  });

  test("a dataset read carries its description and metadata; a missing name is dataset_not_found", async () => {
    const dataset = { datasetName: uniqueName("described") };
    await upsertDataset({
      client,
      dataset,
      examples: [qa("a", "1", "1")],
      sourceIdKey: "id",
      description: "arithmetic",
      metadata: { owner: "qa-team" },
    });
    const read = await getDataset({ client, dataset });
    expect(read).toMatchObject({ description: "arithmetic", metadata: { owner: "qa-team" } });
    await deleteDataset({ client, dataset });
    const error = await getDataset({ client, dataset }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(NotFoundError);
    // The server's code for a missing dataset, as the Python SDK reports it.
    expect(error).toMatchObject({ status: 404, code: "dataset_not_found", problem: { name: dataset.datasetName } });
  });
});

describe("identity", () => {
  test("integer ids are written in decimal; a callback makes composite ids", async () => {
    const dataset = { datasetName: uniqueName("ids") };
    const byKey = await upsertDataset({
      client,
      dataset,
      examples: [
        { n: 7, input: { q: 1 } },
        { n: 12n, input: { q: 2 } },
        { n: -0, input: { q: 3 } },
        { n: 9007199254740991, input: { q: 4 } },
      ],
      sourceIdKey: "n",
      dryRun: true,
    });
    expect(byKey.createdSourceIds?.sort()).toEqual(["0", "12", "7", "9007199254740991"]);

    const composite = await upsertDataset({
      client,
      dataset,
      examples: [
        { lang: "en", n: 1, input: { q: "hi" } },
        { lang: "fr", n: 1, input: { q: "salut" } },
      ],
      sourceId: (record) => `${record.lang}/${record.n}`,
    });
    expect(composite.created).toBe(2);
    const read = await getDataset({ client, dataset });
    expect(read.examples.map((example) => example.sourceId).sort()).toEqual(["en/1", "fr/1"]);
  });

  test("without a key the identity is the content hash: an edit is a delete plus a create", async () => {
    const dataset = { datasetName: uniqueName("content") };
    const examples = [{ input: { q: "a" } }, { input: { q: "b" } }, { input: { q: "a" } }];
    const first = await upsertDataset({ client, dataset, examples, mode: "mirror" });
    // The repeated example is the same example.
    expect(first.created).toBe(2);
    const read = await getDataset({ client, dataset });
    expect(read.examples.map((example) => example.sourceId).sort()).toEqual(
      [exampleHash({ input: { q: "a" } }), exampleHash({ input: { q: "b" } })].sort(),
    );
    const edited = await upsertDataset({
      client,
      dataset,
      examples: [{ input: { q: "a" } }, { input: { q: "B" } }],
      mode: "mirror",
    });
    expect(edited).toMatchObject({ created: 1, deleted: 1, updated: 0, unchanged: 1 });
  });

  test("a bad, missing or repeated source id is refused, naming the row", async () => {
    const dataset = { datasetName: uniqueName("bad-ids") };
    const cases: Array<[Array<Record<string, unknown>>, RegExp, string, number]> = [
      [
        [{ id: "a", input: {} }, { input: {} }],
        /^row 1: missing_source_id at \$\.id: no source id at \$\.id/,
        "missing_source_id",
        1,
      ],
      [
        [{ id: 1.5, input: {} }],
        /^row 0: invalid_source_id at \$\.id: a numeric source id must be an integer, found 1\.5$/,
        "invalid_source_id",
        0,
      ],
      [[{ id: "", input: {} }], /^row 0: .*empty string/, "invalid_source_id", 0],
      [
        [{ id: "x".repeat(513), input: {} }],
        /^row 0: .*at most 512 characters, this one has 513$/,
        "invalid_source_id",
        0,
      ],
      [
        [{ id: 9007199254740992, input: {} }],
        /^row 0: .*beyond the source-id range.*write it as a string$/,
        "invalid_source_id",
        0,
      ],
      [[{ id: 2n ** 53n + 1n, input: {} }], /^row 0: .*the integer 9007199254740993 is beyond/, "invalid_source_id", 0],
      [[{ id: true, input: {} }], /^row 0: .*must be a string or an integer, found boolean$/, "invalid_source_id", 0],
      [[{ id: "a\u0000b", input: {} }], /^row 0: .*U\+0000/, "invalid_source_id", 0],
      [
        [
          { id: "a", input: { q: 1 } },
          { id: "b", input: {} },
          { id: "a", input: { q: 2 } },
        ],
        /^row 2: duplicate_source_id at \$\.id \[source id a\]: the source id "a" is also the id of row 0$/,
        "duplicate_source_id",
        2,
      ],
    ];
    for (const [examples, message, code, row] of cases) {
      const error = await expectRejects(upsertDataset({ client, dataset, examples, sourceIdKey: "id" }), ExampleError);
      expect(error.message).toMatch(message);
      expect({ code: error.code, row: error.row }).toEqual({ code, row });
    }
    const fromCallback = await expectRejects(
      upsertDataset({ client, dataset, examples: [{ input: {} }], sourceId: () => 3.5 }),
      ExampleError,
    );
    expect(fromCallback.message).toMatch(/^row 0: invalid_source_id at \$: sourceId\(record\) returned a bad id: /);
    const nothing = await expectRejects(
      upsertDataset({
        client,
        dataset,
        examples: [{ input: {} }],
        sourceId: (() => undefined) as unknown as () => string,
      }),
      ExampleError,
    );
    expect(nothing.message).toBe(
      "row 0: invalid_source_id at $: sourceId(record) returned undefined: a source id must be a string or an integer, found undefined",
    );
    // A function that throws: the record's row, its error kept as the cause, nothing sent.
    const boom = new Error("boom");
    const thrown = await expectRejects(
      upsertDataset({
        client,
        dataset,
        examples: [{ input: { a: 0 } }, { input: { a: 1 } }],
        sourceId: (record, index) => {
          if (index === 1) {
            throw boom;
          }
          return String(record.input.a);
        },
      }),
      ExampleError,
    );
    expect([thrown.message, thrown.code, thrown.row, thrown.cause]).toEqual([
      "row 1: invalid_source_id at $: sourceId(record) threw Error: boom",
      "invalid_source_id",
      1,
      boom,
    ]);
    // An integer is an id, as a sourceIdKey member's is (the Python SDK's rule too).
    const numbered = await upsertDataset({
      client,
      dataset: { datasetName: uniqueName("int-ids") },
      examples: [{ input: {} }],
      sourceId: () => 7,
    });
    expect(numbered.created).toBe(1);
    // Nothing reached the server.
    expect(await listDatasets({ client, name: dataset.datasetName })).toEqual([]);
  });
});

describe("records", () => {
  test("flat records: the named fields make input, output and metadata", async () => {
    const dataset = { datasetName: uniqueName("flat") };
    const rows = [
      { id: "r1", question: "2+2?", context: "arithmetic", answer: "4", source: "book" },
      { id: "r2", question: "capital of France?", context: "geo", answer: "Paris", source: "atlas" },
    ];
    const result = await upsertDataset({
      client,
      dataset,
      examples: rows,
      sourceIdKey: "id",
      outputKeys: ["answer"],
      metadataKeys: ["source"],
    });
    expect(result.created).toBe(2);
    const read = await getDataset({ client, dataset });
    const r1 = read.examples.find((example) => example.sourceId === "r1");
    expect(r1).toMatchObject({
      input: { question: "2+2?", context: "arithmetic" },
      output: { answer: "4" },
      metadata: { source: "book" },
    });
    expect(r1?.contentHash).toBe(
      exampleHash({
        input: { question: "2+2?", context: "arithmetic" },
        output: { answer: "4" },
        metadata: { source: "book" },
      }),
    );

    // The same rows with the input named explicitly are the same examples.
    const named = await upsertDataset({
      client,
      dataset,
      examples: rows,
      sourceIdKey: "id",
      inputKeys: ["question", "context"],
      outputKeys: ["answer"],
      metadataKeys: ["source"],
    });
    expect(named.noop).toBe(true);

    const missing = await expectRejects(
      upsertDataset({
        client,
        dataset,
        examples: [rows[0] as object, { id: "r3", question: "?" }],
        inputKeys: ["question", "context"],
      }),
      ExampleError,
    );
    expect(missing.message).toBe('row 1: missing_key at $.context: no key "context" (named in inputKeys)');
    expect({ code: missing.code, row: missing.row, path: missing.path }).toEqual({
      code: "missing_key",
      row: 1,
      path: "$.context",
    });
  });

  test("structured records need an input object; values outside JSON are refused with their path", async () => {
    const dataset = { datasetName: uniqueName("structured") };
    const noInput = await expectRejects(
      upsertDataset({ client, dataset, examples: [{ input: { a: 1 } }, { question: "?" }] }),
      ExampleError,
    );
    expect(noInput.message).toBe(
      'row 1: not_an_object at $.input: a record needs an input member, a JSON object; it has none: its members are ["question"]. ' +
        "To read records whose fields are top-level members, name its input fields (input keys); " +
        'else nest them in an "input" object',
    );
    const badOutput = await expectRejects(
      upsertDataset({ client, dataset, examples: [{ input: {}, output: [1] }] }),
      ExampleError,
    );
    expect(badOutput.message).toBe(
      "row 0: not_an_object at $.output: an example's output must be a JSON object, found array",
    );
    expect(badOutput.code).toBe("not_an_object");
    const notJson = await expectRejects(
      upsertDataset({ client, dataset, examples: [{ input: {} }, { input: { items: [1, Number.NaN] } }] }),
      ExampleError,
    );
    expect({ row: notJson.row, path: notJson.path }).toEqual({ row: 1, path: "$.input.items[1]" });
    expect(notJson.message).toMatch(/^row 1: non_finite_number at \$\.input\.items\[1\]: /);
    expect(notJson.code).toBe("non_finite_number");
  });
});

describe("dry run and guards", () => {
  test("a dry run writes nothing and lists the source ids of each class", async () => {
    const dataset = { datasetName: uniqueName("dry") };
    const preview = await upsertDataset({
      client,
      dataset,
      examples: [qa("a", "1", "1")],
      sourceIdKey: "id",
      dryRun: true,
    });
    expect(preview).toMatchObject({ dryRun: true, created: 1, datasetId: null, versionId: null });
    expect(await listDatasets({ client, name: dataset.datasetName })).toEqual([]);

    const real = await upsertDataset({
      client,
      dataset,
      examples: [qa("a", "1", "1"), qa("b", "2", "2")],
      sourceIdKey: "id",
    });
    const next = await upsertDataset({
      client,
      dataset,
      examples: [qa("a", "1", "one"), qa("c", "3", "3")],
      sourceIdKey: "id",
      mode: "mirror",
      dryRun: true,
    });
    expect(next).toMatchObject({
      createdSourceIds: ["c"],
      updatedSourceIds: ["a"],
      unchangedSourceIds: [],
      deletedSourceIds: ["b"],
      versionId: null,
      previousVersionId: real.versionId,
    });
    expect(next.digest).toBe(
      digestOf([
        ["a", qa("a", "1", "one")],
        ["c", qa("c", "3", "3")],
      ]),
    );
    const versions = await listVersions({ client, dataset });
    expect(versions.map((version) => version.id)).toEqual([real.versionId]);
  });

  test("expectedVersionId refuses a sync when the dataset moved", async () => {
    const dataset = { datasetName: uniqueName("guard") };
    const first = await upsertDataset({ client, dataset, examples: [qa("a", "1", "1")], sourceIdKey: "id" });
    await upsertDataset({ client, dataset, examples: [qa("b", "2", "2")], sourceIdKey: "id" });
    const error = await expectRejects(
      upsertDataset({
        client,
        dataset,
        examples: [qa("c", "3", "3")],
        sourceIdKey: "id",
        expectedVersionId: first.versionId,
      }),
      ConflictError,
    );
    expect({ status: error.status, code: error.code }).toEqual({ status: 409, code: "version_conflict" });
    expect(error.detail).toContain(String(first.versionId));
    const fresh = await expectRejects(
      upsertDataset({ client, dataset, examples: [qa("c", "3", "3")], sourceIdKey: "id", expectedVersionId: null }),
      ConflictError,
    );
    expect(fresh.code).toBe("version_conflict");
  });

  test("a small sync is one JSON request", async () => {
    const { fetch, sent } = recordingFetch();
    const dataset = { datasetName: uniqueName("small") };
    await upsertDataset({ client: testClient({ fetch }), dataset, examples: [qa("a", "1", "1")], sourceIdKey: "id" });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.url).toMatch(/\/v1\/datasets\/upsert$/);
    expect(sent[0]?.contentType).toBe("application/json");
    expect(JSON.parse(sent[0]?.body ?? "")).toMatchObject({
      dataset: { name: dataset.datasetName },
      mode: "merge",
      examples: [{ source_id: "a", content_hash: exampleHash(qa("a", "1", "1")), input: { question: "1" } }],
    });
  });
});

describe("progress", () => {
  /** The stderr of a plain node process (stderr a pipe, not a terminal) that upserts a file. */
  function upsertInProcess(name: string, path: string, progress: string): string {
    const { baseUrl, apiKey } = inject("groundset");
    const script =
      "import { upsertDataset } from 'groundset';" +
      `await upsertDataset({ dataset: { datasetName: ${JSON.stringify(name)} }, path: ${JSON.stringify(path)}, ` +
      `sourceIdKey: "id"${progress} });`;
    const done = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: new URL("..", import.meta.url),
      encoding: "utf8",
      env: { ...process.env, GROUNDSET_BASE_URL: baseUrl, GROUNDSET_API_KEY: apiKey },
    });
    expect(done.status, done.stderr).toBe(0);
    return done.stderr;
  }

  test("progress: true draws an upload line on stderr; by default a pipe gets none", async () => {
    const path = join(tmpdir(), `${uniqueName("progress")}.jsonl`);
    writeFileSync(path, ["a", "b", "c"].map((id) => JSON.stringify({ id, input: { q: id } })).join("\n"));
    const name = uniqueName("progress");
    expect(upsertInProcess(name, path, ", progress: true")).toBe("\rupload: 3/3 examples\n");
    expect(upsertInProcess(uniqueName("progress"), path, "")).toBe("");
    expect(upsertInProcess(uniqueName("progress"), path, ", progress: false")).toBe("");
    const [info] = await listDatasets({ client, name });
    expect(info?.name).toBe(name);
    await expect(
      upsertDataset({ client, dataset: { datasetName: name }, path, progress: "yes" as unknown as boolean }),
    ).rejects.toThrow("upsertDataset: progress must be true or false");
  });
});
