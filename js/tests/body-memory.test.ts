// The memory a streamed upsert body holds while it is sent, against the test server: the lines
// already sent are let go, so a body far larger than a chunk never lies in memory whole (fetch
// tees a body it may have to send again after a redirect, and the branch nobody reads would keep
// every chunk until the response).
import { upsertDataset } from "groundset";
import { expect, test } from "vitest";
import { STREAM_CHUNK, STREAM_THRESHOLD } from "../ts/constants.js";
import { testClient, uniqueName } from "./api.js";

test("a new dataset's streamed body: the external memory held while sending stays far below the body's size", async () => {
  const count = STREAM_THRESHOLD + STREAM_CHUNK;
  const filler = "x".repeat(900);
  const records = Array.from({ length: count }, (_, i) => ({ id: `r${i}`, input: { q: `${i} ${filler}` } }));
  const bodyBytes = count * filler.length;
  const base = process.memoryUsage().external;
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().external - base);
  }, 5);
  try {
    const result = await upsertDataset({
      client: testClient(),
      dataset: { datasetName: uniqueName("body-memory") },
      examples: records,
      sourceIdKey: "id",
    });
    expect(result.created).toBe(count);
  } finally {
    clearInterval(sampler);
  }
  // A few chunks' lines at a time (a chunk is ~20 MB here), not the ~200 MB of the whole body.
  expect(peak, `peak ${Math.round(peak / 2 ** 20)} MB`).toBeLessThan(bodyBytes / 2);
});
