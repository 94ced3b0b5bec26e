//! Numbers: the ECMAScript serialization of a double, and the exactness rule for integers.
//!
//! Every JSON number is an IEEE-754 double (RFC 8785 §3.2.2.3). An integer that no double
//! represents exactly is refused rather than rounded, because silently hashing a different
//! value than the one the user wrote would make two different datasets look identical.

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
    let mut buffer = ryu_js::Buffer::new();
    out.extend_from_slice(buffer.format_finite(value).as_bytes());
    Ok(())
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

/// The double that represents the signed integer `value` exactly.
///
/// # Errors
/// `integer_not_exact` when the nearest double differs from `value`.
pub fn exact_f64_from_i128(value: i128) -> Result<f64, HashError> {
    // 2^127 is a double but not an i128: anything that rounds to it is inexact, and the
    // saturating cast below would otherwise hide that.
    const TWO_POW_127: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0;
    let double = value as f64;
    if double < TWO_POW_127 && double as i128 == value {
        Ok(double)
    } else {
        Err(not_exact(&value.to_string(), double))
    }
}

/// The double that represents the signed integer `value` exactly.
///
/// # Errors
/// `integer_not_exact` when the nearest double differs from `value`.
pub fn exact_f64_from_i64(value: i64) -> Result<f64, HashError> {
    exact_f64_from_i128(i128::from(value))
}

/// The double that represents the unsigned integer `value` exactly.
///
/// # Errors
/// `integer_not_exact` when the nearest double differs from `value`.
pub fn exact_f64_from_u64(value: u64) -> Result<f64, HashError> {
    exact_f64_from_i128(i128::from(value))
}

/// Parses a decimal integer literal (`-?[0-9]+`, any length) and returns the double that
/// represents it exactly.
///
/// Bindings use it for host integers too large for `i128` (a Python `int` such as `2**200`,
/// which a double does represent exactly).
///
/// # Errors
/// `integer_not_exact` when no double equals the integer; `invalid_json` when `literal` is not
/// a decimal integer.
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
    if digits.len() <= 15 {
        // Below 10^15 < 2^53 every integer is a double.
        let magnitude: u64 = if digits.is_empty() {
            0
        } else {
            digits.parse().expect("digits")
        };
        let double = magnitude as f64;
        return Ok(if negative { -double } else { double });
    }
    if digits.len() <= 38 {
        let magnitude: i128 = digits.parse().expect("at most 38 digits fit an i128");
        return exact_f64_from_i128(if negative { -magnitude } else { magnitude });
    }
    let double: f64 = digits.parse().expect("digits parse as a double");
    if double.is_finite() && integral_double_digits(double) == digits {
        Ok(if negative { -double } else { double })
    } else {
        Err(not_exact(literal, double))
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
