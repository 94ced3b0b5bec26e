//! The shared golden vectors (`fixtures/hash-vectors.json`), whose expected bytes come from an
//! independent implementation (PyPI `rfc8785`), through both entry points: JSON text and the
//! value model that bindings build.

mod common;

use canonhash::{
    Format, ReadOptions, Value, canonicalize, canonicalize_json_str, example_hash, hash_json_str, hash_value,
    manifest_digest,
};
use serde::Deserialize;
use serde_json::value::RawValue;

#[derive(Deserialize)]
struct Vectors<'a> {
    max_depth: usize,
    #[serde(borrow)]
    values: Vec<ValueCase<'a>>,
    texts: Vec<TextCase>,
    examples: Vec<serde_json::Map<String, serde_json::Value>>,
    manifests: Vec<ManifestCase>,
    invalid: Vec<InvalidCase>,
    invalid_examples: Vec<serde_json::Map<String, serde_json::Value>>,
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

#[derive(Deserialize)]
struct ValueCase<'a> {
    name: String,
    #[serde(borrow)]
    value: &'a RawValue,
    canonical: String,
    sha256: String,
}

#[derive(Deserialize)]
struct TextCase {
    name: String,
    json: String,
    canonical: String,
    sha256: String,
}

#[derive(Deserialize)]
struct ManifestCase {
    name: String,
    entries: Vec<(String, String)>,
    sha256: String,
}

#[derive(Deserialize)]
struct InvalidCase {
    name: String,
    json: String,
    code: String,
    path: String,
}

fn load(text: &str) -> Vectors<'_> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    deserializer.disable_recursion_limit();
    Vectors::deserialize(&mut deserializer).expect("fixtures/hash-vectors.json parses")
}

fn fixture_text() -> String {
    std::fs::read_to_string(common::fixtures().join("hash-vectors.json")).expect("read hash-vectors.json")
}

#[test]
fn value_vectors_from_text() {
    let text = fixture_text();
    let vectors = load(&text);
    assert!(vectors.values.len() >= 60, "at least 60 golden values");
    for case in &vectors.values {
        let canonical = canonicalize_json_str(case.value.get()).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(String::from_utf8(canonical).unwrap(), case.canonical, "{}", case.name);
        assert_eq!(hash_json_str(case.value.get()).unwrap(), case.sha256, "{}", case.name);
    }
}

#[test]
fn value_vectors_from_the_value_model() {
    let text = fixture_text();
    let vectors = load(&text);
    for case in &vectors.values {
        let parsed = common::serde_parse(case.value.get());
        let value = common::from_serde(&parsed);
        assert_eq!(
            canonicalize(&value).unwrap(),
            case.canonical.as_bytes(),
            "{}",
            case.name
        );
        assert_eq!(hash_value(&value).unwrap(), case.sha256, "{}", case.name);
    }
}

#[test]
fn text_vectors() {
    let text = fixture_text();
    let vectors = load(&text);
    for case in &vectors.texts {
        let canonical = canonicalize_json_str(&case.json).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(String::from_utf8(canonical).unwrap(), case.canonical, "{}", case.name);
        assert_eq!(hash_json_str(&case.json).unwrap(), case.sha256, "{}", case.name);
    }
}

fn member<'v>(example: &'v serde_json::Map<String, serde_json::Value>, name: &str) -> Option<Value<'v>> {
    example.get(name).map(common::from_serde)
}

#[test]
fn example_vectors() {
    let text = fixture_text();
    let vectors = load(&text);
    for case in &vectors.examples {
        let name = case["name"].as_str().unwrap();
        let input = member(case, "input").unwrap();
        let (output, metadata) = (member(case, "output"), member(case, "metadata"));
        let hash = example_hash(&input, output.as_ref(), metadata.as_ref()).unwrap();
        assert_eq!(hash, case["sha256"].as_str().unwrap(), "{name}");
        let canonical = canonhash::canonical_example(&input, output.as_ref(), metadata.as_ref()).unwrap();
        assert_eq!(canonical, case["canonical"].as_str().unwrap().as_bytes(), "{name}");
    }
}

#[test]
fn invalid_example_vectors() {
    let text = fixture_text();
    let vectors = load(&text);
    for case in &vectors.invalid_examples {
        let name = case["name"].as_str().unwrap();
        let input = member(case, "input").unwrap();
        let (output, metadata) = (member(case, "output"), member(case, "metadata"));
        let error = example_hash(&input, output.as_ref(), metadata.as_ref()).unwrap_err();
        assert_eq!(error.code().as_str(), case["code"].as_str().unwrap(), "{name}");
        assert_eq!(error.path(), case["path"].as_str().unwrap(), "{name}");
    }
}

#[test]
fn manifest_vectors() {
    let text = fixture_text();
    let vectors = load(&text);
    for case in &vectors.manifests {
        assert_eq!(
            manifest_digest(case.entries.iter().map(|(a, b)| (a, b))),
            case.sha256,
            "{}",
            case.name
        );
    }
}

#[test]
fn invalid_vectors() {
    let text = fixture_text();
    let vectors = load(&text);
    assert_eq!(vectors.max_depth, canonhash::MAX_DEPTH);
    for case in &vectors.invalid {
        let error = canonicalize_json_str(&case.json).expect_err(&case.name);
        assert_eq!(error.code().as_str(), case.code, "{}: {error}", case.name);
        assert_eq!(error.path(), case.path, "{}", case.name);
        assert!(
            error.position().is_some(),
            "{}: text errors carry a position",
            case.name
        );
    }
}

/// Each id value as `record["id"]` of a JSONL line read by the core reader, and (when the text
/// parses) through `source_id_from_value`, the function the bindings call.
#[test]
fn source_id_vectors() {
    let text = fixture_text();
    let vectors = load(&text);
    assert_eq!(vectors.max_source_id_chars, canonhash::MAX_SOURCE_ID_CHARS);
    assert_eq!(vectors.max_safe_integer, canonhash::MAX_SAFE_INTEGER);
    assert!(vectors.source_ids.len() >= 20);
    let options = ReadOptions {
        id_key: Some("id".to_owned()),
        ..ReadOptions::default()
    };
    for case in &vectors.source_ids {
        let line = format!("{{\"input\": {{}}, \"id\": {}}}", case.json);
        let outcome = canonhash::read_records_bytes(line.as_bytes(), Format::Jsonl, &options).unwrap();
        let direct = canonhash::parse_json(&case.json).map(|value| canonhash::source_id_from_value(&value));
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
