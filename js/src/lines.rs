//! The NDJSON lines of an upsert with content, written from the tape the hash already walks:
//! byte for byte what the Python core's `example_lines` writes for the same records, so the
//! two SDKs send the same bodies and no JS string of a line is ever made.
//!
//! A line is `{"content_hash":…,"input":…,"metadata":…,"output":…,"source_id":…}` (the
//! canonical member order) and its newline, where a missing or `null` output or metadata is
//! `null` (as the SDK's `record.get("output")`), not the `{}` it hashes as. The content is the
//! canonical example the hash is taken of (`direct::Writer`), cut apart; an example the fast
//! path does not write is decoded and written the general way (`canonhash::write_canonical`),
//! so both paths give the core's bytes.

use canonhash::{HashError, sha256_hex, write_canonical, write_json_string};

use crate::direct::{NameTable, Scratch, Writer};
use crate::value::{ABSENT, NULL, Strings, Tape, TapeError, example_hash};

/// Writes the line of the next example of `tape` (at its header) with the source id `id` into
/// `out`, and returns its content hash; an example outside the hash domain writes nothing and
/// fails with the error its hash would (`value::example_hash_direct`).
pub(crate) fn example_line<'t>(
    tape: &mut Tape<'t>,
    table: &'t NameTable,
    scratch: &mut Scratch<'t>,
    strings: &mut Strings,
    id: &str,
    out: &mut Vec<u8>,
) -> Result<String, TapeError> {
    let start = *tape;
    let example = tape.next_example()?;
    if Writer::new(example, table).example(scratch).is_ok() {
        let hash = sha256_hex(&scratch.out);
        let (metadata_null, output_null) = null_parts(example)?;
        line_of_canonical(&scratch.out, metadata_null, output_null, &hash, id, out);
        return Ok(hash);
    }
    *tape = start;
    // The general path: its hash, or its error with the path.
    let hash = example_hash(tape, strings)?;
    let mut example = start;
    let parts = example.next_example()?;
    general_line(parts, &hash, id, out)?;
    Ok(hash)
}

/// Whether the example's metadata and output (after its input) are missing or `null`.
fn null_parts(mut example: Tape<'_>) -> Result<(bool, bool), TapeError> {
    example.skip_value(None)?;
    let metadata = matches!(example.peek(), Some(NULL | ABSENT));
    example.skip_value(None)?;
    let output = matches!(example.peek(), Some(NULL | ABSENT));
    Ok((metadata, output))
}

const INPUT: &[u8] = b"{\"input\":";
const METADATA_EMPTY: &[u8] = b",\"metadata\":{}";
const OUTPUT_EMPTY: &[u8] = b",\"output\":{}}";

/// The line of an example whose canonical form is `canonical`
/// (`{"input":…,"metadata":…,"output":…}`), a null part's `{}` written as `null`.
fn line_of_canonical(
    canonical: &[u8],
    metadata_null: bool,
    output_null: bool,
    hash: &str,
    id: &str,
    out: &mut Vec<u8>,
) {
    out.reserve(canonical.len() + hash.len() + id.len() + 48);
    out.extend_from_slice(b"{\"content_hash\":\"");
    out.extend_from_slice(hash.as_bytes());
    out.extend_from_slice(b"\",");
    // Without the braces: `"input":…,"metadata":…,"output":…`.
    let inner = &canonical[1..canonical.len() - 1];
    let (rest, output_tail) = if output_null {
        (&canonical[..canonical.len() - OUTPUT_EMPTY.len()], true)
    } else {
        (&canonical[..canonical.len() - 1], false)
    };
    if metadata_null {
        // The input's end: a member `"metadata"` may sit inside it, so it is found by structure.
        let input_end = object_end(canonical, INPUT.len());
        out.extend_from_slice(&canonical[1..input_end]);
        out.extend_from_slice(b",\"metadata\":null");
        out.extend_from_slice(&rest[input_end + METADATA_EMPTY.len()..]);
    } else if output_tail {
        out.extend_from_slice(&rest[1..]);
    } else {
        out.extend_from_slice(inner);
    }
    if output_tail {
        out.extend_from_slice(b",\"output\":null");
    }
    out.extend_from_slice(b",\"source_id\":");
    write_json_string(id, out);
    out.extend_from_slice(b"}\n");
}

/// The index just past the canonical JSON object that starts at `start` of `bytes`.
fn object_end(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut at = start;
    while at < bytes.len() {
        match bytes[at] {
            b'"' => {
                // A string: to its closing quote, past escaped characters.
                at += 1;
                while let Some(found) = memchr::memchr2(b'"', b'\\', &bytes[at..]) {
                    if bytes[at + found] == b'\\' {
                        at += found + 2;
                    } else {
                        at += found;
                        break;
                    }
                }
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return at + 1;
                }
            }
            _ => {}
        }
        at += 1;
    }
    bytes.len()
}

/// The line of an example the fast path does not write but the core hashes (`parts` after its
/// header: input, metadata, output), each part decoded and written canonically.
fn general_line(mut parts: Tape<'_>, hash: &str, id: &str, out: &mut Vec<u8>) -> Result<(), TapeError> {
    out.extend_from_slice(b"{\"content_hash\":\"");
    out.extend_from_slice(hash.as_bytes());
    out.push(b'"');
    for name in ["input", "metadata", "output"] {
        out.extend_from_slice(b",\"");
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\":");
        if name != "input" && matches!(parts.peek(), Some(NULL | ABSENT)) {
            parts.skip_value(None)?;
            out.extend_from_slice(b"null");
            continue;
        }
        let mut strings = Strings::default();
        let value = parts.decode(1, &mut strings)?.value()?;
        write_canonical(&value, out).map_err(|error: HashError| TapeError::Hash(error.within_key(name)))?;
    }
    out.extend_from_slice(b",\"source_id\":");
    write_json_string(id, out);
    out.extend_from_slice(b"}\n");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(canonical: &str, metadata_null: bool, output_null: bool) -> String {
        let mut out = Vec::new();
        line_of_canonical(canonical.as_bytes(), metadata_null, output_null, "h", "x", &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn null_parts_are_written_as_null() {
        let canonical = r#"{"input":{"a":"}\"{","metadata":{},"output":[]},"metadata":{},"output":{}}"#;
        assert_eq!(
            line(canonical, true, true),
            "{\"content_hash\":\"h\",\"input\":{\"a\":\"}\\\"{\",\"metadata\":{},\"output\":[]},\"metadata\":null,\"output\":null,\"source_id\":\"x\"}\n"
        );
        let canonical = r#"{"input":{"b":1,"metadata":{},"output":2},"metadata":{},"output":{"c":3}}"#;
        assert_eq!(
            line(canonical, true, false),
            "{\"content_hash\":\"h\",\"input\":{\"b\":1,\"metadata\":{},\"output\":2},\"metadata\":null,\"output\":{\"c\":3},\"source_id\":\"x\"}\n"
        );
        let canonical = r#"{"input":{},"metadata":{"m":[]},"output":{}}"#;
        assert_eq!(
            line(canonical, false, true),
            "{\"content_hash\":\"h\",\"input\":{},\"metadata\":{\"m\":[]},\"output\":null,\"source_id\":\"x\"}\n"
        );
        assert_eq!(
            line(canonical, false, false),
            "{\"content_hash\":\"h\",\"input\":{},\"metadata\":{\"m\":[]},\"output\":{},\"source_id\":\"x\"}\n"
        );
    }
}
