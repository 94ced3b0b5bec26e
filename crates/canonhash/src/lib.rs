//! `canonhash`: RFC 8785 (JCS) canonical JSON and SHA-256 content hashes for groundset.
//!
//! This crate is the only hashing code of the project: the Python and TypeScript SDKs and the
//! server all call it, so one JSON value has one hash everywhere. The rules are written down in
//! `docs/hashing.md`; in short:
//!
//! - [`canonicalize`] writes a [`Value`] as RFC 8785 requires: members sorted by UTF-16 code
//!   units, numbers as ECMAScript writes doubles, minimal string escapes, no whitespace.
//! - [`hash_value`] is the SHA-256 of those bytes in lowercase hex; [`example_hash`] hashes the
//!   object `{"input":…,"metadata":…,"output":…}`; [`manifest_digest`] hashes a dataset's
//!   sorted `(source_id, content_hash)` pairs.
//! - [`parse_json`], [`canonicalize_json_str`] and [`hash_json_str`] take JSON text.
//! - [`read_records_file`] and [`read_records_bytes`] are the one record reader of the SDKs,
//!   the CLI and `groundset hash`: JSONL, JSON and CSV files (a leading BOM skipped, CRLF
//!   accepted, dotted CSV headers nested), structured or flat records, each record's source
//!   id and content hash, and every bad record with its line, JSON path and code (up to
//!   [`MAX_REPORTED_ERRORS`], then a count). [`hash_jsonl_file`] is its JSONL path for
//!   structured records, one result per line.
//! - [`check_source_id`], [`source_id_from_value`], [`source_id_from_f64`] and
//!   [`source_id_from_i128`] are the one source-id rule: a string of 1 to
//!   [`MAX_SOURCE_ID_CHARS`] characters without U+0000, or an integral number of magnitude at
//!   most [`MAX_SAFE_INTEGER`] spelled as its digits (`7.0` gives `"7"`).
//! - [`decode_ndjson_records`] and [`decode_request_json`] read the example records of a
//!   groundset upsert request: shape checked (a member the envelope does not define is
//!   `unknown_field`), source id checked by the same rule, content canonicalized, hash verified.
//! - Values outside the hash domain are errors, never rounded or replaced: NaN and ±Infinity,
//!   integers no double represents, lone surrogates, duplicate member names, nesting deeper than
//!   [`MAX_DEPTH`]. Each [`HashError`] has a stable [`ErrorCode`] and the JSON path of the value.
//!
//! ```
//! let canonical = canonhash::canonicalize_json_str(r#"{"b": 1, "a": [1.0, "é"]}"#).unwrap();
//! assert_eq!(canonical, r#"{"a":[1,"é"],"b":1}"#.as_bytes());
//!
//! let csv = "id,input.question,output.answer\nq1,What is 2+2?,4\n";
//! let options = canonhash::ReadOptions { id_key: Some("id".into()), ..Default::default() };
//! let outcome = canonhash::read_records_bytes(csv.as_bytes(), canonhash::Format::Csv, &options).unwrap();
//! let expected = canonhash::example_hash_json(r#"{"input": {"question": "What is 2+2?"}, "output": {"answer": "4"}}"#);
//! assert_eq!(outcome.records[0].content_hash, expected.unwrap());
//! ```

mod canon;
mod error;
mod hash;
mod jsonl;
mod number;
mod parse;
mod read;
mod records;
mod scan;
mod source_id;
mod value;

pub use canon::{MAX_DEPTH, canonicalize, check_depth, compare_utf16, write_canonical, write_json_string};
pub use error::{ErrorCode, HashError, PathSegment, TextPosition};
pub use hash::{
    canonical_example, canonicalize_json_str, example_hash, example_hash_json, hash_examples_json, hash_json_str,
    hash_value, manifest_digest, sha256_hex, write_canonical_example, write_example_record,
};
pub use jsonl::{JsonlOptions, RecordHash, RecordResult, hash_jsonl_bytes, hash_jsonl_file, hash_jsonl_reader};
pub use number::{
    exact_f64_from_decimal, exact_f64_from_i64, exact_f64_from_i128, exact_f64_from_u64, format_number, write_number,
};
pub use parse::parse_json;
pub use read::{Format, ReadIssue, ReadOptions, ReadOutcome, ReadRecord, read_records_bytes, read_records_file};
pub use records::{
    DecodedRecord, ExampleRecord, RecordContent, RecordError, RecordOptions, RequestBody, canonicalize_ndjson_line,
    decode_ndjson_records, decode_record, decode_request_json,
};
pub use source_id::{
    MAX_NAME_CHARS, MAX_REPORTED_ERRORS, MAX_SAFE_INTEGER, MAX_SOURCE_ID_CHARS, check_source_id, source_id_from_f64,
    source_id_from_i128, source_id_from_value,
};
pub use value::{Value, string_from_utf16};
