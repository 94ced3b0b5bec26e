//! The one error type of the crate, with a stable code and the JSON path of the offending value.

use std::fmt;

/// Stable, machine-readable reason for a [`HashError`].
///
/// The string form ([`ErrorCode::as_str`]) is part of the public contract: the Python and
/// TypeScript SDKs and the server expose it unchanged, and tests across languages compare it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// NaN, +Infinity or -Infinity (also a number literal that overflows a double).
    NonFiniteNumber,
    /// An integer that no IEEE-754 double represents exactly (RFC 8785 appendix D).
    IntegerNotExact,
    /// A UTF-16 surrogate without its partner, which no UTF-8 string can hold.
    LoneSurrogate,
    /// The same member name twice in one object.
    DuplicateKey,
    /// Nesting deeper than [`crate::MAX_DEPTH`] levels.
    DepthExceeded,
    /// An example's `input`, `output` or `metadata` (or a JSONL record) that is not a JSON object.
    NotAnObject,
    /// Text that is not JSON, or not UTF-8.
    InvalidJson,
    /// A record without its source id member.
    MissingSourceId,
    /// A source id outside the rule of [`crate::check_source_id`] and
    /// [`crate::source_id_from_value`]: not a string or a safe integer, empty, too long, or
    /// holding U+0000.
    InvalidSourceId,
    /// A value of a host-language type outside the JSON value domain (bindings only).
    UnsupportedType,
    /// An object key that is not a string (bindings only: JSON text cannot express one).
    NonStringKey,
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
    /// A member that a request record's envelope does not define (such as a misspelt `input`).
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

impl ErrorCode {
    /// The stable snake_case name of this code.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NonFiniteNumber => "non_finite_number",
            ErrorCode::IntegerNotExact => "integer_not_exact",
            ErrorCode::LoneSurrogate => "lone_surrogate",
            ErrorCode::DuplicateKey => "duplicate_key",
            ErrorCode::DepthExceeded => "depth_exceeded",
            ErrorCode::NotAnObject => "not_an_object",
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::MissingSourceId => "missing_source_id",
            ErrorCode::InvalidSourceId => "invalid_source_id",
            ErrorCode::UnsupportedType => "unsupported_type",
            ErrorCode::NonStringKey => "non_string_key",
            ErrorCode::Io => "io_error",
            ErrorCode::InvalidExample => "invalid_example",
            ErrorCode::InvalidContentHash => "invalid_content_hash",
            ErrorCode::MissingInput => "missing_input",
            ErrorCode::HashMismatch => "hash_mismatch",
            ErrorCode::UnknownField => "unknown_field",
            ErrorCode::DuplicateSourceId => "duplicate_source_id",
            ErrorCode::MissingKey => "missing_key",
            ErrorCode::FieldCount => "field_count",
            ErrorCode::InvalidHeader => "invalid_header",
            ErrorCode::InvalidCsv => "invalid_csv",
        }
    }

    /// Every code, in declaration order (for bindings that export them, and for tests).
    pub const ALL: [ErrorCode; 22] = [
        ErrorCode::NonFiniteNumber,
        ErrorCode::IntegerNotExact,
        ErrorCode::LoneSurrogate,
        ErrorCode::DuplicateKey,
        ErrorCode::DepthExceeded,
        ErrorCode::NotAnObject,
        ErrorCode::InvalidJson,
        ErrorCode::MissingSourceId,
        ErrorCode::InvalidSourceId,
        ErrorCode::UnsupportedType,
        ErrorCode::NonStringKey,
        ErrorCode::Io,
        ErrorCode::InvalidExample,
        ErrorCode::InvalidContentHash,
        ErrorCode::MissingInput,
        ErrorCode::HashMismatch,
        ErrorCode::UnknownField,
        ErrorCode::DuplicateSourceId,
        ErrorCode::MissingKey,
        ErrorCode::FieldCount,
        ErrorCode::InvalidHeader,
        ErrorCode::InvalidCsv,
    ];

    /// The code whose [`ErrorCode::as_str`] is `name`.
    pub fn from_name(name: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|code| code.as_str() == name)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One step of a JSON path: an object member name or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

/// A position in JSON text, both 1-based; the column counts Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextPosition {
    pub line: usize,
    pub column: usize,
}

/// Why a value could not be canonicalized or hashed, and where.
///
/// The path is built while the error travels up out of the recursion, so the success path
/// pays nothing for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} at {path}{position}: {message}", path = self.path(), position = self.position_suffix())]
pub struct HashError {
    code: ErrorCode,
    message: String,
    /// Path segments, innermost first.
    reversed_path: Vec<PathSegment>,
    position: Option<TextPosition>,
    /// Byte offset into the text being parsed, turned into `position` at the entry point.
    pub(crate) offset: Option<usize>,
}

impl HashError {
    /// A new error at the root (`$`).
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        HashError {
            code,
            message: message.into(),
            reversed_path: Vec::new(),
            position: None,
            offset: None,
        }
    }

    pub(crate) fn at_offset(code: ErrorCode, message: impl Into<String>, offset: usize) -> Self {
        let mut error = HashError::new(code, message);
        error.offset = Some(offset);
        error
    }

    /// Puts an object member name in front of the path (used while unwinding).
    #[must_use]
    pub fn within_key(mut self, key: &str) -> Self {
        self.reversed_path.push(PathSegment::Key(key.to_owned()));
        self
    }

    /// Puts an array index in front of the path (used while unwinding).
    #[must_use]
    pub fn within_index(mut self, index: usize) -> Self {
        self.reversed_path.push(PathSegment::Index(index));
        self
    }

    /// Sets the line and column in the source text.
    #[must_use]
    pub fn with_position(mut self, position: TextPosition) -> Self {
        self.position = Some(position);
        self
    }

    /// The same error (path and position kept) with another code and message.
    pub(crate) fn recoded(mut self, code: ErrorCode, message: String) -> Self {
        self.code = code;
        self.message = message;
        self
    }

    /// The same error with the outermost path segment taken off (`$.input.q` becomes `$.q`).
    pub(crate) fn without_first_segment(mut self) -> Self {
        self.reversed_path.pop();
        self
    }

    /// The stable reason code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The human-readable explanation, without code, path or position.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The position in the source text, for errors raised while parsing text.
    pub fn position(&self) -> Option<TextPosition> {
        self.position
    }

    /// The path segments from the root to the offending value.
    pub fn path_segments(&self) -> impl Iterator<Item = &PathSegment> {
        self.reversed_path.iter().rev()
    }

    /// The JSONPath of the offending value, such as `$.input.items[3]` or `$["a key"]`.
    pub fn path(&self) -> String {
        let mut path = String::from("$");
        for segment in self.path_segments() {
            match segment {
                PathSegment::Index(index) => {
                    path.push('[');
                    path.push_str(&index.to_string());
                    path.push(']');
                }
                PathSegment::Key(key) if is_plain_identifier(key) => {
                    path.push('.');
                    path.push_str(key);
                }
                PathSegment::Key(key) => {
                    let mut quoted = Vec::with_capacity(key.len() + 2);
                    crate::canon::write_json_string(key, &mut quoted);
                    path.push('[');
                    path.push_str(&String::from_utf8_lossy(&quoted));
                    path.push(']');
                }
            }
        }
        path
    }

    fn position_suffix(&self) -> String {
        match self.position {
            Some(TextPosition { line, column }) => format!(" (line {line}, column {column})"),
            None => String::new(),
        }
    }

    /// Resolves a byte offset recorded while parsing into a line and column of `text`.
    pub(crate) fn locate_in(mut self, text: &str) -> Self {
        if let Some(offset) = self.offset.take() {
            self.position = Some(position_of_offset(text, offset));
        }
        self
    }
}

fn is_plain_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(crate) fn position_of_offset(text: &str, offset: usize) -> TextPosition {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    TextPosition {
        line: before.bytes().filter(|&b| b == b'\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}
