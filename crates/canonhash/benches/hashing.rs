//! Throughput of canonicalization + SHA-256 on typical evaluation examples (about 1 KB of JSON
//! each: nested question / context / answer / metadata objects with unicode text and numbers).
//!
//! `just bench` runs it and writes the table `bench-results/canonhash.md`.

use std::hint::black_box;

use canonhash::{
    JsonlOptions, ReadOptions, hash_json_str, hash_jsonl_bytes, hash_jsonl_file, read_records_file, sha256_hex,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const TOPICS: [&str; 6] = ["physique", "历史", "biology", "géographie", "математика", "literature"];
const WORDS: [&str; 12] = [
    "the",
    "water",
    "boils",
    "at",
    "température",
    "élevée",
    "量子",
    "ñandú",
    "river",
    "Straße",
    "😀",
    "answer",
];

/// A deterministic pseudo-random example of about 1 KB, as one JSONL record.
fn example_record(index: u64) -> String {
    let mut state = index.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut sentence = |words: usize| -> String {
        (0..words)
            .map(|_| WORDS[(next() % WORDS.len() as u64) as usize])
            .collect::<Vec<_>>()
            .join(" ")
    };
    let question = sentence(14);
    let paragraphs: Vec<String> = (0..3).map(|_| format!("\"{}\"", sentence(22))).collect();
    let answer = sentence(10);
    format!(
        concat!(
            "{{\"id\":\"ex-{index}\",",
            "\"input\":{{\"question\":\"{question}?\",\"context\":{{\"paragraphs\":[{paragraphs}],",
            "\"source\":\"wiki/{topic}\",\"retrieved_at\":\"2026-11-23T10:00:00Z\"}},\"temperature\":0.7,\"max_tokens\":512}},",
            "\"output\":{{\"answer\":\"{answer}\",\"citations\":[{c1},{c2}],\"confidence\":{confidence}}},",
            "\"metadata\":{{\"topic\":\"{topic}\",\"difficulty\":{difficulty},\"tags\":[\"qa\",\"v2\",\"{topic}\"],",
            "\"reviewed\":true,\"score\":{score}}}}}"
        ),
        index = index,
        question = question,
        paragraphs = paragraphs.join(","),
        topic = TOPICS[(index % 6) as usize],
        answer = answer,
        c1 = index % 97,
        c2 = index % 13,
        confidence = (index % 1000) as f64 / 1000.0 + 0.0001,
        difficulty = index % 5,
        score = (index as f64) * 1.5e-3 - 7.25,
    )
}

fn bench_text(c: &mut Criterion) {
    let records: Vec<String> = (0..2_000).map(example_record).collect();
    let bytes: usize = records.iter().map(String::len).sum();
    let mut group = c.benchmark_group("one_thread");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("canonicalize_and_hash_text", |b| {
        b.iter(|| {
            for record in &records {
                black_box(hash_json_str(black_box(record)).unwrap());
            }
        })
    });
    let joined = records.concat();
    group.bench_function("sha256_only", |b| {
        b.iter(|| black_box(sha256_hex(black_box(joined.as_bytes()))))
    });
    group.finish();
}

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

criterion_group!(benches, bench_text, bench_jsonl, bench_jsonl_file, bench_csv_file);
criterion_main!(benches);
