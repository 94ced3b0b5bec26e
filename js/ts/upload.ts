/**
 * The NDJSON bodies of a large sync (the plan's and the upsert's), produced lazily a block of
 * {@link ROWS_PER_CHUNK} examples at a time as `fetch` pulls them: a million examples are never
 * one string, and no second copy of their contents is made (a line's content is written from the
 * prepared values, or taken from the file's canonical text, when its block is due).
 */
import { ProgressLine } from "./progress.js";
import type { PreparedExamples } from "./records.js";

/** Examples per chunk handed to `fetch`: about 2 MB of content lines, 220 KB without content. */
export const ROWS_PER_CHUNK = 2000;

/**
 * The chunks of an NDJSON body: the `header` line, then each example, with content only where
 * `needed` holds its source id (the plan: an empty set); with `show`, a progress line counts the
 * examples handed to `fetch` (anew on each try). A line is `{"source_id":…,"content_hash":…}`,
 * then with content `"input":…,"output":…,"metadata":…`.
 */
export function* ndjsonChunks(
  header: object,
  prepared: PreparedExamples,
  needed: ReadonlySet<string>,
  show = false,
): Generator<string> {
  const total = prepared.sourceIds.length;
  const progress = new ProgressLine(total, "upload", "examples", show);
  yield `${JSON.stringify(header)}\n`;
  for (let start = 0; start < total; start += ROWS_PER_CHUNK) {
    const stop = Math.min(start + ROWS_PER_CHUNK, total);
    yield chunk(prepared, needed, start, stop);
    progress.advance(stop - start);
  }
  progress.close();
}

/**
 * The chunks of the NDJSON body of an upsert by `plan_id`: the `header` line (which names the
 * plan), then only the examples whose source id is in `needed`, each with its content (the
 * server holds the rest of the manifest); with `show`, a progress line counts them.
 */
export function* neededChunks(
  header: object,
  prepared: PreparedExamples,
  needed: ReadonlySet<string>,
  show = false,
): Generator<string> {
  const rows: number[] = [];
  prepared.sourceIds.forEach((id, row) => {
    if (needed.has(id)) {
      rows.push(row);
    }
  });
  const progress = new ProgressLine(rows.length, "upload", "examples", show);
  yield `${JSON.stringify(header)}\n`;
  for (let start = 0; start < rows.length; start += ROWS_PER_CHUNK) {
    const block = rows.slice(start, start + ROWS_PER_CHUNK);
    yield `${block.map((row) => contentLine(prepared, row)).join("\n")}\n`;
    progress.advance(block.length);
  }
  progress.close();
}

/** The line of the example at `row`, with its content (no newline). */
function contentLine(prepared: PreparedExamples, row: number): string {
  const id = prepared.sourceIds[row] as string;
  const hash = prepared.contentHashes[row] as string;
  const { values } = prepared;
  if (values !== undefined) {
    // One JSON.stringify of the whole line: the same text as the members one by one.
    const { inputs, outputs, metadatas } = values;
    return JSON.stringify({
      source_id: id,
      content_hash: hash,
      input: inputs[row],
      output: outputs[row],
      metadata: metadatas[row],
    });
  }
  return `{"source_id":${JSON.stringify(id)},"content_hash":"${hash}",${prepared.contentJson(row)}}`;
}

/** The lines of the examples from `start` to `stop`, each ending in a newline. */
function chunk(prepared: PreparedExamples, needed: ReadonlySet<string>, start: number, stop: number): string {
  const { sourceIds, contentHashes } = prepared;
  const ids = sourceIds.slice(start, stop);
  // When no id of the block needs an escape (the usual case), each is itself in quotes:
  // JSON.stringify of the block adds just the quotes and commas then.
  const plain = JSON.stringify(ids).length === ids.reduce((length, id) => length + id.length + 3, 1);
  const lines = new Array<string>(stop - start + 1);
  for (let row = start; row < stop; row++) {
    const id = ids[row - start] as string;
    const hash = contentHashes[row] as string;
    lines[row - start] = needed.has(id)
      ? contentLine(prepared, row)
      : `{"source_id":${plain ? `"${id}"` : JSON.stringify(id)},"content_hash":"${hash}"}`;
  }
  lines[stop - start] = "";
  return lines.join("\n");
}
