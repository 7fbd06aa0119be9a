use std::thread;
use std::time::{Duration, Instant};

use prometheus::core::Collector;
use prometheus::proto::MetricType;
use prometheus::{Registry, TextEncoder};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;

const QS: [f64; 5] = [0.5, 0.75, 0.9, 0.99, 0.999];

fn uniform(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n).map(|_| rng.random::<f64>()).collect()
}

/// Exponential with mean 1 (inverse CDF), a skewed, long-tailed distribution.
fn exponential(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n).map(|_| -(1.0 - rng.random::<f64>()).ln()).collect()
}

/// Reference: textbook nearest-rank quantile of the full data set.
fn exact_quantile(data: &[f64], q: f64) -> f64 {
    let mut sorted = data.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = (q * sorted.len() as f64).ceil() as usize; // 1-based
    sorted[rank.max(1) - 1]
}

/// Fraction of `data` that is <= `value` (the empirical CDF at `value`).
fn rank_of(data: &[f64], value: f64) -> f64 {
    data.iter().filter(|&&x| x <= value).count() as f64 / data.len() as f64
}

fn summary(window: Duration, t0: Instant) -> Summary {
    Summary::new_at("test_summary", "help", &QS, window, t0).unwrap()
}

fn encode(registry: &Registry) -> String {
    let mut text = String::new();
    TextEncoder::new()
        .encode_utf8(&registry.gather(), &mut text)
        .unwrap();
    text
}

// ---------------------------------------------------------------- accuracy

/// 10 000 values spread over the 5 sub-windows (2 000 each, under the cap): the
/// quantiles must equal the exact nearest-rank quantiles of the data, bit for bit.
#[test]
fn exact_quantiles_below_the_cap() {
    let window = Duration::from_secs(60);
    for (name, data) in [
        ("uniform", uniform(10_000, 1)),
        ("exponential", exponential(10_000, 2)),
    ] {
        let t0 = Instant::now();
        let s = summary(window, t0);
        // One value every 6 ms: 2 000 per 12 s sub-window, 0 .. 59.994 s.
        let step = Duration::from_millis(6);
        for (i, &v) in data.iter().enumerate() {
            s.observe_at(v, t0 + step * i as u32);
        }
        let now = t0 + step * (data.len() as u32 - 1);
        assert!(s.lock().buckets.iter().all(|b| b.seen == 2_000), "{name}");

        let got = s.quantiles_at(now);
        assert_eq!(got.len(), QS.len());
        for (&q, &(gq, gv)) in QS.iter().zip(&got) {
            assert_eq!(gq, q);
            assert_eq!(gv, exact_quantile(&data, q), "{name} q={q}");
        }
        assert_eq!(s.count(), 10_000);
        let expected_sum: f64 = data.iter().sum();
        assert!(
            (s.sum() - expected_sum).abs() < 1e-9 * expected_sum,
            "{name}"
        );
    }
}

/// 100 000 values in a single sub-window (cap 4 096 hit, 4 % kept): each quantile
/// estimate must sit within 0.02 of the requested rank in the full data.
#[test]
fn reservoir_estimate_within_two_percent_of_rank() {
    for (name, data) in [
        ("uniform", uniform(100_000, 3)),
        ("exponential", exponential(100_000, 4)),
    ] {
        let t0 = Instant::now();
        let s = summary(Duration::from_secs(60), t0);
        for &v in &data {
            s.observe_at(v, t0);
        }
        let state = s.lock();
        assert_eq!(state.buckets[0].samples.len(), MAX_SAMPLES_PER_SUB_WINDOW);
        assert_eq!(state.buckets[0].seen, 100_000);
        drop(state);

        for (q, v) in s.quantiles_at(t0) {
            let rank = rank_of(&data, v);
            assert!(
                (rank - q).abs() <= 0.02,
                "{name} q={q}: estimate {v} has rank {rank}"
            );
        }
        assert_eq!(s.count(), 100_000);
    }
}

/// Same with the cap hit in every sub-window (20 000 values each).
#[test]
fn reservoir_estimate_across_full_sub_windows() {
    let data = exponential(100_000, 5);
    let t0 = Instant::now();
    let window = Duration::from_secs(10);
    let s = summary(window, t0);
    let step = Duration::from_micros(100); // 20 000 per 2 s sub-window, 0 .. 9.9999 s
    for (i, &v) in data.iter().enumerate() {
        s.observe_at(v, t0 + step * i as u32);
    }
    let now = t0 + step * (data.len() as u32 - 1);
    assert!(s.lock().buckets.iter().all(|b| b.seen == 20_000));
    for (q, v) in s.quantiles_at(now) {
        let rank = rank_of(&data, v);
        assert!(
            (rank - q).abs() <= 0.02,
            "q={q}: estimate {v} has rank {rank}"
        );
    }
}

/// A busy sub-window (40 000 × 1.0, capped at 4 096) and a quiet one (4 000 × 2.0):
/// unweighted, the 2.0s would look like ~49 % of the data; weighted they are 9 %.
#[test]
fn capped_sub_windows_keep_their_weight() {
    let t0 = Instant::now();
    let window = Duration::from_secs(5); // sub-windows of 1 s
    let s = Summary::new_at("w", "help", &[0.5, 0.8, 0.9, 0.95], window, t0).unwrap();
    for _ in 0..40_000 {
        s.observe_at(1.0, t0);
    }
    let t1 = t0 + Duration::from_millis(1_500);
    for _ in 0..4_000 {
        s.observe_at(2.0, t1);
    }
    // 0.9 * 44 000 = 39 600 <= 40 000 -> 1.0 ; 0.95 * 44 000 = 41 800 > 40 000 -> 2.0
    assert_eq!(
        s.quantiles_at(t1),
        vec![(0.5, 1.0), (0.8, 1.0), (0.9, 1.0), (0.95, 2.0)]
    );
}

// ---------------------------------------------------------------- encoding

#[test]
fn text_encoding_has_quantiles_sum_and_count() {
    let s = Summary::new(
        "x",
        "Test summary.",
        &[0.5, 0.9, 0.99],
        Duration::from_secs(60),
    )
    .unwrap();
    let registry = Registry::new();
    registry.register(Box::new(s.clone())).unwrap();
    for v in 1..=100 {
        s.observe(f64::from(v));
    }
    let text = encode(&registry);
    let expected = "# HELP x Test summary.\n\
                    # TYPE x summary\n\
                    x{quantile=\"0.5\"} 50\n\
                    x{quantile=\"0.9\"} 90\n\
                    x{quantile=\"0.99\"} 99\n\
                    x_sum 5050\n\
                    x_count 100\n";
    assert_eq!(text, expected);

    // Registering the same summary twice is refused by the registry.
    assert!(matches!(
        registry.register(Box::new(s.clone())),
        Err(prometheus::Error::AlreadyReg)
    ));
}

#[test]
fn empty_window_is_encoded_as_nan() {
    let s = Summary::new(
        "empty",
        "No data yet.",
        &[0.5, 0.99],
        Duration::from_secs(60),
    )
    .unwrap();
    let registry = Registry::new();
    registry.register(Box::new(s)).unwrap();
    let text = encode(&registry);
    assert!(text.contains("# TYPE empty summary\n"), "{text}");
    assert!(text.contains("empty{quantile=\"0.5\"} NaN\n"), "{text}");
    assert!(text.contains("empty{quantile=\"0.99\"} NaN\n"), "{text}");
    assert!(text.contains("empty_sum 0\n"), "{text}");
    assert!(text.contains("empty_count 0\n"), "{text}");
}

#[test]
fn collect_returns_one_summary_family() {
    let s = Summary::new("fam", "Family.", &[0.25, 0.75], Duration::from_secs(60)).unwrap();
    for v in [4.0, 1.0, 3.0, 2.0] {
        s.observe(v);
    }
    assert_eq!(s.desc().len(), 1);
    assert_eq!(s.desc()[0].fq_name, "fam");

    let families = s.collect();
    assert_eq!(families.len(), 1);
    let family = &families[0];
    assert_eq!(family.name(), "fam");
    assert_eq!(family.help(), "Family.");
    assert_eq!(family.get_field_type(), MetricType::SUMMARY);
    assert_eq!(family.get_metric().len(), 1);
    let proto = family.get_metric()[0].get_summary();
    assert_eq!(proto.sample_count(), 4);
    assert_eq!(proto.sample_sum(), 10.0);
    let quantiles: Vec<(f64, f64)> = proto
        .get_quantile()
        .iter()
        .map(|q| (q.quantile(), q.value()))
        .collect();
    assert_eq!(quantiles, vec![(0.25, 1.0), (0.75, 3.0)]);
    assert_eq!(quantiles, s.quantiles());
}

// ---------------------------------------------------------------- window

/// Real clock: 200 ms window (5 × 40 ms). Sleeps 2 × 300 ms in total.
#[test]
fn old_observations_age_out_but_count_and_sum_do_not() {
    let s = Summary::new("win", "help", &[0.5, 0.99], Duration::from_millis(200)).unwrap();
    for _ in 0..100 {
        s.observe(10.0);
    }
    assert_eq!(s.quantiles(), vec![(0.5, 10.0), (0.99, 10.0)]);

    thread::sleep(Duration::from_millis(300));
    for _ in 0..50 {
        s.observe(1.0);
    }
    assert_eq!(s.quantiles(), vec![(0.5, 1.0), (0.99, 1.0)]);
    assert_eq!(s.count(), 150);
    assert_eq!(s.sum(), 1050.0);

    thread::sleep(Duration::from_millis(300));
    for (_, v) in s.quantiles() {
        assert!(v.is_nan(), "window should be empty, got {v}");
    }
    assert_eq!(s.count(), 150);
    assert_eq!(s.sum(), 1050.0);
}

/// Synthetic clock: a value stays exactly until its sub-window is the oldest one
/// rotated out, then disappears; newer values stay.
#[test]
fn sub_windows_rotate_at_exact_boundaries() {
    let t0 = Instant::now();
    let window = Duration::from_secs(5); // sub-windows of 1 s
    let s = Summary::new_at("r", "help", &[0.5, 0.99], window, t0).unwrap();
    let nan = |v: &[(f64, f64)]| v.iter().all(|(_, x)| x.is_nan());

    assert!(nan(&s.quantiles_at(t0)));
    s.observe_at(100.0, t0 + Duration::from_millis(999)); // sub-window [0 s, 1 s)
    s.observe_at(1.0, t0 + Duration::from_millis(1_000)); // sub-window [1 s, 2 s)
    assert_eq!(
        s.quantiles_at(t0 + Duration::from_millis(1_000)),
        vec![(0.5, 1.0), (0.99, 100.0)]
    );
    // Last instant at which the first sub-window is still inside the window.
    assert_eq!(
        s.quantiles_at(t0 + Duration::from_nanos(4_999_999_999)),
        vec![(0.5, 1.0), (0.99, 100.0)]
    );
    // At 5 s the ring wraps around: [0 s, 1 s) is dropped, [1 s, 2 s) is kept.
    assert_eq!(
        s.quantiles_at(t0 + Duration::from_secs(5)),
        vec![(0.5, 1.0), (0.99, 1.0)]
    );
    assert!(nan(&s.quantiles_at(t0 + Duration::from_secs(6))));

    // A long idle period (an hour) empties everything and keeps the ring aligned.
    let later = t0 + Duration::from_secs(3_600) + Duration::from_millis(500);
    assert!(nan(&s.quantiles_at(later)));
    s.observe_at(7.0, later);
    assert_eq!(
        s.quantiles_at(t0 + Duration::from_nanos(3_604_999_999_999)),
        vec![(0.5, 7.0), (0.99, 7.0)]
    );
    assert!(nan(&s.quantiles_at(t0 + Duration::from_secs(3_605))));
    assert_eq!(s.count(), 3);
    assert_eq!(s.sum(), 108.0);

    // Time going backwards (not possible with Instant, but be safe) changes nothing.
    assert!(nan(&s.quantiles_at(t0)));
}

// ---------------------------------------------------------------- validation

#[test]
fn invalid_arguments_are_rejected() {
    let minute = Duration::from_secs(60);
    let msg = |r: prometheus::Result<Summary>| match r {
        Err(prometheus::Error::Msg(m)) => m,
        other => panic!("expected Error::Msg, got {other:?}"),
    };
    assert!(msg(Summary::new("s", "h", &[0.0], minute)).contains("quantile 0 "));
    assert!(msg(Summary::new("s", "h", &[1.0], minute)).contains("quantile 1 "));
    assert!(msg(Summary::new("s", "h", &[1.5], minute)).contains("quantile 1.5 "));
    assert!(msg(Summary::new("s", "h", &[-0.5], minute)).contains("quantile -0.5 "));
    assert!(msg(Summary::new("s", "h", &[f64::NAN], minute)).contains("quantile NaN "));
    assert!(msg(Summary::new("s", "h", &[0.5, 0.9, 0.5], minute)).contains("more than once"));
    assert!(msg(Summary::new("s", "h", &[0.5], Duration::ZERO)).contains("window"));
    assert!(msg(Summary::new("9lives", "h", &[0.5], minute)).contains("not a valid metric name"));
    assert!(
        msg(Summary::new("has space", "h", &[0.5], minute)).contains("not a valid metric name")
    );
    assert!(msg(Summary::new("s", "", &[0.5], minute)).contains("help"));

    // Valid edge cases: no quantiles at all (count and sum only), a 1 ns window.
    let s = Summary::new("ok", "h", &[], minute).unwrap();
    s.observe(1.0);
    assert!(s.quantiles().is_empty());
    let tiny = Summary::new("tiny", "h", &[0.5], Duration::from_nanos(1)).unwrap();
    tiny.observe(1.0);
    assert_eq!(tiny.count(), 1);
}

#[test]
fn nan_is_ignored_and_infinities_are_kept() {
    let s = Summary::new("n", "h", &[0.5, 0.99], Duration::from_secs(60)).unwrap();
    s.observe(f64::NAN);
    assert_eq!(s.count(), 0);
    assert!(s.quantiles().iter().all(|(_, v)| v.is_nan()));
    for v in [1.0, 2.0, f64::INFINITY] {
        s.observe(v);
    }
    s.observe(f64::NAN);
    assert_eq!(s.count(), 3);
    assert_eq!(s.sum(), f64::INFINITY);
    assert_eq!(s.quantiles(), vec![(0.5, 2.0), (0.99, f64::INFINITY)]);
}

// ---------------------------------------------------------------- concurrency, timer

#[test]
fn concurrent_observers_are_all_counted() {
    const THREADS: usize = 4;
    const PER_THREAD: usize = 25_000;
    let s = Summary::new("c", "h", &[0.5, 0.99], Duration::from_secs(60)).unwrap();
    thread::scope(|scope| {
        for t in 0..THREADS {
            let s = s.clone();
            scope.spawn(move || {
                for i in 0..PER_THREAD {
                    s.observe((t * PER_THREAD + i) as f64);
                }
            });
        }
        // A scraper running at the same time.
        let s = s.clone();
        scope.spawn(move || {
            for _ in 0..20 {
                let families = s.collect();
                assert_eq!(families[0].get_metric().len(), 1);
            }
        });
    });
    let n = THREADS * PER_THREAD;
    assert_eq!(s.count(), n as u64);
    assert_eq!(s.sum(), (n * (n - 1) / 2) as f64); // exact: all partial sums < 2^53
    let total_seen: u64 = s.lock().buckets.iter().map(|b| b.seen).sum();
    assert_eq!(total_seen, n as u64);
}

#[test]
fn timer_observes_once() {
    let s = Summary::new("t", "h", &[0.5], Duration::from_secs(60)).unwrap();

    let timer = s.start_timer();
    thread::sleep(Duration::from_millis(20));
    let elapsed = timer.observe_duration();
    assert!(elapsed >= 0.02, "{elapsed}");
    assert_eq!(s.count(), 1);
    assert_eq!(s.sum(), elapsed);

    {
        let _timer = s.start_timer();
    }
    assert_eq!(s.count(), 2);

    let discarded = s.start_timer().stop_and_discard();
    assert!(discarded >= 0.0);
    assert_eq!(s.count(), 2);

    let recorded = s.start_timer().stop_and_record();
    assert!(recorded >= 0.0);
    assert_eq!(s.count(), 3);
}

#[test]
fn summary_is_send_sync_and_debug_is_short() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Summary>();
    let s = Summary::new("d", "h", &[0.5], Duration::from_secs(60)).unwrap();
    for v in 0..10_000 {
        s.observe(f64::from(v));
    }
    let debug = format!("{s:?}");
    assert!(
        debug.contains("\"d\"") && debug.contains("count: 10000"),
        "{debug}"
    );
    assert!(debug.len() < 200, "{debug}");
}
