//! The shared golden vectors (`fixtures/hash-vectors.json`), whose expected bytes come from an
//! independent implementation (PyPI `rfc8785`), through both entry points: JSON text and the
//! value model that bindings build. The source-id vectors of the same file are checked by
//! `crates/records/tests/source_id_vectors.rs`.

mod common;

use canonhash::{Value, canonicalize, canonicalize_json_str, example_hash, hash_json_str, hash_value, manifest_digest};
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
    common::deserialize_unbounded(text)
}

fn fixture_text() -> String {
    common::hash_vectors_text()
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
