/**
 * Numbers as the Python SDK prints them, so a summary or a comparison table reads the same from
 * either SDK.
 *
 * @module
 */

/**
 * `value` as Python's `format(value, ".{digits}g")` writes it (`digits` significant digits, no
 * trailing zeros, an exponent below 1e-4 and from 10^digits on); `sign` adds `+` as `"+.4g"`.
 */
export function formatG(value: number, digits: number, sign = false): string {
  const plus = sign && (value > 0 || Object.is(value, 0)) ? "+" : "";
  if (value === 0) {
    return `${plus}${Object.is(value, -0) ? "-0" : "0"}`;
  }
  if (!Number.isFinite(value)) {
    return `${plus}${Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf"}`;
  }
  const rounded = roundedTo(value, digits);
  const exponent = Math.floor(Math.log10(Math.abs(rounded)));
  const trimmed = (text: string) => (text.includes(".") ? text.replace(/\.?0+$/, "") : text);
  if (exponent < -4 || exponent >= digits) {
    const [mantissa, power] = rounded.toExponential(digits - 1).split("e") as [string, string];
    const p = Number(power);
    return `${plus}${trimmed(mantissa)}e${p < 0 ? "-" : "+"}${String(Math.abs(p)).padStart(2, "0")}`;
  }
  return `${plus}${trimmed(rounded.toFixed(Math.max(0, digits - 1 - exponent)))}`;
}

/**
 * `value` to `digits` significant digits, a tie to even as Python rounds (`toPrecision` rounds
 * a tie away from zero): a tie is read off the double's exact decimal expansion.
 */
function roundedTo(value: number, digits: number): number {
  const away = Number(value.toPrecision(digits));
  // Exact for every double of magnitude 1e-7 to 1e21: up to 100 digits, no exponent.
  const exact = Math.abs(value).toPrecision(100);
  if (exact.includes("e")) {
    return away;
  }
  const significant = exact.replace(".", "").replace(/^0+/, "");
  const kept = Number(significant[digits - 1]);
  const tie = significant[digits] === "5" && /^0*$/.test(significant.slice(digits + 1));
  if (!tie || kept % 2 === 1) {
    return away;
  }
  const exponent = Math.floor(Math.log10(Math.abs(value)));
  return away - Math.sign(value) * 10 ** (exponent - digits + 1);
}

/** An integer with thousands separators, as Python's `f"{n:,}"`. */
export function grouped(value: number): string {
  return value.toLocaleString("en-US", { maximumFractionDigits: 0 });
}

/** Milliseconds as Python's `f"{ms:,.1f} ms"`, or `-`. */
/** `1 run`, `2 runs`, `1,000 examples`: a count (grouped) with its noun, in the plural unless it is 1. */
export function counted(count: number, noun: string): string {
  return `${grouped(count)} ${noun}${count === 1 ? "" : "s"}`;
}

export function milliseconds(value: number | null): string {
  return value === null
    ? "-"
    : `${value.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 })} ms`;
}

/** The most characters of a caller's value a message repeats ({@link shown}). */
const SHOWN_CHARS = 80;

/**
 * `value` as a message quotes it (JSON): whole up to 80 characters (code points), else its first
 * 40, "…" and its length, so a 100 KB name is not printed back whole (as the Python SDK does).
 */
export function shown(value: string): string {
  const characters = [...value];
  if (characters.length <= SHOWN_CHARS) {
    return JSON.stringify(value);
  }
  return `${JSON.stringify(characters.slice(0, SHOWN_CHARS / 2).join(""))}… (${characters.length} characters)`;
}
