//! Numbers: the ECMAScript serialization of a double, and the exactness rule for integers.
//!
//! Every JSON number is an IEEE-754 double (RFC 8785 §3.2.2.3). An integer that rounding would
//! change is refused rather than rounded, because silently hashing a different value than the
//! one the user wrote would make two different datasets look identical. An integer spelled the
//! way ECMAScript writes a double is that double: canonical output must read back.

use crate::error::{ErrorCode, HashError};

/// Appends `value` as ECMAScript `Number.prototype.toString` writes it (`-0` as `0`).
///
/// # Errors
/// `non_finite_number` for NaN and ±Infinity, which JSON cannot express.
pub fn write_number(value: f64, out: &mut Vec<u8>) -> Result<(), HashError> {
    if !value.is_finite() {
        return Err(non_finite(value));
    }
    if value == 0.0 {
        // Covers -0, which ECMAScript also writes as "0".
        out.push(b'0');
        return Ok(());
    }
    if value.fract() == 0.0 && value.abs() < 1e15 {
        // ECMAScript writes these integers digit for digit; far cheaper than the shortest-digits search.
        write_integer(value as i64, out);
        return Ok(());
    }
    let mut buffer = ryu_js::Buffer::new();
    out.extend_from_slice(buffer.format_finite(value).as_bytes());
    Ok(())
}

fn write_integer(value: i64, out: &mut Vec<u8>) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut magnitude = value.unsigned_abs();
    loop {
        start -= 1;
        digits[start] = b'0' + (magnitude % 10) as u8;
        magnitude /= 10;
        if magnitude == 0 {
            break;
        }
    }
    if value < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[start..]);
}

/// `value` as ECMAScript `String(value)` writes it.
///
/// # Errors
/// `non_finite_number` for NaN and ±Infinity.
pub fn format_number(value: f64) -> Result<String, HashError> {
    let mut out = Vec::with_capacity(24);
    write_number(value, &mut out)?;
    Ok(String::from_utf8(out).expect("number text is ASCII"))
}

pub(crate) fn non_finite(value: f64) -> HashError {
    HashError::new(
        ErrorCode::NonFiniteNumber,
        format!("{value} is not a finite number; JSON has no NaN or Infinity"),
    )
}

/// The double that a signed integer stands for; see [`exact_f64_from_decimal`] for the rule.
///
/// # Errors
/// `integer_not_exact`.
pub fn exact_f64_from_i128(value: i128) -> Result<f64, HashError> {
    // 2^127 is a double but not an i128: anything that rounds to it is inexact, and the
    // saturating cast below would otherwise hide that.
    const TWO_POW_127: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0;
    let double = value as f64;
    if double < TWO_POW_127 && double as i128 == value {
        return Ok(double);
    }
    check_spelling(&value.to_string(), double)
}

/// The double that a signed integer stands for; see [`exact_f64_from_decimal`] for the rule.
///
/// # Errors
/// `integer_not_exact`.
pub fn exact_f64_from_i64(value: i64) -> Result<f64, HashError> {
    exact_f64_from_i128(i128::from(value))
}

/// The double that an unsigned integer stands for; see [`exact_f64_from_decimal`] for the rule.
///
/// # Errors
/// `integer_not_exact`.
pub fn exact_f64_from_u64(value: u64) -> Result<f64, HashError> {
    exact_f64_from_i128(i128::from(value))
}

/// The double that a decimal integer (`-?[0-9]+`, any length) stands for.
///
/// An integer is accepted when a double equals it, or when it is spelled exactly as ECMAScript
/// writes the nearest double: `295147905179352830000` is how RFC 8785 (and `JSON.stringify`)
/// write 2^68, so canonical output and what JavaScript writes always read back. Any other
/// integer, such as `9007199254740993` (2^53 + 1) or `12345678901234567890`, would be changed
/// by rounding, so it is refused. Bindings call this for host integers too large for `i128`
/// (a Python `int` such as `2**200`, which a double does represent exactly).
///
/// # Errors
/// `integer_not_exact` when the integer is neither; `invalid_json` when `literal` is not a
/// decimal integer.
pub fn exact_f64_from_decimal(literal: &str) -> Result<f64, HashError> {
    let digits = literal.strip_prefix('-').unwrap_or(literal);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(HashError::new(
            ErrorCode::InvalidJson,
            format!("{literal:?} is not a decimal integer"),
        ));
    }
    let negative = digits.len() != literal.len();
    let digits = digits.trim_start_matches('0');
    let signed = |magnitude: f64| if negative { -magnitude } else { magnitude };
    if digits.len() <= 15 {
        // Below 10^15 < 2^53 every integer is a double.
        let magnitude: u64 = if digits.is_empty() {
            0
        } else {
            digits.parse().expect("digits")
        };
        return Ok(signed(magnitude as f64));
    }
    if digits.len() <= 38 {
        let magnitude: i128 = digits.parse().expect("at most 38 digits fit an i128");
        return exact_f64_from_i128(if negative { -magnitude } else { magnitude });
    }
    // From 10^38 on, ECMAScript writes every double with an exponent, so only an exact
    // integer is accepted here.
    let double: f64 = digits.parse().expect("digits parse as a double");
    if double.is_finite() && integral_double_digits(double) == digits {
        Ok(signed(double))
    } else {
        Err(not_exact(literal, signed(double)))
    }
}

/// Accepts `integer` (normalized decimal) as `nearest` if it is ECMAScript's spelling of it.
fn check_spelling(integer: &str, nearest: f64) -> Result<f64, HashError> {
    if nearest.is_finite() && format_number(nearest).is_ok_and(|spelling| spelling == integer) {
        Ok(nearest)
    } else {
        Err(not_exact(integer, nearest))
    }
}

fn not_exact(literal: &str, nearest: f64) -> HashError {
    HashError::new(
        ErrorCode::IntegerNotExact,
        format!(
            "integer {literal} has no exact IEEE-754 double representation (nearest is {nearest:e}); \
             send integers beyond 2^53 as strings"
        ),
    )
}

/// The exact decimal digits of a finite, non-negative, integral double (no leading zeros).
fn integral_double_digits(value: f64) -> String {
    const LIMB: u64 = 1_000_000_000;
    let bits = value.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32;
    let mantissa = (bits & ((1 << 52) - 1)) | (1 << 52);
    // value = mantissa * 2^shift; callers pass values of at least 2^60, so shift > 0.
    let mut shift = exponent - 1075;
    debug_assert!(shift > 0, "integral_double_digits needs a value of at least 2^53");
    let mut limbs: Vec<u64> = vec![mantissa % LIMB, (mantissa / LIMB) % LIMB, mantissa / LIMB / LIMB];
    while shift > 0 {
        let step = shift.min(29);
        let mut carry = 0u64;
        for limb in &mut limbs {
            let product = (*limb << step) + carry;
            *limb = product % LIMB;
            carry = product / LIMB;
        }
        while carry > 0 {
            limbs.push(carry % LIMB);
            carry /= LIMB;
        }
        shift -= step;
    }
    while limbs.len() > 1 && limbs.last() == Some(&0) {
        limbs.pop();
    }
    let mut text = limbs.last().expect("one limb").to_string();
    for limb in limbs.iter().rev().skip(1) {
        text.push_str(&format!("{limb:09}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(value: f64) -> String {
        format_number(value).unwrap()
    }

    #[test]
    fn ecmascript_forms() {
        assert_eq!(fmt(0.0), "0");
        assert_eq!(fmt(-0.0), "0");
        assert_eq!(fmt(1.0), "1");
        assert_eq!(fmt(-1.5), "-1.5");
        assert_eq!(fmt(1e21), "1e+21");
        assert_eq!(fmt(1e20), "100000000000000000000");
        assert_eq!(fmt(1e-7), "1e-7");
        assert_eq!(fmt(1e-6), "0.000001");
        assert_eq!(fmt(2f64.powi(68)), "295147905179352830000");
        assert_eq!(fmt(5e-324), "5e-324");
        assert_eq!(fmt(f64::MAX), "1.7976931348623157e+308");
        assert_eq!(fmt(333_333_333.333_333_3), "333333333.3333333");
        assert_eq!(fmt(-999_999_999_999_999.0), "-999999999999999");
        assert_eq!(fmt(1e15), "1000000000000000");
        assert_eq!(fmt(-7.0), "-7");
    }

    #[test]
    fn non_finite_is_an_error() {
        for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(format_number(value).unwrap_err().code(), ErrorCode::NonFiniteNumber);
        }
    }

    #[test]
    fn integer_exactness() {
        assert_eq!(exact_f64_from_i64(1 << 53).unwrap(), 9_007_199_254_740_992.0);
        assert_eq!(
            exact_f64_from_i64((1 << 53) + 1).unwrap_err().code(),
            ErrorCode::IntegerNotExact
        );
        assert_eq!(exact_f64_from_i64(i64::MIN).unwrap(), -9_223_372_036_854_775_808.0);
        assert!(exact_f64_from_i64(i64::MAX).is_err());
        assert!(exact_f64_from_u64(u64::MAX).is_err());
        assert_eq!(exact_f64_from_u64(1 << 63).unwrap(), 9_223_372_036_854_775_808.0);
        assert!(exact_f64_from_i128(i128::MAX).is_err());
        assert_eq!(exact_f64_from_i128(i128::MIN).unwrap(), -(2f64.powi(127)));
    }

    #[test]
    fn decimal_literals() {
        assert_eq!(exact_f64_from_decimal("-0").unwrap().to_bits(), (-0.0f64).to_bits());
        assert_eq!(exact_f64_from_decimal("007").unwrap(), 7.0);
        assert!(exact_f64_from_decimal("12345678901234567890").is_err());
        assert_eq!(exact_f64_from_decimal("295147905179352825856").unwrap(), 2f64.powi(68));
        let two_pow_200 = "1606938044258990275541962092341162602522202993782792835301376";
        assert_eq!(exact_f64_from_decimal(two_pow_200).unwrap(), 2f64.powi(200));
        let off_by_one = "1606938044258990275541962092341162602522202993782792835301377";
        assert_eq!(
            exact_f64_from_decimal(off_by_one).unwrap_err().code(),
            ErrorCode::IntegerNotExact
        );
        assert!(exact_f64_from_decimal(&"9".repeat(400)).is_err());
        // ECMAScript's spelling of a double reads back as that double.
        assert_eq!(exact_f64_from_decimal("295147905179352830000").unwrap(), 2f64.powi(68));
        assert_eq!(
            exact_f64_from_decimal("-295147905179352830000").unwrap(),
            -(2f64.powi(68))
        );
        assert_eq!(exact_f64_from_i128(295_147_905_179_352_830_000).unwrap(), 2f64.powi(68));
        assert_eq!(
            exact_f64_from_u64(1_234_567_890_123_456_800).unwrap(),
            1.2345678901234568e18
        );
        assert!(exact_f64_from_u64(1_234_567_890_123_456_801).is_err());
        assert!(exact_f64_from_decimal("295147905179352830001").is_err());
        assert_eq!(exact_f64_from_decimal("1x").unwrap_err().code(), ErrorCode::InvalidJson);
    }

    #[test]
    fn integral_digits_match_integer_formatting() {
        for power in 60..=1023 {
            let value = 2f64.powi(power);
            let digits = integral_double_digits(value);
            assert_eq!(digits.parse::<f64>().unwrap(), value, "2^{power}");
        }
        assert_eq!(integral_double_digits(2f64.powi(64)), "18446744073709551616");
    }
}
