import { asEvaluator, type Example, loadExperiment, runExperiment, type TaskContext, upsertDataset } from "groundset";
import { describe, expect, test } from "vitest";
import { recordingFetch, testClient, uniqueName } from "./api.js";

const client = testClient();

async function seed(count: number) {
  return upsertDataset({
    client,
    dataset: { datasetName: uniqueName("costs") },
    examples: Array.from({ length: count }, (_, n) => ({ id: `q${n}`, input: { n }, output: { answer: String(n) } })),
    sourceIdKey: "id",
  });
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe("what each run cost", () => {
  test("reportUsage adds up per run; runs and evaluations carry times and latency, sent and stored", async () => {
    const synced = await seed(3);
    const { fetch, sent } = recordingFetch();
    const task = async (example: Example, context: TaskContext) => {
      await sleep(30);
      context.reportUsage({ tokensIn: 10, tokensOut: 2, cost: 0.25, currency: "USD" });
      context.reportUsage({ tokensIn: example.input.n as number, cost: 0.5, currency: "usd" }); // one currency, any case
      return String(example.input.n);
    };
    const experiment = await runExperiment({
      client: testClient({ fetch }),
      dataset: synced,
      task,
      evaluators: [
        asEvaluator({
          name: "exact",
          version: "3",
          evaluate: async ({ output, expected }) => {
            await sleep(5);
            return output === expected.answer;
          },
        }),
      ],
      printSummary: false,
    });
    const q2 = experiment.runs.find((r) => r.sourceId === "q2");
    expect(q2).toMatchObject({ tokensIn: 12, tokensOut: 2, cost: 0.75, currency: "USD", reusedFromRunId: null });
    expect(q2?.latencyMs).toBeGreaterThanOrEqual(25);
    expect(q2?.latencyMs).toBeLessThan(5_000);
    expect(Date.parse(q2?.endTime as string) - Date.parse(q2?.startTime as string)).toBeGreaterThanOrEqual(25);
    const exact = q2?.evaluations[0];
    expect(exact).toMatchObject({ name: "exact", score: 1, evaluatorVersion: "3" });
    expect(exact?.latencyMs).toBeGreaterThanOrEqual(4);

    const uploaded = sent.filter((r) => r.method === "POST" && r.url.endsWith("/runs"));
    const wire = uploaded.flatMap((r) => (JSON.parse(r.body) as { runs: Array<Record<string, unknown>> }).runs);
    expect(wire).toHaveLength(3);
    for (const run of wire) {
      expect(Object.keys(run)).toEqual(
        expect.arrayContaining(["start_time", "end_time", "latency_ms", "tokens_in", "tokens_out", "cost", "currency"]),
      );
      expect(run.start_time).toMatch(/Z$/);
      const evaluation = (run.evaluations as Array<Record<string, unknown>>)[0];
      expect(evaluation).toMatchObject({ evaluator_version: "3" });
      expect(typeof evaluation?.latency_ms).toBe("number");
    }

    const stored = await loadExperiment({ client, experiment });
    const storedQ2 = stored.runs.find((r) => r.sourceId === "q2");
    expect(storedQ2).toMatchObject({
      tokensIn: 12,
      tokensOut: 2,
      cost: 0.75,
      currency: "USD",
      latencyMs: q2?.latencyMs,
    });
    expect(storedQ2?.evaluations[0]).toMatchObject({ evaluatorVersion: "3", latencyMs: exact?.latencyMs });
    expect(stored.summary.usage).toEqual({
      tokensIn: 33,
      tokensOut: 6,
      runsWithTokens: 3,
      costs: [{ currency: "USD", amount: 2.25, runs: 3 }],
    });
    expect(stored.summary.latencyMs.count).toBe(3);
    const table = stored.summaryTable();
    expect(table).toMatch(/^latency p50 [\d,]+\.\d ms, p95 [\d,]+\.\d ms \(3 runs\)$/m);
    expect(table).toContain("usage tokens in 33, out 6, cost 2.25 USD");
    expect(table).not.toContain("reused");
  });

  test("a bad report is the run's error, naming the field, even when the task catches it", async () => {
    const synced = await seed(5);
    const reports: Record<string, unknown> = {
      q0: { tokensIn: -1 },
      q1: { tokensOut: 1.5 },
      q2: { cost: Number.POSITIVE_INFINITY },
      q3: { currency: "x".repeat(33) },
      q4: { tokens: 3 },
    };
    const experiment = await runExperiment({
      client,
      dataset: synced,
      task: (example, { reportUsage }) => {
        try {
          reportUsage(reports[example.sourceId] as never);
        } catch {
          // Swallowed: the run still records the bad report.
        }
        return "done";
      },
      printSummary: false,
    });
    const errors = Object.fromEntries(experiment.runs.map((r) => [r.sourceId, r.error]));
    expect(errors).toEqual({
      q0: "TypeError: reportUsage: tokensIn must be an integer >= 0, not -1",
      q1: "TypeError: reportUsage: tokensOut must be an integer >= 0, not 1.5",
      q2: "TypeError: reportUsage: cost must be a finite number >= 0, not Infinity",
      q3: `TypeError: reportUsage: currency must be a string of 1 to 32 characters (no U+0000), not "${"x".repeat(33)}"`,
      q4: "TypeError: reportUsage: unknown field(s) tokens; use tokensIn, tokensOut, cost, currency",
    });
    expect(experiment.runs.every((r) => r.output === null)).toBe(true);
    expect(experiment.summary.erroredRuns).toBe(5);
  });

  test("one currency per run: a second one is refused and adds nothing", async () => {
    const synced = await seed(1);
    const experiment = await runExperiment({
      client,
      dataset: synced,
      task: (_example, { reportUsage }) => {
        reportUsage({ cost: 1, currency: "EUR" });
        reportUsage({ cost: 2, currency: "USD" });
        return "unreachable";
      },
      printSummary: false,
    });
    expect(experiment.runs[0]).toMatchObject({
      error: 'TypeError: reportUsage: currency "USD" differs from "EUR" reported before in this run',
      cost: 1,
      currency: "EUR",
    });
  });

  test("evaluators by name may be asEvaluator's, with their versions", async () => {
    const synced = await seed(1);
    const exact = asEvaluator({ name: "exact", version: "7", evaluate: () => true });
    const experiment = await runExperiment({
      client,
      dataset: synced,
      task: () => "0",
      evaluators: { exact },
      printSummary: false,
    });
    expect(experiment.runs[0]?.evaluations[0]).toMatchObject({ name: "exact", evaluatorVersion: "7", score: 1 });
    await expect(
      runExperiment({ client, dataset: synced, task: () => "0", evaluators: { other: exact }, printSummary: false }),
    ).rejects.toThrow('evaluators: the key "other" names an evaluator named "exact"; use one name');
  });

  test("asEvaluator refuses a version that is not a non-empty string", () => {
    expect(() => asEvaluator({ name: "x", evaluate: () => 1, version: "" })).toThrow(/version must be a string/);
    expect(() => asEvaluator({ name: "x", evaluate: () => 1, version: 3 as never })).toThrow(TypeError);
    expect(asEvaluator({ name: "x", evaluate: () => 1 }).version).toBeNull();
  });
});
