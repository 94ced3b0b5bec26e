/**
 * The error classes of the SDK. Every error the SDK raises on purpose is a
 * {@link GroundsetError}; later modules add their own subclasses beside {@link HashError}.
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

  constructor(code: string, path: string, reason: string, position?: { line: number; column: number }) {
    const where = position === undefined ? "" : ` (line ${position.line}, column ${position.column})`;
    super(`${code} at ${path}${where}: ${reason}`);
    this.code = code;
    this.path = path;
    this.reason = reason;
    if (position !== undefined) {
      this.line = position.line;
      this.column = position.column;
    }
  }
}
