// One side of two JSON values shown side by side, with what differs marked: members and items
// only on this side (removed on the old side, added on the new), values changed, and inside
// changed strings the words that differ. Unchanged branches (a whole unchanged part too) start
// folded, so the changes come first.
import type { ReactNode } from "react";
import { TextDiff } from "./TextDiff";

type Side = "before" | "after";

const MISSING = Symbol("missing");

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return value !== null && typeof value === "object";
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isContainer(a) || !isContainer(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every(
    (key) => Object.hasOwn(b, key) && same((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

function scalar(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function Leaf({ value, other, side }: { value: unknown; other: unknown; side: Side }) {
  if (other === MISSING) return <code>{scalar(value)}</code>;
  if (typeof value === "string" && typeof other === "string" && value !== other) {
    const [before, after] = side === "before" ? [value, other] : [other, value];
    return (
      <code className="changed">
        "<TextDiff before={before} after={after} side={side} />"
      </code>
    );
  }
  return <code className={same(value, other) ? undefined : "changed"}>{scalar(value)}</code>;
}

function Node({ value, other, side, depth }: { value: unknown; other: unknown; side: Side; depth: number }): ReactNode {
  if (!isContainer(value) || !isContainer(other) || Array.isArray(value) !== Array.isArray(other)) {
    return <Leaf value={value} other={other === undefined ? MISSING : other} side={side} />;
  }
  const array = Array.isArray(value);
  const entries: [string, unknown][] = array
    ? (value as unknown[]).map((item, index) => [String(index), item])
    : Object.entries(value);
  if (entries.length === 0) return <code>{array ? "[]" : "{}"}</code>;
  const changed = !same(value, other);
  const otherRecord = other as Record<string, unknown>;
  const mark = side === "before" ? "removed" : "added";
  return (
    <details open={changed} className="json-diff-node">
      <summary>
        <code>{array ? `[${entries.length}]` : `{${entries.length}}`}</code>
        {changed ? null : <span className="muted"> unchanged</span>}
      </summary>
      <ul>
        {entries.map(([key, item]) => {
          const present = Object.hasOwn(otherRecord, key);
          return (
            <li key={key} className={present ? undefined : mark}>
              <span className="json-key">{array ? `${key}:` : `${JSON.stringify(key)}:`}</span>{" "}
              {present ? (
                <Node value={item} other={otherRecord[key]} side={side} depth={depth + 1} />
              ) : (
                <Leaf value={item} other={MISSING} side={side} />
              )}
            </li>
          );
        })}
      </ul>
    </details>
  );
}

/** `value` (the `side` of a pair) as a tree compared with `other`, the pair's other side. */
export function JsonDiff({ value, other, side }: { value: unknown; other: unknown; side: Side }) {
  return (
    <div className="json-view json-diff">
      <Node value={value} other={other} side={side} depth={0} />
    </div>
  );
}

/** Whether two JSON values differ (member order aside). */
export function jsonDiffers(a: unknown, b: unknown): boolean {
  return !same(a, b);
}
