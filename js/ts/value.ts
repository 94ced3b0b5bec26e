/**
 * The JS side of the value mapping: which JS values are JSON values of the hash domain, and
 * how they travel to the Rust core.
 *
 * One walk over a value writes it on a {@link Tape} for the core (see `src/value.rs`) and
 * refuses what is outside the domain, with the core's error codes and the JSONPath of the
 * value. Accepted: plain objects (prototype `Object.prototype` or `null`), arrays, strings,
 * finite numbers, booleans and `null`; object members whose value is `undefined` are left out,
 * as `JSON.stringify` does. Strings with lone surrogates are refused by the core, which scans
 * them faster than JS (see {@link Tape}).
 *
 * @module
 */

import { type HashError, hashErrorOf } from "./errors.js";
import { MAX_DEPTH } from "./limits.js";
import { native, type TextSink } from "./native.js";

/** A path step: a member name or an array index. */
type Segment = string | number;

/** Why a value is outside the domain; `segments` runs from the value up to the root. */
export class Failure {
  readonly segments: Segment[] = [];

  constructor(
    readonly code: string,
    readonly reason: string,
  ) {}

  /** This failure, one level further up: below `segment`. */
  within(segment: Segment): Failure {
    this.segments.push(segment);
    return this;
  }

  /** The {@link HashError}, with `prefix` (root first) in front of the path. */
  toHashError(prefix: readonly Segment[] = []): HashError {
    const segments = [...prefix, ...this.segments.slice().reverse()];
    return hashErrorOf(this.code, pathOf(segments), this.reason);
  }
}

const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The JSONPath of `segments` (root first), written as the core writes paths. */
export function pathOf(segments: readonly Segment[]): string {
  let path = "$";
  for (const segment of segments) {
    if (typeof segment === "number") {
      path += `[${segment}]`;
    } else if (PLAIN_IDENTIFIER.test(segment)) {
      path += `.${segment}`;
    } else {
      // JSON.stringify escapes as RFC 8785 does (and writes a lone surrogate as \udXXX).
      path += `[${JSON.stringify(segment)}]`;
    }
  }
  return path;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether `text` has no lone surrogate (`String.prototype.isWellFormed` where Node has it). */
export const isWellFormed: (text: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === "function"
    ? (text) => (text as string & { isWellFormed(): boolean }).isWellFormed()
    : (text) => !LONE_SURROGATE.test(text);

/** A short description of a JS value outside the domain, for messages. */
export function describe(value: unknown): string {
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    case "bigint":
      return "a BigInt";
    case "number":
      return String(value);
    case "string":
      return "a string";
    case "boolean":
      return "a boolean";
    default:
      break;
  }
  if (value === null) {
    return "null";
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    return proto === Array.prototype ? "an array with a toJSON method" : "an instance of an Array subclass";
  }
  if (proto === Object.prototype || proto === null) {
    return "an object with a toJSON method";
  }
  const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof name === "string" && name !== "") {
    return ["Number", "String", "Boolean", "BigInt", "Symbol"].includes(name) ? `a boxed ${name}` : `a ${name}`;
  }
  return "an object that is not a plain object";
}

function unsupported(value: unknown): Failure {
  return new Failure(
    "unsupported_type",
    `${describe(value)} is not a JSON value (JSON has plain objects, arrays, strings, finite numbers, booleans and null)`,
  );
}

/**
 * Where `text` has its first lone surrogate, counted as `char::decode_utf16` counts (a pair is
 * one step), or `null`: so that the message is the core's (`canonhash::string_from_utf16`).
 */
function firstLoneSurrogate(text: string): { unit: number; offset: number } | null {
  let offset = 0;
  for (let index = 0; index < text.length; index++, offset++) {
    const unit = text.charCodeAt(index);
    if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = text.charCodeAt(index + 1);
      if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        index++;
      } else {
        return { unit, offset };
      }
    }
  }
  return null;
}

function loneSurrogate(text: string): Failure {
  const { unit, offset } = firstLoneSurrogate(text) ?? { unit: 0, offset: 0 };
  const hex = unit.toString(16).toUpperCase().padStart(4, "0");
  return new Failure(
    "lone_surrogate",
    `lone surrogate U+${hex} near UTF-16 unit ${offset}; a JSON string must be valid Unicode`,
  );
}

/** The JSON type name the core uses in messages (`Value::type_name`). */
function jsonTypeName(value: unknown): string {
  if (value === null) {
    return "null";
  }
  return Array.isArray(value) ? "array" : typeof value;
}

// Tape tags: keep in step with src/value.rs.
const NULL = 0;
const FALSE = 1;
const TRUE = 2;
const NUMBER = 3;
const STRING = 4;
const ARRAY = 5;
const OBJECT = 6;
const ABSENT = 7;

/** Whether `for…in` over a plain object visits its own members only. */
function bareObjectPrototype(): boolean {
  for (const _ in Object.prototype) {
    return false;
  }
  return true;
}

/** A tape's strings go to the core in chunks of at least this many UTF-16 units (32 KB)... */
const CHUNK_UNITS = 1 << 14;
/** ... or of this many strings, whichever comes first: each is an argument of one call. */
const CHUNK_STRINGS = 1024;
/** The most strings handed over in one call (far below what a call's arguments may number). */
const MAX_STRINGS_PER_CALL = 8192;
/** Slots of {@link Tape.strings} before the strings: the sink and the strings' units. */
const HEAD = 2;

/** Hands strings to a {@link TextSink}: see `push_strings` in `src/value.rs`. */
const pushStrings = native.stringPusher();

/** The distinct member names of a tape, each written on the tape as its index. */
export class Names {
  private readonly ids = new Map<string, number>();
  readonly list: string[] = [];

  /** The index of `name`, or -1 for a name with a lone surrogate. */
  id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      if (!isWellFormed(name)) {
        return -1;
      }
      id = this.list.length;
      this.ids.set(name, id);
      this.list.push(name);
    }
    return id;
  }
}

/**
 * A value (or a run of examples) written for the core: `slots` holds tags, numbers, lengths
 * and name ids; the strings go one after the other into `strings` (the core copies each out
 * of V8), the names to a {@link Names}. Neither a rope (`+=`, which V8 flattens into a fresh
 * copy when the core reads it) nor `Array.prototype.join`: each string is copied once, by the
 * core, and the array is reused, so handing text over makes no garbage.
 *
 * Strings are checked for lone surrogates by the core, which finds them faster: so a failure
 * that the walk finds may come after a lone surrogate in walk order. Where that matters, the
 * callers walk the failing value again with a `strict` tape, which checks strings too.
 */
export class Tape {
  slots: Float64Array;
  length = 0;
  /**
   * From index {@link HEAD} on, the strings of this tape not yet handed to {@link sink}, in
   * order (`count` of them; entries past it are stale): a batch's part hands them to the core
   * in chunks of about {@link CHUNK_UNITS} units or {@link CHUNK_STRINGS} strings, cut at
   * example boundaries, each chunk in one call whose arguments are this array (see
   * {@link cut}). Without a sink, {@link written} hands them over at the end.
   */
  strings: unknown[];
  /** Entries of {@link strings} in use ({@link HEAD} and the strings). */
  count = HEAD;
  /** UTF-16 units in the strings of this tape (in `sink` and `strings`). */
  units = 0;
  /** UTF-16 units handed to `sink`. */
  private sunk = 0;
  /** Whether Object.prototype has no enumerable member, as on the tape's making. */
  private readonly bare = bareObjectPrototype();
  /**
   * The member names met at each position of the current example's walk, and their ids: the
   * examples of a batch mostly have one shape, so a name is found by one comparison with the
   * one at its position in the example before (interned strings compare by address), not by
   * a lookup in {@link names}.
   */
  private readonly seenNames: string[] = [];
  private readonly seenIds: number[] = [];
  /** Members met so far in the current example (or value). */
  private memberAt = 0;

  /**
   * `slots`: the room to write in (a buffer to reuse), or how many slots to make room for;
   * `strings`: an array to reuse for the strings.
   */
  constructor(
    readonly names: Names = new Names(),
    readonly strict = false,
    slots: Float64Array | number = 256,
    /** Where a batch's part hands its strings, chunk by chunk (see {@link cut}). */
    readonly sink?: TextSink,
    strings: unknown[] = [undefined, 0],
  ) {
    this.slots = typeof slots === "number" ? new Float64Array(slots) : slots;
    this.strings = strings;
  }

  private grow(): void {
    const slots = new Float64Array(this.slots.length * 2);
    slots.set(this.slots);
    this.slots = slots;
  }

  /**
   * Cuts the tape back to where it stood before the last (failed) example: `units` and
   * `count` as they were then; the sink holds no string of it, since chunks are cut only
   * between examples.
   */
  dropLastExample(length: number, units: number, count: number): void {
    this.length = length;
    this.units = units;
    this.count = count;
  }

  /**
   * Between two examples (and with `all`, at the part's end): the strings so far go to the
   * sink once they are many or long enough.
   */
  cut(all = false): void {
    const pending = this.units - this.sunk;
    if (
      this.sink === undefined ||
      !(pending >= CHUNK_UNITS || this.count >= CHUNK_STRINGS + HEAD || (all && this.count > HEAD))
    ) {
      return;
    }
    const strings = this.strings;
    if (this.count - HEAD <= MAX_STRINGS_PER_CALL) {
      strings[0] = this.sink;
      strings[1] = pending;
      // `apply` passes the array's length's worth of arguments.
      strings.length = this.count;
      pushStrings.apply(undefined, strings as [TextSink, number, ...string[]]);
    } else {
      // An example of very many strings: several calls.
      for (let start = HEAD; start < this.count; start += MAX_STRINGS_PER_CALL) {
        const some = strings.slice(start, Math.min(start + MAX_STRINGS_PER_CALL, this.count)) as string[];
        const units = some.reduce((sum, text) => sum + text.length, 0);
        pushStrings(this.sink, units, ...some);
      }
    }
    this.sunk = this.units;
    this.count = HEAD;
  }

  /** The tape's slots (a view, not a copy). */
  finish(): Float64Array {
    return this.slots.subarray(0, this.length);
  }

  /**
   * Writes `value`, which sits inside `depth` containers; returns the failure when it is
   * outside the domain (the tape then holds part of it: see {@link dropLastExample}).
   */
  value(value: unknown, depth: number): Failure | null {
    if (this.length + 2 > this.slots.length) {
      this.grow();
    }
    // if-chains on typeof compile to type checks; a switch calls the Typeof builtin.
    if (typeof value === "string") {
      if (this.strict && !isWellFormed(value)) {
        return loneSurrogate(value);
      }
      this.slots[this.length++] = STRING;
      this.slots[this.length++] = value.length;
      this.strings[this.count++] = value;
      this.units += value.length;
      return null;
    }
    if (typeof value === "object") {
      if (value === null) {
        this.slots[this.length++] = NULL;
        return null;
      }
      return Array.isArray(value) ? this.array(value, depth) : this.object(value as Record<string, unknown>, depth);
    }
    if (typeof value === "number") {
      if (!Number.isFinite(value)) {
        return new Failure("non_finite_number", `${value} is not a finite number; JSON has no NaN or Infinity`);
      }
      this.slots[this.length++] = NUMBER;
      this.slots[this.length++] = value;
      return null;
    }
    if (typeof value === "boolean") {
      this.slots[this.length++] = value ? TRUE : FALSE;
      return null;
    }
    return unsupported(value);
  }

  private array(array: unknown[], depth: number): Failure | null {
    if (
      Object.getPrototypeOf(array) !== Array.prototype ||
      typeof (array as { toJSON?: unknown }).toJSON === "function"
    ) {
      return unsupported(array);
    }
    if (depth >= MAX_DEPTH) {
      return tooDeep();
    }
    const count = array.length;
    this.slots[this.length++] = ARRAY;
    this.slots[this.length++] = count;
    for (let index = 0; index < count; index++) {
      const failed = this.value(array[index], depth + 1);
      if (failed !== null) {
        return failed.within(index);
      }
    }
    return null;
  }

  private object(object: Record<string, unknown>, depth: number): Failure | null {
    const proto: unknown = Object.getPrototypeOf(object);
    if ((proto !== Object.prototype && proto !== null) || typeof object.toJSON === "function") {
      return unsupported(object);
    }
    if (depth >= MAX_DEPTH) {
      return tooDeep();
    }
    this.slots[this.length++] = OBJECT;
    const countSlot = this.length++;
    let written = 0;
    if (this.bare) {
      // for-in visits the own members in Object.keys order, from V8's enum cache, and makes no
      // arrays of keys and values per object (which every scavenge met); it would visit
      // inherited members too, hence only while Object.prototype has none.
      for (const key in object) {
        const done = this.member(key, object[key], depth);
        if (done instanceof Failure) {
          return done;
        }
        written += done;
      }
    } else {
      for (const key of Object.keys(object)) {
        const done = this.member(key, object[key], depth);
        if (done instanceof Failure) {
          return done;
        }
        written += done;
      }
    }
    this.slots[countSlot] = written;
    return null;
  }

  /**
   * A member of an object inside `depth` containers: its name's id, then its value; 1 when
   * written, 0 when left out (`undefined`, as JSON.stringify does).
   */
  private member(key: string, member: unknown, depth: number): Failure | 0 | 1 {
    if (member === undefined) {
      return 0;
    }
    const at = this.memberAt++;
    let id: number;
    if (this.seenNames[at] === key) {
      id = this.seenIds[at] as number;
    } else {
      id = this.names.id(key);
      if (id < 0) {
        // At the object, as the core's text parser reports a lone surrogate in a name.
        return loneSurrogate(key);
      }
      this.seenNames[at] = key;
      this.seenIds[at] = id;
    }
    if (this.length + 1 > this.slots.length) {
      this.grow();
    }
    this.slots[this.length++] = id;
    const failed = this.value(member, depth + 1);
    return failed === null ? 1 : failed.within(key);
  }

  /**
   * Writes an example's parts in the order of the canonical example (input, metadata, output),
   * the order in which the core checks them; returns the failure of the first bad part.
   * Only `input`, `output` and `metadata` are read: other members are not hashed.
   */
  example(example: unknown): Failure | null {
    if (typeof example !== "object" || example === null || Array.isArray(example)) {
      const found = example === undefined ? "undefined" : jsonTypeName(example);
      return new Failure("not_an_object", `an example must be a JSON object with an input, found ${found}`);
    }
    const { input, output, metadata } = example as { input?: unknown; output?: unknown; metadata?: unknown };
    // A header of two slots: the example's slots after it and its UTF-16 units, so that the
    // core finds where each example starts without reading the tape.
    if (this.length + 2 > this.slots.length) {
      this.grow();
    }
    const header = this.length;
    const units = this.units;
    this.length += 2;
    this.memberAt = 0;
    const failed =
      this.part("input", input, false) ?? this.part("metadata", metadata, true) ?? this.part("output", output, true);
    this.slots[header] = this.length - header - 2;
    this.slots[header + 1] = this.units - units;
    return failed;
  }

  /**
   * One part of an example, which the core writes inside the example object (so at depth 1):
   * a plain object, or for `output` and `metadata` also `null` or missing (both hash as `{}`).
   */
  private part(name: string, value: unknown, optional: boolean): Failure | null {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      const failed = this.value(value, 1);
      return failed === null ? null : failed.within(name);
    }
    if (optional && (value === undefined || value === null)) {
      if (this.length + 1 > this.slots.length) {
        this.grow();
      }
      this.slots[this.length++] = value === null ? NULL : ABSENT;
      return null;
    }
    if (typeof value === "function" || typeof value === "symbol" || typeof value === "bigint") {
      return unsupported(value).within(name);
    }
    const found = value === undefined ? "nothing" : jsonTypeName(value);
    return new Failure("not_an_object", `an example's ${name} must be a JSON object, found ${found}`).within(name);
  }
}

function tooDeep(): Failure {
  return new Failure("depth_exceeded", `nesting is deeper than ${MAX_DEPTH} levels`);
}

/** The first failure of `value` in walk order, lone surrogates included (the error path). */
function strictFailure(write: (tape: Tape) => Failure | null, failed: Failure): Failure {
  return write(new Tape(new Names(), true)) ?? failed;
}

/** A value or example on a tape, for the core: slots, strings, their UTF-16 units, names. */
export type Written = [slots: Float64Array, strings: string[], units: number, names: string[]];

function written(tape: Tape): Written {
  return [tape.finish(), tape.strings.slice(HEAD, tape.count) as string[], tape.units, tape.names.list];
}

/** `value` on a tape, or its {@link HashError}. */
export function valueTape(value: unknown): Written {
  const write = (tape: Tape) => tape.value(value, 0);
  const tape = new Tape();
  const failed = write(tape);
  if (failed !== null) {
    throw strictFailure(write, failed).toHashError();
  }
  return written(tape);
}

/** The example on a tape, or its {@link HashError}. */
export function exampleTape(example: unknown): Written {
  const write = (tape: Tape) => tape.example(example);
  const tape = new Tape();
  const failed = write(tape);
  if (failed !== null) {
    throw strictFailure(write, failed).toHashError();
  }
  return written(tape);
}

/** A part of a batch of examples, on a tape of its own, for the core. */
export interface Part {
  /** A view of the writer's buffer, valid until the next part is written (the core copies it). */
  tape: Float64Array;
  /** The sink holding the tape's strings, one after the other (see {@link Tape.strings}). */
  text: TextSink;
  units: number;
  names: string[];
  /** How many examples the part holds. */
  count: number;
}

/**
 * The parts of a batch of examples, one at a time: each call writes the next examples on a
 * tape until it holds `tapeSize` slots or UTF-16 units, and returns `null` at the end. An
 * example outside the domain goes to {@link failures} (its index in the batch and its
 * {@link HashError}, path within the example). With `collect`, an empty example `{ input: {} }`
 * takes its place on the tape, so that every index keeps its place, and writing goes on;
 * without, the batch ends before it (the caller reports it only if the core finds no error in
 * the examples before it: a lone surrogate, which only the core checks).
 */
export class BatchWriter {
  readonly failures: Array<[number, HashError]> = [];
  private readonly iterator: Iterator<unknown>;
  private index = 0;
  private done = false;
  /** The slots of every part, written anew in the same buffer (grown as needed). */
  private slots: Float64Array = new Float64Array(1 << 14);
  /** The strings of every part on their way to the core, in the same array. */
  private readonly strings: unknown[] = [undefined, 0];
  /** The strings of every part, taken by the core when it takes the part. */
  private readonly sink = new native.TextSink();

  constructor(
    examples: Iterable<unknown>,
    private readonly tapeSize: number,
    private readonly collect = false,
  ) {
    this.iterator = examples[Symbol.iterator]();
  }

  next(): Part | null {
    if (this.done) {
      return null;
    }
    const tape = new Tape(new Names(), false, this.slots, this.sink, this.strings);
    let count = 0;
    while (tape.units <= this.tapeSize && tape.length <= this.tapeSize) {
      const step = this.iterator.next();
      if (step.done) {
        this.done = true;
        break;
      }
      const length = tape.length;
      const units = tape.units;
      const strings = tape.count;
      const failed = tape.example(step.value);
      if (failed !== null) {
        tape.dropLastExample(length, units, strings);
        const example = step.value;
        this.failures.push([this.index, strictFailure((strict) => strict.example(example), failed).toHashError()]);
        if (!this.collect) {
          this.done = true;
          break;
        }
        tape.example(PLACEHOLDER);
      }
      tape.cut();
      this.index++;
      count++;
    }
    this.slots = tape.slots;
    if (count === 0) {
      return null;
    }
    tape.cut(true);
    return { tape: tape.finish(), text: this.sink, units: tape.units, names: tape.names.list, count };
  }
}

const PLACEHOLDER = { input: {} };
