/**
 * The compiled addon, behind the public functions: nothing here is exported by the package.
 *
 * The Rust half reports a `canonhash::HashError` as an `Error` whose message is a marker and
 * the error's fields as JSON; {@link callNative} turns it into a {@link HashError}.
 *
 * @module
 */

import type * as NativeBinding from "../native/index.js";
import { hashErrorOf } from "./errors.js";

/** The platforms with a prebuilt addon: each is the npm package `groundset-<platform>`. */
const PREBUILT = ["linux-x64-gnu"];

function platformName(): string {
  if (process.platform !== "linux") {
    return `${process.platform}-${process.arch}`;
  }
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return `linux-${process.arch}-${header?.glibcVersionRuntime ? "gnu" : "musl"}`;
}

// A dynamic import, so that a missing addon fails with the platform named rather than with the
// napi-rs loader's generic message (kept as the cause).
let native: typeof NativeBinding;
try {
  native = await import("../native/index.js");
} catch (error) {
  const platform = platformName();
  const hint = PREBUILT.includes(platform)
    ? `its addon is the optional dependency groundset-${platform}: reinstall groundset without --omit=optional`
    : `prebuilt addons exist for ${PREBUILT.join(", ")} only`;
  throw new Error(`groundset: no native addon loads on ${platform}; ${hint}`, { cause: error });
}

export { native };

/** A part's strings on their way into the core (see `Tape.text` in `value.ts`). */
export type TextSink = InstanceType<typeof NativeBinding.TextSink>;
/** A failure the core found in a batch (its row, code, JSON path and words). */
export type NativeIssue = NativeBinding.NativeIssue;

/** Keep in step with `MARKER` in `src/error.rs`. */
const MARKER = "groundset:HashError:";

interface NativeHashError {
  code: string;
  message: string;
  path: string;
  line?: number;
  column?: number;
}

/**
 * The {@link HashError} that a native error stands for, or the error itself. `fromText` keeps
 * the line and column: false where the text was serialized by this package, so positions in it
 * would mean nothing to the caller.
 */
export function fromNative(error: unknown, fromText: boolean): unknown {
  if (!(error instanceof Error) || !error.message.startsWith(MARKER)) {
    return error;
  }
  const fields = JSON.parse(error.message.slice(MARKER.length)) as NativeHashError;
  const position =
    fromText && fields.line !== undefined && fields.column !== undefined
      ? { line: fields.line, column: fields.column }
      : undefined;
  return hashErrorOf(fields.code, fields.path, fields.message, position);
}

/** Calls the addon on text this package serialized, mapping its errors. */
export function callNative<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw fromNative(error, false);
  }
}
