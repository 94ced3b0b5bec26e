// A caller's very long value is not printed back whole in a not-found message (as Python's).
import { getDataset, loadExperiment, NotFoundError, upsertDataset } from "groundset";
import { expect, test } from "vitest";
import { testClient, uniqueName } from "./api.js";

const client = testClient();

test("long names are cut in not-found messages", async () => {
  const datasetName = uniqueName("long");
  await upsertDataset({ client, dataset: { datasetName }, examples: [{ input: { q: 1 } }] });
  const long = "x".repeat(20_000);
  const cut = `${JSON.stringify("x".repeat(40))}… (20000 characters)`;
  for (const call of [
    () => getDataset({ client, dataset: { datasetName: long } }),
    () => loadExperiment({ client, experiment: { dataset: datasetName, experimentName: long } }),
  ]) {
    const thrown = await call().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(thrown).toBeInstanceOf(NotFoundError);
    const message = (thrown as NotFoundError).message;
    expect(message).toContain(cut);
    expect(message.length).toBeLessThan(300);
  }
});
