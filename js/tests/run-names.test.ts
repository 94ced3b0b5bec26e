// The names a run sends are checked before the experiment is created, with the server's code and
// words: a bad evaluator or experiment name costs no task call and leaves nothing behind. Each
// refusal is compared with what the real test server answers for the same name.
import { type Example, listExperiments, runExperiment, upsertDataset, ValidationError } from "groundset";
import { describe, expect, inject, test } from "vitest";
import { testClient, uniqueName } from "./api.js";

const client = testClient();

/** The server's answer (code, detail) to `body` posted to `path`, sent as this JSON text. */
async function serverSays(path: string, text: string): Promise<{ code: string; detail: string }> {
  const { baseUrl, apiKey } = inject("groundset");
  const answer = await fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
    body: text,
  });
  expect(answer.status).toBe(422);
  return (await answer.json()) as { code: string; detail: string };
}

async function seed() {
  const dataset = { datasetName: uniqueName("names") };
  const result = await upsertDataset({
    client,
    dataset,
    examples: Array.from({ length: 5 }, (_, index) => ({ id: `q${index}`, input: { n: index } })),
    sourceIdKey: "id",
  });
  expect(result.datasetId).not.toBeNull();
  return { dataset, datasetId: result.datasetId as string };
}

/** The refusal of a run with `options`, checked to have called no task and created nothing. */
async function refusedRun(options: Record<string, unknown>): Promise<{ error: ValidationError; datasetId: string }> {
  const { dataset, datasetId } = await seed();
  let calls = 0;
  const task = (example: Example) => {
    calls++;
    return example.input;
  };
  const error = await runExperiment({ client, dataset, task, printSummary: false, ...options }).catch((e) => e);
  expect(error).toBeInstanceOf(ValidationError);
  expect(calls).toBe(0);
  expect(await listExperiments({ client, dataset })).toEqual([]);
  return { error: error as ValidationError, datasetId };
}

// A lone surrogate is written as JSON's escape: JSON.stringify keeps it so (well-formed stringify).
const EVALUATOR_NAMES = ["e".repeat(1000), "a\u0000b", "x\ud800", "\u{1F600}".repeat(513)];
const EXPERIMENT_NAMES = [
  "",
  "  ",
  "a\nb",
  " lead",
  "trail\u3000",
  "esc\u001b[31m",
  "n".repeat(600),
  "a\u0000",
  "\udc00",
];

describe("names checked before a run", () => {
  test.each(EVALUATOR_NAMES)("evaluator name %#", async (name) => {
    const { error, datasetId } = await refusedRun({ evaluators: { [name]: () => 1 } });
    // The server's own words for that name: a lone surrogate is refused by the runs' parser as
    // any bad text, so its rule is read where a name is the only text (a new experiment's).
    const made = await client.request("post", "/v1/datasets/{dataset_id}/experiments", {
      path: { dataset_id: datasetId },
      json: { name: "probe" },
    });
    const lone = name.includes("\ud800");
    const answer = lone
      ? await serverSays(`/v1/datasets/${datasetId}/experiments`, JSON.stringify({ name }))
      : await serverSays(
          `/v1/experiments/${made.id}/runs`,
          JSON.stringify({ runs: [{ example_id: "1", output: 1, evaluations: [{ name, score: 1 }] }] }),
        );
    expect(error.code).toBe(answer.code);
    const reason = answer.detail.split(": ").slice(1).join(": ").split(" (and ")[0];
    expect(error.detail).toMatch(/^evaluator "/);
    expect(error.detail.endsWith(`: \`evaluations[].name\`: ${reason}`)).toBe(true);
  });

  test.each(EXPERIMENT_NAMES)("experiment name %#", async (name) => {
    const { error, datasetId } = await refusedRun({ experimentName: name });
    const answer = await serverSays(`/v1/datasets/${datasetId}/experiments`, JSON.stringify({ name }));
    expect(error.code).toBe(answer.code);
    expect(error.detail).toBe(answer.detail.replace("`$.name`", "`experimentName`"));
  });

  test("a name of 512 emoji is 512 characters, as the server counts", async () => {
    const { dataset } = await seed();
    const name = "\u{1F600}".repeat(512);
    const experiment = await runExperiment({
      client,
      dataset,
      task: () => 1,
      evaluators: { [name]: () => 1 },
      experimentName: name,
      printSummary: false,
    });
    expect(experiment.name).toBe(name);
    expect(experiment.runs.every((run) => run.evaluations[0]?.name === name)).toBe(true);
  });
});
