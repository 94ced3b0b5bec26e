//! Property tests: canonical output is a fixed point, agrees with an independent parser
//! (`serde_json`), numbers round-trip, and no input makes any entry point panic.

mod common;

use canonhash::{
    JsonlOptions, Value, canonicalize, canonicalize_json_str, format_number, hash_jsonl_bytes, parse_json,
};
use proptest::prelude::*;

/// Doubles with the edge cases over-represented: zeros, subnormals, extremes, powers of ten.
fn finite_double() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |x| x.is_finite()),
        (-1_000_000i64..1_000_000).prop_map(|i| i as f64),
        (-1_000_000i64..1_000_000, -30i32..30).prop_map(|(m, e)| m as f64 * 10f64.powi(e)),
        prop::sample::select(vec![
            0.0,
            -0.0,
            5e-324,
            -5e-324,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            1e21,
            1e-7,
            1e-6,
            9_007_199_254_740_992.0,
            2f64.powi(68),
        ]),
    ]
}

/// Strings over all of Unicode, with the characters that need care over-represented.
fn json_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(
            prop::sample::select(vec![
                '\0',
                '\u{8}',
                '\t',
                '\n',
                '\u{C}',
                '\r',
                '\u{1F}',
                '"',
                '\\',
                '/',
                '\u{7F}',
                '\u{2028}',
                'é',
                'e',
                '\u{301}',
                '\u{E000}',
                '\u{FFFF}',
                '\u{10000}',
                '😀',
                'a',
                '1',
            ]),
            0..12
        )
        .prop_map(|chars| chars.into_iter().collect()),
    ]
}

fn json_value() -> impl Strategy<Value = Value<'static>> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        finite_double().prop_map(Value::Number),
        json_string().prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(json_string(), inner, 0..8)
                .prop_map(|members| Value::Object(members.into_iter().map(|(k, v)| (k.into(), v)).collect())),
        ]
    })
}

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
    fn mutated_json_never_panics(value in json_value(), edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6)) {
        let mut bytes = canonicalize(&value).unwrap();
        for (index, byte) in edits {
            if bytes.is_empty() {
                break;
            }
            let at = index.index(bytes.len());
            bytes[at] = byte;
        }
        if let Ok(text) = std::str::from_utf8(&bytes) {
            if let Ok(canonical) = canonicalize_json_str(text) {
                // Whatever we accept, serde_json accepts too, with the same meaning.
                let theirs = common::serde_parse(text);
                prop_assert_eq!(canonicalize(&common::from_serde(&theirs)).unwrap(), canonical);
            }
        }
        let _ = hash_jsonl_bytes(&bytes, &JsonlOptions { id_key: "id".into(), threads: Some(1) });
    }
}
