import {
  APIConnectionError,
  asEvaluator,
  ConflictError,
  type Example,
  type Experiment,
  evaluateExperiment,
  exampleHash,
  getDataset,
  listExperiments,
  loadExperiment,
  NotFoundError,
  resumeExperiment,
  runExperiment,
  upsertDataset,
} from "groundset";
import { describe, expect, test } from "vitest";
import { testClient, uniqueName } from "./api.js";

const client = testClient();

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

async function seed(count: number, answer = (index: number) => String(index * 2)) {
  const dataset = { datasetName: uniqueName("exp") };
  const result = await upsertDataset({
    client,
    dataset,
    examples: Array.from({ length: count }, (_, index) => ({
      id: `q${index}`,
      input: { n: index },
      output: { answer: answer(index) },
      metadata: { parity: index % 2 === 0 ? "even" : "odd" },
    })),
    sourceIdKey: "id",
  });
  return { dataset, result };
}

const double = (example: Example) => String((example.input.n as number) * 2);

describe("runExperiment", () => {
  test("an UpsertResult pins its version: runs see that version's content after the dataset moved", async () => {
    const { dataset, result: v1 } = await seed(3);
    const v2 = await upsertDataset({
      client,
      dataset,
      examples: [{ id: "q0", input: { n: 100 }, output: { answer: "200" } }],
      sourceIdKey: "id",
    });
    expect(v2.versionId).not.toBe(v1.versionId);
    const seen: number[] = [];
    const experiment = await runExperiment({
      client,
      dataset: v1,
      task: (example) => {
        seen.push(example.input.n as number);
        return { doubled: double(example) };
      },
      printSummary: false,
    });
    expect(experiment.versionId).toBe(v1.versionId);
    expect(seen.sort()).toEqual([0, 1, 2]);
    const q0 = experiment.runs.find((run) => run.sourceId === "q0");
    expect(q0?.contentHash).toBe(
      exampleHash({ input: { n: 0 }, output: { answer: "0" }, metadata: { parity: "even" } }),
    );
    expect(q0?.output).toEqual({ doubled: "0" });

    // A selector without a version runs the latest one.
    const latest = await runExperiment({ client, dataset, task: double, printSummary: false });
    expect(latest.versionId).toBe(v2.versionId);
    expect(latest.runs.find((run) => run.sourceId === "q0")?.output).toBe("200");
  });

  test("every evaluator form is stored as its score, label, explanation and metadata", async () => {
    const { result } = await seed(4);
    function exact({ output, expected }: { output: unknown; expected: Record<string, unknown> }) {
      return output === expected.answer;
    }
    const experiment = await runExperiment({
      client,
      dataset: result,
      task: double,
      experimentName: "forms",
      experimentMetadata: { model: "arithmetic" },
      evaluators: [
        exact,
        asEvaluator({ name: "closeness", evaluate: ({ input }) => 1 / (1 + (input.n as number)) }),
        asEvaluator({ name: "parity", evaluate: ({ metadata }) => String(metadata.parity) }),
        asEvaluator({
          name: "judged",
          evaluate: async ({ example }) => {
            await sleep(1);
            return { score: 0.5, label: "partial", explanation: `looked at ${example.sourceId}`, metadata: { k: 1 } };
          },
        }),
      ],
      printSummary: false,
    });
    const loaded = await loadExperiment({ client, experiment });
    expect(loaded.name).toBe("forms");
    expect(loaded.metadata).toEqual({ model: "arithmetic" });
    const q3 = loaded.runs.find((run) => run.sourceId === "q3");
    const byName = Object.fromEntries((q3?.evaluations ?? []).map((e) => [e.name, e]));
    expect(byName.exact).toMatchObject({ score: 1, label: null, error: null, annotatorKind: "CODE" });
    expect(byName.closeness).toMatchObject({ score: 0.25, label: null });
    expect(byName.parity).toMatchObject({ score: null, label: "odd" });
    expect(byName.judged).toMatchObject({
      score: 0.5,
      label: "partial",
      explanation: "looked at q3",
      metadata: { k: 1 },
    });
    expect(q3?.example?.sourceId).toBe("q3");

    const exactSummary = experiment.summary.evaluations.find((e) => e.name === "exact");
    expect(exactSummary).toMatchObject({ count: 4, errors: 0, meanScore: 1 });
    expect(experiment.summary).toMatchObject({ runs: 4, erroredRuns: 0, expectedRuns: 4 });
    const table = experiment.summaryTable();
    expect(table).toContain(
      `experiment ${experiment.id} "forms": dataset ${result.datasetId} version ${result.versionId}`,
    );
    expect(table).toMatch(/closeness\s+4\s+0\s+0\.5208/);
  });

  test("a task that throws or times out records its error; an evaluator that throws records an evaluation error", async () => {
    const { result } = await seed(4);
    const experiment = await runExperiment({
      client,
      dataset: result,
      task: async (example) => {
        if (example.sourceId === "q1") {
          throw new RangeError("no odd ones");
        }
        if (example.sourceId === "q2") {
          await sleep(2_000);
        }
        return double(example);
      },
      evaluators: {
        fragile: ({ input }) => {
          if (input.n === 3) {
            throw new Error("cannot judge 3");
          }
          return true;
        },
        badForm: () => ({ grade: "A" }) as never,
      },
      timeoutMs: 100,
      printSummary: false,
    });
    const bySourceId = Object.fromEntries(experiment.runs.map((run) => [run.sourceId, run]));
    expect(bySourceId.q1).toMatchObject({ output: null, error: "RangeError: no odd ones", evaluations: [] });
    expect(bySourceId.q2?.error).toBe("TimeoutError: the task took longer than 100 ms");
    const fragile = bySourceId.q3?.evaluations.find((e) => e.name === "fragile");
    expect(fragile).toMatchObject({ score: null, error: "Error: cannot judge 3" });
    const badForm = bySourceId.q0?.evaluations.find((e) => e.name === "badForm");
    expect(badForm?.error).toMatch(/^TypeError: evaluator "badForm" returned an object with the key\(s\) grade/);
    expect(experiment.summary).toMatchObject({ runs: 4, erroredRuns: 2, successfulRuns: 2, incompleteRuns: 2 });
    expect(experiment.summary.evaluations.find((e) => e.name === "fragile")).toMatchObject({ count: 2, errors: 1 });
  });

  test("repetitions run every example that many times; concurrency bounds the tasks under way", async () => {
    const { result } = await seed(6);
    let running = 0;
    let most = 0;
    const started = Date.now();
    const experiment = await runExperiment({
      client,
      dataset: result,
      task: async (example) => {
        running++;
        most = Math.max(most, running);
        await sleep(150);
        running--;
        return double(example);
      },
      repetitions: 2,
      concurrency: 4,
      printSummary: false,
    });
    const elapsed = Date.now() - started;
    expect(most).toBe(4);
    // 12 runs, 4 at a time: about three sleeps, far from twelve.
    expect(elapsed).toBeLessThan(12 * 150);
    expect(experiment.runs).toHaveLength(12);
    expect(experiment.runs.map((run) => `${run.sourceId}#${run.repetitionNumber}`).slice(0, 4)).toEqual([
      "q0#1",
      "q0#2",
      "q1#1",
      "q1#2",
    ]);
    expect(experiment.runs.every((run) => run.id !== undefined)).toBe(true);
    expect(experiment.summary).toMatchObject({ expectedRuns: 12, runs: 12, successfulRuns: 12 });
  });

  test("a dry run runs a few examples and stores nothing", async () => {
    const { result } = await seed(5);
    const experiment = await runExperiment({ client, dataset: result, task: double, dryRun: 2, printSummary: false });
    expect(experiment.id).toBeNull();
    expect(experiment.dryRun).toBe(true);
    expect(experiment.runs.map((run) => run.sourceId)).toEqual(["q0", "q1"]);
    expect(experiment.summary).toMatchObject({ runs: 2, expectedRuns: 2 });
    expect(experiment.summaryTable()).toMatch(/^dry run \(nothing stored\)/);
    expect(await listExperiments({ client, dataset: { datasetId: result.datasetId as string } })).toEqual([]);
    const one = await runExperiment({ client, dataset: result, task: double, dryRun: true, printSummary: false });
    expect(one.runs).toHaveLength(1);
  });

  test("a misspelt option, too many repetitions and the name of an anonymous task", async () => {
    const { result } = await seed(1);
    const options = { client, dataset: result, task: double, printSummary: false };
    await expect(runExperiment({ ...options, experiment_name: "x" } as never)).rejects.toThrow(
      'runExperiment: unknown option "experiment_name" (did you mean "experimentName"?)',
    );
    await expect(resumeExperiment({ client, experiment: "1", task: double, evaluator: [] } as never)).rejects.toThrow(
      'resumeExperiment: unknown option "evaluator" (did you mean "evaluators"?)',
    );
    await expect(loadExperiment({ client, experimentId: "1" } as never)).rejects.toThrow(
      'loadExperiment: unknown option "experimentId" (did you mean "experiment"?)',
    );
    await expect(runExperiment({ ...options, evaluators: "exact" as never })).rejects.toThrow(
      'evaluators takes functions or asEvaluator\'s evaluators, as an array or an object { name: evaluator }, not the string "exact"',
    );
    await expect(runExperiment({ ...options, evaluators: double as never })).rejects.toThrow(
      "not one function (put it in an array)",
    );
    await expect(runExperiment({ ...options, repetitions: 1001 })).rejects.toThrow(
      "repetitions must be at most 1000 (the server's limit), not 1001",
    );
    expect(await listExperiments({ client, dataset: { datasetId: result.datasetId as string } })).toEqual([]);
    // As the Python SDK names a lambda's experiment.
    const anonymous = await runExperiment({ ...options, task: [() => "x"][0] as () => string });
    expect(anonymous.name).toBe("task");
    expect((await runExperiment({ ...options })).name).toBe("double");
  });
});

describe("after the run", () => {
  test("listExperiments lists the experiments on every version of a dataset, newest first", async () => {
    const { dataset, result: v1 } = await seed(2);
    const first = await runExperiment({
      client,
      dataset: v1,
      task: double,
      experimentName: "first",
      printSummary: false,
    });
    const v2 = await upsertDataset({
      client,
      dataset,
      examples: [{ id: "q9", input: { n: 9 }, output: { answer: "18" } }],
      sourceIdKey: "id",
    });
    expect(v2.versionId).not.toBe(v1.versionId);
    const second = await runExperiment({
      client,
      dataset: v2,
      task: double,
      experimentName: "second",
      repetitions: 2,
      printSummary: false,
    });

    const byName = await listExperiments({ client, dataset });
    expect(
      byName.map(({ id, name, versionId, exampleCount, repetitions }) => ({
        id,
        name,
        versionId,
        exampleCount,
        repetitions,
      })),
    ).toEqual([
      { id: second.id, name: "second", versionId: v2.versionId, exampleCount: 3, repetitions: 2 },
      { id: first.id, name: "first", versionId: v1.versionId, exampleCount: 2, repetitions: 1 },
    ]);
    expect(byName.every((experiment) => experiment.datasetId === v1.datasetId)).toBe(true);
    expect(byName[0]).not.toHaveProperty("dataset_id");
    expect(await listExperiments({ client, dataset: { datasetId: v1.datasetId as string } })).toEqual(byName);

    const missingName = await listExperiments({ client, dataset: { datasetName: uniqueName("absent") } }).catch(
      (error: unknown) => error,
    );
    expect(missingName).toBeInstanceOf(NotFoundError);
    const missingId = await listExperiments({ client, dataset: { datasetId: "999999999" } }).catch(
      (error: unknown) => error,
    );
    expect(missingId).toBeInstanceOf(NotFoundError);
  });

  test("resume runs only what is missing after a crash, and a duplicate successful run is refused", async () => {
    const { result } = await seed(6);
    // The second upload of runs fails as if the process had died: what was sent stays stored.
    let uploads = 0;
    const crashing = (async (input: string | URL | Request, init?: RequestInit) => {
      if (String(input).endsWith("/runs") && init?.method === "POST" && ++uploads === 2) {
        throw new TypeError("fetch failed", { cause: { code: "ECONNRESET" } });
      }
      return fetch(input, init);
    }) as typeof fetch;
    const failed = await runExperiment({
      client: testClient({ fetch: crashing, maxRetries: 0 }),
      dataset: result,
      task: double,
      concurrency: 1,
      batchSize: 2,
      printSummary: false,
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failed).toBeInstanceOf(APIConnectionError);
    const listed = await listExperiments({ client, dataset: { datasetId: result.datasetId as string } });
    const experimentId = listed[0]?.id as string;
    const before = await loadExperiment({ client, experiment: experimentId });
    const storedBefore = before.runs.map((run) => run.sourceId).sort();
    expect(storedBefore.length).toBeGreaterThanOrEqual(2);
    expect(storedBefore.length).toBeLessThan(6);

    const resumedOn: string[] = [];
    const resumed = await resumeExperiment({
      client,
      experiment: experimentId,
      task: (example) => {
        resumedOn.push(example.sourceId);
        return double(example);
      },
      evaluators: [asEvaluator({ name: "exact", evaluate: ({ output, expected }) => output === expected.answer })],
      printSummary: false,
    });
    expect([...resumedOn, ...storedBefore].sort()).toEqual(["q0", "q1", "q2", "q3", "q4", "q5"]);
    expect(resumedOn.some((sourceId) => storedBefore.includes(sourceId))).toBe(false);
    expect(resumed.summary).toMatchObject({ runs: 6, successfulRuns: 6, incompleteRuns: 0 });

    const again = await resumeExperiment({ client, experiment: resumed, task: double, printSummary: false });
    expect(again.runs).toHaveLength(6);

    const duplicate = await client
      .request("post", "/v1/experiments/{experiment_id}/runs", {
        path: { experiment_id: experimentId },
        json: { runs: [{ example_id: resumed.runs[0]?.exampleId as string, repetition_number: 1, output: "x" }] },
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(duplicate).toBeInstanceOf(ConflictError);
    expect((duplicate as ConflictError).code).toBe("run_exists");
  });

  test("two resumes at once lose no work; a resume without the experiment's evaluators warns", async () => {
    const { result } = await seed(4);
    const exact = asEvaluator({ name: "exact", evaluate: ({ output, expected }) => output === expected.answer });
    const n = (example: Example) => example.input.n as number;
    const first = await runExperiment({
      client,
      dataset: result,
      task: (example) => {
        if (n(example) !== 0) {
          throw new Error("down");
        }
        return double(example);
      },
      evaluators: [exact],
      printSummary: false,
    });
    const warnings: string[] = [];
    const listen = (warning: Error) => warnings.push(warning.message);
    process.on("warning", listen);
    let other: Promise<Experiment> | undefined;
    try {
      const resumed = await resumeExperiment({
        client,
        experiment: first,
        concurrency: 1,
        printSummary: false,
        // A second resume finishes q1 and q2 (it fails on q3) while this one runs.
        task: async (example) => {
          other ??= resumeExperiment({
            client: testClient(),
            experiment: first,
            evaluators: [exact],
            printSummary: false,
            task: (mine) => {
              if (n(mine) === 3) {
                throw new Error("down");
              }
              return double(mine);
            },
          });
          expect((await other).summary.successfulRuns).toBe(3);
          return double(example);
        },
      });
      expect(resumed.summary).toMatchObject({ runs: 4, successfulRuns: 4 });
      const q3 = resumed.runs.find((run) => run.sourceId === "q3");
      const q2 = resumed.runs.find((run) => run.sourceId === "q2");
      expect(q3?.evaluations).toEqual([]); // this resume's run, without evaluators
      expect(q2?.evaluations[0]?.score).toBe(1); // the second resume's
      await new Promise((done) => setImmediate(done));
      expect(warnings.some((message) => message.includes('scored by "exact", not given here'))).toBe(true);
    } finally {
      process.off("warning", listen);
    }
  });

  test("evaluateExperiment scores the stored runs of an experiment again", async () => {
    const { result } = await seed(3, (index) => (index === 0 ? "wrong" : String(index * 2)));
    const experiment = await runExperiment({ client, dataset: result, task: double, printSummary: false });
    const evaluated = await evaluateExperiment({
      client,
      experiment: experiment.id as string,
      evaluators: { exact: ({ output, expected }) => output === expected.answer },
      printSummary: false,
    });
    expect(evaluated.summary.evaluations).toEqual([
      { name: "exact", count: 3, errors: 0, scored: 3, meanScore: 2 / 3 },
    ]);
    // The same name again replaces the stored evaluations.
    const replaced = await evaluateExperiment({
      client,
      experiment: evaluated,
      evaluators: { exact: () => 1 },
      printSummary: false,
    });
    expect(replaced.summary.evaluations).toEqual([{ name: "exact", count: 3, errors: 0, scored: 3, meanScore: 1 }]);
    const read = await getDataset({ client, dataset: { datasetId: result.datasetId as string } });
    expect(read.examples).toHaveLength(3);
  });
});
