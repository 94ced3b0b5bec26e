//! Fuzzes the JSON text entry point: no input may panic or overflow the stack, canonical output
//! must be a fixed point, and whatever we accept `serde_json` must read with the same meaning.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::Deserialize;

fuzz_target!(|data: &[u8]| {
    let _ = groundset_records::hash_jsonl_bytes(data, &groundset_records::JsonlOptions { id_key: "id".into(), threads: None });
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(canonical) = canonhash::canonicalize_json_str(text) else { return };
    let canonical_text = std::str::from_utf8(&canonical).expect("canonical output is UTF-8");
    let again = canonhash::canonicalize_json_str(canonical_text).expect("canonical output parses");
    assert_eq!(again, canonical, "canonical form is a fixed point");

    let mut deserializer = serde_json::Deserializer::from_str(text);
    deserializer.disable_recursion_limit();
    let theirs = serde_json::Value::deserialize(&mut deserializer).expect("serde_json accepts what we accept");
    let theirs_text = serde_json::to_string(&theirs).expect("serializes");
    let from_theirs = canonhash::canonicalize_json_str(&theirs_text).expect("serde_json's output parses");
    assert_eq!(from_theirs, canonical, "same meaning as serde_json");
});
