// A server lost while runs are posted: runExperiment throws the APIConnectionError, whose
// message names the experiment and how to resume it; a restarted server finishes it. While the
// posts try again after the loss, no task call starts (each would be paid, and its run lost).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { APIConnectionError, createClient, resumeExperiment, runExperiment, upsertDataset } from "groundset";
import { expect, inject, test } from "vitest";
import { startServer } from "./server.setup.js";

const one = () => 1;

/**
 * runExperiment on `examples` examples (5 calls at a time, `batchSize` runs a post) whose 60th
 * task call stops the server; no call ends before it is gone. The task calls made and the error.
 */
async function lostMidRun(
  lost: Awaited<ReturnType<typeof startServer>>,
  examples: number,
  maxRetries: number,
  batchSize: number,
) {
  const client = createClient({ baseUrl: lost.baseUrl, apiKey: inject("groundset").apiKey, maxRetries });
  const version = await upsertDataset({
    client,
    dataset: { datasetName: "lost" },
    examples: Array.from({ length: examples }, (_, i) => ({ input: { i } })),
  });
  let calls = 0;
  let stopping: Promise<void> | undefined;
  const task = async (input: Record<string, unknown>) => {
    calls++;
    if (calls === 60) {
      stopping = lost.stop();
    }
    await stopping;
    await new Promise((resolve) => setTimeout(resolve, 10));
    return { o: input.i };
  };
  const thrown = await runExperiment({
    client,
    dataset: version,
    task,
    evaluators: [one],
    concurrency: 5,
    batchSize,
    printSummary: false,
  }).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(thrown).toBeInstanceOf(APIConnectionError);
  return { calls, message: (thrown as Error).message };
}

test("a server lost mid-run: APIConnectionError naming resumeExperiment, and the resume finishes", async () => {
  const directory = mkdtempSync(join(tmpdir(), "groundset-lost-"));
  const databaseUrl = `sqlite:///${join(directory, "lost.db")}`;
  const lost = await startServer({ databaseUrl });
  try {
    const { message } = await lostMidRun(lost, 300, 0, 5);
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
        client: createClient({ baseUrl: again.baseUrl, apiKey: inject("groundset").apiKey }),
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

test("no task is called while the posts of runs try again after the server was lost", async () => {
  const directory = mkdtempSync(join(tmpdir(), "groundset-lost-"));
  const lost = await startServer({ databaseUrl: `sqlite:///${join(directory, "lost.db")}` });
  try {
    // The default retries: the posts try again for about 1.5 s after the loss.
    const { calls, message } = await lostMidRun(lost, 1_000, 2, 50);
    // The calls running at the loss, those that filled the batch whose post first met the
    // closed port and those started while that post failed (a call each, at most); before,
    // calls went on until four batches were in the air (some 300).
    expect(calls).toBeLessThanOrEqual(60 + 50 + 2 * 5);
    const found = /The task was called (\d+) times; (\d+) of those runs were stored\.$/.exec(message);
    expect(found, message).not.toBeNull();
    expect(Number(found?.[1])).toBe(calls);
    expect(Number(found?.[2])).toBeLessThan(calls);
  } finally {
    await lost.stop();
    rmSync(directory, { recursive: true, force: true });
  }
});
