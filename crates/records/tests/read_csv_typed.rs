//! CSV typed cells: a column named `….:json` holds JSON text read under the hash domain's
//! rules, an empty cell there leaves the member out, and the header refuses a `:json` column
//! with a column inside it. This is what lets the server's CSV export read back to the same
//! content hashes as the version it came from.

use canonhash::example_hash_json;
use groundset_records::{Format, ReadOptions, ReadOutcome, read_records_bytes};

fn by_id() -> ReadOptions {
    ReadOptions {
        id_key: Some("id".to_owned()),
        with_content: true,
        ..ReadOptions::default()
    }
}

fn read(text: &str) -> ReadOutcome {
    read_records_bytes(text.as_bytes(), Format::Csv, &by_id()).unwrap()
}

/// Each record's source id and canonical `input`, `output`, `metadata`.
fn contents(outcome: &ReadOutcome) -> Vec<(String, String, String, String)> {
    outcome
        .records
        .iter()
        .map(|r| {
            let c = r.content.as_ref().unwrap();
            (
                r.source_id.clone(),
                c.input.clone(),
                c.output.clone(),
                c.metadata.clone(),
            )
        })
        .collect()
}

/// An issue's line, code, path and message.
fn issues(outcome: &ReadOutcome) -> Vec<(usize, &'static str, String, String)> {
    outcome
        .issues
        .iter()
        .map(|i| {
            (
                i.line,
                i.error.code().as_str(),
                i.error.path(),
                i.error.message().to_owned(),
            )
        })
        .collect()
}

#[test]
fn json_cells_are_typed_values_and_plain_cells_stay_strings() {
    let text = "id,input.q,input.n:json,input.tags:json,output:json,metadata.m.k:json\n\
                a,\"1\",1,\"[\"\"x\"\", {\"\"y\"\": null}]\",\"{\"\"ok\"\": true}\",-0.0\n\
                b,,\"\"\"1\"\"\",\"{}\",null,1e308\n";
    let outcome = read(text);
    assert!(outcome.issues.is_empty(), "{:?}", outcome.issues);
    assert_eq!(
        contents(&outcome),
        [
            (
                "a".to_owned(),
                r#"{"n":1,"q":"1","tags":["x",{"y":null}]}"#.to_owned(),
                r#"{"ok":true}"#.to_owned(),
                r#"{"m":{"k":0}}"#.to_owned(),
            ),
            (
                "b".to_owned(),
                r#"{"n":"1","q":"","tags":{}}"#.to_owned(),
                "{}".to_owned(),
                r#"{"m":{"k":1e+308}}"#.to_owned(),
            ),
        ]
    );
    // The hash is the one of the same record written as JSON.
    let jsonl = r#"{"input": {"q": "1", "n": 1, "tags": ["x", {"y": null}]}, "output": {"ok": true}, "metadata": {"m": {"k": -0.0}}}"#;
    assert_eq!(outcome.records[0].content_hash, example_hash_json(jsonl).unwrap());
}

#[test]
fn an_empty_json_cell_leaves_the_member_out_and_objects_named_by_the_header_stay() {
    let text = "id,input.q,input.ctx.doc:json,input.n:json,metadata:json\n\
                a,x,,,\n\
                b,x,\"\"\"\"\"\",0,{}\n";
    let outcome = read(text);
    assert!(outcome.issues.is_empty(), "{:?}", outcome.issues);
    let [a, b] = &contents(&outcome)[..] else { panic!() };
    // Absent, not "" nor null: only `input.ctx` itself, named by the header, is there.
    assert_eq!(a.1, r#"{"ctx":{},"q":"x"}"#);
    assert_eq!(b.1, r#"{"ctx":{"doc":""},"n":0,"q":"x"}"#);
    // An absent metadata hashes as {} does.
    assert_eq!(
        outcome.records[0].content_hash,
        example_hash_json(r#"{"input": {"ctx": {}, "q": "x"}}"#).unwrap()
    );
    // A plain column's empty cell is still the empty string.
    let plain = read("id,input.q\na,\n");
    assert_eq!(contents(&plain)[0].1, r#"{"q":""}"#);
    // The whole input as one JSON cell, and an id column of JSON (a number id is its decimal text).
    let whole = read("id:json,input:json\n7,\"{\"\"a.b\"\": {\"\"c:d\"\": [1, 2.5]}}\"\n");
    assert!(whole.issues.is_empty(), "{:?}", whole.issues);
    assert_eq!(contents(&whole)[0].0, "7");
    assert_eq!(contents(&whole)[0].1, r#"{"a.b":{"c:d":[1,2.5]}}"#);
}

#[test]
fn bad_json_in_cells_is_reported_for_every_row_with_line_column_and_path() {
    let text = "id,input.q,input.v:json,metadata:json\n\
                a,x,\"{\"\"k\"\": 1, \"\"k\"\": 2}\",\n\
                b,x,1,\"{\"\"m\"\": [1, }\"\n\
                c,x,2,\n\
                d,x,\"\"\"\\ud800\"\"\",\n\
                e,\"two\nlines\",1e999,\n\
                f,x,NaN,\n\
                g,x,12345678901234567890,\n";
    let outcome = read(text);
    assert_eq!(
        outcome.records.iter().map(|r| r.source_id.as_str()).collect::<Vec<_>>(),
        ["c"]
    );
    let found = issues(&outcome);
    let summary: Vec<(usize, &str, &str)> = found.iter().map(|(l, c, p, _)| (*l, *c, p.as_str())).collect();
    assert_eq!(
        summary,
        [
            (2, "duplicate_key", "$.input.v.k"),
            (3, "invalid_json", "$.metadata.m[1]"),
            (5, "lone_surrogate", "$.input.v"),
            (6, "non_finite_number", "$.input.v"),
            (8, "invalid_json", "$.input.v"),
            (9, "integer_not_exact", "$.input.v"),
        ]
    );
    // The message names the column as written and where in the cell the parser stopped.
    assert!(
        found[0].3.starts_with("column 3 (\"input.v:json\") holds JSON text"),
        "{}",
        found[0].3
    );
    assert!(found[1].3.contains("column 4 (\"metadata:json\")"), "{}", found[1].3);
    assert!(found[1].3.contains("at character 11 of the cell"), "{}", found[1].3);
    // The source id is known, so each issue carries it.
    assert_eq!(outcome.issues[0].source_id.as_deref(), Some("a"));
    for issue in &outcome.issues {
        assert_eq!(issue.error.position().map(|p| p.line), Some(issue.line));
    }
}

#[test]
fn a_json_column_and_a_column_inside_it_are_an_invalid_header_with_every_other_problem() {
    let outcome =
        read("id,input:json,input.x,output.a:json,output.a,metadata.b,metadata.b.c:json,:json,input.y.:json\n");
    let found = issues(&outcome);
    assert!(outcome.records.is_empty());
    assert_eq!(found.len(), 5, "{found:?}");
    assert!(
        found
            .iter()
            .all(|(line, code, _, _)| (*line, *code) == (1, "invalid_header"))
    );
    let messages: Vec<&str> = found.iter().map(|issue| issue.3.as_str()).collect();
    assert!(
        messages[0].starts_with("column 3 (\"input.x\") conflicts with column \"input:json\"")
            && messages[0].contains("holds the whole value"),
        "{}",
        messages[0]
    );
    assert!(
        messages[1].starts_with("column 5 (\"output.a\") names the same member as column 4 (\"output.a:json\")"),
        "{}",
        messages[1]
    );
    assert!(
        messages[2].starts_with("column 7 (\"metadata.b.c:json\") conflicts with column \"metadata.b\""),
        "{}",
        messages[2]
    );
    assert!(
        messages[3].contains("names no member before \":json\""),
        "{}",
        messages[3]
    );
    assert!(messages[4].contains("empty part between its dots"), "{}", messages[4]);
    // The suffix counts for the structured check: `input:json` is an input column.
    let structured = read("id,input:json\n1,{}\n");
    assert!(structured.issues.is_empty(), "{:?}", structured.issues);
    let outside = read("id,input:json,answer:json\n");
    assert_eq!(outside.issues.len(), 1, "{:?}", outside.issues);
    assert!(outside.issues[0].error.message().contains("\"answer:json\""));
}

#[test]
fn flat_records_take_json_columns_as_members() {
    let options = ReadOptions {
        output_keys: Some(vec!["answer".to_owned()]),
        ..by_id()
    };
    let text = "id,question,answer:json,extra:json\nq1,2+2?,4,\n";
    let outcome = read_records_bytes(text.as_bytes(), Format::Csv, &options).unwrap();
    assert!(outcome.issues.is_empty(), "{:?}", outcome.issues);
    let [(_, input, output, _)] = &contents(&outcome)[..] else {
        panic!()
    };
    assert_eq!(
        (input.as_str(), output.as_str()),
        (r#"{"question":"2+2?"}"#, r#"{"answer":4}"#)
    );
}
