/**
 * The error classes of the SDK. Every error the SDK raises on purpose is a
 * {@link GroundsetError}. The tree, the attributes of each class and the status of each
 * {@link APIError} subclass are those of `contract/sdk.json`, the same as the Python SDK's
 * (`statusCode` there is `status` here and in both: the RFC 9457 member names).
 *
 * @module
 */

/** The base class of every error that groundset raises on purpose. */
export class GroundsetError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A value, example or JSONL line that cannot be canonicalized or hashed.
 *
 * `code` is the hashing core's stable reason (`ErrorCode::as_str()` of the Rust crate
 * `canonhash`), the same in every groundset SDK: `non_finite_number`, `integer_not_exact`,
 * `lone_surrogate`, `duplicate_key`, `depth_exceeded`, `not_an_object`, `invalid_json`,
 * `missing_source_id`, `invalid_source_id`, `unsupported_type`, `non_string_key` or `io_error`.
 */
export class HashError extends GroundsetError {
  /** The stable reason code, such as `integer_not_exact`. */
  readonly code: string;
  /** The JSONPath of the offending value, such as `$.input.items[3]` or `$["a key"]`. */
  readonly path: string;
  /** The explanation alone, without code, path or position. */
  readonly reason: string;
  /** The 1-based line in the source text, for errors raised while reading text (JSONL lines). */
  readonly line?: number;
  /** The 1-based column (in Unicode scalar values) in the source text, with `line`. */
  readonly column?: number;
  /** The 0-based index of the record in `upsertDataset`'s `examples` (then `path` is within that record). */
  readonly row?: number;

  constructor(code: string, path: string, reason: string, position?: { line: number; column: number }, row?: number) {
    const where = position === undefined ? "" : ` (line ${position.line}, column ${position.column})`;
    super(`${row === undefined ? "" : `row ${row}: `}${code} at ${path}${where}: ${reason}`);
    this.code = code;
    this.path = path;
    this.reason = reason;
    if (position !== undefined) {
      this.line = position.line;
      this.column = position.column;
    }
    if (row !== undefined) {
      this.row = row;
    }
  }
}

/**
 * A value of a type that has no JSON form (`code` `unsupported_type`: a function, a symbol,
 * `undefined` where a value is needed...), or an object key that is not a string
 * (`non_string_key`): the Python SDK's `UnsupportedTypeError`.
 */
export class UnsupportedTypeError extends HashError {}

/** The codes whose {@link HashError} is an {@link UnsupportedTypeError}. */
const UNSUPPORTED_TYPE_CODES: ReadonlySet<string> = new Set(["unsupported_type", "non_string_key"]);

/**
 * The {@link HashError} for `code` (an {@link UnsupportedTypeError} for `unsupported_type` and
 * `non_string_key`): every part of the SDK makes hashing errors with this.
 */
export function hashErrorOf(
  code: string,
  path: string,
  reason: string,
  position?: { line: number; column: number },
  row?: number,
): HashError {
  const errorClass = UNSUPPORTED_TYPE_CODES.has(code) ? UnsupportedTypeError : HashError;
  return new errorClass(code, path, reason, position, row);
}

/** A member of the server's RFC 9457 problem details (`application/problem+json`). */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  /** The server's stable reason, such as `version_conflict` or `hash_mismatch`. */
  code?: string;
  detail?: string;
  instance?: string;
  /** Up to ten source ids of the examples at fault, when the error is about examples. */
  source_ids?: string[];
  /** The NDJSON line at fault, when the request was NDJSON. */
  line?: number;
  [member: string]: unknown;
}

/**
 * The server answered with an error status. Subclasses name the status; `code` is the server's
 * stable reason (`problem.code`), `detail` its message.
 */
export class APIError extends GroundsetError {
  /** The HTTP status, such as 404. */
  readonly status: number;
  /** The server's stable reason, such as `dataset_not_found` or `stale_manifest`; `http_<status>` when the body had none. */
  readonly code: string;
  /** The server's message (`problem.detail`), or the body's text when it was not problem+json. */
  readonly detail: string;
  /** The whole problem+json body (empty when the body was something else). */
  readonly problem: Problem;
  /** The server's `X-Request-Id` for this request, to find its log line. */
  readonly requestId: string | undefined;
  /** `METHOD /path` of the request. */
  readonly request: string;

  constructor(status: number, problem: Problem, detail: string, request: string, requestId?: string) {
    const code = typeof problem.code === "string" ? problem.code : `http_${status}`;
    const ids = Array.isArray(problem.source_ids) ? ` [source ids: ${problem.source_ids.join(", ")}]` : "";
    const line = typeof problem.line === "number" ? ` [line ${problem.line}]` : "";
    super(`${request}: HTTP ${status} ${code}: ${detail}${ids}${line}`);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.problem = problem;
    this.requestId = requestId;
    this.request = request;
  }
}

/** 400: the request could not be read (bad JSON or NDJSON). */
export class BadRequestError extends APIError {}
/** 401: the API key is missing or wrong (`GROUNDSET_API_KEY`, or `apiKey` of {@link createClient}). */
export class AuthenticationError extends APIError {}
/** 403: the key may not do this. */
export class PermissionDeniedError extends APIError {}
/** 404: no such dataset, version or route. */
export class NotFoundError extends APIError {}
/**
 * 409: the request conflicts with the server's state (`version_conflict`, `stale_manifest`), or
 * the mirror guard refused a sync (`mirror_would_empty`, `max_deletes_exceeded`; `problem`
 * holds `deleted`, `example_count`, `max_deletes` and the first `source_ids`).
 */
export class ConflictError extends APIError {}
/** 413: the body is over the server's limit (`GROUNDSET_MAX_BODY_BYTES`). */
export class ContentTooLargeError extends APIError {}
/** 415: a media type the server does not read. */
export class UnsupportedMediaTypeError extends APIError {}
/** 422: the request was read but is not valid (`invalid_source_id`, `hash_mismatch`, ...). */
export class ValidationError extends APIError {}
/** 429: too many requests (retried with backoff before this is thrown). */
export class RateLimitError extends APIError {}
/** 500 and above: the server failed (503 is retried with backoff before this is thrown). */
export class InternalServerError extends APIError {}

const CLASS_OF_STATUS: Record<number, new (...args: ConstructorParameters<typeof APIError>) => APIError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  413: ContentTooLargeError,
  415: UnsupportedMediaTypeError,
  422: ValidationError,
  429: RateLimitError,
};

/** The detail of a 413 that is not the server's problem details (the Python SDK's words too). */
export const PROXY_TOO_LARGE =
  "a proxy in front of the server refused the body as too large (its own limit on a request's size, such as " +
  "nginx's client_max_body_size, 1 MB by default; the server's is GROUNDSET_MAX_BODY_BYTES): raise that limit, " +
  "or send less at a time";

/**
 * The error for an answer with an error status: the one place that maps a status and a
 * problem+json body (or any other body text) to the error classes.
 */
export function errorFromResponse(status: number, bodyText: string, request: string, requestId?: string): APIError {
  let problem: Problem = {};
  try {
    const parsed: unknown = JSON.parse(bodyText);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
      problem = parsed as Problem;
    }
  } catch {
    // Not JSON (a proxy's HTML page, say): the text itself is the message.
  }
  const detail =
    typeof problem.detail === "string"
      ? // The server names its wire members; this SDK's option is camelCase.
        problem.detail.replace("`move_tag: true`", "`moveTag: true`")
      : bodyText.trim().slice(0, 500) || `HTTP ${status}`;
  const errorClass = CLASS_OF_STATUS[status] ?? (status >= 500 ? InternalServerError : APIError);
  // Not the server's body_too_large: a proxy's page, whose text says nothing of what to do.
  const proxied = status === 413 && typeof problem.code !== "string";
  return new errorClass(status, problem, proxied ? PROXY_TOO_LARGE : detail, request, requestId);
}

/** The server could not be reached, or the connection failed before an answer came. */
export class APIConnectionError extends GroundsetError {
  /** The URL that was requested. */
  readonly url: string;
  /** `connection_error` (`timeout` for {@link APITimeoutError}), as the Python CLI's `--json` refusal names it. */
  readonly code: string = "connection_error";

  constructor(message: string, url: string, options?: ErrorOptions) {
    super(message, options);
    this.url = url;
  }
}

/** No answer within the client's `timeoutMs` (`code` `timeout`). */
export class APITimeoutError extends APIConnectionError {
  override readonly code: string = "timeout";
}

/**
 * One bad record, as {@link ExampleError} lists them: the same fields in every groundset SDK
 * (the Python SDK's `RecordIssue`) and in the CLI's report.
 */
export interface RecordIssue {
  /** The 1-based line of the file where the record starts; `undefined` for in-memory records. */
  line?: number;
  /**
   * The 0-based index of the record, as an array counts (`examples[row]`; in a file: among its
   * records, a CSV's header not counted; a header's `invalid_header`: 0).
   */
  row: number;
  /** The JSON path within the record, such as `$.id` or `$.input.items[3]`. */
  path: string;
  /**
   * The stable reason: the core's codes (`duplicate_key`, `invalid_source_id`, `field_count`,
   * ...; see {@link HashError}) and the SDK's `not_a_mapping`.
   */
  code: string;
  /** The record's source id, when it had a valid one. */
  sourceId?: string;
  /** The explanation alone, without line, code or path. */
  message: string;
  /**
   * `schema_violation`: the JSON Pointer of the failing keyword in the dataset's schema document
   * (`/input/properties/question/type`).
   */
  schemaPath?: string;
  /**
   * The 1-based column (in characters, not UTF-16 units or bytes) on {@link line} where the
   * reader found the problem (a JSON syntax error).
   */
  column?: number;
}

/**
 * Records that cannot become examples, found before anything is sent: the same class and
 * codes as the Python SDK's `ExampleError`. One error lists every bad record: {@link errors}
 * (at most `MAX_REPORTED_ERRORS`, 100, in record order) and {@link moreErrors} (how many more).
 * `code`, `row`, `path`, `sourceId` and `line` are those of the first. The message is
 * `[FILE: ]N bad records:`, then one line per bad record: `row N: CODE at PATH [source id ID]:
 * message` for in-memory records, `FILE:LINE[:COLUMN]: CODE at PATH [source id ID]: message` for a
 * file, then `... and N more` (one bad record: its line alone), as in the Python SDK.
 */
export class ExampleError extends GroundsetError {
  /**
   * The stable reason of the first bad record: `missing_source_id`, `invalid_source_id`,
   * `duplicate_source_id`, `missing_key`, `not_a_mapping` (the record is not an object),
   * `not_an_object` (its `input`, `output` or `metadata` is not an object), a value outside the
   * hash domain (`non_finite_number`, `lone_surrogate`, ...), or for files the reader's codes
   * (`invalid_json`, `duplicate_key`, `field_count`, `invalid_header`, `invalid_csv`, ...).
   */
  readonly code: string;
  /** The 0-based index of the first bad record. */
  readonly row: number;
  /** Where in the first bad record, such as `$.id` or `$.input`. */
  readonly path: string;
  /** The first bad record's source id, when it has one. */
  readonly sourceId: string | undefined;
  /** The 1-based line where the first bad record starts, for a file. */
  readonly line: number | undefined;
  /** Every bad record, at most 100, in record order. */
  readonly errors: RecordIssue[];
  /** How many bad records there were beyond {@link errors}. */
  readonly moreErrors: number;

  constructor(
    message: string,
    fields: { code: string; row: number; path?: string; sourceId?: string; line?: number },
    errors?: { errors: RecordIssue[]; moreErrors: number },
  ) {
    super(message);
    this.code = fields.code;
    this.row = fields.row;
    this.path = fields.path ?? "$";
    this.sourceId = fields.sourceId;
    this.line = fields.line;
    const issue: RecordIssue = { row: fields.row, path: this.path, code: fields.code, message };
    if (fields.sourceId !== undefined) {
      issue.sourceId = fields.sourceId;
    }
    if (fields.line !== undefined) {
      issue.line = fields.line;
    }
    this.errors = errors?.errors ?? [issue];
    this.moreErrors = errors?.moreErrors ?? 0;
  }
}

/**
 * `3 bad records (8 violations)`: schema violations counted by record (row), as a record may
 * break several of a JSON Schema's rules (`at least` beyond the listed ones); else `N bad records`.
 * Issues of a CSV's header alone (`invalid_header`) are no records: `a bad header (N problems)`.
 * The Python SDK's `bad_records`.
 */
export function badRecords(issues: RecordIssue[], moreErrors: number): string {
  const problems = issues.length + moreErrors;
  if (issues.every((issue) => issue.code === "invalid_header")) {
    return `a bad header${problems === 1 ? "" : ` (${problems} problems)`}`;
  }
  const records = new Set(issues.map((issue) => issue.row)).size;
  if (records === issues.length || issues.some((issue) => issue.code !== "schema_violation")) {
    return `${problems} bad record${problems === 1 ? "" : "s"}`;
  }
  const counted = moreErrors > 0 ? `at least ${records}` : String(records);
  return `${counted} bad record${records === 1 ? "" : "s"} (${problems} violations)`;
}

/**
 * The one {@link ExampleError} for `issues` (non-empty, in record order) and `moreErrors` more:
 * `text(issue)` is each one's line of the message; `file` names the file they come from.
 */
export function exampleErrorOf(
  issues: RecordIssue[],
  moreErrors: number,
  text: (issue: RecordIssue) => string,
  file?: string,
): ExampleError {
  const first = issues[0] as RecordIssue;
  const total = issues.length + moreErrors;
  const lines = issues.map(text);
  if (moreErrors > 0) {
    lines.push(`... and ${moreErrors} more`);
  }
  // The same headline and layout as the Python SDK's ExampleError.
  const head = `${file === undefined ? "" : `${file}: `}${badRecords(issues, moreErrors)}:`;
  const message = total === 1 ? (lines[0] as string) : `${head}\n  ${lines.join("\n  ")}`;
  return new ExampleError(message, first, { errors: issues, moreErrors });
}
