//! Throughput of canonicalization + SHA-256 on typical evaluation examples (about 1 KB of JSON
//! each: nested question / context / answer / metadata objects with unicode text and numbers).
//! The file readers' benchmarks are `crates/records/benches/reading.rs`.
//!
//! `just bench-core` runs both and writes the table `bench-results/canonhash.md`.

mod common;

use std::hint::black_box;

use canonhash::{hash_json_str, sha256_hex};
use common::example_record;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

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

criterion_group!(benches, bench_text);
criterion_main!(benches);
