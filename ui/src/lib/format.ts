// How values are shown across pages.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const integer = new Intl.NumberFormat();
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 3 });

/** A server timestamp (ISO 8601) in the reader's time zone; the exact text stays in `title`. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : integer.format(value);
}

/** A count with its noun, in the plural unless it is 1: `1 example`, `2,000 examples`. */
export function formatCounted(value: number | null | undefined, noun: string, plural = `${noun}s`): string {
  return `${formatCount(value)} ${value === 1 ? noun : plural}`;
}

export function formatScore(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : decimal.format(value);
}

/** The first characters of an id or digest, enough to tell them apart on a page. */
export function shortId(id: string, length = 8): string {
  const bare = id.startsWith("sha256:") ? id.slice(7) : id;
  return bare.length > length ? bare.slice(0, length) : bare;
}
