//! Example records as a groundset upsert or plan request carries them, decoded from JSON text.
//!
//! A record is `{"source_id": "…", "content_hash": "…", "input": {…}, "output": {…},
//! "metadata": {…}}`; the content members may be left out (a hash-only record, as in a plan's
//! manifest). Decoding checks the record's shape, canonicalizes its content, recomputes the
//! content hash and compares it with the one claimed, all from the text: the caller never
//! builds the values in its own language, and gets back canonical text ready to store.
//!
//! Records come one per NDJSON line ([`decode_ndjson_records`], in parallel) or as the items
//! of a request object's `examples` array ([`decode_request_json`]).

use rayon::prelude::*;

use canonhash::{
    PathSegment, Value, parse_object_with_items, sha256_hex, write_canonical, write_canonical_example_parts,
};

use crate::error::{Error, RecordCode, from_hash, record_error};
use crate::jsonl::{parse_line, split_lines, utf8_text};
use crate::source_id::{MAX_SOURCE_ID_CHARS, check_source_id, id_parse_error};

/// How to decode records.
#[derive(Debug, Clone, Copy)]
pub struct RecordOptions {
    /// Whether to decode and verify content; when false, content members are ignored (a plan).
    pub with_content: bool,
    /// The longest source id accepted, in Unicode scalar values. The shared rule
    /// ([`crate::check_source_id`], at most [`MAX_SOURCE_ID_CHARS`]) always applies; a smaller
    /// value here only lowers the bound. Kept for callers that still pass it.
    pub max_source_id_chars: usize,
}

impl Default for RecordOptions {
    fn default() -> Self {
        RecordOptions {
            with_content: true,
            max_source_id_chars: MAX_SOURCE_ID_CHARS,
        }
    }
}

/// The members a request record's envelope defines; any other is `unknown_field`.
const ENVELOPE_MEMBERS: [&str; 5] = ["content_hash", "input", "metadata", "output", "source_id"];

/// The canonical JSON text of a record's content; `output` and `metadata` are `{}` when the
/// record left them out or gave `null`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordContent {
    pub input: String,
    pub output: String,
    pub metadata: String,
}

/// One decoded record whose content, if any, hashes to its `content_hash`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleRecord {
    /// The 1-based NDJSON line, or the 0-based index in the `examples` array.
    pub position: usize,
    pub source_id: String,
    pub content_hash: String,
    pub content: Option<RecordContent>,
}

/// Why a record was refused: the error (with the line and column when it came from NDJSON),
/// and the record's source id when it had a valid one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    pub source_id: Option<String>,
    pub error: Error,
}

impl From<Error> for RecordError {
    fn from(error: Error) -> Self {
        RecordError { source_id: None, error }
    }
}

impl RecordError {
    fn map(self, locate: impl FnOnce(Error) -> Error) -> Self {
        RecordError {
            source_id: self.source_id,
            error: locate(self.error),
        }
    }
}

/// A record, or why it was refused.
pub type DecodedRecord = Result<ExampleRecord, RecordError>;

/// Decodes one record already parsed.
///
/// # Errors
/// `invalid_example` (not an object), `invalid_source_id`, `invalid_content_hash`,
/// `missing_input` (output or metadata without input), `not_an_object` (content that is not
/// an object), `hash_mismatch`, and the canonicalization errors, each with its JSON path.
pub fn decode_record(value: &Value<'_>, position: usize, options: RecordOptions) -> DecodedRecord {
    if !matches!(value, Value::Object(_)) {
        return Err(record_error(
            RecordCode::InvalidExample,
            format!("an example must be a JSON object, found {}", value.type_name()),
        )
        .into());
    }
    let source_id = match value.get("source_id") {
        Some(Value::String(id)) => {
            let checked = check_source_id(id).and_then(|()| {
                let chars = id.chars().count();
                if chars > options.max_source_id_chars {
                    return Err(record_error(
                        RecordCode::InvalidSourceId,
                        format!(
                            "a source id has at most {} characters here, this one has {chars}",
                            options.max_source_id_chars
                        ),
                    ));
                }
                Ok(())
            });
            if let Err(error) = checked {
                return Err(RecordError {
                    // A string that is too long or empty is still the name the client knows it by.
                    source_id: Some(id.to_string()),
                    error: error.within_key("source_id"),
                });
            }
            id
        }
        found => {
            let message = format!(
                "a request record's source_id is a string (the SDK spells numeric ids as strings), found {}",
                found.map_or("nothing", Value::type_name)
            );
            let code = if found.is_none() {
                RecordCode::MissingSourceId
            } else {
                RecordCode::InvalidSourceId
            };
            return Err(record_error(code, message).within_key("source_id").into());
        }
    };
    if let Value::Object(members) = value {
        if let Some((unknown, _)) = members
            .iter()
            .find(|(key, _)| !ENVELOPE_MEMBERS.contains(&key.as_ref()))
        {
            return Err(RecordError {
                source_id: Some(source_id.to_string()),
                error: record_error(RecordCode::UnknownField,
                    format!(
                        "a record has no member {unknown:?}; its members are source_id, content_hash, input, output and metadata"
                    ),
                )
                .within_key(unknown),
            });
        }
    }
    let content_hash = match value.get("content_hash") {
        Some(Value::String(hash)) if is_lower_hex_sha256(hash) => hash,
        _ => {
            return Err(RecordError {
                source_id: Some(source_id.to_string()),
                error: record_error(
                    RecordCode::InvalidContentHash,
                    "a content_hash must be 64 lowercase hexadecimal digits",
                )
                .within_key("content_hash"),
            });
        }
    };
    let content = if options.with_content {
        decode_content(value, content_hash).map_err(|error| RecordError {
            source_id: Some(source_id.to_string()),
            error,
        })?
    } else {
        None
    };
    Ok(ExampleRecord {
        position,
        source_id: source_id.to_string(),
        content_hash: content_hash.to_string(),
        content,
    })
}

fn decode_content(record: &Value<'_>, claimed_hash: &str) -> Result<Option<RecordContent>, Error> {
    let present = |name| !matches!(record.get(name), None | Some(Value::Null));
    let Some(input) = record.get("input") else {
        if present("output") || present("metadata") {
            return Err(record_error(
                RecordCode::MissingInput,
                "an example with an output or metadata needs its input",
            ));
        }
        return Ok(None);
    };
    let mut canonical = Vec::with_capacity(1024);
    let [input_range, metadata_range, output_range] =
        write_canonical_example_parts(input, record.get("output"), record.get("metadata"), &mut canonical)
            .map_err(from_hash)?;
    let computed = sha256_hex(&canonical);
    if computed != claimed_hash {
        return Err(record_error(
            RecordCode::HashMismatch,
            format!("the content hashes to {computed}, not to its content_hash {claimed_hash}"),
        ));
    }
    let text = |range: std::ops::Range<usize>| {
        // Canonical output is UTF-8 by construction: the parts are slices of valid text. The
        // check is the SIMD one: std's took 8% of the server's CPU in a load of ~1 KB examples.
        simdutf8::basic::from_utf8(&canonical[range])
            .expect("canonical JSON is UTF-8")
            .to_owned()
    };
    Ok(Some(RecordContent {
        input: text(input_range),
        output: text(output_range),
        metadata: text(metadata_range),
    }))
}

fn is_lower_hex_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Decodes every non-blank line of an NDJSON block, in parallel on rayon's pool, in order.
/// Lines are numbered from `first_line`; each error carries its line and column.
///
/// ```
/// use groundset_records::{decode_ndjson_records, RecordOptions};
/// let hash = canonhash::sha256_hex(br#"{"input":{"q":1},"metadata":{},"output":{}}"#);
/// let block = format!("{{\"source_id\": \"a\", \"content_hash\": \"{hash}\", \"input\": {{\"q\": 1.0}}}}\n\n[]\n");
/// let records = decode_ndjson_records(block.as_bytes(), 2, RecordOptions::default());
/// let first = records[0].as_ref().unwrap();
/// assert_eq!((first.position, first.content.as_ref().unwrap().input.as_str()), (2, r#"{"q":1}"#));
/// assert_eq!(records[1].as_ref().unwrap_err().error.code().as_str(), "invalid_example");
/// ```
pub fn decode_ndjson_records(data: &[u8], first_line: usize, options: RecordOptions) -> Vec<DecodedRecord> {
    let (lines, _) = split_lines(data, first_line);
    lines
        .par_iter()
        .with_min_len(32)
        .map(|&(line, bytes)| {
            let (text, value) =
                parse_line(bytes, line).map_err(|e| id_parse_error(e, &[PathSegment::Key("source_id".to_owned())]))?;
            decode_record(&value, line, options).map_err(|e| e.map(|e| e.locate_in_line(text, line)))
        })
        .collect()
}

/// The canonical JSON text of one NDJSON line that is not a record (a request's header line).
///
/// # Errors
/// As [`canonhash::parse_json`], with `line` as the line of its position.
pub fn canonicalize_ndjson_line(bytes: &[u8], line: usize) -> Result<String, Error> {
    let (text, value) = parse_line(bytes, line)?;
    let mut out = Vec::with_capacity(text.len());
    write_canonical(&value, &mut out).map_err(from_hash)?;
    Ok(String::from_utf8(out).expect("canonical JSON is UTF-8"))
}

/// A JSON request body: an object whose `examples` member, if it is an array, holds records.
#[derive(Debug)]
pub struct RequestBody {
    /// The canonical JSON text of the object without its `examples` array.
    pub header: String,
    /// The records of `examples`, when it is an array; errors have paths like `$.examples[3].input`.
    pub records: Option<Vec<DecodedRecord>>,
}

/// Decodes a JSON request body. Each item of `examples` is a document of its own for the depth
/// limit, as an NDJSON line would be.
///
/// # Errors
/// `invalid_json` (with line and column, also for bytes that are not UTF-8) and the other parse
/// errors of the whole text, with the path where they happened; per-record problems are in
/// [`RequestBody::records`].
pub fn decode_request_json(data: &[u8], options: RecordOptions) -> Result<RequestBody, Error> {
    let text = utf8_text(data)?;
    let (header, items) = parse_object_with_items(text, "examples").map_err(|e| {
        let e = from_hash(e);
        // An id no rule accepts is `invalid_source_id` however it is spelled.
        let index = e.path_segments().nth(1).cloned();
        match index {
            Some(index @ PathSegment::Index(_)) => {
                let id_path = [
                    PathSegment::Key("examples".to_owned()),
                    index,
                    PathSegment::Key("source_id".to_owned()),
                ];
                id_parse_error(e, &id_path)
            }
            _ => e,
        }
        .locate_in(text)
    })?;
    let mut canonical = Vec::with_capacity(256);
    write_canonical(&header, &mut canonical).map_err(from_hash)?;
    let records = items.map(|items| {
        items
            .par_iter()
            .with_min_len(32)
            .enumerate()
            .map(|(index, item)| {
                decode_record(item, index, options).map_err(|e| e.map(|e| e.within_index(index).within_key("examples")))
            })
            .collect()
    });
    Ok(RequestBody {
        header: String::from_utf8(canonical).expect("canonical JSON is UTF-8"),
        records,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use canonhash::hash_json_str;

    fn hash_of(content: &str) -> String {
        hash_json_str(content).unwrap()
    }

    fn record(source_id: &str, content: &str) -> String {
        let hash = hash_of(&format!(
            r#"{{"input":{content},"metadata":{{"m":true}},"output":{{}}}}"#
        ));
        format!(r#"{{"source_id":"{source_id}","content_hash":"{hash}","input":{content},"metadata":{{"m":true}}}}"#)
    }

    fn error(result: &DecodedRecord) -> &Error {
        &result.as_ref().unwrap_err().error
    }

    fn code(result: &DecodedRecord) -> &'static str {
        error(result).code().as_str()
    }

    #[test]
    fn decodes_content_as_canonical_text_and_verifies_the_hash() {
        let block = format!(
            "{}\n{}\n",
            record("a", r#"{"b": 1.0, "a": "\u00e9"}"#),
            record("b", "{}")
        );
        let records = decode_ndjson_records(block.as_bytes(), 5, RecordOptions::default());
        let first = records[0].as_ref().unwrap();
        assert_eq!(first.position, 5);
        assert_eq!(first.source_id, "a");
        let content = first.content.as_ref().unwrap();
        assert_eq!(content.input, r#"{"a":"é","b":1}"#);
        assert_eq!(content.metadata, r#"{"m":true}"#);
        assert_eq!(content.output, "{}");
        assert_eq!(records[1].as_ref().unwrap().position, 6);
    }

    #[test]
    fn hash_only_records_and_plans_carry_no_content() {
        let hash = "0".repeat(64);
        let line = format!(r#"{{"source_id":"a","content_hash":"{hash}"}}"#);
        let decoded = decode_ndjson_records(line.as_bytes(), 1, RecordOptions::default());
        assert_eq!(decoded[0].as_ref().unwrap().content, None);
        // A plan ignores content, even content that would not match.
        let planned = format!(r#"{{"source_id":"a","content_hash":"{hash}","input":{{"x":1}}}}"#);
        let options = RecordOptions {
            with_content: false,
            ..RecordOptions::default()
        };
        assert_eq!(
            decode_ndjson_records(planned.as_bytes(), 1, options)[0]
                .as_ref()
                .unwrap()
                .content,
            None
        );
    }

    #[test]
    fn each_bad_record_gets_its_code_path_and_line() {
        let good = "0".repeat(64);
        let lines = [
            "[1]".to_owned(),
            r#"{"content_hash":"x"}"#.to_owned(),
            format!(r#"{{"source_id":"{}","content_hash":"{good}"}}"#, "x".repeat(513)),
            r#"{"source_id":"a","content_hash":"ABC"}"#.to_owned(),
            format!(r#"{{"source_id":"a","content_hash":"{good}","output":{{}}}}"#),
            format!(r#"{{"source_id":"a","content_hash":"{good}","input":[]}}"#),
            format!(r#"{{"source_id":"a","content_hash":"{good}","input":{{}}}}"#),
            format!(r#"{{"source_id":"a","content_hash":"{good}","input":{{"a":1,"a":2}}}}"#),
            format!(r#"{{"source_id":"a","content_hash":"{good}","input":{{"n":12345678901234567890}}}}"#),
            "{".to_owned(),
        ];
        let block = lines.join("\n");
        let decoded = decode_ndjson_records(block.as_bytes(), 1, RecordOptions::default());
        let codes: Vec<_> = decoded.iter().map(code).collect();
        assert_eq!(
            codes,
            [
                "invalid_example",
                "missing_source_id",
                "invalid_source_id",
                "invalid_content_hash",
                "missing_input",
                "not_an_object",
                "hash_mismatch",
                "duplicate_key",
                "integer_not_exact",
                "invalid_json",
            ]
        );
        let lines: Vec<_> = decoded.iter().map(|r| error(r).position().unwrap().line).collect();
        assert_eq!(lines, (1..=10).collect::<Vec<_>>());
        assert_eq!(error(&decoded[5]).path(), "$.input");
        assert_eq!(error(&decoded[7]).path(), "$.input.a");
        assert_eq!(error(&decoded[8]).path(), "$.input.n");
        let source_ids: Vec<_> = decoded
            .iter()
            .map(|r| r.as_ref().unwrap_err().source_id.as_deref())
            .collect();
        let a = Some("a");
        let long = Some("x".repeat(513));
        assert_eq!(source_ids[2], long.as_deref());
        assert_eq!(source_ids[..2], [None, None]);
        assert_eq!(source_ids[3..], [a, a, a, a, None, None, None]);
    }

    #[test]
    fn a_json_body_gives_its_header_and_records_with_array_paths() {
        let body = format!(
            r#"{{"mode": "merge", "examples": [{}, {{"source_id": 7}}], "dataset": {{"name": "d"}}}}"#,
            record("a", r#"{"q": 2}"#)
        );
        let decoded = decode_request_json(body.as_bytes(), RecordOptions::default()).unwrap();
        assert_eq!(decoded.header, r#"{"dataset":{"name":"d"},"mode":"merge"}"#);
        let records = decoded.records.unwrap();
        assert_eq!(records[0].as_ref().unwrap().position, 0);
        assert_eq!(error(&records[1]).path(), "$.examples[1].source_id");
    }

    #[test]
    fn a_json_body_refuses_duplicates_and_keeps_a_non_array_examples_member() {
        let twice = r#"{"examples": [], "examples": []}"#;
        assert_eq!(
            decode_request_json(twice.as_bytes(), RecordOptions::default())
                .unwrap_err()
                .code()
                .as_str(),
            "duplicate_key"
        );
        let scalar = decode_request_json(br#"{"examples": 3}"#, RecordOptions::default()).unwrap();
        assert_eq!(
            (scalar.header.as_str(), scalar.records.is_none()),
            (r#"{"examples":3}"#, true)
        );
        let error = decode_request_json(b"{\n  \"a\": tru}", RecordOptions::default()).unwrap_err();
        assert_eq!(error.position().map(|p| p.line), Some(2));
        let not_utf8 = decode_request_json(b"{\n  \"\xc3\xa9\xff\": 1}", RecordOptions::default()).unwrap_err();
        let position = not_utf8.position().unwrap();
        assert_eq!(
            (not_utf8.code().as_str(), position.line, position.column),
            ("invalid_json", 2, 5)
        );
    }

    #[test]
    fn an_envelope_member_it_does_not_define_is_an_unknown_field() {
        let hash = "0".repeat(64);
        let good = format!(r#"{{"source_id":"a","content_hash":"{hash}"}}"#);
        let misspelt = format!(r#"{{"source_id":"b","content_hash":"{hash}","inptu":{{}}}}"#);
        let block = format!("{good}\n{misspelt}\n");
        let decoded = decode_ndjson_records(block.as_bytes(), 4, RecordOptions::default());
        assert!(decoded[0].is_ok());
        let refused = decoded[1].as_ref().unwrap_err();
        assert_eq!(
            (
                refused.error.code().as_str(),
                refused.error.path(),
                refused.error.position().unwrap().line
            ),
            ("unknown_field", "$.inptu".to_owned(), 5)
        );
        assert_eq!(refused.source_id.as_deref(), Some("b"));
        let body = format!(r#"{{"examples": [{good}, {good}, {good}, {misspelt}]}}"#);
        let records = decode_request_json(body.as_bytes(), RecordOptions::default())
            .unwrap()
            .records
            .unwrap();
        assert_eq!(error(&records[3]).path(), "$.examples[3].inptu");
        assert_eq!(code(&records[3]), "unknown_field");
    }

    #[test]
    fn source_ids_follow_the_shared_rule() {
        let hash = "0".repeat(64);
        let line = |id: &str| format!(r#"{{"source_id":{id},"content_hash":"{hash}"}}"#);
        let block = [
            line(r#""a\u0000b""#),
            line(&format!("\"{}\"", "é".repeat(512))),
            line("9007199254740993"),
            line("7"),
        ]
        .join("\n");
        let decoded = decode_ndjson_records(block.as_bytes(), 1, RecordOptions::default());
        assert_eq!(code(&decoded[0]), "invalid_source_id");
        assert!(decoded[1].is_ok());
        assert_eq!(
            (code(&decoded[2]), error(&decoded[2]).path()),
            ("invalid_source_id", "$.source_id".to_owned())
        );
        assert_eq!(code(&decoded[3]), "invalid_source_id");
        let body = format!(r#"{{"examples": [{}, {}]}}"#, line(r#""x""#), line("9007199254740993"));
        let whole = decode_request_json(body.as_bytes(), RecordOptions::default()).unwrap_err();
        assert_eq!(
            (whole.code().as_str(), whole.path()),
            ("invalid_source_id", "$.examples[1].source_id".to_owned())
        );
        let lowered = RecordOptions {
            max_source_id_chars: 3,
            ..RecordOptions::default()
        };
        assert_eq!(
            code(&decode_ndjson_records(line(r#""abcd""#).as_bytes(), 1, lowered)[0]),
            "invalid_source_id"
        );
    }

    #[test]
    fn an_item_nests_as_deep_as_a_line() {
        let deep = format!("{}1{}", "[".repeat(126), "]".repeat(126));
        let content = format!(r#"{{"d":{deep}}}"#);
        let hash = hash_of(&format!(r#"{{"input":{content},"metadata":{{}},"output":{{}}}}"#));
        let item = format!(r#"{{"source_id":"a","content_hash":"{hash}","input":{content}}}"#);
        let body = format!(r#"{{"examples":[{item}]}}"#);
        let records = decode_request_json(body.as_bytes(), RecordOptions::default())
            .unwrap()
            .records
            .unwrap();
        assert!(records[0].is_ok());
        let line = decode_ndjson_records(item.as_bytes(), 1, RecordOptions::default());
        assert!(line[0].is_ok());
    }

    #[test]
    fn a_header_line_is_canonicalized_strictly() {
        assert_eq!(
            canonicalize_ndjson_line(br#"{"b": 1.50, "a": null}"#, 1).unwrap(),
            r#"{"a":null,"b":1.5}"#
        );
        let error = canonicalize_ndjson_line(br#"{"a": 1, "a": 2}"#, 3).unwrap_err();
        assert_eq!(
            (error.code().as_str(), error.position().unwrap().line),
            ("duplicate_key", 3)
        );
    }
}
