import {
  asEvaluator,
  Comparison,
  compareExperiments,
  type Example,
  type Experiment,
  GroundsetError,
  listExperiments,
  loadExperiment,
  NotFoundError,
  runExperiment,
  upsertDataset,
  ValidationError,
} from "groundset";
import { beforeAll, describe, expect, test } from "vitest";
import { recordingFetch, testClient, uniqueName } from "./api.js";

const client = testClient();

// Base on v1: s1, s2, s3 (kept as they are), ch (edited in v2), gone (removed in v2).
// Head on v2: the same three, ch edited, new (added). Two repetitions each.
const v1Examples = ["s1", "s2", "s3", "ch", "gone"].map((id, n) => ({
  id,
  input: { n },
  output: { answer: String(n) },
}));
const v2Examples = [
  ...v1Examples.filter((e) => e.id !== "gone" && e.id !== "ch"),
  { id: "ch", input: { n: 30 }, output: { answer: "30" } },
  { id: "new", input: { n: 40 }, output: { answer: "40" } },
];

const evaluators = [
  asEvaluator({ name: "exact", evaluate: ({ output, expected }) => (output as Answer).answer === expected.answer }),
  asEvaluator({ name: "closeness", evaluate: ({ output }) => (output as Answer).confidence }),
];

interface Answer {
  answer: string;
  confidence: number;
}

const right = (example: Example): Answer => ({ answer: String(example.input.n), confidence: 1 });

/**
 * The head's task: s1 a little less confident (0.95: within the numeric default 0.1), s2 wrong
 * (exact 1 -> 0, closeness 1 -> 0.5), s3 fails on its second call (a new run error), ch wrong.
 */
function headTask() {
  const calls = new Map<string, number>();
  return (example: Example): Answer => {
    const call = (calls.get(example.sourceId) ?? 0) + 1;
    calls.set(example.sourceId, call);
    switch (example.sourceId) {
      case "s1":
        return { ...right(example), confidence: 0.95 };
      case "s2":
      case "ch":
        return { answer: "wrong", confidence: 0.5 };
      case "s3":
        if (call === 2) {
          throw new Error("flaky");
        }
        return right(example);
      default:
        return right(example);
    }
  };
}

let dataset: string;
let base: Experiment;
let head: Experiment;

beforeAll(async () => {
  dataset = uniqueName("cmp");
  const v1 = await upsertDataset({
    client,
    dataset: { datasetName: dataset },
    examples: v1Examples,
    sourceIdKey: "id",
  });
  base = await runExperiment({
    client,
    dataset: v1,
    task: right,
    evaluators,
    repetitions: 2,
    experimentName: "nightly",
    printSummary: false,
  });
  const v2 = await upsertDataset({
    client,
    dataset: { datasetName: dataset },
    examples: v2Examples,
    sourceIdKey: "id",
    mode: "mirror",
  });
  head = await runExperiment({
    client,
    dataset: v2,
    task: headTask(),
    evaluators,
    repetitions: 2,
    experimentName: "nightly",
    printSummary: false,
  });
});

const statuses = (comparison: Comparison) =>
  Object.fromEntries(comparison.examples.map((example) => [example.sourceId, example.status]));
const regressed = (comparison: Comparison) =>
  comparison.examples.filter((example) => example.regression).map((example) => example.sourceId);

describe("compareExperiments", () => {
  test("classes every example, aggregates repetitions and gives the like-for-like verdict", async () => {
    const comparison = await compareExperiments({ client, base, head });
    expect(comparison).toBeInstanceOf(Comparison);
    expect(comparison.datasetId).toBe(base.datasetId);
    expect(comparison.base).toMatchObject({ id: base.id, versionId: base.versionId, runs: 10, erroredRuns: 0 });
    expect(comparison.head).toMatchObject({ id: head.id, versionId: head.versionId, runs: 10, erroredRuns: 1 });
    expect(comparison.counts).toMatchObject({ examples: 6, sameContent: 3, changed: 1, onlyBase: 1, onlyHead: 1 });
    expect(statuses(comparison)).toEqual({
      s1: "same_content",
      s2: "same_content",
      s3: "same_content",
      ch: "changed",
      gone: "only_base",
      new: "only_head",
    });
    const bySource = Object.fromEntries(comparison.examples.map((example) => [example.sourceId, example]));
    // Repetitions aggregated: two runs a side, s3's head has one error; scores are means over them.
    expect(bySource.s3?.base).toMatchObject({ runs: 2, errors: 0 });
    expect(bySource.s3?.head).toMatchObject({ runs: 2, errors: 1 });
    expect(bySource.s3).toMatchObject({ newRunError: true, regression: true });
    expect(bySource.gone?.head).toBeNull();
    expect(bySource.new?.base).toBeNull();
    const s2 = Object.fromEntries((bySource.s2?.scores ?? []).map((score) => [score.name, score]));
    expect(s2.exact).toMatchObject({ base: 1, head: 0, delta: -1, change: "regression" });
    expect(s2.closeness).toMatchObject({ base: 1, head: 0.5, delta: -0.5, change: "regression" });
    const s1 = bySource.s1?.scores.find((score) => score.name === "closeness");
    expect(s1?.change).toBe("steady");
    expect(s1?.delta).toBeCloseTo(-0.05);
    expect(bySource.s2?.outputChanged).toBe(true);
    expect(bySource.s1?.outputChanged).toBe(true);

    expect(comparison.regressed).toBe(true);
    expect(comparison.verdict).toMatchObject({
      regressed: true,
      scope: ["same_content"],
      regressedExamples: 2,
      newRunErrors: 1,
    });
    // Keyed by the evaluators' own names, not camelized.
    expect(comparison.verdict.regressions.exact).toBe(1);
    expect(comparison.verdict.regressions.closeness).toBe(1);
    expect(regressed(comparison).sort()).toEqual(["s2", "s3"]);
    const byName = Object.fromEntries(comparison.evaluators.map((evaluator) => [evaluator.name, evaluator]));
    expect(byName.exact).toMatchObject({ kind: "boolean", threshold: 0, regressions: 1 });
    expect(byName.closeness).toMatchObject({ kind: "numeric", threshold: 0.1, regressions: 1 });
    // Like for like: s1, s2, s3 on both sides; exact 3/3 -> 2/3.
    expect(byName.exact?.likeForLike).toMatchObject({ count: 3, baseMean: 1 });
    expect(byName.exact?.likeForLike.headMean).toBeCloseTo(2 / 3);

    expect(comparison.regressions().map(({ example, evaluator }) => `${example.sourceId} ${evaluator}`)).toEqual(
      expect.arrayContaining(["s2 exact", "s2 closeness", "s3 (run)"]),
    );
    const table = comparison.table().split("\n");
    expect(table[0]).toMatch(/^source id\s+class\s+evaluator\s+base\s+head\s+delta$/);
    expect(table[1]).toMatch(/^-+( +-+){5}$/);
    expect(table).toContainEqual(expect.stringMatching(/^s2\s+same_content\s+exact\s+1\s+0\s+-1$/));
    expect(table).toContainEqual(expect.stringMatching(/^s2\s+same_content\s+closeness\s+1\s+0\.5\s+-0\.5$/));
    expect(table).toContainEqual(expect.stringMatching(/^s3\s+same_content\s+\(run\)\s+-\s+error\s+-$/));
    expect(table).toHaveLength(5);
    const short = comparison.table(1).split("\n");
    expect(short).toHaveLength(4);
    expect(short[3]).toBe("... and 2 more");
  });

  test("thresholds: one number for every evaluator, or per evaluator by name", async () => {
    const strict = await compareExperiments({ client, base, head, thresholds: 0.01 });
    expect(regressed(strict).sort()).toEqual(["s1", "s2", "s3"]);
    expect(strict.verdict.regressions.closeness).toBe(2);
    expect(strict.evaluators.every((evaluator) => evaluator.threshold === 0.01)).toBe(true);

    const lenient = await compareExperiments({ client, base, head, thresholds: { closeness: 0.6 } });
    expect(lenient.evaluators.find((e) => e.name === "closeness")?.regressions).toBe(0);
    expect(lenient.evaluators.find((e) => e.name === "exact")).toMatchObject({ threshold: 0, regressions: 1 });
    expect(regressed(lenient).sort()).toEqual(["s2", "s3"]);

    // The head run again as it was: nothing moves (an experiment is not compared with itself).
    const twin = (await runExperiment({
      client,
      dataset: { datasetName: dataset },
      task: headTask(),
      evaluators,
      repetitions: 2,
      printSummary: false,
    })) as Experiment;
    expect(twin.versionId).toBe(head.versionId);
    const nothing = await compareExperiments({ client, base: head, head: twin });
    expect(nothing.regressed).toBe(false);
    expect(nothing.table()).toBe("no regressed example");
    expect(statuses(nothing)).toEqual({
      s1: "same_content",
      s2: "same_content",
      s3: "same_content",
      ch: "same_content",
      new: "same_content",
    });

    await expect(compareExperiments({ client, base, head, thresholds: -1 })).rejects.toThrow(TypeError);
    await expect(compareExperiments({ client, base, head, thresholds: { exact: Number.NaN } })).rejects.toThrow(
      /thresholds\["exact"\] must be a finite number/,
    );
    const unknown = await compareExperiments({ client, base, head, thresholds: { typo: 0.2 } }).catch(
      (e: unknown) => e,
    );
    expect(unknown).toBeInstanceOf(ValidationError);
    expect((unknown as ValidationError).code).toBe("unknown_evaluator");
  });

  test("includeChanged counts edited examples in the verdict; only keeps some examples, the aggregates whole", async () => {
    const wide = await compareExperiments({ client, base, head, includeChanged: true });
    expect(wide.verdict.scope).toEqual(["same_content", "changed"]);
    expect(regressed(wide).sort()).toEqual(["ch", "s2", "s3"]);
    expect(wide.table()).toMatch(/^ch\s+changed\s+exact/m);

    const some = await compareExperiments({ client, base, head, only: ["regressions", "only_head"] });
    expect(some.examples.map((example) => example.sourceId).sort()).toEqual(["new", "s2", "s3"]);
    expect(some.counts.examples).toBe(6);
    await expect(compareExperiments({ client, base, head, only: ["regression" as never] })).rejects.toThrow(
      /^only takes an array of some of regressions, .*; not "regression"$/,
    );
    expect(some.verdict.regressedExamples).toBe(2);
  });

  test("experiments by selector, ExperimentInfo or id; a selector that finds nothing is experiment_not_found", async () => {
    const [latest] = await listExperiments({ client, dataset: { datasetName: dataset }, experimentName: "nightly" });
    expect(latest?.id).toBe(head.id);
    const named = await compareExperiments({
      client,
      base: { dataset, experimentName: "nightly", before: { dataset, experimentName: "nightly" } },
      head: latest as NonNullable<typeof latest>,
    });
    expect([named.base.id, named.head.id]).toEqual([base.id, head.id]);
    const byVersion = await compareExperiments({
      client,
      base: { dataset: { datasetName: dataset }, experimentName: "nightly", versionId: base.versionId },
      head: head.id as string,
    });
    expect(byVersion.base.id).toBe(base.id);
    const loaded = await loadExperiment({ client, experiment: { dataset, experimentName: "nightly" } });
    expect(loaded.id).toBe(head.id);

    const none = await compareExperiments({
      client,
      base: { dataset, experimentName: "nightly", before: base },
      head,
    }).catch((error: unknown) => error);
    expect(none).toBeInstanceOf(NotFoundError);
    expect((none as NotFoundError).code).toBe("experiment_not_found");
    expect((none as NotFoundError).detail).toBe(
      `base: no experiment named "nightly" on dataset "${dataset}", created before experiment ${base.id}`,
    );
    const noDataset = await compareExperiments({
      client,
      base: { dataset: uniqueName("absent"), experimentName: "nightly" },
      head,
    }).catch((error: unknown) => error);
    expect((noDataset as NotFoundError).code).toBe("dataset_not_found");
    const missing = await compareExperiments({ client, base: "999999999", head }).catch((error: unknown) => error);
    expect((missing as NotFoundError).code).toBe("experiment_not_found");
    await expect(
      compareExperiments({ client, base: { dataset, experimentName: "nightly", version: "1" } as never, head }),
    ).rejects.toThrow(/unknown selector key\(s\) version/);
    const dry = await runExperiment({
      client,
      dataset: { datasetName: dataset },
      task: right,
      dryRun: true,
      printSummary: false,
    });
    await expect(compareExperiments({ client, base: dry, head })).rejects.toThrow(GroundsetError);
  });

  test("every page of examples is read: 10,001 examples take two requests", async () => {
    const synced = await upsertDataset({
      client,
      dataset: { datasetName: uniqueName("cmp-pages") },
      examples: Array.from({ length: 10_001 }, (_, n) => ({ id: `e${n}`, input: { n } })),
      sourceIdKey: "id",
    });
    const [first, second] = await Promise.all(
      ["first", "second"].map((experimentName) =>
        runExperiment({
          client,
          dataset: synced,
          task: (example) => example.input.n,
          experimentName,
          printSummary: false,
        }),
      ),
    );
    const { fetch, sent } = recordingFetch();
    const comparison = await compareExperiments({
      client: testClient({ fetch }),
      base: first as Experiment,
      head: second as Experiment,
    });
    expect(sent.filter((request) => request.url.includes("/v1/experiments/compare"))).toHaveLength(2);
    expect(comparison.examples).toHaveLength(10_001);
    expect(new Set(comparison.examples.map((example) => example.sourceId)).size).toBe(10_001);
    expect(comparison.counts).toMatchObject({ examples: 10_001, sameContent: 10_001 });
    expect(comparison.regressed).toBe(false);
  });

  test("a head with no score where base has one regresses: the table says missing", async () => {
    const v1 = await upsertDataset({
      client,
      dataset: { datasetName: uniqueName("cmp-missing") },
      examples: v1Examples.slice(0, 2),
      sourceIdKey: "id",
    });
    const [scored, unevaluated] = await Promise.all(
      [evaluators, []].map((used) =>
        runExperiment({ client, dataset: v1, task: right, evaluators: used, printSummary: false }),
      ),
    );
    const comparison = await compareExperiments({
      client,
      base: scored as Experiment,
      head: unevaluated as Experiment,
    });
    expect(comparison.regressed).toBe(true);
    expect(comparison.evaluators.map((e) => [e.name, e.regressions, e.missing])).toEqual([
      ["closeness", 2, 2],
      ["exact", 2, 2],
    ]);
    const score = comparison.examples[0]?.scores[0];
    expect(score).toMatchObject({ base: 1, head: null, change: "regression", missing: true });
    expect(comparison.table().split("\n")[2]?.split(/\s+/)).toEqual([
      "s1",
      "same_content",
      "closeness",
      "1",
      "missing",
      "-",
    ]);
  });

  test("a head that produced nothing regresses without evaluators; nothing to compare is comparable false", async () => {
    const dataset = { datasetName: uniqueName("cmp-nothing") };
    const v1 = await upsertDataset({ client, dataset, examples: v1Examples.slice(0, 2), sourceIdKey: "id" });
    const broken = () => {
      throw new Error("down");
    };
    const run = (task: (example: Example) => unknown) =>
      runExperiment({ client, dataset: v1, task, evaluators: [], printSummary: false }) as Promise<Experiment>;
    const [answered, erroredBase, erroredHead] = await Promise.all([run(right), run(broken), run(broken)]);

    // A base without evaluators: its successful runs alone say it answered.
    const missing = await compareExperiments({ client, base: answered, head: erroredHead });
    expect([missing.regressed, missing.comparable]).toEqual([true, true]);
    expect(missing.verdict).toMatchObject({ missingRuns: 2, regressedExamples: 2, notComparable: null });
    expect(missing.counts.missingRuns).toBe(2);
    expect(missing.examples.map((example) => example.missingRun)).toEqual([true, true]);
    expect(missing.table().split("\n")[2]?.split(/\s+/)).toEqual(["s1", "same_content", "(run)", "-", "error", "-"]);

    // Neither side answered: nothing was compared, which is no pass.
    const nothing = await compareExperiments({ client, base: erroredBase, head: erroredHead });
    expect([nothing.regressed, nothing.comparable]).toEqual([false, false]);
    expect(nothing.verdict.notComparable?.code).toBe("no_successful_runs");
    expect(nothing.verdict.notComparable?.detail).toContain(
      "neither experiment has a successful run on the 2 examples",
    );

    // The head on a version mirrored to nothing: no example in both.
    const emptied = await upsertDataset({ client, dataset, examples: [], mode: "mirror", allowEmpty: true });
    const emptyHead = (await runExperiment({
      client,
      dataset: emptied,
      task: right,
      evaluators: [],
      printSummary: false,
    })) as Experiment;
    const gone = await compareExperiments({ client, base: answered, head: emptyHead });
    expect([gone.regressed, gone.comparable, gone.counts.onlyBase]).toEqual([false, false, 2]);
    expect(gone.verdict.notComparable?.code).toBe("no_examples_in_scope");

    const itself = await compareExperiments({ client, base: answered, head: answered }).catch((error) => error);
    expect(itself).toBeInstanceOf(ValidationError);
    expect(itself.code).toBe("compare_with_itself");
  });
});
