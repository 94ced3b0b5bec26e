//! CSV files as spreadsheets save them: the empty rows below a table (`,,,` lines) and the
//! empty columns beside it (empty names at the header's end) are no part of any record, as
//! pandas and a spreadsheet show the table; a value in an unnamed column is refused.

use groundset_records::{Format, ReadOptions, ReadOutcome, read_records_bytes};

fn read(text: &str) -> ReadOutcome {
    let options = ReadOptions {
        id_key: Some("id".to_owned()),
        output_keys: Some(vec!["answer".to_owned()]),
        threads: Some(2),
        ..ReadOptions::default()
    };
    read_records_bytes(text.as_bytes(), Format::Csv, &options).unwrap()
}

/// (source id, content hash, line) of each record.
type Records = Vec<(String, String, usize)>;
/// (line, code, message) of each issue.
type Issues = Vec<(usize, &'static str, String)>;

fn shown(outcome: &ReadOutcome) -> (Records, Issues) {
    let records = outcome
        .records
        .iter()
        .map(|r| (r.source_id.clone(), r.content_hash.clone(), r.line))
        .collect();
    let issues = outcome
        .issues
        .iter()
        .map(|i| (i.line, i.error.code().as_str(), i.error.message().to_owned()))
        .collect();
    (records, issues)
}

#[test]
fn empty_rows_and_columns_around_a_table_are_not_read() {
    let plain = shown(&read("id,question,answer\n1,q1,a1\n2,\"q,2\",a2\n"));
    assert_eq!(plain.0.len(), 2);
    assert!(plain.1.is_empty());
    for text in [
        "id,question,answer,,\n1,q1,a1,,\n2,\"q,2\",a2,,\n,,,,\n,,,,\n",
        "id,question,answer,,\r\n1,q1,a1,,\r\n2,\"q,2\",a2\r\n,,,,\r\n\r\n",
        "id,question,answer\n1,q1,a1\n2,\"q,2\",a2\n,,\n,,",
    ] {
        assert_eq!(shown(&read(text)), plain, "{text:?}");
    }
    // Only a header, then empty rows: no records.
    let empty = read("id,question,answer,\n,,,\n");
    assert!(empty.records.is_empty() && empty.issues.is_empty());
    // Without an id key, a row of empty cells is a record of empty strings (a program writing
    // such a record means it), at the end as anywhere.
    let options = ReadOptions {
        input_keys: Some(vec!["question".to_owned()]),
        ..ReadOptions::default()
    };
    let kept = read_records_bytes(b"question,\nq1,\n,\n", Format::Csv, &options).unwrap();
    assert_eq!((kept.records.len(), kept.issues.len()), (2, 0));
}

#[test]
fn what_is_not_an_empty_margin_is_still_refused() {
    // A value in an unnamed column: the header lacks its name.
    let (records, issues) = shown(&read("id,question,answer,\n1,q1,a1,\n2,q2,a2,oops\n"));
    assert_eq!(records.len(), 1);
    assert_eq!(issues.len(), 1);
    let (line, code, message) = &issues[0];
    assert_eq!((*line, *code), (3, "field_count"));
    assert!(
        message.contains("field 4 of line 3 holds a value, but column 4 has no name"),
        "{message}"
    );
    // An empty name before a named column is still an empty name.
    let (_, issues) = shown(&read("id,,answer\n1,q,a\n"));
    assert_eq!(issues[0].1, "invalid_header");
    // A row of empty cells before the last record is a record (here without a valid id).
    let (records, issues) = shown(&read("id,question,answer\n,,\n1,q1,a1\n"));
    assert_eq!((records.len(), issues.len(), issues[0].0), (1, 1, 2));
    // A multi-line quoted cell whose lines look like empty rows is kept whole.
    let (records, issues) = shown(&read("id,question,answer\n1,\"q\n,,\n\",a\n"));
    assert_eq!((records.len(), issues.len()), (1, 0));
}
