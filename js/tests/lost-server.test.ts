// A server lost while runs are posted: runExperiment throws the APIConnectionError, whose
// message names the experiment and how to resume it; a restarted server finishes it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { APIConnectionError, createClient, resumeExperiment, runExperiment, upsertDataset } from "groundset";
import { expect, inject, test } from "vitest";
import { startServer } from "./server.setup.js";

const one = () => 1;

test("a server lost mid-run: APIConnectionError naming resumeExperiment, and the resume finishes", async () => {
  const directory = mkdtempSync(join(tmpdir(), "groundset-lost-"));
  const databaseUrl = `sqlite:///${join(directory, "lost.db")}`;
  const apiKey = inject("groundset").apiKey;
  const lost = await startServer({ databaseUrl });
  try {
    const client = createClient({ baseUrl: lost.baseUrl, apiKey, maxRetries: 0 });
    const version = await upsertDataset({
      client,
      dataset: { datasetName: "lost" },
      examples: Array.from({ length: 300 }, (_, i) => ({ input: { i } })),
    });
    let calls = 0;
    const task = async (input: Record<string, unknown>) => {
      calls++;
      if (calls === 60) {
        await lost.stop();
      }
      return { o: input.i };
    };
    const thrown = await runExperiment({
      client,
      dataset: version,
      task,
      evaluators: [one],
      concurrency: 5,
      batchSize: 5,
      printSummary: false,
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(thrown).toBeInstanceOf(APIConnectionError);
    const message = (thrown as Error).message;
    const found =
      /The experiment (\S+) keeps the runs sent so far: run the rest with resumeExperiment\(\{ experiment: "(\S+)", task, evaluators \}\)/.exec(
        message,
      );
    expect(found, message).not.toBeNull();
    const id = (found as RegExpExecArray)[1] as string;
    expect((found as RegExpExecArray)[2]).toBe(id);
    const again = await startServer({ databaseUrl });
    try {
      const done = await resumeExperiment({
        client: createClient({ baseUrl: again.baseUrl, apiKey }),
        experiment: id,
        task: (input: Record<string, unknown>) => ({ o: input.i }),
        evaluators: [one],
        printSummary: false,
      });
      expect([done.summary.successfulRuns, done.summary.incompleteRuns]).toEqual([300, 0]);
    } finally {
      await again.stop();
    }
  } finally {
    await lost.stop();
    rmSync(directory, { recursive: true, force: true });
  }
});
