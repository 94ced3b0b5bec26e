//! Property tests of the record layer: no input makes the JSONL reader panic.

#[path = "../../canonhash/tests/common/mod.rs"]
mod common;

use common::strategies::mutated_json;
use groundset_records::{JsonlOptions, hash_jsonl_bytes};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn mutated_json_never_panics(bytes in mutated_json()) {
        let _ = hash_jsonl_bytes(&bytes, &JsonlOptions { id_key: "id".into(), threads: Some(1) });
    }
}
