//! The one source-id rule (docs/hashing.md), and the limits every entry point shares.
//!
//! A source id is the name a caller gives an example. It is a string (non-empty, at most
//! [`MAX_SOURCE_ID_CHARS`] Unicode scalar values, without U+0000, which PostgreSQL cannot
//! store), or a number whose value is an integer of magnitude at most [`MAX_SAFE_INTEGER`]
//! (the interoperable range of RFC 7493 section 2.2), spelled as its decimal digits: `7`, `7.0`
//! and `7e0` all give `"7"`, and `-0` gives `"0"`. Anything else is `invalid_source_id`.
//! The SDKs, the CLI and the server all call these functions, so they accept and spell the
//! same ids.

use canonhash::{ErrorCode, PathSegment, Value, format_number};

use crate::error::{Code, Error, RecordCode, record_error};

/// The longest source id, in Unicode scalar values.
pub const MAX_SOURCE_ID_CHARS: usize = 512;

/// The largest integer magnitude a numeric source id may have: 2^53 - 1, the last integer
/// below which every integer is a double (JavaScript's `Number.MAX_SAFE_INTEGER`).
pub const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// The longest dataset, experiment or evaluator name or tag, in Unicode scalar values.
pub const MAX_NAME_CHARS: usize = 512;

/// How many problems a reader reports one by one; the rest are only counted.
pub const MAX_REPORTED_ERRORS: usize = 100;

fn invalid(message: String) -> Error {
    record_error(RecordCode::InvalidSourceId, message)
}

/// Checks a string source id: non-empty, at most [`MAX_SOURCE_ID_CHARS`] characters, no U+0000.
/// (A Rust string is well-formed Unicode; bindings refuse lone surrogates before calling this.)
///
/// # Errors
/// `invalid_source_id` at `$`, saying which condition failed.
///
/// ```
/// assert!(groundset_records::check_source_id("q-1").is_ok());
/// let error = groundset_records::check_source_id("a\0b").unwrap_err();
/// assert_eq!(error.code().as_str(), "invalid_source_id");
/// ```
pub fn check_source_id(id: &str) -> Result<(), Error> {
    if id.is_empty() {
        return Err(invalid("a source id must not be an empty string".to_owned()));
    }
    // A character is at least one byte, so only long strings need counting.
    if id.len() > MAX_SOURCE_ID_CHARS {
        let chars = id.chars().count();
        if chars > MAX_SOURCE_ID_CHARS {
            return Err(invalid(format!(
                "a source id has at most {MAX_SOURCE_ID_CHARS} characters, this one has {chars}"
            )));
        }
    }
    if memchr::memchr(0, id.as_bytes()).is_some() {
        return Err(invalid(
            "a source id must not contain U+0000 (the NUL character)".to_owned(),
        ));
    }
    Ok(())
}

/// The source id a number stands for: an integral value of magnitude at most
/// [`MAX_SAFE_INTEGER`], as its decimal digits (`7.0` gives `"7"`, `-0.0` gives `"0"`).
///
/// # Errors
/// `invalid_source_id` at `$` for a fraction, a value beyond the range, or NaN and ±Infinity.
///
/// ```
/// assert_eq!(groundset_records::source_id_from_f64(7.0).unwrap(), "7");
/// assert_eq!(groundset_records::source_id_from_f64(-0.0).unwrap(), "0");
/// assert!(groundset_records::source_id_from_f64(9007199254740992.0).is_err());
/// ```
pub fn source_id_from_f64(number: f64) -> Result<String, Error> {
    if number.is_finite() && number.fract() == 0.0 && number.abs() <= MAX_SAFE_INTEGER as f64 {
        // Exact: the value is an integer of at most 53 bits.
        return Ok((number as i64).to_string());
    }
    let spelled = format_number(number).unwrap_or_else(|_| number.to_string());
    if number.is_finite() && number.fract() == 0.0 {
        return Err(beyond_range(&spelled));
    }
    Err(invalid(format!(
        "a numeric source id must be an integer, found {spelled}"
    )))
}

/// The source id an integer of the host language stands for (a Python int, a JS bigint).
///
/// # Errors
/// `invalid_source_id` at `$` when the magnitude exceeds [`MAX_SAFE_INTEGER`].
///
/// ```
/// assert_eq!(groundset_records::source_id_from_i128(-3).unwrap(), "-3");
/// assert!(groundset_records::source_id_from_i128(9007199254740993).is_err());
/// ```
pub fn source_id_from_i128(number: i128) -> Result<String, Error> {
    if number.unsigned_abs() <= MAX_SAFE_INTEGER as u128 {
        Ok(number.to_string())
    } else {
        Err(beyond_range(&number.to_string()))
    }
}

fn beyond_range(spelled: &str) -> Error {
    invalid(format!(
        "the integer {spelled} is beyond the source-id range of ±{MAX_SAFE_INTEGER} (2^53 - 1); write it as a string"
    ))
}

/// The source id a JSON value stands for, by the rule of this module.
///
/// # Errors
/// `invalid_source_id` at `$`, saying what was found (null, a boolean, a fraction, …).
///
/// ```
/// use canonhash::Value;
/// use groundset_records::source_id_from_value;
/// assert_eq!(source_id_from_value(&Value::Number(7.0)).unwrap(), "7");
/// assert_eq!(source_id_from_value(&Value::String("q1".into())).unwrap(), "q1");
/// assert!(source_id_from_value(&Value::Null).is_err());
/// ```
pub fn source_id_from_value(value: &Value<'_>) -> Result<String, Error> {
    match value {
        Value::String(id) => check_source_id(id).map(|()| id.to_string()),
        Value::Number(number) => source_id_from_f64(*number),
        other => Err(invalid(format!(
            "a source id must be a string or an integer, found {}",
            other.type_name()
        ))),
    }
}

/// A parse error that happened at the source id's own path (`$.<id_key>`) and says the id is
/// not a value the rule accepts (an integer literal no double holds, an overflowing number, a
/// lone surrogate) becomes `invalid_source_id`, so the id is refused with one code whichever
/// path read it. Other errors are returned unchanged.
pub(crate) fn id_parse_error(error: Error, id_path: &[PathSegment]) -> Error {
    let domain = matches!(
        error.code(),
        Code::Hash(ErrorCode::IntegerNotExact | ErrorCode::NonFiniteNumber | ErrorCode::LoneSurrogate)
    );
    let at_id = domain && error.path_segments().eq(id_path.iter());
    if !at_id {
        return error;
    }
    let message = match error.code() {
        Code::Hash(ErrorCode::LoneSurrogate) => format!("a source id must be well-formed Unicode: {}", error.message()),
        _ => format!(
            "a numeric source id must be an integer of magnitude at most {MAX_SAFE_INTEGER} (2^53 - 1); write it as a string ({})",
            error.message()
        ),
    };
    error.recoded(RecordCode::InvalidSourceId.into(), message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::from_hash;

    #[test]
    fn strings() {
        assert!(check_source_id(&"é".repeat(512)).is_ok());
        let long = check_source_id(&"é".repeat(513)).unwrap_err();
        assert!(long.message().contains("513"), "{long}");
        assert!(check_source_id("").is_err());
        assert!(check_source_id("\0").is_err());
        assert!(check_source_id(" a ").is_ok());
    }

    #[test]
    fn numbers() {
        assert_eq!(source_id_from_f64(9_007_199_254_740_991.0).unwrap(), "9007199254740991");
        assert_eq!(
            source_id_from_f64(-9_007_199_254_740_991.0).unwrap(),
            "-9007199254740991"
        );
        for bad in [7.5, f64::NAN, f64::INFINITY, 1e300, 9_007_199_254_740_992.0] {
            assert_eq!(source_id_from_f64(bad).unwrap_err().code(), RecordCode::InvalidSourceId);
        }
        assert!(
            source_id_from_f64(1e300)
                .unwrap_err()
                .message()
                .contains("write it as a string")
        );
        assert!(source_id_from_f64(7.5).unwrap_err().message().contains("7.5"));
        assert_eq!(
            source_id_from_i128(-9_007_199_254_740_991).unwrap(),
            "-9007199254740991"
        );
        assert!(source_id_from_i128(i128::MIN).is_err());
        assert!(source_id_from_i128(-9_007_199_254_740_992).is_err());
    }

    #[test]
    fn parse_errors_at_the_id_path_are_invalid_source_ids() {
        let error = from_hash(canonhash::parse_json(r#"{"id": 9007199254740993}"#).unwrap_err());
        let mapped = id_parse_error(error, &[PathSegment::Key("id".to_owned())]);
        assert_eq!(
            (mapped.code(), mapped.path()),
            (Code::Record(RecordCode::InvalidSourceId), "$.id".to_owned())
        );
        assert!(mapped.position().is_some());
        let elsewhere = from_hash(canonhash::parse_json(r#"{"id": 1, "n": 9007199254740993}"#).unwrap_err());
        assert_eq!(
            id_parse_error(elsewhere, &[PathSegment::Key("id".to_owned())]).code(),
            ErrorCode::IntegerNotExact
        );
        let twice = from_hash(canonhash::parse_json(r#"{"id": 1, "id": 2}"#).unwrap_err());
        assert_eq!(
            id_parse_error(twice, &[PathSegment::Key("id".to_owned())]).code(),
            ErrorCode::DuplicateKey
        );
    }
}
