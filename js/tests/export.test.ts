// exportDataset against the test server: the file (JSONL or CSV, to a path or a stream) reads back
// to the version's digest and mirrors back as a no-op; refusals leave no file.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import {
  type ExportFormat,
  exportDataset,
  hashFile,
  manifestDigest,
  NotFoundError,
  tagVersion,
  upsertDataset,
  ValidationError,
} from "groundset";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testClient, uniqueName } from "./api.js";

const client = testClient();
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "groundset-export-"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const examples = Array.from({ length: 12 }, (_, i) => ({
  id: `e${i}`,
  input: { question: `q${i} é`, n: [2 ** 53 - 1, -0, 1e308, 5e-324][i % 4], deep: { "k.x": i } },
  ...(i % 2 ? { output: { answer: `a${i}` } } : {}),
  ...(i % 3 === 0 ? { metadata: { tags: Array(i).fill("x") } } : {}),
}));

/** A writable stream that keeps what it is given. */
function collector(): { stream: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { stream, bytes: () => Buffer.concat(chunks) };
}

describe.each(["jsonl", "csv"] as ExportFormat[])("exportDataset as %s", (format) => {
  test("reads back to the version, mirrors back as a no-op, by id and by tag", async () => {
    const datasetName = uniqueName(`export-${format}`);
    const synced = await upsertDataset({ client, dataset: { datasetName }, examples, sourceIdKey: "id" });
    const path = join(dir, `${datasetName}.${format}`);
    const result = await exportDataset({ client, dataset: { datasetName }, format, path });
    expect(result).toEqual({
      datasetId: synced.datasetId,
      versionId: synced.versionId,
      format,
      path,
      size: readFileSync(path).length,
    });
    expect(readdirSync(dir).filter((name) => name.startsWith(`.${datasetName}`))).toEqual([]);
    expect(manifestDigest(await hashFile(path, { sourceIdKey: "id" }))).toBe(synced.digest);
    const again = await upsertDataset({ client, dataset: { datasetName }, path, sourceIdKey: "id", mode: "mirror" });
    expect(again).toMatchObject({ noop: true, versionId: synced.versionId });
    await upsertDataset({
      client,
      dataset: { datasetName },
      examples: examples.slice(0, 3),
      sourceIdKey: "id",
      mode: "mirror",
    });
    await tagVersion({ client, dataset: { datasetName }, tag: "before", versionId: synced.versionId as string });
    const byTag = collector();
    const tagged = await exportDataset({
      client,
      dataset: { datasetName, tag: "before" },
      format,
      stream: byTag.stream,
    });
    expect(tagged).toMatchObject({ path: null, versionId: synced.versionId, size: result.size });
    expect(byTag.bytes().equals(readFileSync(path))).toBe(true);
  });
});

test("refusals leave no file", async () => {
  const datasetName = uniqueName("export-refused");
  await upsertDataset({ client, dataset: { datasetName }, examples: examples.slice(0, 2), sourceIdKey: "id" });
  const path = join(dir, "refused.csv");
  const refused = await exportDataset({ client, dataset: { datasetName }, format: "csv", idKey: "a.b", path }).catch(
    (error: unknown) => error,
  );
  expect(refused).toBeInstanceOf(ValidationError);
  expect((refused as ValidationError).code).toBe("invalid_id_key");
  const missing = await exportDataset({ client, dataset: { datasetName, tag: "nope" }, path }).catch(
    (error: unknown) => error,
  );
  expect(missing).toBeInstanceOf(NotFoundError);
  expect(readdirSync(dir).filter((name) => name.includes("refused"))).toEqual([]);
  await expect(exportDataset({ client, dataset: { datasetName } })).rejects.toThrow(TypeError);
});

test.each([
  ["out.csv", "csv"],
  ["OUT.CSV", "csv"],
  ["out.jsonl", "jsonl"],
  ["out.ndjson", "jsonl"],
  ["out.txt", "jsonl"],
] as const)(
  "the format follows the extension of %s (as the CLI's), and a contradicting one is refused",
  async (name, written) => {
    const datasetName = uniqueName("export-ext");
    const synced = await upsertDataset({
      client,
      dataset: { datasetName },
      examples: examples.slice(0, 2),
      sourceIdKey: "id",
    });
    const sub = mkdtempSync(join(dir, "ext-"));
    const path = join(sub, name);
    const result = await exportDataset({ client, dataset: { datasetName }, path });
    expect(result.format).toBe(written);
    expect(readFileSync(path, "utf8").startsWith(written === "csv" ? "id," : '{"id":"e0"')).toBe(true);
    expect(manifestDigest(await hashFile(path, { sourceIdKey: "id", format: written }))).toBe(synced.digest);
    if (name !== "out.txt") {
      const other: ExportFormat = written === "csv" ? "jsonl" : "csv";
      const again = join(sub, `again-${name}`);
      await expect(exportDataset({ client, dataset: { datasetName }, format: other, path: again })).rejects.toThrow(
        /contradicts the extension of path/,
      );
      expect(readdirSync(sub)).toEqual([name]);
    }
  },
);
