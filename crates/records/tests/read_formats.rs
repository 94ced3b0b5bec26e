//! The same generated records written as JSONL, as JSON and as CSV (dotted headers, string
//! values) read to the same source ids and content hashes.

use groundset_records::{Format, ReadOptions, read_records_bytes};
use proptest::collection::{btree_set, vec};
use proptest::prelude::*;

/// Column names (no dots), and for each record its id and the values of every column.
#[derive(Debug, Clone)]
struct Table {
    input_keys: Vec<String>,
    output_keys: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
}

fn cell() -> impl Strategy<Value = String> {
    // Commas, quotes, CR, LF and non-ASCII text, which CSV must quote and keep.
    prop_oneof![
        "[a-z ]{0,12}",
        "[\"',\r\n a-zé😀]{0,16}",
        any::<String>().prop_map(|s| s.chars().take(20).collect()),
    ]
}

fn table() -> impl Strategy<Value = Table> {
    (btree_set("[a-z_]{1,6}", 1..4), btree_set("[a-z_]{1,6}", 0..3))
        .prop_flat_map(|(input, output)| {
            let input: Vec<String> = input.into_iter().collect();
            let output: Vec<String> = output.into_iter().collect();
            let width = input.len() + output.len();
            (Just(input), Just(output), vec(vec(cell(), width), 0..12))
        })
        .prop_map(|(input_keys, output_keys, cells)| Table {
            input_keys,
            output_keys,
            rows: cells
                .into_iter()
                .enumerate()
                .map(|(i, values)| (format!("r{i}"), values))
                .collect(),
        })
}

fn record(table: &Table, id: &str, values: &[String]) -> serde_json::Value {
    let (input, output) = values.split_at(table.input_keys.len());
    let object = |keys: &[String], values: &[String]| -> serde_json::Map<String, serde_json::Value> {
        keys.iter()
            .cloned()
            .zip(values.iter().cloned().map(serde_json::Value::String))
            .collect()
    };
    serde_json::json!({"id": id, "input": object(&table.input_keys, input), "output": object(&table.output_keys, output)})
}

fn as_csv(table: &Table) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = std::iter::once("id".to_owned())
        .chain(table.input_keys.iter().map(|k| format!("input.{k}")))
        .chain(table.output_keys.iter().map(|k| format!("output.{k}")));
    writer.write_record(header).unwrap();
    for (id, values) in &table.rows {
        writer.write_record(std::iter::once(id).chain(values)).unwrap();
    }
    writer.into_inner().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn jsonl_json_and_csv_agree(table in table()) {
        let records: Vec<serde_json::Value> = table.rows.iter().map(|(id, values)| record(&table, id, values)).collect();
        let jsonl: String = records.iter().map(|r| format!("{r}\n")).collect();
        let json = serde_json::to_string_pretty(&records).unwrap();
        let csv = as_csv(&table);
        let options = ReadOptions { id_key: Some("id".to_owned()), threads: Some(2), ..ReadOptions::default() };
        let pairs = |data: &[u8], format| {
            let outcome = read_records_bytes(data, format, &options).unwrap();
            prop_assert!(outcome.issues.is_empty(), "{:?}: {:?}", format, outcome.issues);
            Ok(outcome.records.into_iter().map(|r| (r.index, r.source_id, r.content_hash)).collect::<Vec<_>>())
        };
        let from_jsonl = pairs(jsonl.as_bytes(), Format::Jsonl)?;
        prop_assert_eq!(from_jsonl.len(), table.rows.len());
        prop_assert_eq!(&pairs(json.as_bytes(), Format::Json)?, &from_jsonl);
        prop_assert_eq!(&pairs(&csv, Format::Csv)?, &from_jsonl);
    }
}
