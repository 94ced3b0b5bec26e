//! SHA-256 over canonical bytes: single values, examples, and dataset manifests.

use std::ops::Range;

use sha2::{Digest, Sha256};

use crate::canon::{compare_utf16, write_json_string, write_value};
use crate::error::{ErrorCode, HashError};
use crate::parse::{parse_array_items, parse_document, parse_json};
use crate::value::Value;

/// Lowercase hexadecimal SHA-256 of `bytes` (64 characters).
pub fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

/// The SHA-256 of `bytes`, as its 32 bytes (see [`digest_hex`] for its text).
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The 64 lowercase hex digits of a SHA-256 digest, as [`sha256_hex`] writes them.
pub fn digest_hex(digest: &[u8; 32]) -> String {
    to_hex(digest)
}

fn to_hex(digest: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(digest.len() * 2);
    for &byte in digest {
        text.push(HEX[(byte >> 4) as usize] as char);
        text.push(HEX[(byte & 0xF) as usize] as char);
    }
    text
}

/// The hash of `value`: SHA-256 of its RFC 8785 canonical form.
///
/// # Errors
/// As [`crate::canonicalize`].
///
/// ```
/// let value = canonhash::parse_json(r#"{"b": 1, "a": [1.0, "é"]}"#).unwrap();
/// assert_eq!(canonhash::hash_value(&value).unwrap(), canonhash::sha256_hex(r#"{"a":[1,"é"],"b":1}"#.as_bytes()));
/// ```
pub fn hash_value(value: &Value<'_>) -> Result<String, HashError> {
    let mut out = Vec::with_capacity(256);
    write_value(value, &mut out, 0)?;
    Ok(sha256_hex(&out))
}

/// Parses JSON text and returns its canonical form.
///
/// # Errors
/// As [`crate::parse_json`] and [`crate::canonicalize`].
///
/// ```
/// let canonical = canonhash::canonicalize_json_str("{ \"b\": 1e21, \"a\": -0 }").unwrap();
/// assert_eq!(canonical, br#"{"a":0,"b":1e+21}"#);
/// ```
pub fn canonicalize_json_str(text: &str) -> Result<Vec<u8>, HashError> {
    let value = parse_json(text)?;
    let mut out = Vec::with_capacity(text.len());
    write_value(&value, &mut out, 0)?;
    Ok(out)
}

/// Parses JSON text and returns the hash of its canonical form.
///
/// # Errors
/// As [`canonicalize_json_str`].
pub fn hash_json_str(text: &str) -> Result<String, HashError> {
    canonicalize_json_str(text).map(|canonical| sha256_hex(&canonical))
}

/// Appends the canonical example of an example record: an object with `input` and optional
/// `output` and `metadata` members (other members, such as a source id, are not hashed).
///
/// # Errors
/// `not_an_object` at `$` when `record` is not an object, else as [`write_canonical_example`].
pub fn write_example_record(record: &Value<'_>, out: &mut Vec<u8>) -> Result<(), HashError> {
    if !matches!(record, Value::Object(_)) {
        return Err(HashError::new(
            ErrorCode::NotAnObject,
            format!(
                "an example must be a JSON object with an input, found {}",
                record.type_name()
            ),
        ));
    }
    let input = record.get("input").ok_or_else(|| not_an_object("input", None))?;
    write_canonical_example(input, record.get("output"), record.get("metadata"), out)
}

/// The content hash of an example record given as JSON text
/// (`{"input": …, "output": …, "metadata": …}`; see [`write_example_record`]).
///
/// # Errors
/// As [`crate::parse_json`] and [`write_example_record`].
pub fn example_hash_json(text: &str) -> Result<String, HashError> {
    let locate = |error: HashError| error.locate_in(text);
    let record = parse_document(text).map_err(locate)?;
    let mut out = Vec::with_capacity(text.len());
    write_example_record(&record, &mut out)?;
    Ok(sha256_hex(&out))
}

/// The content hashes of a JSON array of example records, in order: the batch entry point for
/// bindings that serialize their values to text. Each item is a document of its own for the
/// depth limit, and error paths start with the item's index (`$[3].input.items[0]`).
///
/// # Errors
/// The first error, as [`example_hash_json`], with the item index in front of its path.
pub fn hash_examples_json(text: &str) -> Result<Vec<String>, HashError> {
    let locate = |error: HashError| error.locate_in(text);
    let records = parse_array_items(text).map_err(locate)?;
    let mut out = Vec::with_capacity(1024);
    let mut hashes = Vec::with_capacity(records.len());
    for (index, record) in records.iter().enumerate() {
        out.clear();
        write_example_record(record, &mut out).map_err(|e| e.within_index(index))?;
        hashes.push(sha256_hex(&out));
    }
    Ok(hashes)
}

/// Appends the canonical example object `{"input":…,"metadata":…,"output":…}` to `out`.
///
/// A missing or null `output` or `metadata` counts as `{}`. The example object is the document
/// whose depth is limited, so `input` may nest one level less than a bare value.
///
/// # Errors
/// `not_an_object` at `$.input`, `$.output` or `$.metadata`, and the errors of
/// [`crate::canonicalize`] with paths below those.
pub fn write_canonical_example(
    input: &Value<'_>,
    output: Option<&Value<'_>>,
    metadata: Option<&Value<'_>>,
    out: &mut Vec<u8>,
) -> Result<(), HashError> {
    write_canonical_example_parts(input, output, metadata, out).map(|_| ())
}

/// As [`write_canonical_example`], and gives where in `out` the canonical `input`, `metadata`
/// and `output` objects were written, in that order (so that a caller that stores the parts
/// apart, as the record layer does, canonicalizes and hashes them in one pass).
///
/// # Errors
/// As [`write_canonical_example`].
pub fn write_canonical_example_parts(
    input: &Value<'_>,
    output: Option<&Value<'_>>,
    metadata: Option<&Value<'_>>,
    out: &mut Vec<u8>,
) -> Result<[Range<usize>; 3], HashError> {
    // Members in canonical order: "input" < "metadata" < "output".
    let parts = [
        ("input", Some(input), false),
        ("metadata", metadata, true),
        ("output", output, true),
    ];
    let mut ranges = [0..0, 0..0, 0..0];
    out.push(b'{');
    for (index, (name, part, optional)) in parts.into_iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\":");
        let start = out.len();
        match part {
            Some(value @ Value::Object(_)) => write_value(value, out, 1).map_err(|e| e.within_key(name))?,
            None | Some(Value::Null) if optional => out.extend_from_slice(b"{}"),
            other => return Err(not_an_object(name, other)),
        }
        ranges[index] = start..out.len();
    }
    out.push(b'}');
    Ok(ranges)
}

pub(crate) fn not_an_object(name: &str, found: Option<&Value<'_>>) -> HashError {
    let found = found.map_or("nothing", Value::type_name);
    HashError::new(
        ErrorCode::NotAnObject,
        format!("an example's {name} must be a JSON object, found {found}"),
    )
    .within_key(name)
}

/// The canonical bytes of an example; see [`write_canonical_example`].
///
/// # Errors
/// As [`write_canonical_example`].
pub fn canonical_example(
    input: &Value<'_>,
    output: Option<&Value<'_>>,
    metadata: Option<&Value<'_>>,
) -> Result<Vec<u8>, HashError> {
    let mut out = Vec::with_capacity(512);
    write_canonical_example(input, output, metadata, &mut out)?;
    Ok(out)
}

/// The content hash of an example: SHA-256 of [`canonical_example`].
///
/// # Errors
/// As [`write_canonical_example`].
///
/// ```
/// use canonhash::{example_hash, parse_json, sha256_hex};
/// let input = parse_json(r#"{"question": "2+2?"}"#).unwrap();
/// let hash = example_hash(&input, None, None).unwrap();
/// assert_eq!(hash, sha256_hex(br#"{"input":{"question":"2+2?"},"metadata":{},"output":{}}"#));
/// ```
pub fn example_hash(
    input: &Value<'_>,
    output: Option<&Value<'_>>,
    metadata: Option<&Value<'_>>,
) -> Result<String, HashError> {
    canonical_example(input, output, metadata).map(|canonical| sha256_hex(&canonical))
}

/// A `Vec<u8>` sink that feeds SHA-256 in blocks, so hashing a large document needs no
/// buffer of its size.
struct StreamingSha256 {
    hasher: Sha256,
    pending: Vec<u8>,
}

impl StreamingSha256 {
    const BLOCK: usize = 1 << 16;

    fn new() -> Self {
        StreamingSha256 {
            hasher: Sha256::new(),
            pending: Vec::with_capacity(Self::BLOCK + 1024),
        }
    }

    fn flush_if_full(&mut self) {
        if self.pending.len() >= Self::BLOCK {
            self.hasher.update(&self.pending);
            self.pending.clear();
        }
    }

    fn finish(mut self) -> String {
        self.hasher.update(&self.pending);
        to_hex(&self.hasher.finalize())
    }
}

/// The digest of a dataset version: the hash of the canonical JSON array
/// `[[source_id, content_hash], …]` sorted by source id (UTF-16 order, as object keys).
///
/// Two environments holding the same examples get the same digest whatever order they list
/// them in. Equal source ids (which a dataset never has) are ordered by hash.
///
/// ```
/// let a = canonhash::manifest_digest([("b", "2"), ("a", "1")]);
/// let b = canonhash::manifest_digest([("a", "1"), ("b", "2")]);
/// assert_eq!(a, b);
/// assert_eq!(a, canonhash::sha256_hex(br#"[["a","1"],["b","2"]]"#));
/// ```
pub fn manifest_digest<I, S, H>(entries: I) -> String
where
    I: IntoIterator<Item = (S, H)>,
    S: AsRef<str>,
    H: AsRef<str>,
{
    let mut entries: Vec<(S, H)> = entries.into_iter().collect();
    entries.sort_unstable_by(|a, b| {
        compare_utf16(a.0.as_ref(), b.0.as_ref()).then_with(|| compare_utf16(a.1.as_ref(), b.1.as_ref()))
    });
    digest_sorted(&entries, |content_hash, out| {
        write_json_string(content_hash.as_ref(), out)
    })
}

/// [`manifest_digest`] of entries whose content hashes are given as the 32 bytes of SHA-256
/// their 64 lowercase hex digits spell: the same digest, with no hex string held per entry
/// (a server keeps a million hashes in 32 MB, not 100 MB).
///
/// ```
/// let digest = [0xab_u8; 32];
/// let hex = "ab".repeat(32);
/// assert_eq!(
///     canonhash::manifest_digest_of_digests([("b", &digest), ("a", &digest)]),
///     canonhash::manifest_digest([("a", hex.as_str()), ("b", hex.as_str())]),
/// );
/// ```
pub fn manifest_digest_of_digests<'a, I>(entries: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a [u8; 32])>,
{
    let mut entries: Vec<(&str, &[u8; 32])> = entries.into_iter().collect();
    // Lowercase hex digits order as the bytes they spell.
    entries.sort_unstable_by(|a, b| compare_utf16(a.0, b.0).then_with(|| a.1.cmp(b.1)));
    digest_sorted(&entries, write_quoted_digest)
}

fn write_quoted_digest(digest: &&[u8; 32], out: &mut Vec<u8>) {
    out.push(b'"');
    out.extend_from_slice(to_hex(*digest).as_bytes());
    out.push(b'"');
}

/// [`manifest_digest_of_digests`] of entries already in its order: sorted by source id as
/// [`compare_utf16`] orders them, each source id once. A caller that sorts its entries anyway
/// (to find repeated source ids) saves the second sort; entries out of order give a digest
/// that matches no version.
///
/// ```
/// let (one, two) = ([1_u8; 32], [2_u8; 32]);
/// assert_eq!(
///     canonhash::manifest_digest_of_sorted_digests(&[("a", &one), ("b", &two)]),
///     canonhash::manifest_digest_of_digests([("b", &two), ("a", &one)]),
/// );
/// ```
pub fn manifest_digest_of_sorted_digests(entries: &[(&str, &[u8; 32])]) -> String {
    debug_assert!(
        entries
            .windows(2)
            .all(|pair| compare_utf16(pair[0].0, pair[1].0).is_lt())
    );
    digest_sorted(entries, write_quoted_digest)
}

/// The SHA-256 of the canonical array `[[source_id, content_hash], …]` of sorted `entries`,
/// each content hash written (as a JSON string) by `write_hash`.
fn digest_sorted<S: AsRef<str>, H>(entries: &[(S, H)], write_hash: impl Fn(&H, &mut Vec<u8>)) -> String {
    let mut sink = StreamingSha256::new();
    sink.pending.push(b'[');
    for (index, (source_id, content_hash)) in entries.iter().enumerate() {
        if index > 0 {
            sink.pending.push(b',');
        }
        sink.pending.push(b'[');
        write_json_string(source_id.as_ref(), &mut sink.pending);
        sink.pending.push(b',');
        write_hash(content_hash, &mut sink.pending);
        sink.pending.push(b']');
        sink.flush_if_full();
    }
    sink.pending.push(b']');
    sink.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_empty_input() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn example_members_default_to_empty_objects() {
        let input = parse_json(r#"{"q": 1}"#).unwrap();
        let empty = Value::Object(vec![]);
        let expected = example_hash(&input, Some(&empty), Some(&empty)).unwrap();
        assert_eq!(example_hash(&input, None, None).unwrap(), expected);
        assert_eq!(
            example_hash(&input, Some(&Value::Null), Some(&Value::Null)).unwrap(),
            expected
        );
    }

    #[test]
    fn example_parts_must_be_objects() {
        let input = parse_json(r#"{"q": 1}"#).unwrap();
        let list = Value::Array(vec![]);
        for (error, path) in [
            (example_hash(&list, None, None), "$.input"),
            (example_hash(&Value::Null, None, None), "$.input"),
            (example_hash(&input, Some(&list), None), "$.output"),
            (example_hash(&input, None, Some(&Value::Bool(true))), "$.metadata"),
        ] {
            let error = error.unwrap_err();
            assert_eq!(error.code(), ErrorCode::NotAnObject);
            assert_eq!(error.path(), path);
        }
    }

    #[test]
    fn manifest_digest_of_digests_is_the_digest_of_their_hex() {
        // Escaped, astral (UTF-16 order differs from code point order) and equal-prefix ids.
        let ids = ["b", "a\"\u{1F600}", "\u{FF61}", "a\u{0}", "a"];
        let digests: Vec<[u8; 32]> = (0..5u8).map(|i| [i.wrapping_mul(77); 32]).collect();
        let hex: Vec<String> = digests.iter().map(|digest| to_hex(digest)).collect();
        assert_eq!(
            manifest_digest_of_digests(ids.iter().copied().zip(digests.iter())),
            manifest_digest(ids.iter().copied().zip(hex.iter()))
        );
    }

    #[test]
    fn example_depth_counts_the_example_object() {
        let nested = |levels: usize| format!("{}1{}", "{\"a\":".repeat(levels), "}".repeat(levels));
        let (fits_text, too_deep_text) = (nested(127), nested(128));
        let fits = parse_json(&fits_text).unwrap();
        assert!(example_hash(&fits, None, None).is_ok());
        let too_deep = parse_json(&too_deep_text).unwrap();
        let error = example_hash(&too_deep, None, None).unwrap_err();
        assert_eq!(error.code(), ErrorCode::DepthExceeded);
        assert!(error.path().starts_with("$.input.a.a"));
    }

    #[test]
    fn example_records_from_text() {
        let record = r#"{"id": 5, "input": {"q": 1}, "output": null}"#;
        let input = parse_json(r#"{"q": 1}"#).unwrap();
        let expected = example_hash(&input, None, None).unwrap();
        assert_eq!(example_hash_json(record).unwrap(), expected);
        let batch = format!("[{record}, {record}]");
        assert_eq!(hash_examples_json(&batch).unwrap(), vec![expected.clone(), expected]);
        let bad = r#"[{"input": {}}, {"input": {"v": [0, 1e400]}}]"#;
        let error = hash_examples_json(bad).unwrap_err();
        assert_eq!(
            (error.code(), error.path()),
            (ErrorCode::NonFiniteNumber, "$[1].input.v[1]".to_owned())
        );
        assert!(error.position().is_some());
        let not_object = hash_examples_json("[{\"input\": {}}, 3]").unwrap_err();
        assert_eq!(
            (not_object.code(), not_object.path()),
            (ErrorCode::NotAnObject, "$[1]".to_owned())
        );
        let missing_input = example_hash_json("{\"output\": {}}").unwrap_err();
        assert_eq!(
            (missing_input.code(), missing_input.path()),
            (ErrorCode::NotAnObject, "$.input".to_owned())
        );
    }

    #[test]
    fn manifest_digest_streams_large_manifests() {
        let entries: Vec<(String, String)> = (0..20_000).map(|i| (format!("id-{i}"), format!("{i:064}"))).collect();
        let mut text = String::from("[");
        let mut sorted = entries.clone();
        sorted.sort();
        for (index, (id, hash)) in sorted.iter().enumerate() {
            if index > 0 {
                text.push(',');
            }
            text.push_str(&format!("[\"{id}\",\"{hash}\"]"));
        }
        text.push(']');
        assert_eq!(
            manifest_digest(entries.iter().rev().map(|(a, b)| (a, b))),
            sha256_hex(text.as_bytes())
        );
    }
}
