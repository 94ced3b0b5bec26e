//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::PathBuf;

use canonhash::Value;

pub mod strategies;

/// The repository's `fixtures/` folder.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// The text of the shared golden vectors, `fixtures/hash-vectors.json`.
pub fn hash_vectors_text() -> String {
    std::fs::read_to_string(fixtures().join("hash-vectors.json")).expect("read hash-vectors.json")
}

/// Deserializes `text` with `serde_json`, without its depth limit (the vectors nest deeply).
pub fn deserialize_unbounded<'de, T: serde::Deserialize<'de>>(text: &'de str) -> T {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    deserializer.disable_recursion_limit();
    T::deserialize(&mut deserializer).expect("valid JSON of the expected shape")
}

/// Parses JSON with `serde_json` (an implementation independent of ours), without its depth limit.
pub fn serde_parse(text: &str) -> serde_json::Value {
    use serde::Deserialize;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    deserializer.disable_recursion_limit();
    serde_json::Value::deserialize(&mut deserializer).expect("valid JSON")
}

/// Builds our value model from a `serde_json` value, the way a binding builds it from host values.
pub fn from_serde(value: &serde_json::Value) -> Value<'_> {
    match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from_i64(i).expect("exact integer")
            } else if let Some(u) = n.as_u64() {
                Value::from_u64(u).expect("exact integer")
            } else {
                Value::Number(n.as_f64().expect("a double"))
            }
        }
        serde_json::Value::String(s) => Value::String(s.as_str().into()),
        serde_json::Value::Array(items) => Value::Array(items.iter().map(from_serde).collect()),
        serde_json::Value::Object(members) => Value::Object(
            members
                .iter()
                .map(|(k, v)| (k.as_str().into(), from_serde(v)))
                .collect(),
        ),
    }
}
