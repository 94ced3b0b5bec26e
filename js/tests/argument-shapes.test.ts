// Arguments of the wrong shape are refused before anything is read or sent, naming the option:
// a file's path given as `examples` (a string iterates as its characters, each a bad record),
// one record instead of a list; and a connection error carries its code as every error does.
import { APIConnectionError, APITimeoutError, createClient, listDatasets, upsertDataset } from "groundset";
import { describe, expect, test } from "vitest";
import { testClient, uniqueName } from "./api.js";

const client = testClient();

async function refused(examples: unknown): Promise<unknown> {
  const name = uniqueName("shape");
  const error = await upsertDataset({
    client,
    dataset: { datasetName: name },
    examples: examples as Iterable<{ id: string }>,
    sourceIdKey: "id",
  }).catch((thrown: unknown) => thrown);
  expect((await listDatasets({ client })).some((info) => info.name === name)).toBe(false);
  return error;
}

describe("upsertDataset's examples", () => {
  test("a path is refused once, with the option that reads a file", async () => {
    const error = await refused("qa.jsonl");
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(
      'upsertDataset: examples takes records, not the path "qa.jsonl": to read a file, pass path: "qa.jsonl"',
    );
  });

  test.each([
    [{ id: 1, input: {} }, "one record (an object)"],
    [42, "number"],
    [null, "null"],
  ])("%j is not a list of records", async (examples, what) => {
    const error = await refused(examples);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(
      `upsertDataset: examples must be an iterable of records (an array), not ${what}`,
    );
  });
});

test("a connection error's code is connection_error, a timeout's timeout", async () => {
  const closed = createClient({ baseUrl: "http://127.0.0.1:9", maxRetries: 0 });
  const error = await listDatasets({ client: closed }).catch((thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(APIConnectionError);
  expect((error as APIConnectionError).code).toBe("connection_error");
  expect(new APITimeoutError("late", "http://x").code).toBe("timeout");
});
