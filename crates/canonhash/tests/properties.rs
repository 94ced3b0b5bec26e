//! Property tests: canonical output is a fixed point, agrees with an independent parser
//! (`serde_json`), numbers round-trip, and no input makes any entry point panic.

mod common;

use canonhash::{Value, canonicalize, canonicalize_json_str, format_number, parse_json};
use common::strategies::{finite_double, json_value, mutated_json};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn canonical_form_is_a_fixed_point(value in json_value()) {
        let canonical = canonicalize(&value).unwrap();
        let text = std::str::from_utf8(&canonical).unwrap();
        let again = canonicalize(&parse_json(text).unwrap()).unwrap();
        prop_assert_eq!(&again, &canonical);
        prop_assert_eq!(canonicalize_json_str(text).unwrap(), canonical);
    }

    #[test]
    fn an_independent_parser_reads_the_same_value(value in json_value()) {
        let canonical = canonicalize(&value).unwrap();
        let text = std::str::from_utf8(&canonical).unwrap();
        let reparsed = common::serde_parse(text);
        prop_assert_eq!(canonicalize(&common::from_serde(&reparsed)).unwrap(), canonical);
    }

    #[test]
    fn our_parser_agrees_with_serde_json_on_its_output(value in json_value()) {
        // serde_json writes its own (non-canonical) text; both parsers must read it alike.
        let canonical = canonicalize(&value).unwrap();
        let serde_value = common::serde_parse(std::str::from_utf8(&canonical).unwrap());
        let pretty = serde_json::to_string_pretty(&serde_value).unwrap();
        prop_assert_eq!(canonicalize_json_str(&pretty).unwrap(), canonicalize(&common::from_serde(&serde_value)).unwrap());
    }

    #[test]
    fn numbers_round_trip(x in finite_double()) {
        let text = format_number(x).unwrap();
        let back: f64 = text.parse().unwrap();
        prop_assert!(back == x, "{} -> {} -> {}", x, text, back);
        match parse_json(&text) {
            Ok(Value::Number(parsed)) => prop_assert!(parsed == x),
            other => prop_assert!(false, "{text} parsed as {other:?}"),
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,64}|[\\[\\]{}\",:0-9eE.+\\-\\\\u truefalsn]{0,64}") {
        let _ = canonicalize_json_str(&text);
    }

    #[test]
    fn mutated_json_never_panics(bytes in mutated_json()) {
        if let Ok(text) = std::str::from_utf8(&bytes) {
            if let Ok(canonical) = canonicalize_json_str(text) {
                // Whatever we accept, serde_json accepts too, with the same meaning.
                let theirs = common::serde_parse(text);
                prop_assert_eq!(canonicalize(&common::from_serde(&theirs)).unwrap(), canonical);
            }
        }
    }
}
