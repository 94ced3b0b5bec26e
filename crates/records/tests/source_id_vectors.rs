//! The source-id vectors of the shared golden file (`fixtures/hash-vectors.json`): each id
//! through the core reader and through the function the bindings call.

#[path = "../../canonhash/tests/common/mod.rs"]
mod common;

use groundset_records::{Format, ReadOptions};
use serde::Deserialize;

/// The members of `hash-vectors.json` about source ids (the others are canonhash's).
#[derive(Deserialize)]
struct Vectors {
    max_source_id_chars: usize,
    max_safe_integer: i64,
    source_ids: Vec<SourceIdCase>,
}

#[derive(Deserialize)]
struct SourceIdCase {
    name: String,
    json: String,
    source_id: Option<String>,
    code: Option<String>,
}

/// Each id value as `record["id"]` of a JSONL line read by the core reader, and (when the text
/// parses) through `source_id_from_value`, the function the bindings call.
#[test]
fn source_id_vectors() {
    let text = common::hash_vectors_text();
    let vectors: Vectors = common::deserialize_unbounded(&text);
    assert_eq!(vectors.max_source_id_chars, groundset_records::MAX_SOURCE_ID_CHARS);
    assert_eq!(vectors.max_safe_integer, groundset_records::MAX_SAFE_INTEGER);
    assert!(vectors.source_ids.len() >= 20);
    let options = ReadOptions {
        id_key: Some("id".to_owned()),
        ..ReadOptions::default()
    };
    for case in &vectors.source_ids {
        let line = format!("{{\"input\": {{}}, \"id\": {}}}", case.json);
        let outcome = groundset_records::read_records_bytes(line.as_bytes(), Format::Jsonl, &options).unwrap();
        let direct = canonhash::parse_json(&case.json).map(|value| groundset_records::source_id_from_value(&value));
        match (&case.source_id, &case.code) {
            (Some(expected), None) => {
                assert_eq!(outcome.records.len(), 1, "{}: {:?}", case.name, outcome.issues);
                assert_eq!(&outcome.records[0].source_id, expected, "{}", case.name);
                assert_eq!(direct.unwrap().unwrap(), *expected, "{}", case.name);
            }
            (None, Some(code)) => {
                let error = &outcome.issues[0].error;
                assert_eq!(
                    (error.code().as_str(), error.path().as_str()),
                    (code.as_str(), "$.id"),
                    "{}",
                    case.name
                );
                if let Ok(from_value) = direct {
                    assert_eq!(from_value.unwrap_err().code().as_str(), code, "{}", case.name);
                }
            }
            _ => panic!("{}: a case gives a source_id or a code", case.name),
        }
    }
}
