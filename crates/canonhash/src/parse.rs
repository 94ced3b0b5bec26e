//! A strict JSON text parser (RFC 8259) into [`Value`], for the text entry points.
//!
//! It exists, rather than `serde_json`, because the hash domain needs facts a general parser
//! throws away: whether a number was written as an integer (so that `12345678901234567890`
//! is refused instead of rounded, however long it is), which escape made a lone surrogate,
//! and the JSON path and line and column of every error. Doubles are parsed by the standard
//! library, which rounds correctly; the test suite checks the parser against `serde_json`.

use std::borrow::Cow;

use crate::canon::{check_depth, sort_members};
use crate::error::{ErrorCode, HashError};
use crate::number;
use crate::scan::find_special;
use crate::value::Value;

/// Parses one JSON document. Object members come out sorted in canonical order.
///
/// # Errors
/// `invalid_json` (with line and column), `duplicate_key`, `depth_exceeded`,
/// `lone_surrogate`, `non_finite_number` (a literal that overflows a double) or
/// `integer_not_exact`, each with the JSON path where it happened.
pub fn parse_json(text: &str) -> Result<Value<'_>, HashError> {
    parse_document(text).map_err(|e| e.locate_in(text))
}

/// Parses one document, as [`parse_json`], but errors keep their byte offset
/// ([`HashError::offset`]) instead of a line and column: for a caller that parses a part of a
/// larger text (a line of a file) and locates the error in it with [`HashError::locate_in_line`].
///
/// # Errors
/// As [`parse_json`].
pub fn parse_document(text: &str) -> Result<Value<'_>, HashError> {
    let mut parser = Parser::new(text);
    let value = parser.value(0)?;
    parser.end()?;
    Ok(value)
}

/// Parses a JSON array whose items are each a document of their own: an item's depth counts
/// from the item, not from the array. Errors keep their byte offset.
pub(crate) fn parse_array_items(text: &str) -> Result<Vec<Value<'_>>, HashError> {
    let mut parser = Parser::new(text);
    parser.skip_whitespace();
    if parser.peek() != Some(b'[') {
        return Err(parser.unexpected("a JSON array"));
    }
    let items = parser.array_items(0)?;
    parser.end()?;
    Ok(items)
}

/// Parses a JSON object whose member `items_key`, when it is an array, holds documents of their
/// own (as [`parse_array_items`]): the body of a request that carries a batch of records. Gives
/// the other members as an object, and the items. Errors keep their byte offset.
///
/// # Errors
/// As [`parse_json`], and `invalid_json` when the text is not an object.
pub fn parse_object_with_items<'a>(
    text: &'a str,
    items_key: &str,
) -> Result<(Value<'a>, Option<Vec<Value<'a>>>), HashError> {
    let mut parser = Parser::new(text);
    parser.skip_whitespace();
    if parser.peek() != Some(b'{') {
        return Err(parser.unexpected("a JSON object"));
    }
    let mut items = None;
    let mut members = parser.members(|parser, key| {
        parser.skip_whitespace();
        if key == items_key && parser.peek() == Some(b'[') {
            items = Some(parser.array_items(0)?);
            // A placeholder, so that a second member of that name is still a duplicate.
            return Ok(Value::Null);
        }
        parser.value(1)
    })?;
    parser.end()?;
    if items.is_some() {
        members.retain(|(key, _)| key != items_key);
    }
    Ok((Value::Object(members), items))
}

/// One item of a file's record array: where its text starts, and its value or why
/// it could not be parsed.
#[derive(Debug)]
pub struct Item<'a> {
    /// The byte offset of the item's first character.
    pub start: usize,
    /// The item, or its error with the path inside the item and the byte offset kept.
    pub value: Result<Value<'a>, HashError>,
}

/// Parses the records of a JSON file: a top-level array, or an object whose `items_key` member
/// is the array (its other members are parsed strictly, and given back by name with the offset
/// of their value, for the caller to refuse). Each item is a document
/// of its own, with error paths inside the item. An item that is well-formed JSON but outside
/// the hash domain (a duplicate key, an inexact integer, …) is one bad item, and the items
/// after it are still read; a syntax error ends the reading, and is the last item's error
/// when it happened inside an item, else the third value (a file-level error, offset kept).
pub fn parse_record_items<'a>(
    text: &'a str,
    items_key: &str,
) -> (Vec<Item<'a>>, Vec<(String, usize)>, Option<HashError>) {
    let mut parser = Parser::new(text);
    let mut items = Vec::new();
    let mut others = Vec::new();
    // Set when an item ended the reading: its error is in `items` already.
    let mut stopped = false;
    parser.skip_whitespace();
    let result = match parser.peek() {
        Some(b'[') => parser.record_items(&mut items, &mut stopped),
        Some(b'{') => {
            let mut found = false;
            parser
                .members(|parser, key| {
                    parser.skip_whitespace();
                    if key == items_key && parser.peek() == Some(b'[') {
                        found = true;
                        parser.record_items(&mut items, &mut stopped)?;
                        return Ok(Value::Null);
                    }
                    others.push((key.to_owned(), parser.pos));
                    parser.value(1)
                })
                .and_then(|_| {
                    if found {
                        Ok(())
                    } else {
                        Err(HashError::at_offset(
                            ErrorCode::InvalidJson,
                            format!("a JSON file of records is an array, or an object whose {items_key:?} member is one; this object has no such member"),
                            0,
                        ))
                    }
                })
        }
        _ => Err(parser.unexpected(&format!(
            "an array of records, or an object with an {items_key:?} array"
        ))),
    };
    let result = result.and_then(|()| parser.end());
    match result {
        Err(_) if stopped => (items, others, None),
        Err(error) => (items, others, Some(error)),
        Ok(()) => (items, others, None),
    }
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Parser {
            text,
            bytes: text.as_bytes(),
            pos: 0,
        }
    }

    fn end(&mut self) -> Result<(), HashError> {
        self.skip_whitespace();
        if self.pos < self.bytes.len() {
            return Err(self.syntax_error("unexpected text after the JSON value"));
        }
        Ok(())
    }

    fn syntax_error(&self, message: &str) -> HashError {
        HashError::at_offset(ErrorCode::InvalidJson, message, self.pos)
    }

    fn unexpected(&self, expected: &str) -> HashError {
        let found = match self.text[self.pos..].chars().next() {
            Some(c) => format!("{c:?}"),
            None => "the end of the text".to_owned(),
        };
        self.syntax_error(&format!("expected {expected}, found {found}"))
    }

    #[inline]
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, HashError> {
        self.skip_whitespace();
        match self.peek() {
            Some(b'"') => self.string().map(Value::String),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            _ => Err(self.unexpected("a JSON value")),
        }
    }

    fn literal(&mut self, word: &str, value: Value<'a>) -> Result<Value<'a>, HashError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.unexpected("a JSON value"))
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value<'a>, HashError> {
        let start = self.pos;
        check_depth(depth).map_err(|e| with_offset(e, start))?;
        self.members(|parser, _| parser.value(depth + 1)).map(Value::Object)
    }

    /// The members of the object at `self.pos`, in canonical order (duplicate names refused);
    /// `member_value` parses each value, given its name.
    fn members(
        &mut self,
        mut member_value: impl FnMut(&mut Self, &str) -> Result<Value<'a>, HashError>,
    ) -> Result<Vec<(Cow<'a, str>, Value<'a>)>, HashError> {
        let start = self.pos;
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(members);
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.unexpected("a member name in double quotes"));
            }
            let key = self.string()?;
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(self.unexpected("':' after a member name").within_key(&key));
            }
            self.pos += 1;
            let value = match member_value(self, &key) {
                Ok(value) => value,
                Err(error) => return Err(error.within_key(&key)),
            };
            members.push((key, value));
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.unexpected("',' or '}' in an object")),
            }
        }
        sort_members(&mut members).map_err(|e| with_offset(e, start))?;
        Ok(members)
    }

    fn array(&mut self, depth: usize) -> Result<Value<'a>, HashError> {
        check_depth(depth).map_err(|e| with_offset(e, self.pos))?;
        self.array_items(depth + 1).map(Value::Array)
    }

    /// The items of the array at `self.pos`, each parsed inside `item_depth` containers.
    fn array_items(&mut self, item_depth: usize) -> Result<Vec<Value<'a>>, HashError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(items);
        }
        loop {
            match self.value(item_depth) {
                Ok(item) => items.push(item),
                Err(error) => return Err(error.within_index(items.len())),
            }
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(items);
                }
                _ => return Err(self.unexpected("',' or ']' in an array")),
            }
        }
    }

    /// The items of the record array at `self.pos`, each a document of its own, into `items`.
    /// An item with a domain error is skipped over and the next one read; a syntax error sets
    /// `stopped`, is given as the failing item's value, and ends the array with that error.
    fn record_items(&mut self, items: &mut Vec<Item<'a>>, stopped: &mut bool) -> Result<(), HashError> {
        self.pos += 1;
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_whitespace();
            let start = self.pos;
            let value = match self.value(0) {
                Ok(value) => Ok(value),
                Err(error) if error.code() == ErrorCode::InvalidJson => {
                    items.push(Item {
                        start,
                        value: Err(error),
                    });
                    *stopped = true;
                    return Err(HashError::new(ErrorCode::InvalidJson, "stopped"));
                }
                Err(error) => {
                    self.pos = start;
                    self.skip_item();
                    Err(error)
                }
            };
            items.push(Item { start, value });
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => {
                    let error = self.unexpected("',' or ']' after a record");
                    let at = self.pos;
                    items.push(Item {
                        start: at,
                        value: Err(error),
                    });
                    *stopped = true;
                    return Err(HashError::new(ErrorCode::InvalidJson, "stopped"));
                }
            }
        }
    }

    /// Moves past the item at `self.pos` without building it: to the `,` or `]` that follows
    /// it at its own level (or the end of the text). Strings are skipped whole, so brackets
    /// inside them do not count; nesting is counted, not recursed, so any depth is safe.
    fn skip_item(&mut self) {
        let mut depth = 0usize;
        while let Some(byte) = self.peek() {
            match byte {
                b'"' => {
                    self.pos += 1;
                    while let Some(b) = self.peek() {
                        self.pos += 1;
                        match b {
                            b'\\' => self.pos += 1,
                            b'"' => break,
                            _ => {}
                        }
                    }
                    continue;
                }
                b'[' | b'{' => depth += 1,
                b']' | b'}' if depth == 0 => return,
                b']' | b'}' => depth -= 1,
                b',' if depth == 0 => return,
                _ => {}
            }
            self.pos += 1;
        }
        self.pos = self.pos.min(self.bytes.len());
    }

    /// A string literal at `self.pos` (the opening quote). Borrows when it has no escape.
    fn string(&mut self) -> Result<Cow<'a, str>, HashError> {
        let start = self.pos + 1;
        let end = start + find_special(&self.bytes[start..]);
        match self.bytes.get(end) {
            Some(b'"') => {
                self.pos = end + 1;
                Ok(Cow::Borrowed(&self.text[start..end]))
            }
            Some(b'\\') => {
                let mut owned = String::with_capacity(end - start + 16);
                owned.push_str(&self.text[start..end]);
                self.pos = end;
                self.string_with_escapes(owned).map(Cow::Owned)
            }
            Some(_) => Err(self.control_character(end)),
            None => Err(self.syntax_error("unterminated string")),
        }
    }

    fn control_character(&mut self, at: usize) -> HashError {
        self.pos = at;
        let byte = self.bytes[self.pos];
        self.syntax_error(&format!("control character U+{byte:04X} must be escaped in a string"))
    }

    /// Continues a string at a backslash, with what came before it already in `owned`.
    fn string_with_escapes(&mut self, mut owned: String) -> Result<String, HashError> {
        loop {
            match self.peek() {
                None => return Err(self.syntax_error("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(owned);
                }
                Some(b'\\') => self.escape(&mut owned)?,
                Some(b) if b < 0x20 => return Err(self.control_character(self.pos)),
                Some(_) => {
                    let run = find_special(&self.bytes[self.pos..]);
                    owned.push_str(&self.text[self.pos..self.pos + run]);
                    self.pos += run;
                }
            }
        }
    }

    fn escape(&mut self, owned: &mut String) -> Result<(), HashError> {
        let escape_start = self.pos;
        self.pos += 1;
        let decoded = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{C}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos += 1;
                let unit = self.hex4()?;
                let c = match unit {
                    0xD800..=0xDBFF => {
                        if self.bytes[self.pos..].starts_with(b"\\u") {
                            self.pos += 2;
                            let low = self.hex4()?;
                            if !(0xDC00..=0xDFFF).contains(&low) {
                                return Err(lone_at(unit, escape_start));
                            }
                            let scalar = 0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                            char::from_u32(scalar).expect("a surrogate pair decodes to a scalar value")
                        } else {
                            return Err(lone_at(unit, escape_start));
                        }
                    }
                    0xDC00..=0xDFFF => return Err(lone_at(unit, escape_start)),
                    _ => char::from_u32(u32::from(unit)).expect("a non-surrogate BMP unit is a scalar value"),
                };
                owned.push(c);
                return Ok(());
            }
            _ => {
                self.pos = escape_start;
                return Err(self.syntax_error("invalid escape sequence in a string"));
            }
        };
        owned.push(decoded);
        self.pos += 1;
        Ok(())
    }

    fn hex4(&mut self) -> Result<u16, HashError> {
        let digits = self.bytes.get(self.pos..self.pos + 4);
        let parsed = digits.filter(|d| d.iter().all(u8::is_ascii_hexdigit)).map(|d| {
            u16::from_str_radix(std::str::from_utf8(d).expect("ASCII hex digits"), 16).expect("four hex digits")
        });
        match parsed {
            Some(unit) => {
                self.pos += 4;
                Ok(unit)
            }
            None => Err(self.syntax_error("\\u must be followed by four hexadecimal digits")),
        }
    }

    fn number(&mut self) -> Result<Value<'a>, HashError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.unexpected("a digit in a number")),
        }
        let mut is_integer = true;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.require_digits("a digit after the decimal point")?;
            is_integer = false;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            self.require_digits("a digit in the exponent")?;
            is_integer = false;
        }
        let literal = &self.text[start..self.pos];
        let located = |error: HashError| with_offset(error, start);
        if is_integer {
            return number::exact_f64_from_decimal(literal)
                .map(Value::Number)
                .map_err(located);
        }
        let parsed: f64 = literal.parse().expect("the grammar was checked");
        if parsed.is_finite() {
            Ok(Value::Number(parsed))
        } else {
            Err(located(HashError::new(
                ErrorCode::NonFiniteNumber,
                format!("{literal} is too large for a double"),
            )))
        }
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }

    fn require_digits(&mut self, expected: &str) -> Result<(), HashError> {
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(self.unexpected(expected));
        }
        self.digits();
        Ok(())
    }
}

fn lone_at(unit: u16, offset: usize) -> HashError {
    HashError::at_offset(
        ErrorCode::LoneSurrogate,
        format!("lone surrogate escape \\u{unit:04x}; a JSON string must be valid Unicode"),
        offset,
    )
}

fn with_offset(error: HashError, offset: usize) -> HashError {
    error.or_offset(offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MAX_DEPTH;
    use crate::error::TextPosition;

    fn code_of(text: &str) -> ErrorCode {
        parse_json(text).unwrap_err().code()
    }

    #[test]
    fn accepts_json() {
        let value =
            parse_json(" {\"b\" : [1, 2.5e3, -0, true, false, null], \"a\":\"x\\u00e9\\ud83d\\ude02\\n\"} ").unwrap();
        let Value::Object(members) = &value else {
            panic!("object")
        };
        assert_eq!(members[0].0, "a");
        assert_eq!(members[0].1, Value::String("xé😂\n".into()));
        assert_eq!(
            members[1].1,
            Value::Array(vec![
                Value::Number(1.0),
                Value::Number(2500.0),
                Value::Number(-0.0),
                Value::Bool(true),
                Value::Bool(false),
                Value::Null
            ])
        );
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let error = parse_json("{\n  \"a\": [1,\n  2,, 3]}").unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidJson);
        assert_eq!(error.position(), Some(TextPosition { line: 3, column: 5 }));
        assert_eq!(error.path(), "$.a[2]");
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            ".5",
            "+1",
            "1e",
            "tru",
            "\"\\x\"",
            "\"a",
            "\"\t\"",
            "\"\\u12\"",
            "[1] 2",
            "{1:2}",
            "\u{FEFF}{}",
            "NaN",
            "Infinity",
        ] {
            assert_eq!(code_of(bad), ErrorCode::InvalidJson, "{bad:?}");
        }
    }

    #[test]
    fn domain_errors() {
        assert_eq!(code_of("[\"\\ud800\"]"), ErrorCode::LoneSurrogate);
        assert_eq!(code_of("\"\\udc00\""), ErrorCode::LoneSurrogate);
        assert_eq!(code_of("\"\\ud800\\u0041\""), ErrorCode::LoneSurrogate);
        assert_eq!(code_of("\"\\ud800x\""), ErrorCode::LoneSurrogate);
        assert_eq!(code_of("1e400"), ErrorCode::NonFiniteNumber);
        assert_eq!(code_of("-1e400"), ErrorCode::NonFiniteNumber);
        assert_eq!(code_of("9007199254740993"), ErrorCode::IntegerNotExact);
        assert_eq!(code_of("12345678901234567890"), ErrorCode::IntegerNotExact);
        assert_eq!(code_of("{\"a\":1,\"b\":2,\"a\":3}"), ErrorCode::DuplicateKey);
        assert_eq!(
            code_of(&format!("{}{}", "[".repeat(129), "]".repeat(129))),
            ErrorCode::DepthExceeded
        );
        assert!(parse_json(&format!("{}{}", "[".repeat(128), "]".repeat(128))).is_ok());
        assert_eq!(
            parse_json("9007199254740993.0").unwrap(),
            Value::Number(9_007_199_254_740_992.0)
        );
        assert_eq!(parse_json("1e-400").unwrap(), Value::Number(0.0));
    }

    #[test]
    fn array_items_count_depth_from_each_item() {
        let item = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        let two_items = format!("[{item}, {item}]");
        let items = parse_array_items(&two_items).unwrap();
        assert_eq!(items.len(), 2);
        let deeper = format!("[{item}, [{item}]]");
        let error = parse_array_items(&deeper).unwrap_err();
        assert_eq!(error.code(), ErrorCode::DepthExceeded);
        assert!(error.path().starts_with("$[1][0]"));
        let not_array = parse_array_items(" {}").unwrap_err();
        assert_eq!(not_array.code(), ErrorCode::InvalidJson);
    }

    #[test]
    fn error_paths() {
        let error = parse_json("{\"input\": {\"items\": [0, 1, 2, 12345678901234567890]}}").unwrap_err();
        assert_eq!(error.path(), "$.input.items[3]");
        assert_eq!(error.position(), Some(TextPosition { line: 1, column: 31 }));
        let error = parse_json("{\"x\": {\"k\": 1, \"k\": 2}}").unwrap_err();
        assert_eq!(error.path(), "$.x.k");
    }

    #[test]
    fn deep_input_does_not_overflow_the_stack() {
        let hostile = "[".repeat(1_000_000);
        assert_eq!(code_of(&hostile), ErrorCode::DepthExceeded);
        let hostile = "{\"a\":".repeat(1_000_000);
        assert_eq!(code_of(&hostile), ErrorCode::DepthExceeded);
    }
}
