//! `groundset-records`: groundset's example records, one layer above the `canonhash` crate.
//!
//! `canonhash` is the RFC 8785 + SHA-256 crate: canonical JSON, numbers, parsing, hashing,
//! and the errors of values outside the hash domain. This crate holds what is about
//! *records* of examples, shared by the SDKs, the CLI and the server:
//!
//! - [`read_records_file`] and [`read_records_bytes`] are the one record reader of the SDKs,
//!   the CLI and `groundset hash`: JSONL, JSON and CSV files (a leading BOM skipped, CRLF
//!   accepted, dotted CSV headers nested), structured or flat records, each record's source
//!   id and content hash, and every bad record with its line, JSON path and code (up to
//!   [`MAX_REPORTED_ERRORS`], then a count). [`hash_jsonl_file`] is its JSONL path for
//!   structured records, one result per line. [`check_structured_members`] is the member rule
//!   of a structured record, which the SDKs' batch hashers apply to records in memory too.
//! - [`check_source_id`], [`source_id_from_value`], [`source_id_from_f64`] and
//!   [`source_id_from_i128`] are the one source-id rule: a string of 1 to
//!   [`MAX_SOURCE_ID_CHARS`] characters without U+0000, or an integral number of magnitude at
//!   most [`MAX_SAFE_INTEGER`] spelled as its digits (`7.0` gives `"7"`).
//! - [`decode_ndjson_records`] and [`decode_request_json`] read the example records of a
//!   groundset upsert request: shape checked (a member the envelope does not define is
//!   `unknown_field`), source id checked by the same rule, content canonicalized, hash verified.
//!
//! Errors are one type, [`Error`]: canonhash's `HashError` over [`Code`], which is either a
//! hashing code (`Code::Hash`, such as `duplicate_key` inside a record's input) or one of this
//! layer's [`RecordCode`]s (`missing_source_id`, `field_count`, …), with one
//! `code().as_str()`, JSON path, position and message layout for both.
//!
//! ```
//! let csv = "id,input.question,output.answer\nq1,What is 2+2?,4\n";
//! let options = groundset_records::ReadOptions { id_key: Some("id".into()), ..Default::default() };
//! let outcome = groundset_records::read_records_bytes(csv.as_bytes(), groundset_records::Format::Csv, &options).unwrap();
//! let expected = canonhash::example_hash_json(r#"{"input": {"question": "What is 2+2?"}, "output": {"answer": "4"}}"#);
//! assert_eq!(outcome.records[0].content_hash, expected.unwrap());
//! ```

mod error;
mod jsonl;
mod read;
mod records;
mod source_id;

pub use error::{Code, Error, RecordCode, from_hash};
pub use jsonl::{JsonlOptions, RecordHash, RecordResult, hash_jsonl_bytes, hash_jsonl_file, hash_jsonl_reader};
pub use read::{
    Format, ReadIssue, ReadOptions, ReadOutcome, ReadRecord, check_structured_members, is_structured_member,
    read_records_bytes, read_records_file,
};
pub use records::{
    DecodedRecord, ExampleRecord, RecordContent, RecordError, RecordOptions, RequestBody, canonicalize_ndjson_line,
    decode_ndjson_records, decode_record, decode_request_json,
};
pub use source_id::{
    MAX_NAME_CHARS, MAX_REPORTED_ERRORS, MAX_SAFE_INTEGER, MAX_SOURCE_ID_CHARS, check_source_id, source_id_from_f64,
    source_id_from_i128, source_id_from_value,
};
