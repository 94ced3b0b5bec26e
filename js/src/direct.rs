//! The fast path of hashing an example from its tape: its canonical JSON written straight from
//! the slots and UTF-16 text into one buffer, with no `canonhash::Value` (and no copy of its
//! strings) in between, then SHA-256.
//!
//! It writes only what it can write with certainty: on anything else (a lone surrogate, a name
//! that has one, a number outside the domain, a tape that does not follow the layout, nesting
//! at the depth limit) it gives up ([`Unusual`]) and the caller hashes the example the general
//! way (`value::example_hash`), which reports the error with its path. So the bytes are the
//! general path's by construction, and every error is its error; the golden vectors, the
//! cross-SDK parity tests and `tests/values.test.ts` check both.

use canonhash::{HashError, MAX_DEPTH, compare_utf16, write_json_string, write_number};

use crate::value::{ABSENT, ARRAY, FALSE, NULL, NUMBER, OBJECT, STRING, TRUE, Tape};

/// The example holds something the fast path does not write; hash it the general way.
pub(crate) struct Unusual;

/// A part's member names for the writer: each one's rank in canonical order (RFC 8785 sorts
/// by UTF-16 code units) and its `"name":` as canonical JSON, computed once per part.
pub(crate) struct NameTable {
    /// `u32::MAX` for a name with a lone surrogate.
    ranks: Vec<u32>,
    literals: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

impl NameTable {
    pub(crate) fn new(names: &[Result<String, HashError>]) -> Self {
        let mut order: Vec<usize> = (0..names.len()).filter(|&index| names[index].is_ok()).collect();
        let text = |index: usize| names[index].as_deref().unwrap_or_default();
        order.sort_unstable_by(|&a, &b| compare_utf16(text(a), text(b)));
        let mut ranks = vec![u32::MAX; names.len()];
        for (rank, &index) in order.iter().enumerate() {
            ranks[index] = u32::try_from(rank).unwrap_or(u32::MAX);
        }
        let mut literals = Vec::new();
        let mut spans = Vec::with_capacity(names.len());
        for name in names {
            let start = literals.len();
            if let Ok(name) = name {
                write_json_string(name, &mut literals);
                literals.push(b':');
            }
            spans.push((start, literals.len()));
        }
        NameTable { ranks, literals, spans }
    }
}

/// A member of an object being written: its name's rank and index, and where its value starts.
#[derive(Clone, Copy)]
struct Member<'t> {
    rank: u32,
    name: u32,
    value: Tape<'t>,
}

/// Writes canonical JSON from one example's tape.
pub(crate) struct Writer<'t> {
    tape: Tape<'t>,
    names: &'t NameTable,
}

/// Scratch space of the writer, kept from example to example so that its memory is reused.
#[derive(Default)]
pub(crate) struct Scratch<'t> {
    pub(crate) out: Vec<u8>,
    members: Vec<Member<'t>>,
}

impl<'t> Writer<'t> {
    /// A writer of the example on `tape` (after its header: see `Tape::next_example`).
    pub(crate) fn new(tape: Tape<'t>, names: &'t NameTable) -> Self {
        Writer { tape, names }
    }

    /// The canonical example `{"input":…,"metadata":…,"output":…}` of the whole tape (an
    /// example after its header), a missing or `null` output or metadata as `{}`, into
    /// `scratch.out` (cleared first).
    pub(crate) fn example(mut self, scratch: &mut Scratch<'t>) -> Result<(), Unusual> {
        let Scratch { out, members } = scratch;
        out.clear();
        out.extend_from_slice(b"{\"input\":");
        self.part(out, members, false)?;
        out.extend_from_slice(b",\"metadata\":");
        self.part(out, members, true)?;
        out.extend_from_slice(b",\"output\":");
        self.part(out, members, true)?;
        out.push(b'}');
        if self.tape.at_end() { Ok(()) } else { Err(Unusual) }
    }

    /// A part: an object (at depth 1, inside the example), or for an optional one also `null`
    /// or absent; anything else is the general path's `not_an_object`.
    fn part(&mut self, out: &mut Vec<u8>, members: &mut Vec<Member<'t>>, optional: bool) -> Result<(), Unusual> {
        match self.tape.peek() {
            Some(OBJECT) => self.value(out, members, 1),
            Some(NULL | ABSENT) if optional => {
                self.next_slot()?;
                out.extend_from_slice(b"{}");
                Ok(())
            }
            _ => Err(Unusual),
        }
    }

    fn next_slot(&mut self) -> Result<f64, Unusual> {
        self.tape.next_slot().map_err(|_| Unusual)
    }

    fn next_count(&mut self) -> Result<usize, Unusual> {
        self.tape.next_count().map_err(|_| Unusual)
    }

    /// Writes the next value, which sits inside `depth` containers.
    fn value(&mut self, out: &mut Vec<u8>, members: &mut Vec<Member<'t>>, depth: usize) -> Result<(), Unusual> {
        match self.next_slot()? {
            NULL => out.extend_from_slice(b"null"),
            FALSE => out.extend_from_slice(b"false"),
            TRUE => out.extend_from_slice(b"true"),
            NUMBER => write_number(self.next_slot()?, out).map_err(|_| Unusual)?,
            STRING => write_utf16_string(self.tape.next_units().map_err(|_| Unusual)?, out)?,
            ARRAY => {
                if depth >= MAX_DEPTH {
                    return Err(Unusual);
                }
                out.push(b'[');
                for index in 0..self.next_count()? {
                    if index > 0 {
                        out.push(b',');
                    }
                    self.value(out, members, depth + 1)?;
                }
                out.push(b']');
            }
            OBJECT => {
                if depth >= MAX_DEPTH {
                    return Err(Unusual);
                }
                self.object(out, members, depth)?;
            }
            _ => return Err(Unusual),
        }
        Ok(())
    }

    /// An object's members in canonical order: where each value starts is noted (skipping the
    /// values), the members are sorted by their names' ranks, then each value is written.
    fn object(&mut self, out: &mut Vec<u8>, members: &mut Vec<Member<'t>>, depth: usize) -> Result<(), Unusual> {
        let count = self.next_count()?;
        // The members of enclosing objects sit below `base` on the same stack.
        let base = members.len();
        for _ in 0..count {
            let name = self.next_count()?;
            let rank = *self.names.ranks.get(name).ok_or(Unusual)?;
            if rank == u32::MAX {
                return Err(Unusual);
            }
            members.push(Member {
                rank,
                name: name as u32,
                value: self.tape,
            });
            self.tape.skip_value(None).map_err(|_| Unusual)?;
        }
        let end = self.tape;
        let own = &mut members[base..];
        if !own.windows(2).all(|pair| pair[0].rank < pair[1].rank) {
            own.sort_unstable_by_key(|member| member.rank);
            // Two members of one name: a JS object has none, so the tape is not its.
            if own.windows(2).any(|pair| pair[0].rank == pair[1].rank) {
                return Err(Unusual);
            }
        }
        out.push(b'{');
        for index in base..base + count {
            let Member { name, value, .. } = members[index];
            if index > base {
                out.push(b',');
            }
            let (start, end) = self.names.spans[name as usize];
            out.extend_from_slice(&self.names.literals[start..end]);
            self.tape = value;
            self.value(out, members, depth + 1)?;
        }
        out.push(b'}');
        members.truncate(base);
        self.tape = end;
        Ok(())
    }
}

/// Appends the UTF-16 `units` as a canonical JSON string, as `canonhash::write_json_string`
/// writes their UTF-8; `Unusual` for a lone surrogate (`out` then holds a partial write).
///
/// One pass converts and checks: text of mixed scripts (short ASCII runs between accented, CJK
/// and emoji characters, the typical example) defeats the ASCII fast paths of a general
/// converter, and a separate escape pass would read the bytes again. Runs of 16 ASCII units
/// that need no escape are checked and narrowed at once ([`ascii_run`]); the rest goes a unit
/// at a time. A string with a character to escape (rare) is written again by
/// `write_json_string`.
fn write_utf16_string(units: &[u16], out: &mut Vec<u8>) -> Result<(), Unusual> {
    let start = out.len();
    // At most 3 bytes per unit (a surrogate pair: 4 bytes for its 2 units), and the quotes;
    // a run's 16-byte store needs no more: its 16 units have room for 48.
    out.reserve(units.len() * 3 + 2);
    let at = out.as_mut_ptr();
    let mut length = start;
    let mut index = 0;
    // SAFETY: `length` stays within the capacity reserved above: the quote, then at most 3
    // bytes per unit read (a run stores 16 bytes for 16 units it has yet to read); nothing
    // else touches `out` until `set_len`.
    unsafe {
        *at.add(length) = b'"';
        length += 1;
        loop {
            let ascii = ascii_run(&units[index..], at.add(length));
            index += ascii;
            length += ascii;
            // A unit at a time up to the next ASCII unit that may start a run.
            let mut wide = false;
            while let Some(&unit) = units.get(index) {
                if unit < 0x80 {
                    if wide && units.len() - index >= RUN {
                        break;
                    }
                    let byte = unit as u8;
                    if byte < 0x20 || byte == b'"' || byte == b'\\' {
                        let text = String::from_utf16(units).map_err(|_| Unusual)?;
                        out.truncate(start);
                        write_json_string(&text, out);
                        return Ok(());
                    }
                    *at.add(length) = byte;
                    length += 1;
                    index += 1;
                    continue;
                }
                wide = true;
                index += 1;
                if unit < 0x800 {
                    *at.add(length) = 0xC0 | (unit >> 6) as u8;
                    *at.add(length + 1) = 0x80 | (unit & 0x3F) as u8;
                    length += 2;
                } else if (0xD800..0xE000).contains(&unit) {
                    let low = units.get(index).copied().unwrap_or(0);
                    if unit >= 0xDC00 || !(0xDC00..0xE000).contains(&low) {
                        return Err(Unusual);
                    }
                    index += 1;
                    let code = 0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    *at.add(length) = 0xF0 | (code >> 18) as u8;
                    *at.add(length + 1) = 0x80 | ((code >> 12) & 0x3F) as u8;
                    *at.add(length + 2) = 0x80 | ((code >> 6) & 0x3F) as u8;
                    *at.add(length + 3) = 0x80 | (code & 0x3F) as u8;
                    length += 4;
                } else {
                    *at.add(length) = 0xE0 | (unit >> 12) as u8;
                    *at.add(length + 1) = 0x80 | ((unit >> 6) & 0x3F) as u8;
                    *at.add(length + 2) = 0x80 | (unit & 0x3F) as u8;
                    length += 3;
                }
            }
            if index == units.len() {
                break;
            }
        }
        *at.add(length) = b'"';
        out.set_len(length + 1);
    }
    Ok(())
}

/// The units [`ascii_run`] checks at once.
const RUN: usize = 16;

/// How many of the leading `units` are ASCII that JSON writes as it is (no control character,
/// quote or backslash), counted 16 at a time while whole blocks are; their bytes are at `at`.
///
/// # Safety
/// `at` has room for `units.len()` bytes, rounded down to a multiple of 16.
#[cfg(target_arch = "x86_64")]
unsafe fn ascii_run(units: &[u16], at: *mut u8) -> usize {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_packus_epi16,
        _mm_set1_epi8, _mm_storeu_si128,
    };
    let mut done = 0;
    // SAFETY: SSE2 is part of x86_64; the loads read 16 units within `units`, the store
    // writes 16 bytes within the room the caller vouches for.
    unsafe {
        let (space, quote, backslash) = (
            _mm_set1_epi8(0x20),
            _mm_set1_epi8(b'"' as i8),
            _mm_set1_epi8(b'\\' as i8),
        );
        while units.len() - done >= RUN {
            let from = units.as_ptr().add(done);
            // Unsigned saturation: a unit above 0xFF becomes 0xFF, one from 0x8000 up 0;
            // so a byte is an ASCII character only where its unit is.
            let bytes = _mm_packus_epi16(_mm_loadu_si128(from.cast()), _mm_loadu_si128(from.add(8).cast()));
            // Signed, so that bytes from 0x80 up are below the space too.
            let unusual = _mm_or_si128(
                _mm_cmplt_epi8(bytes, space),
                _mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash)),
            );
            _mm_storeu_si128(at.add(done).cast(), bytes);
            let mask = _mm_movemask_epi8(unusual) as u32;
            if mask != 0 {
                return done + mask.trailing_zeros() as usize;
            }
            done += RUN;
        }
    }
    done
}

/// Elsewhere, the unit-at-a-time loop of [`write_utf16_string`] does it all.
///
/// # Safety
/// Nothing to uphold: it writes nothing.
#[cfg(not(target_arch = "x86_64"))]
unsafe fn ascii_run(_units: &[u16], _at: *mut u8) -> usize {
    0
}
