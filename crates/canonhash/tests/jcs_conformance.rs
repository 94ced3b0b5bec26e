//! RFC 8785 conformance: the reference implementation's test data (fixtures/jcs, Apache-2.0).

mod common;

#[test]
fn reference_inputs_canonicalize_to_reference_outputs() {
    let folder = common::fixtures().join("jcs");
    let mut checked = 0;
    for name in ["arrays", "french", "structures", "unicode", "values", "weird"] {
        let input = std::fs::read_to_string(folder.join(format!("input/{name}.json"))).unwrap();
        let expected = std::fs::read(folder.join(format!("output/{name}.json"))).unwrap();
        let hex = std::fs::read_to_string(folder.join(format!("outhex/{name}.txt"))).unwrap();
        let from_hex: Vec<u8> = hex
            .split_whitespace()
            .map(|byte| u8::from_str_radix(byte, 16).expect("hex byte"))
            .collect();
        assert_eq!(from_hex, expected, "{name}: output and outhex agree");
        let canonical = canonhash::canonicalize_json_str(&input).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            String::from_utf8_lossy(&canonical),
            String::from_utf8_lossy(&expected),
            "{name}"
        );
        assert_eq!(canonical, expected, "{name}");
        checked += 1;
    }
    assert_eq!(checked, 6);
}
