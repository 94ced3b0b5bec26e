//! The value model that bindings build directly from their languages' values.
//!
//! Strings borrow where they can (`Cow`), so a binding can hand over a host string's UTF-8
//! bytes and the text parser can hand over slices of its input without copying.

use std::borrow::Cow;

use crate::error::{ErrorCode, HashError};
use crate::number;

/// A JSON value inside the hash domain of RFC 8785.
///
/// Objects keep their members in the order they were given; canonicalization sorts them and
/// refuses duplicate names. `Number` must be finite, which canonicalization checks, so a value
/// built by hand with NaN yields `non_finite_number` with its path rather than bad bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Number(f64),
    String(Cow<'a, str>),
    Array(Vec<Value<'a>>),
    Object(Vec<(Cow<'a, str>, Value<'a>)>),
}

impl<'a> Value<'a> {
    /// A number from a signed integer, refused unless a double represents it exactly.
    ///
    /// # Errors
    /// `integer_not_exact`.
    pub fn from_i64(value: i64) -> Result<Self, HashError> {
        number::exact_f64_from_i64(value).map(Value::Number)
    }

    /// A number from an unsigned integer, refused unless a double represents it exactly.
    ///
    /// # Errors
    /// `integer_not_exact`.
    pub fn from_u64(value: u64) -> Result<Self, HashError> {
        number::exact_f64_from_u64(value).map(Value::Number)
    }

    /// A number from a 128-bit integer, refused unless a double represents it exactly.
    ///
    /// # Errors
    /// `integer_not_exact`.
    pub fn from_i128(value: i128) -> Result<Self, HashError> {
        number::exact_f64_from_i128(value).map(Value::Number)
    }

    /// A short name of the value's JSON type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    /// The member called `name`, when this is an object.
    pub fn get(&self, name: &str) -> Option<&Value<'a>> {
        match self {
            Value::Object(members) => members.iter().find(|(key, _)| key == name).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Decodes UTF-16, refusing lone surrogates.
///
/// # Errors
/// `lone_surrogate`, naming the code unit and its offset.
pub fn string_from_utf16(units: &[u16]) -> Result<String, HashError> {
    let mut text = String::with_capacity(units.len());
    for (offset, decoded) in char::decode_utf16(units.iter().copied()).enumerate() {
        match decoded {
            Ok(c) => text.push(c),
            Err(error) => {
                return Err(lone_surrogate(u32::from(error.unpaired_surrogate()), offset));
            }
        }
    }
    Ok(text)
}

fn lone_surrogate(unit: u32, offset: usize) -> HashError {
    HashError::new(
        ErrorCode::LoneSurrogate,
        format!("lone surrogate U+{unit:04X} near UTF-16 unit {offset}; a JSON string must be valid Unicode"),
    )
}

impl From<bool> for Value<'_> {
    fn from(value: bool) -> Self {
        Value::Bool(value)
    }
}

impl From<f64> for Value<'_> {
    fn from(value: f64) -> Self {
        Value::Number(value)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(value: &'a str) -> Self {
        Value::String(Cow::Borrowed(value))
    }
}

impl From<String> for Value<'_> {
    fn from(value: String) -> Self {
        Value::String(Cow::Owned(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_pairs_decode_and_lone_halves_fail() {
        let smiley: Vec<u16> = "a😂".encode_utf16().collect();
        assert_eq!(string_from_utf16(&smiley).unwrap(), "a😂");
        for units in [vec![0xD83D], vec![0x61, 0xDE02], vec![0xD83D, 0x61]] {
            let error = string_from_utf16(&units).unwrap_err();
            assert_eq!(error.code(), ErrorCode::LoneSurrogate, "{units:?}");
        }
    }

    #[test]
    fn integer_constructors_check_exactness() {
        assert_eq!(Value::from_i64(42).unwrap(), Value::Number(42.0));
        assert_eq!(
            Value::from_u64(u64::MAX).unwrap_err().code(),
            ErrorCode::IntegerNotExact
        );
    }
}
