//! The record reader on the issue-12 cases (copied into `fixtures/read/`) and on the rules of
//! every format: the right records, hashes, lines, paths and codes.

#[path = "../../canonhash/tests/common/mod.rs"]
mod common;

use canonhash::{ErrorCode, example_hash_json};
use groundset_records::{
    Code, Format, JsonlOptions, ReadIssue, ReadOptions, ReadOutcome, RecordCode, hash_jsonl_file, read_records_bytes,
    read_records_file,
};

fn fixture(name: &str) -> std::path::PathBuf {
    common::fixtures().join("read").join(name)
}

fn by_id() -> ReadOptions {
    ReadOptions {
        id_key: Some("id".to_owned()),
        ..ReadOptions::default()
    }
}

fn read(name: &str, options: &ReadOptions) -> ReadOutcome {
    read_records_file(fixture(name), options).unwrap()
}

fn ids_and_lines(outcome: &ReadOutcome) -> Vec<(String, usize)> {
    outcome.records.iter().map(|r| (r.source_id.clone(), r.line)).collect()
}

/// (line, code, path) of each issue.
fn issues(outcome: &ReadOutcome) -> Vec<(usize, &'static str, String)> {
    outcome
        .issues
        .iter()
        .map(|issue: &ReadIssue| (issue.line, issue.error.code().as_str(), issue.error.path()))
        .collect()
}

fn hash_of(example: &str) -> String {
    example_hash_json(example).unwrap()
}

#[test]
fn a_bom_csv_reads_as_the_same_csv_without_it() {
    let with_bom = read("bom.csv", &by_id());
    let without = read("no-bom.csv", &by_id());
    assert!(with_bom.issues.is_empty(), "{:?}", with_bom.issues);
    assert_eq!(with_bom, without);
    assert_eq!(ids_and_lines(&with_bom), [("q1".to_owned(), 2), ("q2".to_owned(), 3)]);
    assert_eq!(
        with_bom.records[0].content_hash,
        hash_of(r#"{"input": {"question": "What is 2+2?"}, "output": {"answer": "4"}}"#)
    );
}

#[test]
fn a_bom_jsonl_reads_and_hashes_like_the_csv() {
    let jsonl = read("bom.jsonl", &by_id());
    let csv = read("bom.csv", &by_id());
    assert!(jsonl.issues.is_empty(), "{:?}", jsonl.issues);
    let pairs = |o: &ReadOutcome| -> Vec<(String, String)> {
        o.records
            .iter()
            .map(|r| (r.source_id.clone(), r.content_hash.clone()))
            .collect()
    };
    assert_eq!(pairs(&jsonl), pairs(&csv));
    // The hashing entry point skips the mark too.
    let hashed = hash_jsonl_file(fixture("bom.jsonl"), &JsonlOptions::default()).unwrap();
    assert_eq!(hashed[0].as_ref().unwrap().content_hash, jsonl.records[0].content_hash);
}

#[test]
fn without_an_id_key_the_content_hash_is_the_source_id_and_copies_count_once() {
    let outcome = read("bom-no-id.csv", &ReadOptions::default());
    let expected = hash_of(r#"{"input": {"question": "What is 2+2?"}, "output": {"answer": "4"}}"#);
    assert_eq!(ids_and_lines(&outcome), [(expected.clone(), 2)]);
    assert_eq!(outcome.records[0].content_hash, expected);
    let twice = b"{\"input\":{\"q\":1}}\n{\"input\":{\"q\":2}}\n{\"input\":{\"q\":1.0}}\n";
    let outcome = read_records_bytes(twice, Format::Jsonl, &ReadOptions::default()).unwrap();
    let lines: Vec<_> = outcome.records.iter().map(|r| (r.line, r.index)).collect();
    assert_eq!((lines, outcome.issues.len()), (vec![(1, 0), (2, 1)], 0));
}

#[test]
fn a_cell_of_any_length_is_read() {
    let context = "The sky was grey. ".repeat(11_111) + "Then blue.";
    assert!(context.chars().count() > 200_000);
    let csv = format!(
        "id,input.question,input.context,output.answer\ndoc-1,Which colour?,\"{context}\",blue\ndoc-2,2+2?,Arithmetic.,4\n"
    );
    let jsonl = format!(
        "{{\"id\":\"doc-1\",\"input\":{{\"question\":\"Which colour?\",\"context\":\"{context}\"}},\"output\":{{\"answer\":\"blue\"}}}}\n\
         {{\"id\":\"doc-2\",\"input\":{{\"question\":\"2+2?\",\"context\":\"Arithmetic.\"}},\"output\":{{\"answer\":\"4\"}}}}\n"
    );
    let from_csv = read_records_bytes(csv.as_bytes(), Format::Csv, &by_id()).unwrap();
    let from_jsonl = read_records_bytes(jsonl.as_bytes(), Format::Jsonl, &by_id()).unwrap();
    assert!(from_csv.issues.is_empty(), "{:?}", from_csv.issues);
    assert_eq!(from_csv.records.len(), 2);
    assert_eq!(from_csv.records[0].content_hash, from_jsonl.records[0].content_hash);
    assert_eq!(from_csv.records[1].line, 3);
}

#[test]
fn ragged_rows_are_refused_naming_the_line_and_both_counts() {
    let long = read("row-too-long.csv", &by_id());
    assert_eq!(ids_and_lines(&long), [("q1".to_owned(), 2)]);
    assert_eq!(issues(&long), [(3, "field_count", "$".to_owned())]);
    assert_eq!(long.issues[0].error.message(), "line 3 has 4 fields, the header has 3");
    let short = read("row-too-short.csv", &by_id());
    assert_eq!(ids_and_lines(&short), [("q1".to_owned(), 2), ("q3".to_owned(), 4)]);
    assert_eq!(issues(&short), [(3, "field_count", "$".to_owned())]);
    assert_eq!(short.issues[0].error.message(), "line 3 has 3 fields, the header has 4");
    // The empty last cell is the empty string, not null.
    assert_eq!(
        short.records[1].content_hash,
        hash_of(r#"{"input":{"question":"Largest ocean?"},"output":{"answer":"Pacific"},"metadata":{"topic":""}}"#)
    );
}

#[test]
fn a_quoted_multi_line_cell_keeps_later_lines_right() {
    let options = ReadOptions {
        with_content: true,
        ..by_id()
    };
    let outcome = read("multiline.csv", &options);
    assert_eq!(ids_and_lines(&outcome), [("q1".to_owned(), 2), ("q3".to_owned(), 6)]);
    assert_eq!(issues(&outcome), [(5, "field_count", "$".to_owned())]);
    assert_eq!(outcome.issues[0].index, 1);
    assert_eq!(outcome.records[1].index, 2);
    let content = outcome.records[0].content.as_ref().unwrap();
    assert_eq!(content.input, r#"{"question":"first line\nsecond line\nthird line"}"#);
    assert_eq!(
        (content.output.as_str(), content.metadata.as_str()),
        (r#"{"answer":"4"}"#, "{}")
    );
    // CRLF line ends, blank lines between rows and a quoted CRLF inside a cell.
    let data = b"id,input.q\r\n\r\na,\"x\r\ny\"\r\n\r\nb,z,extra\r\nc,w\r\n";
    let outcome = read_records_bytes(data, Format::Csv, &options).unwrap();
    assert_eq!(ids_and_lines(&outcome), [("a".to_owned(), 3), ("c".to_owned(), 7)]);
    assert_eq!(issues(&outcome), [(6, "field_count", "$".to_owned())]);
    assert_eq!(outcome.records[0].content.as_ref().unwrap().input, r#"{"q":"x\r\ny"}"#);
}

#[test]
fn a_member_name_twice_is_refused_in_jsonl_and_json() {
    let jsonl = read("dup-keys.jsonl", &by_id());
    assert!(jsonl.records.is_empty());
    assert_eq!(
        issues(&jsonl),
        [
            (1, "duplicate_key", "$.output.answer".to_owned()),
            (2, "duplicate_key", "$.input.question".to_owned())
        ]
    );
    let json = read("dup-keys.json", &by_id());
    assert!(json.records.is_empty());
    assert_eq!(issues(&json), [(1, "duplicate_key", "$.output.answer".to_owned())]);
}

#[test]
fn numeric_ids_follow_the_one_rule() {
    let big = read("int64-ids.jsonl", &by_id());
    assert!(big.records.is_empty());
    assert_eq!(
        issues(&big),
        [
            (1, "invalid_source_id", "$.id".to_owned()),
            (2, "invalid_source_id", "$.id".to_owned())
        ]
    );
    assert!(
        big.issues[0].error.message().contains("write it as a string"),
        "{}",
        big.issues[0].error
    );
    let floats = read("float-ids.jsonl", &by_id());
    assert_eq!(ids_and_lines(&floats), [("7".to_owned(), 1), ("8".to_owned(), 2)]);
}

#[test]
fn empty_and_header_only_files_hold_no_records() {
    // A 0-byte CSV too (an export of an empty sheet), so that it can mirror a dataset to empty
    // when that is allowed; so does one of a byte-order mark, spaces and line ends only.
    for name in ["empty.jsonl", "header-only.csv", "empty.csv"] {
        let outcome = read(name, &by_id());
        assert_eq!(outcome, ReadOutcome::default(), "{name}");
    }
    for blank in [&b"\xEF\xBB\xBF"[..], b"\r\n", b" \n\n\t\r\n", b"\xEF\xBB\xBF\r\n"] {
        let outcome = read_records_bytes(blank, Format::Csv, &by_id()).unwrap();
        assert_eq!(outcome, ReadOutcome::default(), "{blank:?}");
    }
    let empty_json = read_records_bytes(b"[]", Format::Json, &by_id()).unwrap();
    assert_eq!(empty_json, ReadOutcome::default());
}

#[test]
fn a_json_file_gives_each_item_its_line_and_reads_past_bad_items() {
    let outcome = read("examples.json", &by_id());
    assert_eq!(ids_and_lines(&outcome), [("q1".to_owned(), 3), ("7".to_owned(), 9)]);
    assert_eq!(
        issues(&outcome),
        [
            (4, "duplicate_key", "$.input.question".to_owned()),
            (8, "invalid_source_id", "$.id".to_owned()),
            (10, "duplicate_source_id", "$.id".to_owned())
        ]
    );
    // The parser's own position points inside the record; else the item's start is given.
    assert_eq!(outcome.issues[0].error.position().unwrap().line, 6);
    let duplicate = &outcome.issues[2].error;
    assert_eq!(
        duplicate.position(),
        Some(canonhash::TextPosition { line: 10, column: 5 })
    );
    assert!(
        duplicate
            .message()
            .contains("is also the id of line 3 (array item 4, from 0)")
            && duplicate.message().ends_with("(array item 4, from 0)"),
        "{duplicate}"
    );
    assert_eq!(outcome.issues[2].source_id.as_deref(), Some("q1"));
    assert_eq!(outcome.issues.iter().map(|i| i.index).collect::<Vec<_>>(), [1, 2, 4]);
    // A top-level array reads the same records.
    let array = b"[\n {\"id\": \"a\", \"input\": {}},\n {\"id\": \"b\", \"input\": {}}\n]";
    let outcome = read_records_bytes(array, Format::Json, &by_id()).unwrap();
    assert_eq!(ids_and_lines(&outcome), [("a".to_owned(), 2), ("b".to_owned(), 3)]);
}

#[test]
fn a_json_syntax_error_ends_the_file_with_its_line() {
    let text = b"[\n{\"id\": \"a\", \"input\": {}},\n{\"id\": \"b\", \"input\": {\"x\": tru}},\n{\"id\": \"c\", \"input\": {}}\n]";
    let outcome = read_records_bytes(text, Format::Json, &by_id()).unwrap();
    assert_eq!(ids_and_lines(&outcome), [("a".to_owned(), 2)]);
    assert_eq!(issues(&outcome), [(3, "invalid_json", "$.input.x".to_owned())]);
    let not_records = read_records_bytes(b"{\"id\": \"a\"}", Format::Json, &by_id()).unwrap();
    assert_eq!(issues(&not_records), [(1, "invalid_json", "$".to_owned())]);
    let trailing = read_records_bytes(b"[{\"id\": \"a\", \"input\": {}}]\n x", Format::Json, &by_id()).unwrap();
    assert_eq!(ids_and_lines(&trailing), [("a".to_owned(), 1)]);
    assert_eq!(issues(&trailing), [(2, "invalid_json", "$".to_owned())]);
}

#[test]
fn bad_headers_are_refused_at_line_one() {
    // Flat records, so that names outside input/output/metadata are allowed.
    let flat = ReadOptions {
        output_keys: Some(Vec::new()),
        ..by_id()
    };
    for (header, expected) in [
        ("id,,x", 1),
        ("id,a,a", 1),
        ("id,input,input.q", 1),
        ("id,input.q,input", 1),
        ("id,input.,x", 1),
        ("a,a,b,b", 2),
        ("id, q,r ", 2),
        ("id,input. q", 1),
    ] {
        let data = format!("{header}\n1,2,3\n");
        let outcome = read_records_bytes(data.as_bytes(), Format::Csv, &flat).unwrap();
        assert!(outcome.records.is_empty(), "{header}");
        assert_eq!(outcome.issues.len(), expected, "{header}: {:?}", outcome.issues);
        for issue in &outcome.issues {
            assert_eq!(
                (issue.line, issue.error.code()),
                (1, Code::Record(RecordCode::InvalidHeader)),
                "{header}"
            );
        }
    }
    let conflict = read_records_bytes(b"id,input,input.q\n", Format::Csv, &by_id()).unwrap();
    assert!(
        conflict.issues[0].error.message().contains("\"input\""),
        "{}",
        conflict.issues[0].error
    );
}

#[test]
fn a_row_that_is_not_utf8_is_invalid_csv_and_the_others_are_read() {
    let data = b"id,input.q\na,x\nb,\xff\nc,z\n";
    let outcome = read_records_bytes(data, Format::Csv, &by_id()).unwrap();
    assert_eq!(ids_and_lines(&outcome), [("a".to_owned(), 2), ("c".to_owned(), 4)]);
    assert_eq!(issues(&outcome), [(3, "invalid_csv", "$".to_owned())]);
}

#[test]
fn flat_records_pick_their_keys() {
    let data = "id,question,answer,topic\nq1,2+2?,4,math\n";
    let options = ReadOptions {
        output_keys: Some(vec!["answer".to_owned()]),
        metadata_keys: Some(vec!["topic".to_owned()]),
        ..by_id()
    };
    let outcome = read_records_bytes(data.as_bytes(), Format::Csv, &options).unwrap();
    assert_eq!(
        outcome.records[0].content_hash,
        hash_of(r#"{"input":{"question":"2+2?"},"output":{"answer":"4"},"metadata":{"topic":"math"}}"#)
    );
    let jsonl = b"{\"id\": 1, \"question\": \"2+2?\", \"answer\": \"4\", \"topic\": \"math\"}\n{\"id\": 2, \"question\": \"x\"}\n";
    let outcome = read_records_bytes(jsonl, Format::Jsonl, &options).unwrap();
    assert_eq!(ids_and_lines(&outcome), [("1".to_owned(), 1)]);
    assert_eq!(issues(&outcome), [(2, "missing_key", "$.answer".to_owned())]);
    assert_eq!(outcome.issues[0].source_id.as_deref(), Some("2"));
    let named = ReadOptions {
        input_keys: Some(vec!["question".to_owned(), "nope".to_owned()]),
        ..by_id()
    };
    let outcome = read_records_bytes(data.as_bytes(), Format::Csv, &named).unwrap();
    assert_eq!(issues(&outcome), [(2, "missing_key", "$.nope".to_owned())]);
}

#[test]
fn structured_records_need_an_input_object() {
    let data = b"{\"id\":\"a\"}\n{\"id\":\"b\",\"input\":[]}\n{\"id\":\"c\",\"input\":{},\"output\":null,\"metadata\":null}\n[]\n{\"input\":{}}\n";
    let outcome = read_records_bytes(data, Format::Jsonl, &by_id()).unwrap();
    assert_eq!(ids_and_lines(&outcome), [("c".to_owned(), 3)]);
    assert_eq!(
        issues(&outcome),
        [
            (1, "not_an_object", "$.input".to_owned()),
            (2, "not_an_object", "$.input".to_owned()),
            (4, "not_an_object", "$".to_owned()),
            (5, "missing_source_id", "$.id".to_owned())
        ]
    );
    assert_eq!(outcome.issues[0].source_id.as_deref(), Some("a"));
}

#[test]
fn issues_beyond_the_limit_are_counted() {
    let data = "[]\n".repeat(150) + "{\"id\":\"ok\",\"input\":{}}\n";
    let outcome = read_records_bytes(data.as_bytes(), Format::Jsonl, &by_id()).unwrap();
    assert_eq!(
        (outcome.issues.len(), outcome.more_issues),
        (groundset_records::MAX_REPORTED_ERRORS, 50)
    );
    assert_eq!(outcome.issues.last().unwrap().line, 100);
    assert_eq!(ids_and_lines(&outcome), [("ok".to_owned(), 151)]);
    let few = ReadOptions {
        max_errors: 3,
        ..by_id()
    };
    let outcome = read_records_bytes(data.as_bytes(), Format::Jsonl, &few).unwrap();
    assert_eq!((outcome.issues.len(), outcome.more_issues), (3, 147));
}

#[test]
fn crlf_jsonl_and_duplicate_ids() {
    let data = b"{\"id\":\"a\",\"input\":{}}\r\n\r\n{\"id\":\"a\",\"input\":{\"x\":1}}\r\n";
    let outcome = read_records_bytes(data, Format::Jsonl, &by_id()).unwrap();
    assert_eq!(ids_and_lines(&outcome), [("a".to_owned(), 1)]);
    assert_eq!(issues(&outcome), [(3, "duplicate_source_id", "$.id".to_owned())]);
    assert_eq!(outcome.issues[0].index, 1);
}

#[test]
fn the_format_comes_from_the_name_or_the_caller() {
    assert_eq!(Format::from_path("a/B.Csv".as_ref()), Some(Format::Csv));
    assert_eq!(Format::from_path("b.ndjson".as_ref()), Some(Format::Jsonl));
    assert_eq!(Format::from_path("b.json".as_ref()), Some(Format::Json));
    assert_eq!(Format::from_path("README".as_ref()), None);
    assert_eq!("CSV".parse::<Format>().unwrap(), Format::Csv);
    assert!("xml".parse::<Format>().is_err());
    let unknown = read_records_file(fixture("README.md"), &by_id()).unwrap_err();
    assert_eq!(unknown.code(), RecordCode::Io);
    assert!(
        unknown.message().contains("README.md") && unknown.message().contains(".csv"),
        "{unknown}"
    );
    let missing = read_records_file("/nonexistent/evals.csv", &by_id()).unwrap_err();
    assert_eq!(missing.code(), RecordCode::Io);
    assert!(missing.message().contains("/nonexistent/evals.csv"), "{missing}");
    // A format given wins over the name.
    let options = ReadOptions {
        format: Some(Format::Csv),
        ..by_id()
    };
    let outcome = read_records_file(fixture("README.md"), &options).unwrap();
    assert!(outcome.records.is_empty());
}

#[test]
fn every_error_code_has_one_name() {
    // The hashing codes and the record codes together: one namespace for the SDKs and the server.
    let all: Vec<Code> = ErrorCode::ALL
        .into_iter()
        .map(Code::Hash)
        .chain(RecordCode::ALL.into_iter().map(Code::Record))
        .collect();
    let mut names: Vec<&str> = all.iter().map(|code| code.as_str()).collect();
    for &code in &all {
        assert_eq!(Code::from_name(code.as_str()), Some(code));
    }
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), all.len());
}
