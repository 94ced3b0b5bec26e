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
//! - Values outside the hash domain are errors, never rounded or replaced: NaN and ±Infinity,
//!   integers no double represents, lone surrogates, duplicate member names, nesting deeper than
//!   [`MAX_DEPTH`]. Each [`HashError`] has a stable [`ErrorCode`] and the JSON path of the value.
//!
//! Records (files of examples, source ids, the records of an upsert request) are one layer up,
//! in the `groundset-records` crate: it reads JSONL, JSON and CSV files, applies the source-id
//! rule and decodes request records, with its own error codes (`missing_source_id`,
//! `invalid_header`, …). It builds on the small public parsing API here: [`parse_document`],
//! [`parse_object_with_items`] and [`parse_record_items`] keep each error's byte offset, which
//! [`HashError::locate_in`] and [`HashError::locate_in_line`] turn into a line and column, and
//! [`HashError`] is generic over its code set ([`StableCode`]) so that the layer keeps this
//! crate's messages, paths and positions byte for byte.
//!
//! ```
//! let canonical = canonhash::canonicalize_json_str(r#"{"b": 1, "a": [1.0, "é"]}"#).unwrap();
//! assert_eq!(canonical, r#"{"a":[1,"é"],"b":1}"#.as_bytes());
//! let hash = canonhash::example_hash_json(r#"{"input": {"question": "What is 2+2?"}, "output": {"answer": "4"}}"#);
//! assert_eq!(hash.unwrap(), canonhash::sha256_hex(br#"{"input":{"question":"What is 2+2?"},"metadata":{},"output":{"answer":"4"}}"#));
//! ```

mod canon;
mod error;
mod hash;
mod number;
mod parse;
mod scan;
mod value;

pub use canon::{MAX_DEPTH, canonicalize, check_depth, compare_utf16, write_canonical, write_json_string};
pub use error::{ErrorCode, HashError, PathSegment, StableCode, TextPosition, position_of_offset};
pub use hash::{
    canonical_example, canonicalize_json_str, digest_hex, example_hash, example_hash_json, hash_examples_json,
    hash_json_str, hash_value, manifest_digest, manifest_digest_of_digests, manifest_digest_of_sorted_digests, sha256,
    sha256_hex, write_canonical_example, write_canonical_example_parts, write_example_record,
};
pub use number::{
    exact_f64_from_decimal, exact_f64_from_i64, exact_f64_from_i128, exact_f64_from_u64, format_number, write_number,
};
pub use parse::{Item, parse_document, parse_json, parse_object_with_items, parse_record_items};
pub use value::{Value, string_from_utf16};
