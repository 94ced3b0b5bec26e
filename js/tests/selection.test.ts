// Experiments on a subset of a version, against the test server: `selection` by source ids and by
// metadata (canonical JSON equality), recorded and printed as the Python SDK does, refused before
// anything is sent when malformed, refused by the server for unknown ids and an empty selection,
// applied locally by a dry run, kept by reuse, and reported by comparisons (`selectionsDiffer`).
import {
  compareExperiments,
  type Example,
  listExperiments,
  loadExperiment,
  type MetadataCondition,
  runExperiment,
  type Selection,
  type UpsertResult,
  upsertDataset,
  ValidationError,
} from "groundset";
import { describe, expect, test } from "vitest";
import { testClient, uniqueName } from "./api.js";

const client = testClient();

const ROWS = [
  { id: "a", input: { q: "a" }, output: { a: "A" }, metadata: { lang: "en", level: 1 } },
  { id: "b", input: { q: "b" }, output: { a: "B" }, metadata: { lang: "en", level: 1.5 } },
  { id: "c", input: { q: "c" }, output: { a: "C" }, metadata: { lang: "de", level: true } },
  { id: "d", input: { q: "d" }, output: { a: "D" }, metadata: { lang: "fr", level: [1] } },
  { id: "e", input: { q: "e" }, output: { a: "E" }, metadata: { lang: null } },
];

async function version(): Promise<{ dataset: string; synced: UpsertResult }> {
  const dataset = uniqueName("selection");
  const synced = await upsertDataset({ client, dataset: { datasetName: dataset }, examples: ROWS, sourceIdKey: "id" });
  return { dataset, synced };
}

function asking() {
  const asked: string[] = [];
  const task = (example: Example) => {
    asked.push(example.sourceId);
    return { a: (example.input.q as string).toUpperCase() };
  };
  return { task, asked };
}

// biome-ignore lint/suspicious/noExplicitAny: the refusals are exactly the values the types forbid
type Anything = any;

describe("runExperiment({ selection })", () => {
  test.each([
    [{ sourceIds: ["d", "a", "d"] }, ["a", "d"]],
    [{ metadata: { level: { eq: 1.0 } } }, ["a"]],
    [{ metadata: { level: { eq: true } } }, ["c"]],
    [{ metadata: { level: { eq: [1.0] } } }, ["d"]],
    [{ metadata: { lang: { in: ["de", null] }, level: { in: [true, 7] } } }, ["c"]],
    [{ metadata: { lang: { eq: null } } }, ["e"]],
  ])("%j runs the task on %j only", async (selection, expected) => {
    const { dataset, synced } = await version();
    const { task, asked } = asking();
    const experiment = await runExperiment({ client, dataset: synced, task, selection, printSummary: false });
    expect([...asked].sort()).toEqual(expected);
    expect(experiment.summary.expectedRuns).toBe(expected.length);
    expect(experiment.summary.incompleteRuns).toBe(0);
    const loaded = await loadExperiment({ client, experiment });
    expect(loaded.selection).toEqual(experiment.selection);
    expect([...new Set(loaded.runs.map((run) => run.sourceId))].sort()).toEqual(expected);
    const [info] = await listExperiments({ client, dataset: { datasetName: dataset } });
    expect(info?.selection).toEqual(experiment.selection);
    expect(info?.exampleCount).toBe(expected.length);
  });

  test("the stored selection and the summary line are the Python SDK's", async () => {
    const { synced } = await version();
    const byIds = await runExperiment({
      client,
      dataset: synced,
      task: asking().task,
      selection: { sourceIds: ["d", "a", "d"] },
      printSummary: false,
    });
    expect(byIds.selection).toEqual({ sourceIds: ["a", "d"] });
    expect(byIds.summaryTable().split("\n")[2]).toBe("selection: 2 source ids");
    // The exported types name what `selection` takes and what an experiment holds.
    const english: MetadataCondition = { eq: "en" };
    const selection: Selection = { metadata: { level: { in: [1.5, true] }, lang: english } };
    const byMetadata = await runExperiment({
      client,
      dataset: synced,
      task: asking().task,
      selection,
      printSummary: false,
    });
    const stored: Selection | null = byMetadata.selection;
    expect(stored).toEqual({ metadata: { lang: { eq: "en" }, level: { in: [1.5, true] } } });
    expect(byMetadata.summaryTable().split("\n")[2]).toBe('selection: metadata lang eq "en" and level in [1.5,true]');
    const whole = await runExperiment({ client, dataset: synced, task: asking().task, printSummary: false });
    expect(whole.selection).toBeNull();
    expect(whole.summaryTable()).not.toContain("selection");
  });

  test.each([
    [["a"], "selection must be"],
    [{}, "exactly one key"],
    [{ source_ids: ["a"] }, "exactly one key"],
    [{ sourceIds: "a" }, "an array of source ids"],
    [{ sourceIds: [] }, "1 to 100,000"],
    [{ sourceIds: ["a", true] }, "selection.sourceIds[1]: a source id must be"],
    [{ sourceIds: ["a", 1.5] }, "selection.sourceIds[1]: a numeric source id"],
    [{ metadata: { lang: "en" } }, 'selection.metadata["lang"]'],
    [{ metadata: { lang: ["en", "fr"] } }, "{ eq: value } or { in: [values] }"],
    [{ metadata: { lang: { in: "en" } } }, 'selection.metadata["lang"].in'],
    [{ metadata: { lang: { eq: Number.NaN } } }, "non_finite_number"],
  ])("%j is refused before anything is sent", async (selection, words) => {
    const { dataset, synced } = await version();
    await expect(
      runExperiment({ client, dataset: synced, task: asking().task, selection: selection as Anything }),
    ).rejects.toThrow(expect.objectContaining({ name: "TypeError", message: expect.stringContaining(words) }));
    expect(await listExperiments({ client, dataset: { datasetName: dataset } })).toEqual([]);
  });

  test("the server refuses unknown ids and an empty selection", async () => {
    const { dataset, synced } = await version();
    const unknown = runExperiment({
      client,
      dataset: synced,
      task: asking().task,
      selection: { sourceIds: ["a", "zz"] },
    });
    await expect(unknown).rejects.toThrow(ValidationError);
    await expect(unknown).rejects.toMatchObject({ code: "unknown_source_ids" });
    // An integer source id is its decimal text, as in an upsert: the server is asked for "7".
    const numbered = runExperiment({
      client,
      dataset: synced,
      task: asking().task,
      selection: { sourceIds: ["a", 7] },
    });
    await expect(numbered).rejects.toMatchObject({
      code: "unknown_source_ids",
      problem: { unknown_source_ids: ["7"] },
    });
    const empty = runExperiment({
      client,
      dataset: synced,
      task: asking().task,
      selection: { metadata: { level: { eq: null } } },
    });
    await expect(empty).rejects.toMatchObject({ code: "empty_selection" });
    expect(await listExperiments({ client, dataset: { datasetName: dataset } })).toEqual([]);
  });

  test("a dry run selects as the server does", async () => {
    const { dataset, synced } = await version();
    const first = asking();
    const dry = await runExperiment({
      client,
      dataset: synced,
      task: first.task,
      selection: { metadata: { lang: { in: ["en", "de"] } } },
      dryRun: 2,
      printSummary: false,
    });
    expect(first.asked).toEqual(["a", "b"]);
    expect(dry.selection).toEqual({ metadata: { lang: { in: ["en", "de"] } } });
    await expect(
      runExperiment({ client, dataset: synced, task: asking().task, selection: { sourceIds: ["zz"] }, dryRun: true }),
    ).rejects.toThrow('1 source id(s) of selection are not in the version: ["zz"]');
    expect(await listExperiments({ client, dataset: { datasetName: dataset } })).toEqual([]);
  });

  test("reuse keeps to the selection and comparisons say the selections differ", async () => {
    const { synced } = await version();
    const base = await runExperiment({
      client,
      dataset: synced,
      task: asking().task,
      taskVersion: "t1",
      printSummary: false,
    });
    const english = { metadata: { lang: { eq: "en" } } };
    const rerun = asking();
    const head = await runExperiment({
      client,
      dataset: synced,
      task: rerun.task,
      taskVersion: "t1",
      reuse: base,
      selection: english,
      printSummary: false,
    });
    expect(rerun.asked).toEqual([]);
    expect(head.summary.reusedRuns).toBe(2);
    expect(head.summary.expectedRuns).toBe(2);
    const comparison = await compareExperiments({ client, base, head });
    expect(comparison.selectionsDiffer).toBe(true);
    expect(comparison.base.selection).toBeNull();
    expect(comparison.head.selection).toEqual(english);
    expect(Object.fromEntries(comparison.examples.map((e) => [e.sourceId, e.status]))).toEqual({
      a: "same_content",
      b: "same_content",
      c: "only_base",
      d: "only_base",
      e: "only_base",
    });
    const again = await runExperiment({
      client,
      dataset: synced,
      task: asking().task,
      selection: english,
      printSummary: false,
    });
    const alike = await compareExperiments({ client, base: head, head: again });
    expect(alike.selectionsDiffer).toBe(false);
    expect(alike.counts.examples).toBe(2);
  });
});
