//! RFC 8785 canonical serialization of a [`Value`].

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::error::{ErrorCode, HashError};
use crate::number::write_number;
use crate::scan::find_special;
use crate::value::Value;

/// The deepest nesting of arrays and objects accepted, counting the outermost container as 1.
///
/// Every entry point enforces it before recursing further, so hostile input cannot overflow
/// the stack.
pub const MAX_DEPTH: usize = 128;

/// The RFC 8785 canonical form of `value`.
///
/// # Errors
/// `non_finite_number`, `duplicate_key` or `depth_exceeded`, with the path of the value.
///
/// ```
/// use canonhash::{canonicalize, Value};
/// let value = Value::Object(vec![("b".into(), Value::Number(1.0)), ("a".into(), "é".into())]);
/// assert_eq!(canonicalize(&value).unwrap(), "{\"a\":\"é\",\"b\":1}".as_bytes());
/// ```
pub fn canonicalize(value: &Value<'_>) -> Result<Vec<u8>, HashError> {
    let mut out = Vec::with_capacity(256);
    write_canonical(value, &mut out)?;
    Ok(out)
}

/// Appends the canonical form of `value` to `out`; on error `out` holds a partial write.
///
/// # Errors
/// As [`canonicalize`].
pub fn write_canonical(value: &Value<'_>, out: &mut Vec<u8>) -> Result<(), HashError> {
    write_value(value, out, 0)
}

/// Writes `value`, which sits inside `depth` containers.
pub(crate) fn write_value(value: &Value<'_>, out: &mut Vec<u8>, depth: usize) -> Result<(), HashError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(number) => write_number(*number, out)?,
        Value::String(text) => write_json_string(text, out),
        Value::Array(items) => {
            check_depth(depth)?;
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_value(item, out, depth + 1).map_err(|e| e.within_index(index))?;
            }
            out.push(b']');
        }
        Value::Object(members) => {
            check_depth(depth)?;
            if members_are_sorted(members) {
                write_members(members.iter(), out, depth)?;
            } else {
                let mut sorted: Vec<&(Cow<'_, str>, Value<'_>)> = members.iter().collect();
                sorted.sort_unstable_by(|a, b| compare_utf16(&a.0, &b.0));
                if let Some(pair) = sorted.windows(2).find(|pair| pair[0].0 == pair[1].0) {
                    return Err(duplicate_key(&pair[0].0));
                }
                write_members(sorted.into_iter(), out, depth)?;
            }
        }
    }
    Ok(())
}

fn write_members<'v, 'a: 'v>(
    members: impl Iterator<Item = &'v (Cow<'a, str>, Value<'a>)>,
    out: &mut Vec<u8>,
    depth: usize,
) -> Result<(), HashError> {
    out.push(b'{');
    for (index, (key, value)) in members.enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_json_string(key, out);
        out.push(b':');
        write_value(value, out, depth + 1).map_err(|e| e.within_key(key))?;
    }
    out.push(b'}');
    Ok(())
}

/// Strictly ascending names: canonical order with no duplicate.
fn members_are_sorted(members: &[(Cow<'_, str>, Value<'_>)]) -> bool {
    members
        .windows(2)
        .all(|pair| compare_utf16(&pair[0].0, &pair[1].0) == Ordering::Less)
}

/// Sorts object members into canonical order and refuses a duplicate name.
pub(crate) fn sort_members(members: &mut [(Cow<'_, str>, Value<'_>)]) -> Result<(), HashError> {
    if members_are_sorted(members) {
        return Ok(());
    }
    members.sort_unstable_by(|a, b| compare_utf16(&a.0, &b.0));
    match members.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        Some(pair) => Err(duplicate_key(&pair[0].0)),
        None => Ok(()),
    }
}

/// Refuses a container that sits inside `depth` others when that reaches [`MAX_DEPTH`]: bindings
/// call it before descending into a host container, so their walks stop where the core's do.
///
/// # Errors
/// `depth_exceeded`.
pub fn check_depth(depth: usize) -> Result<(), HashError> {
    if depth >= MAX_DEPTH {
        Err(HashError::new(
            ErrorCode::DepthExceeded,
            format!("nesting is deeper than {MAX_DEPTH} levels"),
        ))
    } else {
        Ok(())
    }
}

fn duplicate_key(key: &str) -> HashError {
    HashError::new(
        ErrorCode::DuplicateKey,
        format!("member name {key:?} appears more than once"),
    )
    .within_key(key)
}

/// Orders two strings by their UTF-16 code units, as RFC 8785 §3.2.3 sorts member names.
///
/// UTF-8 byte order equals code point order, which differs from UTF-16 order only between
/// U+E000..=U+FFFF and the supplementary planes (whose surrogates D800..DFFF sort first in
/// UTF-16). So the bytes are compared as they are, and only that one case is turned around.
pub fn compare_utf16(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let Some(first_difference) = a.iter().zip(b).position(|(x, y)| x != y) else {
        return a.len().cmp(&b.len());
    };
    // Both strings agree up to here, so the character that differs starts at the same place.
    let mut start = first_difference;
    while start > 0 && (a[start] & 0xC0) == 0x80 {
        start -= 1;
    }
    let (lead_a, lead_b) = (a[start], b[start]);
    let is_bmp_high = |lead: u8| (0xEE..=0xEF).contains(&lead);
    let is_supplementary = |lead: u8| lead >= 0xF0;
    if (is_bmp_high(lead_a) && is_supplementary(lead_b)) || (is_supplementary(lead_a) && is_bmp_high(lead_b)) {
        lead_b.cmp(&lead_a)
    } else {
        a[first_difference].cmp(&b[first_difference])
    }
}

/// Appends `text` as a JSON string literal escaped as RFC 8785 §3.2.2.2 requires: the two-letter
/// escapes where JSON has them, other controls as lowercase `\u00hh`, everything else raw.
pub fn write_json_string(text: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut position = 0;
    loop {
        let run = find_special(&bytes[position..]);
        out.extend_from_slice(&bytes[position..position + run]);
        position += run;
        let Some(&byte) = bytes.get(position) else { break };
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x09 => out.extend_from_slice(b"\\t"),
            0x0A => out.extend_from_slice(b"\\n"),
            0x0C => out.extend_from_slice(b"\\f"),
            0x0D => out.extend_from_slice(b"\\r"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xF)],
            ]),
        }
        position += 1;
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string_literal(text: &str) -> String {
        let mut out = Vec::new();
        write_json_string(text, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn utf16_order_differs_from_code_point_order() {
        assert_eq!(compare_utf16("\u{10000}", "\u{E000}"), Ordering::Less);
        assert_eq!(compare_utf16("\u{E000}", "\u{10000}"), Ordering::Greater);
        assert_eq!(compare_utf16("😂", "\u{FB33}"), Ordering::Less);
        assert_eq!(compare_utf16("\r", "1"), Ordering::Less);
        assert_eq!(compare_utf16("a", "ab"), Ordering::Less);
        assert_eq!(compare_utf16("ab", "ab"), Ordering::Equal);
        assert_eq!(compare_utf16("\u{7FF}", "\u{800}"), Ordering::Less);
        assert_eq!(compare_utf16("\u{EFFF}x", "\u{EFFF}y"), Ordering::Less);
        // The difference is in a continuation byte of characters in different classes.
        assert_eq!(compare_utf16("x\u{FFFF}", "x\u{10FFFF}"), Ordering::Greater);
    }

    #[test]
    fn utf16_order_agrees_with_encode_utf16() {
        let samples = [
            "",
            "a",
            "\u{7F}",
            "\u{80}",
            "\u{7FF}",
            "\u{800}",
            "\u{D7FF}",
            "\u{E000}",
            "\u{FFFF}",
            "\u{10000}",
            "\u{10FFFF}",
            "a\u{E000}",
            "a\u{10000}",
        ];
        for a in samples {
            for b in samples {
                let expected = a.encode_utf16().cmp(b.encode_utf16());
                assert_eq!(compare_utf16(a, b), expected, "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn escapes() {
        assert_eq!(string_literal("\u{8}\t\n\u{C}\r\"\\"), r#""\b\t\n\f\r\"\\""#);
        assert_eq!(string_literal("\u{0}\u{1F}"), r#""\u0000\u001f""#);
        assert_eq!(string_literal("/\u{7F}\u{2028}é"), "\"/\u{7F}\u{2028}é\"");
    }

    #[test]
    fn depth_limit_counts_containers() {
        let mut value = Value::Null;
        for _ in 0..MAX_DEPTH {
            value = Value::Array(vec![value]);
        }
        assert!(canonicalize(&value).is_ok());
        let too_deep = Value::Array(vec![value]);
        let error = canonicalize(&too_deep).unwrap_err();
        assert_eq!(error.code(), ErrorCode::DepthExceeded);
        assert_eq!(error.path(), format!("${}", "[0]".repeat(MAX_DEPTH)));
    }

    #[test]
    fn duplicate_and_non_finite_errors_name_their_path() {
        let value = Value::Object(vec![(
            "input".into(),
            Value::Object(vec![(
                "items".into(),
                Value::Array(vec![
                    Value::Null,
                    Value::Object(vec![("k".into(), Value::Null), ("k".into(), Value::Null)]),
                ]),
            )]),
        )]);
        let error = canonicalize(&value).unwrap_err();
        assert_eq!(error.code(), ErrorCode::DuplicateKey);
        assert_eq!(error.path(), "$.input.items[1].k");
        let nan = Value::Array(vec![Value::Object(vec![("a b".into(), Value::Number(f64::NAN))])]);
        let error = canonicalize(&nan).unwrap_err();
        assert_eq!(error.code(), ErrorCode::NonFiniteNumber);
        assert_eq!(error.path(), "$[0][\"a b\"]");
    }
}
