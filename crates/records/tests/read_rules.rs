//! The reader on a tester's findings (copied into `fixtures/read/`): quoting the `csv` crate
//! would read leniently, members a structured record does not define, records of a JSON file on
//! one line, spreadsheet-shaped files, encodings and line ends. Each would otherwise lose data
//! silently or give one unhelpful error per line.

#[path = "../../canonhash/tests/common/mod.rs"]
mod common;

use groundset_records::{
    Code, Format, JsonlOptions, ReadOptions, ReadOutcome, RecordCode, hash_jsonl_bytes, read_records_bytes,
    read_records_file,
};

fn fixture(name: &str) -> std::path::PathBuf {
    common::fixtures().join("read").join(name)
}

fn by_id() -> ReadOptions {
    ReadOptions {
        id_key: Some("id".to_owned()),
        with_content: true,
        ..ReadOptions::default()
    }
}

fn read(name: &str) -> ReadOutcome {
    read_records_file(fixture(name), &by_id()).unwrap()
}

fn ids(outcome: &ReadOutcome) -> Vec<&str> {
    outcome.records.iter().map(|r| r.source_id.as_str()).collect()
}

/// An issue's line, code, path and position (line, column).
type Issue = (usize, &'static str, String, Option<(usize, usize)>);

fn issues(outcome: &ReadOutcome) -> Vec<Issue> {
    outcome
        .issues
        .iter()
        .map(|issue| {
            let error = &issue.error;
            let position = error.position().map(|p| (p.line, p.column));
            (issue.line, error.code().as_str(), error.path(), position)
        })
        .collect()
}

fn message(outcome: &ReadOutcome, at: usize) -> &str {
    outcome.issues[at].error.message()
}

#[test]
fn an_unclosed_quote_is_refused_where_it_opens_and_reads_nothing_after_it() {
    let outcome = read("broken5b.csv");
    // Rows 3 to 5 would have been one cell of row 2; they are not records.
    assert_eq!(ids(&outcome), ["1"]);
    assert_eq!(issues(&outcome), [(3, "invalid_csv", "$".to_owned(), Some((3, 5)))]);
    let text = message(&outcome, 0);
    assert!(
        text.contains("field 3 (\"input.q\") at line 3, column 5 is never closed")
            && text.contains("the rest of the file (3 more lines)"),
        "{text}"
    );
    let outcome = read("unterminated.csv");
    assert!(outcome.records.is_empty());
    assert_eq!(issues(&outcome), [(2, "invalid_csv", "$".to_owned(), Some((2, 3)))]);
    // In a middle column, on a record's second line, and in the header.
    let data = "id,input.q,output.a\n1,\"two\nlines\",x\n2,\"open,y\n3,z,w\n";
    let outcome = read_records_bytes(data.as_bytes(), Format::Csv, &by_id()).unwrap();
    assert_eq!(ids(&outcome), ["1"]);
    assert_eq!(issues(&outcome), [(4, "invalid_csv", "$".to_owned(), Some((4, 3)))]);
    let data = "id,input.q\n1,\"a\"\"\nb\n";
    let outcome = read_records_bytes(data.as_bytes(), Format::Csv, &by_id()).unwrap();
    assert_eq!(issues(&outcome), [(2, "invalid_csv", "$".to_owned(), Some((2, 3)))]);
    let outcome = read_records_bytes(b"id,\"input.q\n1,a\n", Format::Csv, &by_id()).unwrap();
    assert!(outcome.records.is_empty());
    assert_eq!(issues(&outcome), [(1, "invalid_csv", "$".to_owned(), Some((1, 4)))]);
    assert!(
        message(&outcome, 0).contains("name 2 of the header"),
        "{}",
        message(&outcome, 0)
    );
}

#[test]
fn text_after_a_closing_quote_is_refused_and_a_quote_inside_an_unquoted_field_is_kept() {
    let outcome = read("strayquote.csv");
    assert_eq!(ids(&outcome), ["1"]);
    let content = outcome.records[0].content.as_ref().unwrap();
    assert_eq!(content.input, r#"{"q":"a\"b"}"#);
    assert_eq!(issues(&outcome), [(3, "invalid_csv", "$".to_owned(), Some((3, 6)))]);
    assert!(
        message(&outcome, 0).starts_with("field 2 (\"input.q\") has text after its closing quote at line 3, column 6"),
        "{}",
        message(&outcome, 0)
    );
    // A space after the closing quote is text too; a space before an opening quote makes the
    // field unquoted, so its quotes are literals (as Python's csv module reads it).
    let data = "id,input.q,output.a\n1,\"x\" ,y\n2, \"b\",\"c\"\n3,5\" screen,\"ok\"\"\"\r\n";
    let outcome = read_records_bytes(data.as_bytes(), Format::Csv, &by_id()).unwrap();
    assert_eq!(ids(&outcome), ["2", "3"]);
    assert_eq!(issues(&outcome), [(2, "invalid_csv", "$".to_owned(), Some((2, 6)))]);
    let inputs: Vec<(&str, &str)> = outcome
        .records
        .iter()
        .map(|r| {
            let content = r.content.as_ref().unwrap();
            (content.input.as_str(), content.output.as_str())
        })
        .collect();
    assert_eq!(
        inputs,
        [
            (r#"{"q":" \"b\""}"#, r#"{"a":"c"}"#),
            (r#"{"q":"5\" screen"}"#, r#"{"a":"ok\""}"#)
        ]
    );
}

#[test]
fn a_member_a_structured_record_does_not_define_is_an_unknown_field() {
    let outcome = read("typo_output.jsonl");
    assert!(outcome.records.is_empty());
    assert_eq!(
        issues(&outcome),
        [(1, "unknown_field", "$.metdata".to_owned(), Some((1, 1)))]
    );
    let text = message(&outcome, 0);
    assert!(
        text.contains(r#""metdata" (did you mean "metadata"?), "ouput" (did you mean "output"?)"#),
        "{text}"
    );
    assert_eq!(outcome.issues[0].source_id.as_deref(), Some("1"));
    // Every such record is reported; without an id key, an id member is one of them.
    let data = b"{\"id\":1,\"input\":{},\"x\":2}\n{\"id\":2,\"input\":{}}\n{\"id\":3,\"input\":{},\"Output\":{}}\n";
    let outcome = read_records_bytes(data, Format::Jsonl, &by_id()).unwrap();
    assert_eq!(ids(&outcome), ["2"]);
    let found: Vec<_> = issues(&outcome).into_iter().map(|i| (i.0, i.1, i.2)).collect();
    assert_eq!(
        found,
        [
            (1, "unknown_field", "$.x".to_owned()),
            (3, "unknown_field", "$.Output".to_owned())
        ]
    );
    let outcome = read_records_bytes(data, Format::Jsonl, &ReadOptions::default()).unwrap();
    assert_eq!((outcome.records.len(), outcome.issues.len()), (0, 3));
    assert!(
        message(&outcome, 1).contains("give it as the id key"),
        "{}",
        message(&outcome, 1)
    );
    // Flat records pick their members: the others are left out as before.
    let flat = ReadOptions {
        input_keys: Some(vec!["input".to_owned()]),
        ..by_id()
    };
    let outcome = read_records_bytes(data, Format::Jsonl, &flat).unwrap();
    assert_eq!((outcome.records.len(), outcome.issues.len()), (3, 0));
    // `hash_jsonl_*` reads structured records with an id key: the same rule.
    let options = JsonlOptions::default();
    let results = hash_jsonl_bytes(data, &options).unwrap();
    let codes: Vec<_> = results
        .iter()
        .map(|r| r.as_ref().map_or_else(|e| e.code().as_str(), |_| "ok"))
        .collect();
    assert_eq!(codes, ["unknown_field", "ok", "unknown_field"]);
}

#[test]
fn a_csv_column_outside_the_record_is_an_invalid_header_once() {
    let outcome = read("typo_output.csv");
    assert!(outcome.records.is_empty());
    assert_eq!(issues(&outcome), [(1, "invalid_header", "$".to_owned(), Some((1, 1)))]);
    assert!(
        message(&outcome, 0).starts_with("column 3 (\"ouput.answer\") is not part of a record")
            && message(&outcome, 0).contains("did you mean \"output.answer\"?"),
        "{}",
        message(&outcome, 0)
    );
    let outcome = read("casehdr.csv");
    assert_eq!(issues(&outcome).len(), 1);
    assert!(
        message(&outcome, 0).contains("did you mean \"input.q\"?"),
        "{}",
        message(&outcome, 0)
    );
    // Many rows, one issue per column (not one per row).
    let data = format!("id,input.q,extra\n{}", "1,a,b\n".repeat(500));
    let outcome = read_records_bytes(data.as_bytes(), Format::Csv, &by_id()).unwrap();
    assert_eq!((outcome.records.len(), outcome.issues.len()), (0, 1));
    // With no input column at all, the message says how to read it.
    let outcome = read_records_bytes(b"id,output.a\n1,x\n", Format::Csv, &by_id()).unwrap();
    assert_eq!(issues(&outcome).len(), 1);
    assert!(
        message(&outcome, 0).starts_with("no column holds the input"),
        "{}",
        message(&outcome, 0)
    );
    // The id column is the id key's: without one, it is a column like any other.
    let outcome = read_records_bytes(b"id,input.q\n1,x\n", Format::Csv, &ReadOptions::default()).unwrap();
    assert_eq!(issues(&outcome).len(), 1);
    assert!(
        message(&outcome, 0).contains("give it as the id key"),
        "{}",
        message(&outcome, 0)
    );
}

#[test]
fn a_spreadsheet_shaped_file_is_told_how_to_be_read() {
    let outcome = read("sheet.csv");
    assert!(outcome.records.is_empty());
    let columns: Vec<_> = outcome.issues.iter().map(|i| (i.line, i.error.code())).collect();
    assert_eq!(columns, [(1, Code::Record(RecordCode::InvalidHeader)); 2]);
    for issue in &outcome.issues {
        let text = issue.error.message();
        assert!(
            text.contains("name its input fields (input keys), or prefix the columns with \"input.\""),
            "{text}"
        );
    }
    // Read flat, the same file gives its records.
    let flat = ReadOptions {
        output_keys: Some(vec!["answer".to_owned()]),
        ..by_id()
    };
    let outcome = read_records_file(fixture("sheet.csv"), &flat).unwrap();
    assert_eq!((ids(&outcome), outcome.issues.len()), (vec!["1", "2"], 0));
    // The same shape in JSONL: the missing input names the members the record has.
    let outcome = read_records_bytes(
        b"{\"id\": 1, \"question\": \"q\", \"answer\": \"a\"}\n",
        Format::Jsonl,
        &by_id(),
    )
    .unwrap();
    let found: Vec<_> = issues(&outcome).into_iter().map(|i| (i.1, i.2)).collect();
    assert_eq!(found, [("not_an_object", "$.input".to_owned())]);
    let text = message(&outcome, 0);
    assert!(
        text.contains(r#"its members are ["answer", "id", "question"]"#) && text.contains("(input keys)"),
        "{text}"
    );
}

#[test]
fn a_header_in_another_delimiter_or_with_spaces_is_refused() {
    let outcome = read("semicolon.csv");
    assert_eq!(issues(&outcome), [(1, "invalid_header", "$".to_owned(), Some((1, 1)))]);
    assert!(
        message(&outcome, 0).contains("seems to use \";\" as its delimiter"),
        "{}",
        message(&outcome, 0)
    );
    let tabs = read_records_bytes(b"id\tinput.q\n1\ta\n", Format::Csv, &by_id()).unwrap();
    assert!(
        tabs.issues[0].error.message().contains("a tab"),
        "{}",
        tabs.issues[0].error
    );
    // Refused in flat mode too: every row would be one field.
    let flat = ReadOptions {
        output_keys: Some(Vec::new()),
        ..by_id()
    };
    let outcome = read_records_file(fixture("semicolon.csv"), &flat).unwrap();
    assert_eq!(outcome.issues.len(), 1);
    let outcome = read("spacehdr.csv");
    assert_eq!(issues(&outcome).len(), 1);
    assert!(
        message(&outcome, 0).starts_with("column 2 (\" input.q\") has white space at the start or end of its name"),
        "{}",
        message(&outcome, 0)
    );
}

#[test]
fn json_issues_name_their_item_and_where_it_starts() {
    let outcome = read("nonobj.json");
    assert_eq!(ids(&outcome), ["a"]);
    assert_eq!(
        issues(&outcome),
        [
            (1, "not_an_object", "$".to_owned(), Some((1, 30))),
            (1, "not_an_object", "$".to_owned(), Some((1, 33)))
        ]
    );
    assert_eq!(outcome.issues.iter().map(|i| i.index).collect::<Vec<_>>(), [1, 2]);
    assert!(
        message(&outcome, 1).ends_with("(array item 2, from 0)"),
        "{}",
        message(&outcome, 1)
    );
    // A duplicate id, which the parser does not locate, gets the item's start too.
    let data = br#"[{"id":"a","input":{}},{"id":"a","input":{}}]"#;
    let outcome = read_records_bytes(data, Format::Json, &by_id()).unwrap();
    assert_eq!(
        issues(&outcome),
        [(1, "duplicate_source_id", "$.id".to_owned(), Some((1, 24)))]
    );
}

#[test]
fn a_wrapping_object_has_only_examples() {
    let outcome = read("wrapped_extra.json");
    assert_eq!(ids(&outcome), ["a"]);
    assert_eq!(
        issues(&outcome),
        [(1, "unknown_field", "$.extra".to_owned(), Some((1, 50)))]
    );
    // An object that is no wrapper at all is told so, once.
    let outcome = read_records_bytes(br#"{"id": "a", "input": {}}"#, Format::Json, &by_id()).unwrap();
    let found: Vec<_> = issues(&outcome).into_iter().map(|i| i.1).collect();
    assert_eq!(found, ["invalid_json"]);
}

#[test]
fn a_utf16_file_is_one_error() {
    for (name, code) in [("utf16.csv", "invalid_csv"), ("utf16.jsonl", "invalid_json")] {
        let outcome = read(name);
        assert!(outcome.records.is_empty(), "{name}");
        assert_eq!(issues(&outcome), [(1, code, "$".to_owned(), Some((1, 1)))], "{name}");
        assert_eq!(
            message(&outcome, 0),
            "the file is UTF-16 (it starts with the byte-order mark FF FE); save it as UTF-8"
        );
    }
    let big_endian = read_records_bytes(b"\xFE\xFF\x00[\x00]", Format::Json, &by_id()).unwrap();
    assert!(big_endian.issues[0].error.message().contains("FE FF"));
    let results = hash_jsonl_bytes(b"\xFF\xFE{\x00}\x00\n\x00{\x00}\x00", &JsonlOptions::default()).unwrap();
    assert_eq!(results.len(), 1);
    // Latin-1 is not valid UTF-8, as before.
    let latin1 = read_records_bytes(b"id,input.q\n1,Caf\xe9\n", Format::Csv, &by_id()).unwrap();
    assert!(latin1.issues[0].error.message().contains("not valid UTF-8"));
}

#[test]
fn jsonl_lines_may_end_with_cr_alone() {
    let jsonl = read("cr_only.jsonl");
    let csv = read("cr_only.csv");
    assert!(jsonl.issues.is_empty(), "{:?}", jsonl.issues);
    assert_eq!(ids(&jsonl), ["a", "b"]);
    assert_eq!(jsonl.records.iter().map(|r| r.line).collect::<Vec<_>>(), [1, 2]);
    assert!(csv.issues.is_empty(), "{:?}", csv.issues);
    // A bad line is located on its own line.
    let data = b"{\"id\":\"a\",\"input\":{}}\r\r{\"id\":\"b\",\"input\":[]}\r";
    let outcome = read_records_bytes(data, Format::Jsonl, &by_id()).unwrap();
    assert_eq!(
        issues(&outcome),
        [(3, "not_an_object", "$.input".to_owned(), Some((3, 1)))]
    );
    // CR as white space inside a line of an LF file stays white space.
    let data = b"{\"id\":\"a\",\r\"input\":{}}\n";
    let outcome = read_records_bytes(data, Format::Jsonl, &by_id()).unwrap();
    assert_eq!((ids(&outcome), outcome.issues.len()), (vec!["a"], 0));
}

#[test]
fn a_csv_name_written_again_is_one_issue_naming_every_repeat() {
    let data = b"id,input.q,input.q,input.r,input.q,input.r\n1,a,b,c,d,e\n";
    let outcome = read_records_bytes(data, Format::Csv, &by_id()).unwrap();
    assert!(outcome.records.is_empty());
    let messages: Vec<_> = outcome.issues.iter().map(|i| i.error.message()).collect();
    assert_eq!(
        messages,
        [
            "columns 3 and 5 (\"input.q\") repeat the name of column 2",
            "column 6 (\"input.r\") repeats the name of column 4",
        ]
    );
    // A column left out before (an empty name) does not shift the column named.
    let outcome = read_records_bytes(b"id,,input.q,input.q\n1,,a,b\n", Format::Csv, &by_id()).unwrap();
    let messages: Vec<_> = outcome.issues.iter().map(|i| i.error.message()).collect();
    assert_eq!(
        messages,
        [
            "column 2 has an empty name",
            "column 4 (\"input.q\") repeats the name of column 3"
        ]
    );
}
