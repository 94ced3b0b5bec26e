/**
 * The server's rules for the names an experiment run sends, checked before anything is created:
 * an evaluator's name (as `evaluations[].name`) and a new experiment's name, refused with the
 * server's code and words ({@link ValidationError}, request `not sent`), so a bad name costs no
 * task call and leaves no experiment behind. The server stays the authority; the Python SDK's
 * `_names.py` repeats the same rules. Characters are Unicode code points, as the server counts.
 *
 * @module
 */

import { ValidationError } from "./errors.js";
import { shown } from "./format.js";
import { MAX_NAME_CHARS } from "./limits.js";

type Refusal = { code: string; reason: string } | null;

/** U+0000 (`invalid_text`) or a lone surrogate (`lone_surrogate`), at its code point index. */
function textRefusal(value: string): Refusal {
  let index = 0;
  for (let unit = 0; unit < value.length; unit++, index++) {
    const code = value.charCodeAt(unit);
    if (code === 0) {
      return { code: "invalid_text", reason: `a name must not contain U+0000 (character ${index})` };
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = value.charCodeAt(unit + 1);
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        unit++; // a pair: one character
        continue;
      }
      const hex = code.toString(16).toUpperCase().padStart(4, "0");
      return { code: "lone_surrogate", reason: `the text holds a lone surrogate (U+${hex}) at character ${index}` };
    }
  }
  return null;
}

function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

/** Python's `str.isspace` of one character (JavaScript's `\s` also takes U+FEFF, which it does not). */
function isSpace(character: string): boolean {
  return character !== "\ufeff" && /^\s$/u.test(character);
}

function hex(character: string): string {
  return (character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
}

/** White space at either end or a control character (C0, DEL, C1), as the server words it. */
function shapeRefusal(characters: string[], what: string): string | null {
  const control = characters.findIndex((character) => isControl(character.codePointAt(0) ?? 0));
  if (control >= 0) {
    return `${what} must not contain a control character (U+${hex(characters[control] ?? "")} at character ${control})`;
  }
  const first = characters[0];
  if (first !== undefined && isSpace(first)) {
    return `${what} must not begin with white space (U+${hex(first)} at character 0)`;
  }
  const last = characters[characters.length - 1];
  if (last !== undefined && isSpace(last)) {
    return `${what} must not end with white space (U+${hex(last)} at character ${characters.length - 1})`;
  }
  return null;
}

function lengthRefusal(characters: string[]): Refusal {
  return characters.length > MAX_NAME_CHARS
    ? {
        code: "invalid_request",
        reason: `value should have at most ${MAX_NAME_CHARS} characters, not ${characters.length}`,
      }
    : null;
}

function refuse(refusal: Refusal, detail: (reason: string) => string, name: string): void {
  if (refusal !== null) {
    const said = detail(refusal.reason);
    throw new ValidationError(422, { status: 422, code: refusal.code, detail: said, name }, said, "not sent");
  }
}

/**
 * `name` as an evaluator's name, or {@link ValidationError}: empty or over `MAX_NAME_CHARS`
 * characters (`invalid_request`), U+0000 (`invalid_text`), a lone surrogate (`lone_surrogate`).
 */
export function checkEvaluatorName(name: string): void {
  const characters = [...name];
  const refusal =
    name === ""
      ? { code: "invalid_request", reason: "string should have at least 1 character" }
      : (lengthRefusal(characters) ?? textRefusal(name));
  refuse(refusal, (reason) => `evaluator ${shown(name)}: \`evaluations[].name\`: ${reason}`, name);
}

/**
 * `name` as a new experiment's name, or {@link ValidationError}: `invalid_name` (empty, white
 * space at either end, a control character: a dataset name's rule), `invalid_request` (over
 * `MAX_NAME_CHARS` characters), `invalid_text`, `lone_surrogate`; a name that is not a string is
 * a TypeError.
 */
export function checkExperimentName(name: unknown, label = "experimentName"): string {
  if (typeof name !== "string") {
    throw new TypeError(`${label} must be a string, not ${typeof name}`);
  }
  const characters = [...name];
  let refusal = textRefusal(name) ?? lengthRefusal(characters);
  if (refusal === null) {
    const shape = name === "" ? "an experiment name must not be empty" : shapeRefusal(characters, "an experiment name");
    refusal = shape === null ? null : { code: "invalid_name", reason: shape };
  }
  refuse(refusal, (reason) => `\`${label}\`: ${reason}`, name);
  return name;
}
