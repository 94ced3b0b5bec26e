//! The one error type of the crate, with a stable code and the JSON path of the offending value.

use std::fmt;

/// Stable, machine-readable reason for a [`HashError`]: why a value is outside the hash domain.
///
/// The string form ([`ErrorCode::as_str`]) is part of the public contract: the Python and
/// TypeScript SDKs and the server expose it unchanged, and tests across languages compare it.
/// The codes of record reading (a missing source id, a bad CSV header, ...) are not here: they
/// belong to the record layer, the `groundset-records` crate, whose errors are
/// `HashError<groundset_records::Code>` and carry either one of these codes or one of its own.
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
    /// A value of a host-language type outside the JSON value domain (bindings only).
    UnsupportedType,
    /// An object key that is not a string (bindings only: JSON text cannot express one).
    NonStringKey,
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
            ErrorCode::UnsupportedType => "unsupported_type",
            ErrorCode::NonStringKey => "non_string_key",
        }
    }

    /// Every code, in declaration order (for bindings that export them, and for tests).
    pub const ALL: [ErrorCode; 9] = [
        ErrorCode::NonFiniteNumber,
        ErrorCode::IntegerNotExact,
        ErrorCode::LoneSurrogate,
        ErrorCode::DuplicateKey,
        ErrorCode::DepthExceeded,
        ErrorCode::NotAnObject,
        ErrorCode::InvalidJson,
        ErrorCode::UnsupportedType,
        ErrorCode::NonStringKey,
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

/// A set of error codes with stable snake_case names: [`ErrorCode`], or a layer's own set
/// that also holds it (the record layer's `groundset_records::Code`). [`HashError`] is generic
/// over it, so a layer above this crate keeps one error type, with one path and position
/// logic and one message layout, for its own codes and for the hashing codes it passes on.
pub trait StableCode: Copy + Eq + fmt::Debug {
    /// The stable snake_case name of the code, the `code` every SDK and the server expose.
    fn as_str(self) -> &'static str;
}

impl StableCode for ErrorCode {
    fn as_str(self) -> &'static str {
        ErrorCode::as_str(self)
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
/// pays nothing for it. It displays as `CODE at PATH (line L, column C): MESSAGE` (the
/// position only when known).
///
/// `C` is the code set: [`ErrorCode`] for this crate's own errors; a layer above (the record
/// reader of `groundset-records`) uses its own [`StableCode`] set and turns these errors into
/// its own with [`HashError::map_code`], keeping message, path, position and byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashError<C = ErrorCode> {
    code: C,
    message: String,
    /// Path segments, innermost first.
    reversed_path: Vec<PathSegment>,
    position: Option<TextPosition>,
    /// Byte offset into the text being parsed, turned into `position` at the entry point.
    offset: Option<usize>,
}

impl<C: StableCode> fmt::Display for HashError<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at {}{}: {}",
            self.code.as_str(),
            self.path(),
            self.position_suffix(),
            self.message
        )
    }
}

impl<C: StableCode> std::error::Error for HashError<C> {}

impl<C: StableCode> HashError<C> {
    /// A new error at the root (`$`).
    pub fn new(code: C, message: impl Into<String>) -> Self {
        HashError {
            code,
            message: message.into(),
            reversed_path: Vec::new(),
            position: None,
            offset: None,
        }
    }

    /// A new error at the root, at byte `offset` of the text being parsed; [`HashError::locate_in`]
    /// or [`HashError::locate_in_line`] later turns the offset into a line and column.
    pub fn at_offset(code: C, message: impl Into<String>, offset: usize) -> Self {
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

    /// The same error (path, position and offset kept) with another code, of this set or of
    /// another one, and another message.
    #[must_use]
    pub fn recoded<D: StableCode>(self, code: D, message: String) -> HashError<D> {
        let mut error = self.map_code(|_| code);
        error.message = message;
        error
    }

    /// The same error (message, path, position and offset kept) with its code mapped into
    /// another set: how a layer above this crate passes a hashing error on as its own.
    #[must_use]
    pub fn map_code<D: StableCode>(self, map: impl FnOnce(C) -> D) -> HashError<D> {
        HashError {
            code: map(self.code),
            message: self.message,
            reversed_path: self.reversed_path,
            position: self.position,
            offset: self.offset,
        }
    }

    /// The same error with the outermost path segment taken off (`$.input.q` becomes `$.q`).
    #[must_use]
    pub fn without_first_segment(mut self) -> Self {
        self.reversed_path.pop();
        self
    }

    /// The stable reason code.
    pub fn code(&self) -> C {
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

    /// The byte offset into the parsed text, for an error of a parser entry point that keeps
    /// offsets ([`crate::parse_document`] and the other `parse_*` functions but
    /// [`crate::parse_json`]) not yet located.
    pub fn offset(&self) -> Option<usize> {
        self.offset
    }

    /// Takes the byte offset out, for a caller that locates the error itself.
    pub fn take_offset(&mut self) -> Option<usize> {
        self.offset.take()
    }

    /// Records a byte offset if the error has none yet (the innermost offset wins).
    #[must_use]
    pub fn or_offset(mut self, offset: usize) -> Self {
        self.offset.get_or_insert(offset);
        self
    }

    /// Resolves a byte offset recorded while parsing into a line and column of `text`.
    #[must_use]
    pub fn locate_in(mut self, text: &str) -> Self {
        if let Some(offset) = self.offset.take() {
            self.position = Some(position_of_offset(text, offset));
        }
        self
    }

    /// Gives an error raised while parsing `text`, one line of a larger input, the line number
    /// `line` and the column of its offset in `text` (column 1 when it has none).
    #[must_use]
    pub fn locate_in_line(mut self, text: &str, line: usize) -> Self {
        let column = self
            .offset
            .take()
            .map_or(1, |offset| position_of_offset(text, offset).column);
        self.with_position(TextPosition { line, column })
    }
}

fn is_plain_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The 1-based line and column (in Unicode scalar values) of byte `offset` of `text`; an offset
/// inside a character counts as that character, one past the end as the end.
pub fn position_of_offset(text: &str, offset: usize) -> TextPosition {
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
