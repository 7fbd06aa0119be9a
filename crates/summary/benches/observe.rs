//! Cost of `Summary::observe` and `Summary::collect`, with `prometheus::Histogram`
//! (default buckets) measured in the same run as the baseline.
//!
//! `cargo bench -p summary` (add `-- --quick` for a short run).

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use prometheus::core::Collector;
use prometheus::{Histogram, HistogramOpts};
use summary::{AGE_BUCKETS, MAX_SAMPLES_PER_SUB_WINDOW, Summary};

const QUANTILES: [f64; 3] = [0.5, 0.9, 0.99];

/// Pseudo-random latencies in seconds (deterministic, no allocation, no RNG crate).
fn values() -> impl FnMut() -> f64 {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64 * 2.5
    }
}

fn observe(c: &mut Criterion) {
    let mut group = c.benchmark_group("observe");

    let histogram = Histogram::with_opts(HistogramOpts::new("h", "help")).unwrap();
    let mut next = values();
    group.bench_function("histogram_default_buckets", |b| {
        b.iter(|| histogram.observe(black_box(next())))
    });

    // 60 s window: after the first 4 096 calls every observe takes the reservoir path.
    let summary = Summary::new("s", "help", &QUANTILES, Duration::from_secs(60)).unwrap();
    let mut next = values();
    group.bench_function("summary", |b| b.iter(|| summary.observe(black_box(next()))));

    group.finish();
}

fn collect(c: &mut Criterion) {
    let mut group = c.benchmark_group("collect");

    let histogram = Histogram::with_opts(HistogramOpts::new("h", "help")).unwrap();
    let mut next = values();
    for _ in 0..100_000 {
        histogram.observe(next());
    }
    group.bench_function("histogram_default_buckets", |b| {
        b.iter(|| black_box(histogram.collect()))
    });

    // One sub-window at the cap: 4 096 samples to sort.
    let summary = Summary::new("s", "help", &QUANTILES, Duration::from_secs(60)).unwrap();
    let mut next = values();
    for _ in 0..100_000 {
        summary.observe(next());
    }
    group.bench_function("summary_4096_samples", |b| {
        b.iter(|| black_box(summary.collect()))
    });

    // Full window: every sub-window at the cap (5 × 4 096 samples), the worst case.
    // Sub-windows only fill as time passes, so a short window (100 ms) is kept full
    // by a background thread observing 2 000 values per millisecond.
    let full = Summary::new("f", "help", &QUANTILES, Duration::from_millis(100)).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let feeder = {
        let (full, stop) = (full.clone(), Arc::clone(&stop));
        thread::spawn(move || {
            let mut next = values();
            while !stop.load(Ordering::Relaxed) {
                for _ in 0..2_000 {
                    full.observe(next());
                }
                thread::sleep(Duration::from_millis(1));
            }
        })
    };
    thread::sleep(Duration::from_millis(150));
    println!(
        "full window: up to {} samples",
        AGE_BUCKETS * MAX_SAMPLES_PER_SUB_WINDOW
    );
    group.bench_function("summary_full_window", |b| {
        b.iter(|| black_box(full.collect()))
    });
    stop.store(true, Ordering::Relaxed);
    feeder.join().unwrap();

    group.finish();
}

criterion_group!(benches, observe, collect);
criterion_main!(benches);
