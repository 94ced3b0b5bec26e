/**
 * The NDJSON bodies of a large sync (the plan's and the upsert's), produced lazily a block of
 * {@link ROWS_PER_CHUNK} examples at a time as `fetch` pulls them: a million examples are never
 * one string, and no second copy of their contents is made. A line with content is written by
 * the core from the records in memory when its block is due (bytes, never a JS string: see
 * `contentLines`), or taken from a file's canonical text.
 */
import { ProgressLine } from "./progress.js";
import { handedOver, type PreparedExamples } from "./records.js";

/** Examples per chunk handed to `fetch`: about 2 MB of content lines, 220 KB without content. */
export const ROWS_PER_CHUNK = 2000;

/**
 * The chunks of an NDJSON body: the `header` line, then each example, with content only where
 * `needed` holds its source id (the plan: an empty set); with `show`, a progress line counts the
 * examples handed to `fetch` (anew on each try). A line without content is
 * `{"source_id":…,"content_hash":…}`; with content, records in memory give the Python SDK's
 * line (`{"content_hash":…,"input":…,"metadata":…,"output":…,"source_id":…}`, the core's
 * bytes), a file's records `{"source_id":…,"content_hash":…,"input":…,"output":…,"metadata":…}`
 * with their canonical texts.
 */
export function* ndjsonChunks(
  header: object,
  prepared: PreparedExamples,
  needed: ReadonlySet<string>,
  show = false,
): Generator<string | Uint8Array> {
  const total = prepared.sourceIds.length;
  const progress = new ProgressLine(total, "upload", "examples", show);
  yield `${JSON.stringify(header)}\n`;
  for (let start = 0; start < total; start += ROWS_PER_CHUNK) {
    const stop = Math.min(start + ROWS_PER_CHUNK, total);
    const lines = chunk(prepared, needed, start, stop);
    if (Array.isArray(lines)) {
      yield* handedOver(lines);
    } else {
      yield lines;
    }
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
): Generator<string | Uint8Array> {
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
    if (prepared.linesOf !== undefined) {
      yield* handedOver(prepared.linesOf(block).lines);
    } else {
      yield `${block.map((row) => contentLine(prepared, row)).join("\n")}\n`;
    }
    progress.advance(block.length);
  }
  progress.close();
}

/** The line of the file's example at `row`, with its content (no newline). */
function contentLine(prepared: PreparedExamples, row: number): string {
  const id = prepared.sourceIds[row] as string;
  const hash = prepared.contentHashes[row] as string;
  return `{"source_id":${JSON.stringify(id)},"content_hash":"${hash}",${prepared.contentJson(row)}}`;
}

/**
 * The lines of the examples from `start` to `stop`, each ending in a newline: with the records
 * in memory, those with content are the core's bytes (the whole block's when every example is
 * needed, else spliced between the others' lines).
 */
function chunk(
  prepared: PreparedExamples,
  needed: ReadonlySet<string>,
  start: number,
  stop: number,
): string | Uint8Array | Uint8Array[] {
  const { sourceIds, contentHashes, linesOf } = prepared;
  const ids = sourceIds.slice(start, stop);
  const rows: number[] = [];
  if (linesOf !== undefined && needed.size > 0) {
    ids.forEach((id, at) => {
      if (needed.has(id)) {
        rows.push(start + at);
      }
    });
  }
  const written = rows.length === 0 || linesOf === undefined ? undefined : linesOf(rows);
  if (written !== undefined && rows.length === ids.length) {
    return written.lines;
  }
  // When no id of the block needs an escape (the usual case), each is itself in quotes:
  // JSON.stringify of the block adds just the quotes and commas then.
  const plain = JSON.stringify(ids).length === ids.reduce((length, id) => length + id.length + 3, 1);
  const bare = (row: number, id: string) =>
    `{"source_id":${plain ? `"${id}"` : JSON.stringify(id)},"content_hash":"${contentHashes[row]}"}\n`;
  if (written === undefined) {
    let text = "";
    for (let row = start; row < stop; row++) {
      const id = ids[row - start] as string;
      text += needed.has(id) ? `${contentLine(prepared, row)}\n` : bare(row, id);
    }
    return text;
  }
  // Some needed: the core's lines, each cut out of its part's buffer, between the others'.
  const encoder = new TextEncoder();
  const pieces: Uint8Array[] = [];
  let text = "";
  let [buffer, inBuffer, lineStart, next] = [0, 0, 0, 0];
  for (let row = start; row < stop; row++) {
    if (rows[next] !== row) {
      text += bare(row, ids[row - start] as string);
      continue;
    }
    if (text !== "") {
      pieces.push(encoder.encode(text));
      text = "";
    }
    while (inBuffer === written.counts[buffer]) {
      [buffer, inBuffer, lineStart] = [buffer + 1, 0, 0];
    }
    const end = written.ends[next] as number;
    pieces.push((written.lines[buffer] as Uint8Array).subarray(lineStart, end));
    [inBuffer, lineStart, next] = [inBuffer + 1, end, next + 1];
  }
  if (text !== "") {
    pieces.push(encoder.encode(text));
  }
  return Buffer.concat(pieces);
}
