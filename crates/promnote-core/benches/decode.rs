//! Decode + pivot throughput on `query_range` answers of 1, 10 and 100 MB (native).
//! The same work is measured in the browser by `dev/bench` through the app's bench hook.

#![allow(missing_docs, reason = "criterion_group! generates an undocumented public function")]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use promnote_core::data::synthetic::{decode_and_pivot, matrix_answer, shape_for_bytes};

fn decode_pivot(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode+pivot");
    for megabytes in [1usize, 10, 100] {
        let (series, points) = shape_for_bytes(megabytes * 1_000_000);
        let body = matrix_answer(series, points, 1_790_000_000, 3600);
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.sample_size(if megabytes >= 100 { 10 } else { 20 });
        group.bench_with_input(BenchmarkId::from_parameter(format!("{megabytes}MB")), &body, |b, body| {
            b.iter(|| decode_and_pivot(body).map(std::hint::black_box))
        });
    }
    group.finish();
}

criterion_group!(benches, decode_pivot);
criterion_main!(benches);
