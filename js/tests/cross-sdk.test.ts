// The same data upserted by the Python SDK and then by this SDK (and the other way round) is a
// no-op, and both report the same digest: the two SDKs hash and identify examples alike.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type UpsertResult, upsertDataset } from "groundset";
import { afterAll, describe, expect, inject, test } from "vitest";
import { testClient, uniqueName } from "./api.js";

const PYTHON = resolve(import.meta.dirname, "../../.venv/bin/python");
const directory = mkdtempSync(join(tmpdir(), "groundset-cross-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

// Reads {name, records, options} from a file, upserts with the Python SDK, prints the result.
const PYTHON_UPSERT = `
import dataclasses, json, sys, groundset
spec = json.load(open(sys.argv[3], encoding="utf-8"))
client = groundset.Client(base_url=sys.argv[1], api_key=sys.argv[2])
result = client.upsert_dataset(name=spec["name"], examples=spec["records"], progress=False, **spec["options"])
print(json.dumps(dataclasses.asdict(result)))
`;

interface PythonOptions {
  source_id_key?: string;
  input_keys?: string[];
  output_keys?: string[];
  mode?: string;
}

function pythonUpsert(name: string, records: unknown[], options: PythonOptions): Record<string, unknown> {
  const { baseUrl, apiKey } = inject("groundset");
  const file = join(directory, `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, records, options }));
  const output = execFileSync(PYTHON, ["-c", PYTHON_UPSERT, baseUrl, apiKey, file], { encoding: "utf8" });
  return JSON.parse(output) as Record<string, unknown>;
}

/** Records with the values where SDKs could disagree: unicode, numbers of every shape, nesting, key order. */
function records(count: number): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, index) => ({
    id: `r-${index}`,
    question: `${["é", "历史", "😀", "Straße", "\u0000ctl"][index % 5]} ${index}?`,
    context: { z: [0.1, 1e21, 1e-7, -0.5, 2 ** 53 - 1][index % 5], a: { nested: [true, null, index] } },
    answer: index % 3 === 0 ? "yes" : `${index / 7}`,
    score: index * 1.5e-3 - 7.25,
  }));
}

const client = testClient();
const jsOptions = { sourceIdKey: "id", outputKeys: ["answer", "score"], mode: "mirror" as const };
const pyOptions: PythonOptions = { source_id_key: "id", output_keys: ["answer", "score"], mode: "mirror" };

function expectSameVersion(second: UpsertResult | Record<string, unknown>, first: Record<string, unknown>) {
  const versionId = "versionId" in second ? second.versionId : second.version_id;
  expect(second.noop).toBe(true);
  expect(versionId).toBe(first.versionId ?? first.version_id);
  expect(second.digest).toBe(first.digest);
}

describe.each([
  ["one request", 40],
  ["plan + NDJSON", 1_500],
])("across SDKs (%s)", (_, count) => {
  test("Python first, then TypeScript: a no-op with the same digest", async () => {
    const name = uniqueName("py-then-js");
    const data = records(count);
    const fromPython = pythonUpsert(name, data, pyOptions);
    expect(fromPython.created).toBe(count);
    const fromJs = await upsertDataset({ client, dataset: { datasetName: name }, examples: data, ...jsOptions });
    expectSameVersion(fromJs, fromPython);
    expect(fromJs.unchanged).toBe(count);
  });

  test("TypeScript first, then Python: a no-op with the same digest", async () => {
    const name = uniqueName("js-then-py");
    const data = records(count);
    const fromJs = await upsertDataset({ client, dataset: { datasetName: name }, examples: data, ...jsOptions });
    expect(fromJs.created).toBe(count);
    const fromPython = pythonUpsert(name, data, pyOptions);
    expectSameVersion(fromPython, fromJs as unknown as Record<string, unknown>);
    expect(fromPython.unchanged).toBe(count);
  });
});

test("content-hash identity is the same in both SDKs", async () => {
  const name = uniqueName("cross-content");
  const data = records(20).map(({ question, answer }) => ({ input: { question }, output: { answer } }));
  const fromJs = await upsertDataset({ client, dataset: { datasetName: name }, examples: data, mode: "mirror" });
  const fromPython = pythonUpsert(name, data, { mode: "mirror" });
  expectSameVersion(fromPython, fromJs as unknown as Record<string, unknown>);
});
