//! proptest strategies of JSON values, shared by the property tests of canonhash and of
//! groundset-records.

use canonhash::Value;
use proptest::prelude::*;

/// Doubles with the edge cases over-represented: zeros, subnormals, extremes, powers of ten.
pub fn finite_double() -> impl Strategy<Value = f64> {
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
pub fn json_string() -> impl Strategy<Value = String> {
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

pub fn json_value() -> impl Strategy<Value = Value<'static>> {
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

/// The canonical text of a random value with one to five bytes overwritten: mostly broken JSON,
/// sometimes not UTF-8, for the entry points that must never panic.
pub fn mutated_json() -> impl Strategy<Value = Vec<u8>> {
    let edits = prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6);
    (json_value(), edits).prop_map(|(value, edits)| {
        let mut bytes = canonhash::canonicalize(&value).unwrap();
        for (index, byte) in edits {
            if bytes.is_empty() {
                break;
            }
            let at = index.index(bytes.len());
            bytes[at] = byte;
        }
        bytes
    })
}
