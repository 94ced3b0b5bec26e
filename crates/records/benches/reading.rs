//! Throughput of the record reader on files of typical evaluation examples (the examples of
//! canonhash's `hashing` benchmark): a JSONL batch in memory, a 128 MB JSONL file and a
//! 100,000-row CSV file, on one and two threads.
//!
//! `just bench-core` runs it with canonhash's and writes the table `bench-results/canonhash.md`.

#[path = "../../canonhash/benches/common/mod.rs"]
mod common;

use std::hint::black_box;

use common::example_record;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use groundset_records::{JsonlOptions, ReadOptions, hash_jsonl_bytes, hash_jsonl_file, read_records_file};

fn bench_jsonl(c: &mut Criterion) {
    let data: String = (0..40_000).map(|i| example_record(i) + "\n").collect();
    let mut group = c.benchmark_group("jsonl_batch");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.sample_size(20);
    for threads in [1, 2] {
        let options = JsonlOptions {
            id_key: "id".to_owned(),
            threads: Some(threads),
        };
        group.bench_function(format!("threads_{threads}"), |b| {
            b.iter(|| {
                let results = hash_jsonl_bytes(black_box(data.as_bytes()), &options).unwrap();
                assert!(results.iter().all(Result::is_ok));
                black_box(results)
            })
        });
    }
    group.finish();
}

/// A JSONL file of about 128 MB in the temporary folder, read from disk as `groundset hash` does.
fn jsonl_file() -> (std::path::PathBuf, u64) {
    let path = std::env::temp_dir().join(format!("canonhash-bench-{}.jsonl", std::process::id()));
    let mut data = String::with_capacity(130 << 20);
    let mut index = 0;
    while data.len() < 128 << 20 {
        data.push_str(&example_record(index));
        data.push('\n');
        index += 1;
    }
    std::fs::write(&path, &data).expect("write the bench file");
    (path, data.len() as u64)
}

fn bench_jsonl_file(c: &mut Criterion) {
    let (path, bytes) = jsonl_file();
    let mut group = c.benchmark_group("jsonl_file");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(10);
    let options = JsonlOptions {
        id_key: "id".to_owned(),
        threads: Some(2),
    };
    group.bench_function("hash_jsonl_file_threads_2", |b| {
        b.iter(|| black_box(hash_jsonl_file(&path, &options).unwrap()))
    });
    let read_options = ReadOptions {
        id_key: Some("id".to_owned()),
        threads: Some(2),
        ..ReadOptions::default()
    };
    group.bench_function("read_records_file_threads_2", |b| {
        b.iter(|| {
            let outcome = read_records_file(&path, &read_options).unwrap();
            assert!(outcome.issues.is_empty());
            black_box(outcome)
        })
    });
    group.finish();
    std::fs::remove_file(&path).ok();
}

/// A CSV file of 100,000 rows (about 64 MB: id, a question, a three-paragraph context, an
/// answer, a topic). `CANONHASH_BENCH_CSV=path` keeps it there, to time other readers on it.
fn csv_file() -> (std::path::PathBuf, bool, u64) {
    let kept = std::env::var_os("CANONHASH_BENCH_CSV");
    let path = kept.clone().map_or_else(
        || std::env::temp_dir().join(format!("canonhash-bench-{}.csv", std::process::id())),
        std::path::PathBuf::from,
    );
    let mut writer = csv::Writer::from_path(&path).expect("create the bench CSV");
    writer
        .write_record([
            "id",
            "input.question",
            "input.context",
            "output.answer",
            "metadata.topic",
        ])
        .unwrap();
    for index in 0..100_000u64 {
        let record: serde_json::Value = serde_json::from_str(&example_record(index)).unwrap();
        let text = |pointer: &str| record.pointer(pointer).unwrap().as_str().unwrap().to_owned();
        let context = record.pointer("/input/context/paragraphs").unwrap().as_array().unwrap();
        let context: Vec<&str> = context.iter().map(|p| p.as_str().unwrap()).collect();
        writer
            .write_record([
                text("/id"),
                text("/input/question"),
                context.join("\n\n"),
                text("/output/answer"),
                text("/metadata/topic"),
            ])
            .unwrap();
    }
    writer.flush().unwrap();
    let bytes = std::fs::metadata(&path).unwrap().len();
    (path, kept.is_some(), bytes)
}

fn bench_csv_file(c: &mut Criterion) {
    let (path, keep, bytes) = csv_file();
    let mut group = c.benchmark_group("csv_file_100k_rows");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(10);
    for threads in [1, 2] {
        let options = ReadOptions {
            id_key: Some("id".to_owned()),
            threads: Some(threads),
            ..ReadOptions::default()
        };
        group.bench_function(format!("read_records_file_threads_{threads}"), |b| {
            b.iter(|| {
                let outcome = read_records_file(&path, &options).unwrap();
                assert_eq!((outcome.records.len(), outcome.issues.len()), (100_000, 0));
                black_box(outcome)
            })
        });
    }
    group.finish();
    if !keep {
        std::fs::remove_file(&path).ok();
    }
}

criterion_group!(benches, bench_jsonl, bench_jsonl_file, bench_csv_file);
criterion_main!(benches);
