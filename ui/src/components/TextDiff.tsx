// A text's differences from another, word by word (jsdiff): one side of a side-by-side view.
import { diffWordsWithSpace } from "diff";

/** Past this many characters the texts are not diffed word by word (the whole text is marked). */
const MAX_DIFF_CHARS = 20_000;

/** `before` or `after` (by `side`) with the words the other lacks marked: removed words
 * (`<del>`) on the "before" side, added ones (`<ins>`) on the "after" side. */
export function TextDiff({ before, after, side }: { before: string; after: string; side: "before" | "after" }) {
  const text = side === "before" ? before : after;
  if (before === after) return <span>{text}</span>;
  if (before.length + after.length > MAX_DIFF_CHARS) {
    return side === "before" ? <del>{text}</del> : <ins>{text}</ins>;
  }
  const parts = diffWordsWithSpace(before, after);
  return (
    <span>
      {parts.map((part, index) => {
        const key = `${index}`;
        if (part.added) return side === "after" ? <ins key={key}>{part.value}</ins> : null;
        if (part.removed) return side === "before" ? <del key={key}>{part.value}</del> : null;
        return <span key={key}>{part.value}</span>;
      })}
    </span>
  );
}
