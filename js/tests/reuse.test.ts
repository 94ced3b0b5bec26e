import { fileURLToPath } from "node:url";
import {
  asEvaluator,
  type Evaluator,
  type Example,
  type Experiment,
  type ExperimentSummary,
  listExperiments,
  loadExperiment,
  type NotFoundError,
  runExperiment,
  type UpsertResult,
  upsertDataset,
  ValidationError,
} from "groundset";
import { describe, expect, test } from "vitest";
import { recordingFetch, testClient, uniqueName } from "./api.js";

const client = testClient();
const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/examples/${name}`, import.meta.url));

/** The quickstart's data: v1, then v2 (q05 and q15 edited, q21-q23 added, q07 removed). */
async function quickstart(): Promise<{ dataset: string; v1: UpsertResult; v2: UpsertResult }> {
  const dataset = uniqueName("reuse");
  const v1 = await upsertDataset({
    client,
    dataset: { datasetName: dataset },
    path: fixture("qa-v1.jsonl"),
    sourceIdKey: "id",
  });
  const v2 = await upsertDataset({
    client,
    dataset: { datasetName: dataset },
    path: fixture("qa-v2.jsonl"),
    sourceIdKey: "id",
    mode: "mirror",
  });
  return { dataset, v1, v2 };
}

/** A task that counts its calls: right unless the question's length is a multiple of 3. */
function countingTask(fail: ReadonlySet<string> = new Set()) {
  const calls: string[] = [];
  const task = (example: Example) => {
    calls.push(example.sourceId);
    if (fail.has(example.sourceId)) {
      throw new Error("model unavailable");
    }
    return (example.input.question as string).length % 3 === 0 ? "wrong" : example.output.answer;
  };
  return { task, calls };
}

function evaluators(exactVersion: string | null): Evaluator[] {
  return [
    asEvaluator({
      name: "exact",
      version: exactVersion,
      evaluate: ({ output, expected }) => output === expected.answer,
    }),
    // No version: never reused, so it runs again on every copied run.
    asEvaluator({ name: "length", evaluate: ({ output }) => String(output).length / 100 }),
  ];
}

const scores = (summary: ExperimentSummary) =>
  summary.evaluations.map(({ name, count, errors, scored, meanScore }) => ({ name, count, errors, scored, meanScore }));

async function run(options: {
  dataset: UpsertResult;
  taskVersion?: string;
  reuse?: Experiment;
  exactVersion?: string | null;
  fail?: ReadonlySet<string>;
}) {
  const { task, calls } = countingTask(options.fail);
  const experiment = await runExperiment({
    client,
    dataset: options.dataset,
    task,
    evaluators: evaluators(options.exactVersion ?? "1"),
    experimentName: "nightly",
    printSummary: false,
    ...(options.taskVersion === undefined ? {} : { taskVersion: options.taskVersion }),
    ...(options.reuse === undefined ? {} : { reuse: options.reuse }),
  });
  return { experiment, calls };
}

describe("runExperiment with reuse", () => {
  test("v1 -> v2 calls the task 5 times, not 22, and scores as a full rerun does", async () => {
    const { v1, v2 } = await quickstart();
    const base = await run({ dataset: v1, taskVersion: "t1" });
    expect(base.calls).toHaveLength(20);
    expect(base.experiment.taskVersion).toBe("t1");

    const incremental = await run({ dataset: v2, taskVersion: "t1", reuse: base.experiment });
    expect(incremental.calls.sort()).toEqual(["q05", "q15", "q21", "q22", "q23"]);
    const full = await run({ dataset: v2, taskVersion: "t1" });
    expect(full.calls).toHaveLength(22);
    expect(scores(incremental.experiment.summary)).toEqual(scores(full.experiment.summary));
    expect(incremental.experiment.summary).toMatchObject({ runs: 22, successfulRuns: 22, reusedRuns: 17 });
    expect(incremental.experiment.summaryTable()).toContain("reused 17 of 22 runs (the task ran 5)");
    // The runs of this call are those the task made; the stored experiment holds every one.
    expect(incremental.experiment.runs.map((r) => r.sourceId).sort()).toEqual(incremental.calls);
    const head = await loadExperiment({ client, experiment: incremental.experiment });
    expect(head.runs).toHaveLength(22);

    // The copies are runs of the new experiment that point at the base's, with its output and timing.
    const stored = await loadExperiment({ client, experiment: base.experiment });
    const baseRuns = new Map(stored.runs.map((r) => [r.id, r]));
    const copies = head.runs.filter((r) => r.reusedFromRunId !== null);
    expect(copies).toHaveLength(17);
    for (const copy of copies) {
      const from = baseRuns.get(copy.reusedFromRunId as string);
      expect(from?.sourceId).toBe(copy.sourceId);
      expect(copy).toMatchObject({ output: from?.output, latencyMs: from?.latencyMs, startTime: from?.startTime });
      expect(copy.id).not.toBe(from?.id);
      expect(copy.evaluations.map((e) => [e.name, e.evaluatorVersion]).sort()).toEqual([
        ["exact", "1"],
        ["length", null],
      ]);
    }
    const exactCopy = copies[0]?.evaluations.find((e) => e.name === "exact");
    const exactFrom = baseRuns.get(copies[0]?.reusedFromRunId as string)?.evaluations.find((e) => e.name === "exact");
    // Copied, not run again: the base's own timing.
    expect(exactCopy?.startTime).toBe(exactFrom?.startTime);
    expect(head.runs.find((r) => r.sourceId === "q07")).toBeUndefined();
  });

  test("another evaluator version runs that evaluator again on the copied runs", async () => {
    const { v1, v2 } = await quickstart();
    const base = await run({ dataset: v1, taskVersion: "t1" });
    const { experiment, calls } = await run({
      dataset: v2,
      taskVersion: "t1",
      reuse: base.experiment,
      exactVersion: "2",
    });
    expect(calls).toHaveLength(5);
    const stored = await loadExperiment({ client, experiment });
    const exact = stored.runs.flatMap((r) => r.evaluations.filter((e) => e.name === "exact"));
    expect(exact).toHaveLength(22);
    expect(exact.every((e) => e.evaluatorVersion === "2")).toBe(true);
    expect(experiment.summary.reusedRuns).toBe(17);
  });

  test("a different task version reuses nothing, warns, and runs every example", async () => {
    const { v1, v2 } = await quickstart();
    const base = await run({ dataset: v1, taskVersion: "t1" });
    const warnings: Error[] = [];
    const listener = (warning: Error) => warnings.push(warning);
    process.on("warning", listener);
    try {
      const { experiment, calls } = await run({ dataset: v2, taskVersion: "t2", reuse: base.experiment });
      expect(calls).toHaveLength(22);
      expect(experiment.summary).toMatchObject({ runs: 22, reusedRuns: 0 });
      expect(experiment.runs.every((r) => r.reusedFromRunId === null)).toBe(true);
      await new Promise((done) => setImmediate(done));
    } finally {
      process.off("warning", listener);
    }
    const ours = warnings.filter((w) => w.name === "GroundsetWarning");
    expect(ours).toHaveLength(1);
    expect(ours[0]?.message).toBe(
      `reuse: experiment ${base.experiment.id} ran task version "t1", not "t2": nothing is reused and every example runs`,
    );
  });

  test("a base without a task version is named so in the warning", async () => {
    const { v1, v2 } = await quickstart();
    const base = await run({ dataset: v1 });
    const warnings: Error[] = [];
    const listener = (warning: Error) => warnings.push(warning);
    process.on("warning", listener);
    try {
      await run({ dataset: v2, taskVersion: "t2", reuse: base.experiment });
      await new Promise((done) => setImmediate(done));
    } finally {
      process.off("warning", listener);
    }
    const ours = warnings.filter((w) => w.name === "GroundsetWarning");
    expect(ours.map((w) => w.message)).toEqual([
      `reuse: experiment ${base.experiment.id} has no task version, not "t2": nothing is reused and every example runs`,
    ]);
  });

  test("the base's failed runs run again; a selector names the base", async () => {
    const { dataset, v1, v2 } = await quickstart();
    const base = await run({ dataset: v1, taskVersion: "t1", fail: new Set(["q01", "q02"]) });
    expect(base.experiment.summary.erroredRuns).toBe(2);
    const { task, calls } = countingTask();
    const experiment = await runExperiment({
      client,
      dataset: v2,
      task,
      evaluators: evaluators("1"),
      taskVersion: "t1",
      reuse: { dataset, experimentName: "nightly" },
      experimentName: "nightly",
      printSummary: false,
    });
    expect(calls.sort()).toEqual(["q01", "q02", "q05", "q15", "q21", "q22", "q23"]);
    expect(experiment.summary).toMatchObject({ runs: 22, successfulRuns: 22, reusedRuns: 15 });
  });

  test("reuse without taskVersion, or with dryRun, is refused before anything is sent", async () => {
    const { v1 } = await quickstart();
    const { fetch, sent } = recordingFetch();
    const quiet = testClient({ fetch });
    const { task, calls } = countingTask();
    await expect(runExperiment({ client: quiet, dataset: v1, task, reuse: "1", printSummary: false })).rejects.toThrow(
      /^reuse needs taskVersion/,
    );
    await expect(
      runExperiment({
        client: quiet,
        dataset: v1,
        task,
        reuse: "1",
        taskVersion: "t",
        dryRun: true,
        printSummary: false,
      }),
    ).rejects.toThrow(/reuse cannot be combined with dryRun/);
    await expect(
      runExperiment({ client: quiet, dataset: v1, task, reuse: "1", taskVersion: "", printSummary: false }),
    ).rejects.toThrow(TypeError);
    expect(sent).toEqual([]);
    expect(calls).toEqual([]);
  });

  test("a base the server refuses leaves no experiment behind", async () => {
    const { dataset, v1 } = await quickstart();
    const other = await quickstart();
    const elsewhere = await run({ dataset: other.v1, taskVersion: "t1" });
    const { task, calls } = countingTask();
    const refused = await runExperiment({
      client,
      dataset: v1,
      task,
      taskVersion: "t1",
      reuse: elsewhere.experiment,
      printSummary: false,
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).code).toBe("experiments_on_different_datasets");
    const missing = await runExperiment({
      client,
      dataset: v1,
      task,
      taskVersion: "t1",
      reuse: "999999999",
      printSummary: false,
    }).catch((error: unknown) => error);
    expect((missing as NotFoundError).code).toBe("experiment_not_found");
    expect(calls).toEqual([]);
    expect(await listExperiments({ client, dataset: { datasetName: dataset } })).toEqual([]);
  });
  test("a rerun takes what is left to run from the reuse answer, not GET /incomplete", async () => {
    const { v1, v2 } = await quickstart();
    const base = await run({ dataset: v1, taskVersion: "t1" });
    const { fetch, sent } = recordingFetch();
    const { task, calls } = countingTask();
    const experiment = await runExperiment({
      client: testClient({ fetch }),
      dataset: v2,
      task,
      taskVersion: "t1",
      reuse: base.experiment,
      printSummary: false,
    });
    expect(calls).toHaveLength(5);
    expect(experiment.summary).toMatchObject({ reusedRuns: 17, incompleteRuns: 0 });
    const head = `/v1/experiments/${experiment.id}`;
    // The version is the upsert's; the examples left to run come with the reuse answer.
    expect(sent.map((r) => [r.method, new URL(r.url).pathname])).toEqual([
      ["POST", `/v1/datasets/${v2.datasetId}/experiments`],
      ["POST", `${head}/reuse`],
      ["POST", `${head}/runs`],
      ["GET", head],
    ]);
  });

  test("more than a page left: only the pages after the reuse answer's are read", async () => {
    const dataset = uniqueName("reuse-pages");
    const rows = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => ({
        id: `q${String(from + i).padStart(4, "0")}`,
        input: { i: from + i },
      }));
    const v1 = await upsertDataset({
      client,
      dataset: { datasetName: dataset },
      examples: rows(0, 3),
      sourceIdKey: "id",
    });
    const echo = (example: Example) => example.input.i;
    const base = await runExperiment({ client, dataset: v1, task: echo, taskVersion: "t1", printSummary: false });
    const added = rows(3, 1004);
    const v2 = await upsertDataset({
      client,
      dataset: { datasetName: dataset },
      examples: added,
      sourceIdKey: "id",
      mode: "merge",
    });
    const { fetch, sent } = recordingFetch();
    const seen: string[] = [];
    const rerun = await runExperiment({
      client: testClient({ fetch }),
      dataset: v2,
      task: (example: Example) => {
        seen.push(example.sourceId);
        return example.input.i;
      },
      taskVersion: "t1",
      reuse: base,
      printSummary: false,
    });
    expect(seen.sort()).toEqual(added.map((row) => row.id));
    expect(rerun.summary).toMatchObject({ reusedRuns: 3, incompleteRuns: 0 });
    const reads = sent.map((r) => new URL(r.url)).filter((url) => url.pathname.endsWith("/incomplete"));
    expect(reads).toHaveLength(1);
    expect(reads[0]?.searchParams.get("cursor")).toBeTruthy();
  });
});
