//! Finding the bytes of a string that JSON treats specially, 16 at a time.
//!
//! Both the parser (where a string ends or needs unescaping) and the writer (what must be
//! escaped) look for the same three kinds of byte: `"`, `\` and controls below U+0020. Most
//! strings have none, so the search dominates string handling and is worth a vector loop.

/// Whether JSON string syntax gives `byte` a special meaning.
#[inline]
pub(crate) fn is_special(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// The index of the first `"`, `\` or control byte in `bytes`, or `bytes.len()` if none.
#[inline]
pub(crate) fn find_special(bytes: &[u8]) -> usize {
    let mut index = 0;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        };
        // SAFETY: SSE2 is part of the x86_64 baseline, and every load reads 16 bytes that lie
        // inside `bytes` (unaligned loads are allowed).
        unsafe {
            let quote = _mm_set1_epi8(b'"' as i8);
            let backslash = _mm_set1_epi8(b'\\' as i8);
            let last_control = _mm_set1_epi8(0x1F);
            while index + 16 <= bytes.len() {
                let chunk = _mm_loadu_si128(bytes.as_ptr().add(index).cast::<__m128i>());
                // Unsigned byte <= 0x1F exactly when min(byte, 0x1F) == byte.
                let control = _mm_cmpeq_epi8(_mm_min_epu8(chunk, last_control), chunk);
                let quote_or_backslash = _mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash));
                let mask = _mm_movemask_epi8(_mm_or_si128(control, quote_or_backslash));
                if mask != 0 {
                    return index + mask.trailing_zeros() as usize;
                }
                index += 16;
            }
        }
    }
    index
        + bytes[index..]
            .iter()
            .position(|&b| is_special(b))
            .unwrap_or(bytes.len() - index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_a_byte_loop_at_every_offset_and_length() {
        let mut bytes: Vec<u8> = (0..=255u8).collect();
        bytes.extend((0..=255u8).rev());
        for special in [0x00u8, 0x1F, b'"', b'\\', 0x20, 0x7F, 0x80, 0xFF] {
            for length in 0..48 {
                for at in 0..length {
                    let mut sample = vec![b'a'; length];
                    sample[at] = special;
                    let expected = sample.iter().position(|&b| is_special(b)).unwrap_or(length);
                    assert_eq!(find_special(&sample), expected, "byte {special:#x} at {at} of {length}");
                }
            }
        }
        for start in 0..bytes.len() {
            let slice = &bytes[start..];
            let expected = slice.iter().position(|&b| is_special(b)).unwrap_or(slice.len());
            assert_eq!(find_special(slice), expected);
        }
    }
}
