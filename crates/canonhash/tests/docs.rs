//! The worked examples of docs/hashing.md must be what the crate computes.

use canonhash::{canonicalize_json_str, example_hash_json, manifest_digest, sha256_hex};

struct WorkedExample {
    kind: String,
    json: String,
    canonical: Vec<u8>,
    sha256: String,
}

fn backticked(line: &str) -> Option<&str> {
    let start = line.find('`')? + 1;
    let end = line.rfind('`')?;
    (end > start).then(|| &line[start..end])
}

fn worked_examples(doc: &str) -> Vec<WorkedExample> {
    let lines: Vec<&str> = doc.lines().collect();
    let mut examples = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        let Some(info) = lines[index].strip_prefix("```json") else {
            index += 1;
            continue;
        };
        let close = index
            + 1
            + lines[index + 1..]
                .iter()
                .position(|l| *l == "```")
                .expect("closed block");
        let json = lines[index + 1..close].join("\n");
        let canonical_line = lines[close + 1];
        let canonical = if canonical_line.starts_with("Canonical (hex):") {
            let hex = backticked(canonical_line).expect("hex in backticks");
            hex.split_whitespace()
                .map(|b| u8::from_str_radix(b, 16).expect("hex byte"))
                .collect()
        } else {
            assert!(
                canonical_line.starts_with("Canonical:"),
                "line after block {index}: {canonical_line}"
            );
            backticked(canonical_line)
                .expect("canonical in backticks")
                .as_bytes()
                .to_vec()
        };
        let sha_line = lines[close + 2];
        assert!(sha_line.starts_with("SHA-256:"), "{sha_line}");
        let sha256 = backticked(sha_line).expect("hash in backticks").to_owned();
        examples.push(WorkedExample {
            kind: info.trim().to_owned(),
            json,
            canonical,
            sha256,
        });
        index = close + 3;
    }
    examples
}

#[test]
fn worked_examples_in_the_hashing_spec_are_right() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/hashing.md");
    let doc = std::fs::read_to_string(path).expect("docs/hashing.md");
    let examples = worked_examples(&doc);
    assert!(examples.len() >= 8, "found {} worked examples", examples.len());
    for example in &examples {
        assert_eq!(
            sha256_hex(&example.canonical),
            example.sha256,
            "{}: hash of the stated bytes",
            example.json
        );
        match example.kind.as_str() {
            "" => {
                let canonical = canonicalize_json_str(&example.json).unwrap();
                assert_eq!(
                    String::from_utf8_lossy(&canonical),
                    String::from_utf8_lossy(&example.canonical)
                );
            }
            "example" => {
                assert_eq!(example_hash_json(&example.json).unwrap(), example.sha256);
            }
            "manifest" => {
                let pairs: Vec<Vec<String>> = serde_json::from_str(&example.json).unwrap();
                let digest = manifest_digest(pairs.iter().map(|pair| (&pair[0], &pair[1])));
                assert_eq!(digest, example.sha256);
            }
            other => panic!("unknown block kind {other:?}"),
        }
    }
}
