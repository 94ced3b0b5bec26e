//! `classify_manifest`: a plan's NDJSON block decoded and classified against a dataset's packed
//! state in one call, with no Python value made for an unchanged line.
//!
//! A plan's manifest is a million lines `{"content_hash":…,"source_id":…}` of which, on a
//! re-sync, nearly all are unchanged. Decoding them into tuples of Python strings (what
//! `decode_ndjson_records` gives) and classifying those in Python cost the server ~1.5 s of CPU
//! per million; here a line is read into a borrowed source id and a 32-byte digest, looked up in
//! the state's own index (its `dict` of source id to position) and compared with the state's
//! packed digests, and only the new and changed lines come back as Python values.
//!
//! A line in exactly the form the SDKs write (canonical member order, no whitespace, a source id
//! of printable ASCII without escapes, a lowercase hex hash) is read by [`fast_line`]; any other
//! line goes through `groundset_records::decode_ndjson_records`, the request decoder of every
//! other path, so what is accepted, and how a bad line is named, is that decoder's by
//! construction.
//!
//! `manifest_digest_ordered`: a state's manifest digest, with the order that sorts its source ids
//! kept for the next state (which adds a few source ids to it), so that the digest of a
//! million-example version costs a merge rather than a sort.

use std::borrow::Cow;
use std::collections::HashSet;

use groundset_records::{RecordError, RecordOptions};
use pyo3::exceptions::{PyIndexError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyString};

use crate::records::{FailureTuple, failure_tuple};

const DIGEST: usize = 32;
const HASH_MEMBER: &[u8] = b"{\"content_hash\":\"";
const ID_MEMBER: &[u8] = b"\",\"source_id\":\"";
const LINE_END: &[u8] = b"\"}";
const ID_FIRST: &[u8] = b"{\"source_id\":\"";
const HASH_AFTER_ID: &[u8] = b"\",\"content_hash\":\"";

/// One line of the block read: its source id and its content hash as the 32 bytes it spells.
struct Entry<'a> {
    id: Cow<'a, str>,
    digest: [u8; DIGEST],
}

/// `(source_ids, base_positions, digests, created, revived, unchanged)`: see the stub.
type Classified<'py> = (Bound<'py, PyList>, Vec<usize>, Bound<'py, PyBytes>, usize, usize, usize);

/// Each byte's value as a hex digit (`0`-`9`, `a`-`f`), or 0xFF.
const HEX: [u8; 256] = {
    let mut table = [0xFF; 256];
    let mut digit = 0;
    while digit < 16 {
        table[b"0123456789abcdef"[digit] as usize] = digit as u8;
        digit += 1;
    }
    table
};

/// 64 lowercase hex digits as the 32 bytes they spell (None for anything else); without a
/// branch per digit, as this is most of a line's cost.
fn digest_of(hex: &[u8]) -> Option<[u8; DIGEST]> {
    let hex: &[u8; 2 * DIGEST] = hex.try_into().ok()?;
    let mut digest = [0u8; DIGEST];
    let mut invalid = 0;
    for (byte, pair) in digest.iter_mut().zip(hex.chunks_exact(2)) {
        let (high, low) = (HEX[usize::from(pair[0])], HEX[usize::from(pair[1])]);
        invalid |= high | low;
        *byte = high << 4 | low;
    }
    (invalid & 0xF0 == 0).then_some(digest)
}

/// The line's source id and digest when it is exactly `{"content_hash":"<64 lowercase hex>",
/// "source_id":"<id>"}` (the Python SDK's canonical line) or `{"source_id":"<id>","content_hash":
/// "<64 lowercase hex>"}` (the TypeScript SDK's), the id 1 to `max_chars` printable ASCII
/// characters, neither `"` nor `\`: a line the general decoder accepts with that id and hash (a
/// valid hash, a valid source id, no other member). Anything else is None and goes the general
/// way.
fn fast_line(bytes: &[u8], max_chars: usize) -> Option<(&str, [u8; DIGEST])> {
    let (id, digest) = if let Some(rest) = bytes.strip_prefix(HASH_MEMBER) {
        let digest = digest_of(rest.get(..2 * DIGEST)?)?;
        (
            rest[2 * DIGEST..].strip_prefix(ID_MEMBER)?.strip_suffix(LINE_END)?,
            digest,
        )
    } else {
        let rest = bytes.strip_prefix(ID_FIRST)?;
        let end = rest.iter().position(|&byte| byte == b'"')?;
        let hex = rest[end..].strip_prefix(HASH_AFTER_ID)?.strip_suffix(LINE_END)?;
        (&rest[..end], digest_of(hex)?)
    };
    let printable = |byte: &u8| (0x20..0x7f).contains(byte) && *byte != b'"' && *byte != b'\\';
    if id.is_empty() || id.len() > max_chars || !id.iter().all(printable) {
        return None;
    }
    // Printable ASCII is UTF-8.
    Some((std::str::from_utf8(id).ok()?, digest))
}

/// The block's lines (numbered from `first_line`, blank ones skipped as every NDJSON reader of
/// the project does), each read, or refused as the general decoder refuses it.
fn read_block(data: &[u8], first_line: usize, options: RecordOptions) -> Vec<Result<Entry<'_>, RecordError>> {
    let max_chars = options.max_source_id_chars.min(groundset_records::MAX_SOURCE_ID_CHARS);
    let mut entries = Vec::with_capacity(data.len() / 96 + 1);
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', data).chain((data.last() != Some(&b'\n')).then_some(data.len()));
    for (index, end) in ends.enumerate() {
        let bytes = &data[start..end];
        start = end + 1;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if let Some((id, digest)) = fast_line(bytes, max_chars) {
            entries.push(Ok(Entry {
                id: Cow::Borrowed(id),
                digest,
            }));
            continue;
        }
        let line = first_line + index;
        let decoded = groundset_records::decode_ndjson_records(bytes, line, options)
            .pop()
            .expect("a line that is not blank is one record");
        entries.push(match decoded {
            Ok(record) => match digest_of(record.content_hash.as_bytes()) {
                Some(digest) => Ok(Entry {
                    id: Cow::Owned(record.source_id),
                    digest,
                }),
                None => unreachable!("the decoder accepts only 64 lowercase hex digits"),
            },
            Err(failure) => Err(failure),
        });
    }
    entries
}

/// Classifies one NDJSON block of a plan: see the stub for the contract.
#[pyfunction]
#[pyo3(signature = (data, *, first_line, keys, positions, hashes, deleted, seen, needed, max_source_id_chars = 512))]
#[allow(clippy::too_many_arguments)]
pub fn classify_manifest<'py>(
    py: Python<'py>,
    data: &[u8],
    first_line: usize,
    keys: &Bound<'py, PyList>,
    positions: &Bound<'py, PyDict>,
    hashes: &Bound<'py, PyByteArray>,
    deleted: &Bound<'py, PyByteArray>,
    seen: &Bound<'py, PyByteArray>,
    needed: &Bound<'py, PyDict>,
    max_source_id_chars: usize,
) -> PyResult<(Vec<FailureTuple>, Option<Classified<'py>>)> {
    let options = RecordOptions {
        with_content: false,
        max_source_id_chars,
    };
    let read = py.detach(|| read_block(data, first_line, options));
    if read.iter().any(Result::is_err) {
        let failures = read
            .into_iter()
            .filter_map(|entry| match entry {
                Err(failure) => Some(failure_tuple(py, failure)),
                _ => None,
            })
            .collect();
        return Ok((failures, None));
    }
    let count = deleted.len();
    if hashes.len() != count * DIGEST || seen.len() != count || keys.len() != count || positions.len() != count {
        return Err(PyValueError::new_err(format!(
            "keys, positions, hashes (32 bytes each) and seen must hold one entry for each of the {count} \
             examples of deleted: {} keys, {} positions, {} bytes, {} flags",
            keys.len(),
            positions.len(),
            hashes.len(),
            seen.len()
        )));
    }
    // SAFETY: the three buffers are read and written only between here and the return, with
    // the GIL held; the only Python code run meanwhile is `dict` lookups of `str` keys in dicts
    // whose keys are `str`, which cannot run Python code that would resize a buffer.
    let (hashes, deleted, seen) = unsafe { (hashes.as_bytes(), deleted.as_bytes(), seen.as_bytes_mut()) };
    let mut created: Vec<(Bound<'py, PyAny>, [u8; DIGEST])> = Vec::new();
    let mut revived: Vec<(Bound<'py, PyAny>, usize, [u8; DIGEST])> = Vec::new();
    let mut updated: Vec<(Bound<'py, PyAny>, usize, [u8; DIGEST])> = Vec::new();
    let mut marked: Vec<usize> = Vec::with_capacity(read.len());
    let mut new_here: HashSet<&str> = HashSet::new();
    let mut unchanged = 0;
    let mut duplicate = false;
    // A re-sync sends its examples in the order of the last one, which is the state's: the line
    // after the example at `next - 1` is most often the one at `next`, found by comparing one
    // key read in order rather than by a lookup at random in a million-entry dict.
    let mut next = usize::MAX;
    for entry in &read {
        let Ok(entry) = entry else {
            unreachable!("refused blocks returned above")
        };
        let predicted = (next < count).then(|| keys.get_item(next)).transpose()?.filter(|key| {
            key.cast::<PyString>()
                .is_ok_and(|key| key.to_str().is_ok_and(|key| key == entry.id))
        });
        let (key, position) = if let Some(key) = predicted {
            (key, next)
        } else {
            let key = PyString::new(py, &entry.id).into_any();
            let Some(found) = positions.get_item(&key)? else {
                if !new_here.insert(&entry.id) || needed.contains(&key)? {
                    duplicate = true;
                    break;
                }
                created.push((key, entry.digest));
                continue;
            };
            let position: usize = found.extract()?;
            if position >= count {
                return Err(PyIndexError::new_err(format!(
                    "position {position} of {:?} is out of the state's {count} examples",
                    entry.id
                )));
            }
            (key, position)
        };
        next = position + 1;
        if seen[position] != 0 {
            duplicate = true;
            break;
        }
        seen[position] = 1;
        marked.push(position);
        if deleted[position] != 0 {
            revived.push((key, position, entry.digest));
        } else if hashes[position * DIGEST..(position + 1) * DIGEST] == entry.digest {
            unchanged += 1;
        } else {
            updated.push((key, position, entry.digest));
        }
    }
    if duplicate {
        // Nothing recorded: the caller classifies the block the general way, which names every
        // duplicate.
        for position in marked {
            seen[position] = 0;
        }
        return Ok((Vec::new(), None));
    }
    let changed = created.len() + revived.len() + updated.len();
    let source_ids = PyList::empty(py);
    let mut base_positions = Vec::with_capacity(revived.len() + updated.len());
    let mut digests = Vec::with_capacity(changed * DIGEST);
    for (key, digest) in &created {
        source_ids.append(key)?;
        digests.extend_from_slice(digest);
    }
    for (key, position, digest) in revived.iter().chain(&updated) {
        source_ids.append(key)?;
        base_positions.push(*position);
        digests.extend_from_slice(digest);
    }
    Ok((
        Vec::new(),
        Some((
            source_ids,
            base_positions,
            PyBytes::new(py, &digests),
            created.len(),
            revived.len(),
            unchanged,
        )),
    ))
}

/// The manifest digest of a packed state, and the order that sorts its source ids: see the stub.
#[pyfunction]
#[pyo3(signature = (source_ids, digests, deleted, order = None))]
pub fn manifest_digest_ordered<'py>(
    py: Python<'py>,
    source_ids: Vec<PyBackedStr>,
    digests: &Bound<'py, PyByteArray>,
    deleted: &Bound<'py, PyByteArray>,
    order: Option<&[u8]>,
) -> PyResult<(String, Bound<'py, PyBytes>)> {
    let count = source_ids.len();
    if digests.len() != count * DIGEST || deleted.len() != count {
        return Err(PyValueError::new_err(format!(
            "digests must hold 32 bytes and deleted one flag for each of the {count} source ids: {} bytes, {} flags",
            digests.len(),
            deleted.len()
        )));
    }
    let previous = match order {
        Some(order) => earlier_order(order, count)?,
        None => Vec::new(),
    };
    // The buffers are copied (32 bytes and one flag per example) so that the sort and the hash
    // run without the GIL, while other requests may write to a bytearray.
    // SAFETY: read with the GIL held, copied before it is released.
    let (digests, deleted) = unsafe { (digests.as_bytes().to_vec(), deleted.as_bytes().to_vec()) };
    let (digest, sorted) = py.detach(|| {
        let mut sorted = previous;
        let known = sorted.len();
        sorted.extend((known..count).map(|position| u32::try_from(position).expect("fewer than 2^32 examples")));
        // A stable sort merges runs: the earlier order is one, so only the examples added since
        // are sorted, then merged in (n + k log k comparisons, not n log n).
        let id = |position: &u32| &*source_ids[*position as usize];
        sorted.sort_by(|a, b| canonhash::compare_utf16(id(a), id(b)));
        let entries: Vec<(&str, &[u8; DIGEST])> = sorted
            .iter()
            .map(|&position| position as usize)
            .filter(|&position| deleted[position] == 0)
            .map(|position| {
                let digest = digests[position * DIGEST..(position + 1) * DIGEST]
                    .try_into()
                    .expect("32 bytes");
                (&*source_ids[position], digest)
            })
            .collect();
        let digest = canonhash::manifest_digest_of_sorted_digests(&entries);
        let sorted: Vec<u8> = sorted.iter().flat_map(|position| position.to_le_bytes()).collect();
        (digest, sorted)
    });
    Ok((digest, PyBytes::new(py, &sorted)))
}

/// An earlier order (4 bytes per position, little-endian) as positions: each of `0..m` once for
/// some `m` at most `count`, else `ValueError` (the digest would count an example twice).
fn earlier_order(order: &[u8], count: usize) -> PyResult<Vec<u32>> {
    let invalid =
        |why: &str| PyValueError::new_err(format!("order is not an earlier order of these source ids: {why}"));
    if order.len() % 4 != 0 || order.len() / 4 > count {
        return Err(invalid("4 bytes per position, at most one per source id"));
    }
    let positions: Vec<u32> = order
        .chunks_exact(4)
        .map(|bytes| u32::from_le_bytes(bytes.try_into().expect("4 bytes")))
        .collect();
    let mut held = vec![false; positions.len()];
    for &position in &positions {
        match held.get_mut(position as usize) {
            Some(flag) if !*flag => *flag = true,
            _ => return Err(invalid(&format!("position {position} is out of range or repeated"))),
        }
    }
    Ok(positions)
}
