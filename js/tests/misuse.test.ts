/**
 * What `upsertDataset`, `hashFile` and `readExamples` say when used wrongly (as plain JavaScript
 * can): a misspelt option, a misspelt member of a structured record, one key in two parts.
 * Each is refused before any request, against the suite's real server.
 */

import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExampleError, hashFile, listDatasets, readExamples, upsertDataset } from "groundset";
import { describe, expect, test } from "vitest";
import { testClient, uniqueName } from "./api.js";

const client = testClient();

async function exampleError(promise: Promise<unknown>): Promise<ExampleError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ExampleError);
  return error as ExampleError;
}

/** Options as plain JavaScript passes them: no compiler between the caller and the SDK. */
type Untyped = Parameters<typeof upsertDataset>[0];

describe("misuse is refused, naming what was meant", () => {
  test("an unknown option of upsertDataset, hashFile and readExamples is a TypeError", async () => {
    const dataset = { datasetName: uniqueName("misspelt-option") };
    const options = { client, dataset, examples: [{ id: "a", input: {} }], sourceIdkey: "id" } as unknown as Untyped;
    await expect(upsertDataset(options)).rejects.toThrow(
      'upsertDataset: unknown option "sourceIdkey" (did you mean "sourceIdKey"?)',
    );
    await expect(upsertDataset({ ...options, dryrun: true, bogus: 1 } as unknown as Untyped)).rejects.toThrow(
      /unknown options "sourceIdkey" \(did you mean "sourceIdKey"\?\), "dryrun" \(did you mean "dryRun"\?\), "bogus";/,
    );
    const path = join(tmpdir(), `${uniqueName("misuse")}.jsonl`);
    writeFileSync(path, '{"id": "a", "input": {}}\n');
    const fileOptions = { sourceIdkey: "id" } as unknown as Parameters<typeof hashFile>[1];
    await expect(hashFile(path, fileOptions)).rejects.toThrow(TypeError);
    await expect(readExamples(path, fileOptions)).rejects.toThrow('unknown option "sourceIdkey"');
    expect(await listDatasets({ client, name: dataset.datasetName })).toEqual([]);
  });

  test("an unknown member of a structured record is unknown_field", async () => {
    const dataset = { datasetName: uniqueName("misspelt-member") };
    const examples = [
      { id: "1", input: { q: "2+2?" }, ouput: { a: "4" } },
      { id: "2", input: { q: "1+1?" }, output: { a: "2" } },
      { id: "3", input: { q: "3+3?" }, metdata: {}, note: "x" },
    ];
    const error = await exampleError(upsertDataset({ client, dataset, examples, sourceIdKey: "id" }));
    // The core's rule, as for a file: one issue per record, at its first unknown member, naming
    // each with the member it likely misspells, with the record's source id.
    expect(error.errors.map(({ row, code, path, sourceId }) => [row, code, path, sourceId])).toEqual([
      [0, "unknown_field", "$.ouput", "1"],
      [2, "unknown_field", "$.metdata", "3"],
    ]);
    expect(error.errors[0]?.message).toContain('"ouput" (did you mean "output"?)');
    expect(error.errors[1]?.message).toContain('"metdata" (did you mean "metadata"?), "note";');
    expect(error.message).toMatch(/^2 bad records:\n {2}row 0: unknown_field at \$\.ouput \[source id 1\]: /);
    expect(await listDatasets({ client, name: dataset.datasetName })).toEqual([]);
    // A sourceId function may read the record's other members.
    const done = await upsertDataset({ client, dataset, examples: [examples[1] as object], sourceId: () => "k" });
    expect(done.created).toBe(1);
  });

  test("the member rule holds across the parts of a large batch and its shapes of records", async () => {
    // Records of several shapes (member orders), over several parts of the batch the core
    // hashes; every 997th has a misspelt member.
    const examples = Array.from({ length: 12_000 }, (_, i) => {
      const text = "x".repeat(200);
      if (i % 997 === 5) {
        return { id: `r${i}`, input: { text }, outptu: { i } };
      }
      return i % 2 === 0
        ? { id: `r${i}`, input: { text }, output: { i } }
        : { output: { i }, input: { text }, id: `r${i}` };
    });
    const dataset = { datasetName: uniqueName("members-large") };
    const error = await exampleError(upsertDataset({ client, dataset, examples, sourceIdKey: "id" }));
    const bad = examples.flatMap((_, i) => (i % 997 === 5 ? [i] : []));
    expect(error.errors.map(({ row, code, path, sourceId }) => [row, code, path, sourceId])).toEqual(
      bad.map((row) => [row, "unknown_field", "$.outptu", `r${row}`]),
    );
    expect(error.errors[0]?.message).toContain('"outptu" (did you mean "output"?)');
  });

  test("a function as sourceIdKey, one key in two parts, a guard with a merge", async () => {
    const dataset = { datasetName: uniqueName("misuse-options") };
    const examples = [{ id: 1, question: "q", answer: "a" }];
    const byFunction = { client, dataset, examples, sourceIdKey: () => "x" } as unknown as Untyped;
    await expect(upsertDataset(byFunction)).rejects.toThrow(/for a function of the record, pass sourceId instead/);
    await expect(
      upsertDataset({ client, dataset, examples, inputKeys: ["question"], outputKeys: ["question", "answer"] }),
    ).rejects.toThrow(/the key "question" is named in both inputKeys and outputKeys/);
    const path = join(tmpdir(), `${uniqueName("parts")}.csv`);
    writeFileSync(path, "id,question,answer\n1,q,a\n");
    await expect(
      hashFile(path, { sourceIdKey: "id", outputKeys: ["answer"], metadataKeys: ["answer"] }),
    ).rejects.toThrow(/the key "answer" is named in both outputKeys and metadataKeys/);
    await expect(upsertDataset({ client, dataset, examples, outputKeys: ["answer"], maxDeletes: 5 })).rejects.toThrow(
      'maxDeletes: 5 applies to mode "mirror" only',
    );
    expect(await listDatasets({ client, name: dataset.datasetName })).toEqual([]);
  });
});
