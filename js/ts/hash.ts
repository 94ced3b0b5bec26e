/**
 * Content hashes: of values, of examples, of batches of examples, and of dataset manifests.
 *
 * Values are checked and written on a tape in JS (see `value.ts`) and hashed by the Rust core.
 *
 * @module
 */

import { type HashError, hashErrorOf } from "./errors.js";
import { callNative, type NativeIssue, native } from "./native.js";
import { BatchWriter, exampleTape, isWellFormed, type Part, valueTape } from "./value.js";

/** An example: `input`, and optionally `output` and `metadata`, each a plain object. */
export interface Example {
  input: unknown;
  output?: unknown;
  metadata?: unknown;
}

/**
 * The hash of `value`: the SHA-256 of its RFC 8785 canonical form, as 64 lowercase hex digits.
 *
 * @throws {HashError} as {@link canonicalize}.
 */
export function hashValue(value: unknown): string {
  const [slots, strings, units, names] = valueTape(value);
  return callNative(() => native.hashValue(slots, strings, units, names));
}

/**
 * The content hash of an example: the SHA-256 of the canonical object
 * `{"input": …, "metadata": …, "output": …}`, where a missing or `null` output or metadata
 * counts as `{}`. Other members of `example` are not hashed.
 *
 * @throws {HashError} `not_an_object` (at `$`, `$.input`, `$.output` or `$.metadata`), and the
 * errors of {@link canonicalize} with paths below those. The example object counts as a level
 * of nesting, so `input` may nest 127 levels.
 */
export function exampleHash(example: Example): string {
  const [slots, strings, units, names] = exampleTape(example);
  return callNative(() => native.exampleHash(slots, strings, units, names));
}

/** A part of a batch ends past this many slots or UTF-16 units (about 2,000 typical examples). */
const PART_SIZE = 1 << 20;

/**
 * The core's member rule of structured records (the rule of files): only `input`, `output`,
 * `metadata` and the member `idKey`, unless `anyMembers` (a `sourceId` function reads the
 * others); a record without `input` is `not_an_object` naming its members.
 */
export interface MemberRule {
  idKey?: string | undefined;
  anyMembers: boolean;
}

/**
 * The members of the examples a source yields, in order, for the core's member rule: an
 * iterator over the source that notes each example's shape (its member names in order) as the
 * batch writer takes it. Records of one kind share a shape, so the core checks each shape of a
 * part once.
 */
class Members implements IterableIterator<unknown> {
  private readonly source: Iterator<unknown>;
  private shapeIds = new Map<string, number>();
  private nameIds = new Map<string, number>();
  /** Per example: the index of its shape, or -1 when it is not an object. */
  private examples: number[] = [];
  /** Per shape: its count of members, then the index of each name in {@link names}. */
  private shapes: number[] = [];
  private shapeCount = 0;
  private names: string[] = [];
  /** The last example's member names and shape: records of one kind come in runs. */
  private lastKeys: string[] = [];
  private lastShape = -1;

  constructor(examples: Iterable<unknown>) {
    this.source = examples[Symbol.iterator]();
  }

  [Symbol.iterator](): IterableIterator<unknown> {
    return this;
  }

  next(): IteratorResult<unknown> {
    const step = this.source.next();
    if (step.done !== true) {
      this.examples.push(this.shapeOf(step.value));
    }
    return step;
  }

  private shapeOf(example: unknown): number {
    if (example === null || typeof example !== "object" || Array.isArray(example)) {
      return -1;
    }
    const keys = Object.keys(example);
    const last = this.lastKeys;
    if (this.lastShape >= 0 && keys.length === last.length && keys.every((key, at) => key === last[at])) {
      return this.lastShape;
    }
    // A name holding the separator makes the key ambiguous: such a shape is never shared.
    const joined = keys.join("\u0000");
    const shared = !keys.some((key) => key.includes("\u0000"));
    let id = shared ? this.shapeIds.get(joined) : undefined;
    if (id === undefined) {
      id = this.shapeCount++;
      this.shapes.push(keys.length);
      for (const key of keys) {
        let name = this.nameIds.get(key);
        if (name === undefined) {
          name = this.names.length;
          this.nameIds.set(key, name);
          this.names.push(key);
        }
        this.shapes.push(name);
      }
      if (shared) {
        this.shapeIds.set(joined, id);
      }
    }
    [this.lastKeys, this.lastShape] = [keys, id];
    return id;
  }

  /**
   * The members of the examples taken since the last call, for the part that holds them: its
   * first `count` (a batch that stops at a refused example took that one too, but the part ends
   * before it).
   */
  take(count: number): { members: Float64Array; memberShapes: Float64Array; memberNames: string[] } {
    this.examples.length = Math.min(this.examples.length, count);
    // The constructor copies a plain array at once; `Float64Array.from` steps an iterator.
    const taken = {
      members: new Float64Array(this.examples),
      memberShapes: new Float64Array(this.shapes),
      memberNames: this.names,
    };
    [this.shapeIds, this.nameIds, this.examples, this.shapes, this.names] = [new Map(), new Map(), [], [], []];
    [this.shapeCount, this.lastKeys, this.lastShape] = [0, [], -1];
    return taken;
  }
}

/**
 * How {@link hashJoined} tells examples apart to find repeats and the manifest digest: by
 * `ids` (each example's checked source id, `undefined` for one without), or by content hash.
 */
export type Identity = { ids: ArrayLike<string | undefined> } | "content";

/** What {@link hashJoined} finds: see there. */
export interface JoinedHashes {
  /** 64 hex digits per example, in order (64 zeros for an example the core failed). */
  joined: string;
  failures: Map<number, HashError>;
  /** With an identity: pairs of indices, an example then the first with its identity, in order. */
  repeats?: Uint32Array;
  /**
   * With an identity, when the core found no failure and every example has an identity: the
   * manifest digest of the first example of each identity. Meaningless when `failures` has an
   * example JS refused (its placeholder was hashed).
   */
  digest?: string;
}

/**
 * The parts the core reads from `examples` (a function giving the next, `null` at the end), the
 * member rule as the core takes it, and the failures of a batch from the core's: with `rule`,
 * each part carries its examples' member shapes, exactly its own count of them.
 */
export function partsOf(
  examples: Iterable<unknown>,
  collect: boolean,
  rule: MemberRule | undefined,
): {
  nextPart: () => (Part & Partial<ReturnType<Members["take"]>>) | null;
  coreRule: { idKey: string | undefined; anyMembers: boolean } | undefined;
  failuresWith: (found: readonly NativeIssue[]) => Map<number, HashError>;
} {
  const members = rule === undefined ? undefined : new Members(examples);
  const writer = new BatchWriter(members ?? examples, PART_SIZE, collect);
  const nextPart = () => {
    const part = writer.next();
    return part === null || members === undefined ? part : { ...part, ...members.take(part.count) };
  };
  // The writer's failures (found in JS) with the core's, by row.
  const failuresWith = (found: readonly NativeIssue[]) => {
    const failures = new Map<number, HashError>(writer.failures);
    for (const failure of found) {
      failures.set(failure.row, hashErrorOf(failure.code, failure.path, failure.message));
    }
    return failures;
  };
  const coreRule = rule === undefined ? undefined : { idKey: rule.idKey, anyMembers: rule.anyMembers };
  return { nextPart, coreRule, failuresWith };
}

/**
 * The content hashes of a batch, and the error of each example outside the hash domain (by
 * its index; path within the example). Without `collect`, only the first bad example is
 * sure to be there (the batch stops at the first one JS finds). With `rule`, the examples are
 * structured records and the core applies its member rule first (its issue wins over the
 * example's other problems, as in a file). With `identity`, the core also finds the repeated
 * identities and the manifest digest, on its threads while this one writes the parts.
 */
export function hashJoined(
  examples: Iterable<unknown>,
  collect: boolean,
  rule?: MemberRule,
  identity?: Identity,
): JoinedHashes {
  const { nextPart, coreRule, failuresWith } = partsOf(examples, collect, rule);
  const found = callNative(() =>
    native.hashExamples(
      nextPart,
      coreRule,
      identity === undefined ? undefined : identity === "content" ? {} : idColumn(identity.ids),
    ),
  );
  const failures = failuresWith(found.failures);
  return { joined: found.hashes, failures, repeats: found.repeats ?? undefined, digest: found.digest ?? undefined };
}

/** Source ids as the core takes them: one text (a rope V8 flattens once) and each one's length. */
export function idColumn(ids: ArrayLike<string | undefined>): { text: string; lengths: Uint32Array } {
  const lengths = new Uint32Array(ids.length);
  let text = "";
  for (let index = 0; index < ids.length; index++) {
    const id = ids[index];
    if (id === undefined) {
      lengths[index] = native.NO_IDENTITY;
    } else {
      text += id;
      lengths[index] = id.length;
    }
  }
  return { text, lengths };
}

/** The hash of each example of `joined` (see {@link JoinedHashes}). */
export function splitHashes(joined: string): string[] {
  // One string of 64 hex digits per example: cheaper to hand over than one string each.
  const hashes: string[] = new Array(joined.length / 64);
  for (let index = 0; index < hashes.length; index++) {
    hashes[index] = joined.slice(index * 64, index * 64 + 64);
  }
  return hashes;
}

/** {@link hashJoined} without identities, each hash a string of its own. */
export function hashBatch(
  examples: Iterable<unknown>,
  collect: boolean,
  rule?: MemberRule,
): { hashes: string[]; failures: Map<number, HashError> } {
  const { joined, failures } = hashJoined(examples, collect, rule);
  return { hashes: splitHashes(joined), failures };
}

/**
 * The content hashes of many examples, in order: as {@link exampleHash} on each, in one call
 * into the core. The core hashes each part of the batch on all cores while JS writes the next.
 *
 * @throws {HashError} the first bad example's error, its path starting with the example's
 * index (`$[3].input.items[0]`).
 */
export function hashExamples(examples: Iterable<Example>): string[] {
  const { hashes, failures } = hashBatch(examples, false);
  if (failures.size > 0) {
    const index = Math.min(...failures.keys());
    const error = failures.get(index) as HashError;
    throw hashErrorOf(error.code, `$[${index}]${error.path.slice(1)}`, error.reason);
  }
  return hashes;
}

function manifestString(value: unknown, index: number, part: number): string {
  if (typeof value !== "string") {
    throw hashErrorOf(
      "unsupported_type",
      `$[${index}][${part}]`,
      `a manifest entry is a [sourceId, contentHash] pair of strings; found ${typeof value}`,
    );
  }
  if (!isWellFormed(value)) {
    throw hashErrorOf(
      "lone_surrogate",
      `$[${index}][${part}]`,
      "the string has a lone surrogate; a JSON string must be valid Unicode",
    );
  }
  return value;
}

/**
 * The digest of a dataset version: the hash of the canonical JSON array
 * `[[sourceId, contentHash], …]` sorted by source id (UTF-16 order). Two environments holding
 * the same examples get the same digest, whatever order they list them in.
 *
 * @throws {HashError} `unsupported_type` for an entry that is not a pair of strings,
 * `lone_surrogate` for a string with a lone surrogate.
 */
export function manifestDigest(pairs: Iterable<readonly [string, string]>): string {
  const sourceIds: string[] = [];
  const contentHashes: string[] = [];
  let index = 0;
  for (const pair of pairs as Iterable<unknown>) {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw hashErrorOf("unsupported_type", `$[${index}]`, "a manifest entry must be a [sourceId, contentHash] pair");
    }
    sourceIds.push(manifestString(pair[0], index, 0));
    contentHashes.push(manifestString(pair[1], index, 1));
    index++;
  }
  return manifestDigestOfColumns(sourceIds, contentHashes);
}

/**
 * {@link manifestDigest} of pairs given as two columns of checked strings (no lone surrogate),
 * handed to the core as one text: a string per pair would cost two copies out of V8 each.
 */
export function manifestDigestOfColumns(sourceIds: readonly string[], contentHashes: readonly string[]): string {
  const count = sourceIds.length;
  if (contentHashes.length !== count) {
    throw new TypeError("source ids and content hashes differ in number");
  }
  const lengths = new Uint32Array(count * 2);
  let text = "";
  const parts: string[] = new Array(count * 2);
  for (let index = 0; index < count; index++) {
    const [sourceId, contentHash] = [sourceIds[index] as string, contentHashes[index] as string];
    lengths[index * 2] = sourceId.length;
    lengths[index * 2 + 1] = contentHash.length;
    parts[index * 2] = sourceId;
    parts[index * 2 + 1] = contentHash;
  }
  text = parts.join("");
  return callNative(() => native.manifestDigestJoined(text, lengths));
}
