//! The record layer's error: canonhash's [`HashError`] over a code set that holds the hashing
//! codes and this layer's own.
//!
//! A record can fail for a hashing reason (`duplicate_key` inside its input) or a record
//! reason (`missing_source_id`, `field_count`); either way it is one [`Error`], with one
//! `code().as_str()`, one JSON path, one position and one message layout
//! (`CODE at PATH (line L, column C): MESSAGE`), so the SDKs and the server report both alike.

use std::fmt;

use canonhash::{ErrorCode, HashError, StableCode};

/// Why a record, a source id or a file of records was refused: a hashing code or a record code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// The value is outside the hash domain (canonhash's codes).
    Hash(ErrorCode),
    /// The record is malformed (this crate's codes).
    Record(RecordCode),
}

/// Stable, machine-readable reasons of the record layer.
///
/// The string form ([`RecordCode::as_str`]) is part of the public contract: the Python and
/// TypeScript SDKs and the server expose it unchanged, and tests across languages compare it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecordCode {
    /// A record without its source id member.
    MissingSourceId,
    /// A source id outside the rule of [`crate::check_source_id`] and
    /// [`crate::source_id_from_value`]: not a string or a safe integer, empty, too long, or
    /// holding U+0000.
    InvalidSourceId,
    /// Reading the input failed.
    Io,
    /// An example record of a request that is not a JSON object.
    InvalidExample,
    /// A record's `content_hash` that is not 64 lowercase hexadecimal digits.
    InvalidContentHash,
    /// A record with an `output` or `metadata` but no `input`.
    MissingInput,
    /// A record whose content does not hash to its `content_hash`.
    HashMismatch,
    /// A member that a record's envelope does not define (such as a misspelt `input`).
    UnknownField,
    /// A record whose source id an earlier record of the same file or batch already has.
    DuplicateSourceId,
    /// A key named in `input_keys`, `output_keys` or `metadata_keys` that a flat record lacks.
    MissingKey,
    /// A CSV row with more or fewer fields than the header.
    FieldCount,
    /// A CSV header with an empty, repeated or conflicting name (`input` and `input.q`).
    InvalidHeader,
    /// CSV the reader cannot parse (such as a row that is not UTF-8).
    InvalidCsv,
}

impl RecordCode {
    /// The stable snake_case name of this code.
    pub const fn as_str(self) -> &'static str {
        match self {
            RecordCode::MissingSourceId => "missing_source_id",
            RecordCode::InvalidSourceId => "invalid_source_id",
            RecordCode::Io => "io_error",
            RecordCode::InvalidExample => "invalid_example",
            RecordCode::InvalidContentHash => "invalid_content_hash",
            RecordCode::MissingInput => "missing_input",
            RecordCode::HashMismatch => "hash_mismatch",
            RecordCode::UnknownField => "unknown_field",
            RecordCode::DuplicateSourceId => "duplicate_source_id",
            RecordCode::MissingKey => "missing_key",
            RecordCode::FieldCount => "field_count",
            RecordCode::InvalidHeader => "invalid_header",
            RecordCode::InvalidCsv => "invalid_csv",
        }
    }

    /// Every code, in declaration order (for bindings that export them, and for tests).
    pub const ALL: [RecordCode; 13] = [
        RecordCode::MissingSourceId,
        RecordCode::InvalidSourceId,
        RecordCode::Io,
        RecordCode::InvalidExample,
        RecordCode::InvalidContentHash,
        RecordCode::MissingInput,
        RecordCode::HashMismatch,
        RecordCode::UnknownField,
        RecordCode::DuplicateSourceId,
        RecordCode::MissingKey,
        RecordCode::FieldCount,
        RecordCode::InvalidHeader,
        RecordCode::InvalidCsv,
    ];
}

impl Code {
    /// The stable snake_case name of the code (`duplicate_key`, `missing_source_id`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            Code::Hash(code) => code.as_str(),
            Code::Record(code) => code.as_str(),
        }
    }

    /// The code whose [`Code::as_str`] is `name`, of either set.
    pub fn from_name(name: &str) -> Option<Code> {
        ErrorCode::from_name(name).map(Code::Hash).or_else(|| {
            RecordCode::ALL
                .into_iter()
                .find(|code| code.as_str() == name)
                .map(Code::Record)
        })
    }
}

impl StableCode for Code {
    fn as_str(self) -> &'static str {
        Code::as_str(self)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<ErrorCode> for Code {
    fn from(code: ErrorCode) -> Self {
        Code::Hash(code)
    }
}

impl From<RecordCode> for Code {
    fn from(code: RecordCode) -> Self {
        Code::Record(code)
    }
}

impl PartialEq<ErrorCode> for Code {
    fn eq(&self, other: &ErrorCode) -> bool {
        *self == Code::Hash(*other)
    }
}

impl PartialEq<RecordCode> for Code {
    fn eq(&self, other: &RecordCode) -> bool {
        *self == Code::Record(*other)
    }
}

/// The error of this crate: a [`HashError`] whose code is a [`Code`].
pub type Error = HashError<Code>;

/// A hashing error as this crate's (message, path, position and offset kept).
pub fn from_hash(error: HashError) -> Error {
    error.map_code(Code::Hash)
}

/// A new record error at the root (`$`).
pub(crate) fn record_error(code: RecordCode, message: impl Into<String>) -> Error {
    Error::new(Code::Record(code), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashing_error_keeps_its_message_path_and_position() {
        let error = canonhash::parse_json("{\"a\": [1, 1e999]}").unwrap_err();
        let text = error.to_string();
        let record = from_hash(error);
        assert_eq!(record.to_string(), text);
        assert_eq!(record.code(), ErrorCode::NonFiniteNumber);
        assert_eq!(record.path(), "$.a[1]");
    }
}
