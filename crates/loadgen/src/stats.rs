//! Counting while the load runs (lock-free, fixed memory, no allocation per request), and the
//! [`Report`] at the end.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use crate::mix::Endpoint;

/// Latencies are kept in microseconds, in log-linear buckets: exact below 128 µs, then 64
/// buckets per power of two (under 1.6 % of error), up to 2^40 µs (12 days). 2,240 buckets of
/// 8 bytes (18 KiB) per route, however long the run: memory is bounded.
const LINEAR: u64 = 128;
const SUB_BITS: u32 = 6;
const SUB: u64 = 1 << SUB_BITS;
const MAX_EXP: u32 = 40;
const BUCKETS: usize = (LINEAR + (MAX_EXP as u64 - 7) * SUB) as usize;

fn bucket_of(us: u64) -> usize {
    if us < LINEAR {
        return us as usize;
    }
    let us = us.min((1 << MAX_EXP) - 1);
    let exp = 63 - us.leading_zeros(); // >= 7
    let mantissa = us >> (exp - SUB_BITS); // 64..128
    (LINEAR + u64::from(exp - 7) * SUB + (mantissa - SUB)) as usize
}

/// The middle of a bucket, in microseconds.
fn bucket_value(index: usize) -> u64 {
    let i = index as u64;
    if i < LINEAR {
        return i;
    }
    let exp = (i - LINEAR) / SUB + 7;
    let mantissa = (i - LINEAR) % SUB + SUB;
    let shift = exp - u64::from(SUB_BITS);
    (mantissa << shift) + ((1 << shift) >> 1)
}

struct Histogram {
    buckets: Box<[AtomicU64]>,
    sum_us: AtomicU64,
    min_us: AtomicU64,
    max_us: AtomicU64,
}

impl Histogram {
    fn new() -> Self {
        Self {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            sum_us: AtomicU64::new(0),
            min_us: AtomicU64::new(u64::MAX),
            max_us: AtomicU64::new(0),
        }
    }

    fn record(&self, latency: Duration) {
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.buckets[bucket_of(us)].fetch_add(1, Relaxed);
        self.sum_us.fetch_add(us, Relaxed);
        self.min_us.fetch_min(us, Relaxed);
        self.max_us.fetch_max(us, Relaxed);
    }

    fn add_to(&self, counts: &mut [u64], acc: &mut LatencyAcc) {
        for (c, b) in counts.iter_mut().zip(self.buckets.iter()) {
            *c += b.load(Relaxed);
        }
        acc.sum_us += self.sum_us.load(Relaxed);
        acc.min_us = acc.min_us.min(self.min_us.load(Relaxed));
        acc.max_us = acc.max_us.max(self.max_us.load(Relaxed));
    }
}

struct LatencyAcc {
    sum_us: u64,
    min_us: u64,
    max_us: u64,
}

impl LatencyAcc {
    fn new() -> Self {
        Self {
            sum_us: 0,
            min_us: u64::MAX,
            max_us: 0,
        }
    }

    fn latency(&self, counts: &[u64]) -> Option<Latency> {
        let samples: u64 = counts.iter().sum();
        if samples == 0 {
            return None;
        }
        let clamp = |us: u64| Duration::from_micros(us.clamp(self.min_us, self.max_us));
        let quantile = |q: f64| {
            // The smallest value with at least q of the samples at or below it.
            let rank = ((q * samples as f64).ceil() as u64).clamp(1, samples);
            let mut seen = 0;
            for (i, c) in counts.iter().enumerate() {
                seen += c;
                if seen >= rank {
                    return clamp(bucket_value(i));
                }
            }
            clamp(self.max_us)
        };
        Some(Latency {
            samples,
            avg: Duration::from_micros(self.sum_us / samples),
            min: Duration::from_micros(self.min_us),
            max: Duration::from_micros(self.max_us),
            p50: quantile(0.50),
            p95: quantile(0.95),
            p99: quantile(0.99),
        })
    }
}

/// HTTP statuses are counted in a fixed table of 100..=599.
const STATUSES: usize = 500;

struct Route {
    requests: AtomicU64,
    failures: AtomicU64,
    transport_errors: AtomicU64,
    statuses: Box<[AtomicU64]>,
    latency: Histogram,
}

impl Route {
    fn new() -> Self {
        Self {
            requests: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            transport_errors: AtomicU64::new(0),
            statuses: (0..STATUSES).map(|_| AtomicU64::new(0)).collect(),
            latency: Histogram::new(),
        }
    }
}

/// How one request ended.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// An HTTP answer, with this status.
    Status(u16),
    /// No answer within the request timeout.
    Timeout,
    /// No answer: connection refused or reset, a broken body...
    Transport(String),
}

/// At most this many distinct failure descriptions are kept; more fold into one line.
const FAILURE_KINDS: usize = 32;

/// Everything counted so far, shared by every request of a run.
pub(crate) struct Recorder {
    routes: [Route; Endpoint::ALL.len()],
    dropped: AtomicU64,
    failure_kinds: Mutex<BTreeMap<(Endpoint, String), u64>>,
}

impl Recorder {
    pub(crate) fn new() -> Self {
        Self {
            routes: std::array::from_fn(|_| Route::new()),
            dropped: AtomicU64::new(0),
            failure_kinds: Mutex::new(BTreeMap::new()),
        }
    }

    /// Whether this outcome is a failure: no answer, or an answer other than 2xx, except the
    /// 409 a checkout gets when the product is sold out (the shop's documented answer to an
    /// impossible purchase, which a load that buys for long enough always meets).
    pub(crate) fn is_failure(endpoint: Endpoint, outcome: &Outcome) -> bool {
        match *outcome {
            Outcome::Status(s) => {
                !((200..300).contains(&s) || (s == 409 && endpoint == Endpoint::Checkout))
            }
            Outcome::Timeout | Outcome::Transport(_) => true,
        }
    }

    pub(crate) fn record(&self, endpoint: Endpoint, outcome: Outcome, latency: Duration) {
        let route = &self.routes[endpoint.index()];
        let failed = Self::is_failure(endpoint, &outcome);
        match outcome {
            Outcome::Status(s) => {
                route.latency.record(latency);
                if let Some(c) = usize::from(s)
                    .checked_sub(100)
                    .and_then(|i| route.statuses.get(i))
                {
                    c.fetch_add(1, Relaxed);
                }
                if failed {
                    self.failure_kind(endpoint, || format!("HTTP {s}"));
                }
            }
            Outcome::Timeout => {
                route.transport_errors.fetch_add(1, Relaxed);
                self.failure_kind(endpoint, || "timeout".to_string());
            }
            Outcome::Transport(e) => {
                route.transport_errors.fetch_add(1, Relaxed);
                self.failure_kind(endpoint, || e);
            }
        }
        if failed {
            route.failures.fetch_add(1, Relaxed);
        }
        // Last, so a snapshot never counts a request whose outcome is not counted yet.
        route.requests.fetch_add(1, Relaxed);
    }

    fn failure_kind(&self, endpoint: Endpoint, describe: impl FnOnce() -> String) {
        let mut kinds = self.failure_kinds.lock().unwrap_or_else(|e| e.into_inner());
        let mut key = (endpoint, describe());
        if !kinds.contains_key(&key) && kinds.len() >= FAILURE_KINDS {
            key.1 = "(other errors)".to_string();
        }
        *kinds.entry(key).or_insert(0) += 1;
    }

    pub(crate) fn dropped(&self) {
        self.dropped.fetch_add(1, Relaxed);
    }

    /// Requests completed and failures so far, all routes together.
    pub(crate) fn totals(&self) -> (u64, u64, u64) {
        let mut requests = 0;
        let mut failures = 0;
        for r in &self.routes {
            requests += r.requests.load(Relaxed);
            failures += r.failures.load(Relaxed);
        }
        (requests, failures, self.dropped.load(Relaxed))
    }

    pub(crate) fn report(&self, elapsed: Duration, stop: Stop, users_started: u64) -> Report {
        let secs = elapsed.as_secs_f64().max(1e-9);
        let mut all_counts = vec![0u64; BUCKETS];
        let mut all_acc = LatencyAcc::new();
        let mut all_statuses = BTreeMap::new();
        let mut endpoints = Vec::new();
        let (mut all_requests, mut all_failures, mut all_transport) = (0, 0, 0);
        for endpoint in Endpoint::ALL {
            let route = &self.routes[endpoint.index()];
            let requests = route.requests.load(Relaxed);
            if requests == 0 {
                continue;
            }
            let failures = route.failures.load(Relaxed);
            let transport_errors = route.transport_errors.load(Relaxed);
            let mut counts = vec![0u64; BUCKETS];
            let mut acc = LatencyAcc::new();
            route.latency.add_to(&mut counts, &mut acc);
            route.latency.add_to(&mut all_counts, &mut all_acc);
            let mut statuses = BTreeMap::new();
            for (i, c) in route.statuses.iter().enumerate() {
                let c = c.load(Relaxed);
                if c > 0 {
                    let status = 100 + i as u16;
                    statuses.insert(status, c);
                    *all_statuses.entry(status).or_insert(0) += c;
                }
            }
            all_requests += requests;
            all_failures += failures;
            all_transport += transport_errors;
            endpoints.push(EndpointStats {
                endpoint: Some(endpoint),
                name: endpoint.name().to_string(),
                requests,
                failures,
                rps: requests as f64 / secs,
                failures_per_second: failures as f64 / secs,
                latency: acc.latency(&counts),
                statuses,
                transport_errors,
            });
        }
        let total = EndpointStats {
            endpoint: None,
            name: "Aggregated".to_string(),
            requests: all_requests,
            failures: all_failures,
            rps: all_requests as f64 / secs,
            failures_per_second: all_failures as f64 / secs,
            latency: all_acc.latency(&all_counts),
            statuses: all_statuses,
            transport_errors: all_transport,
        };
        let failures = self
            .failure_kinds
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|((endpoint, error), count)| Failure {
                endpoint: *endpoint,
                error: error.clone(),
                count: *count,
            })
            .collect();
        Report {
            elapsed,
            stop,
            users_started,
            dropped: self.dropped.load(Relaxed),
            endpoints,
            total,
            failures,
        }
    }
}

/// Why a run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Its duration was over.
    Duration,
    /// It sent `max_requests` requests.
    MaxRequests,
    /// The caller cancelled it.
    Cancelled,
}

/// Response times of the requests that got an HTTP answer (whatever its status); requests
/// with no answer (timeouts, refused connections) are not in them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latency {
    /// How many response times these figures come from.
    pub samples: u64,
    pub avg: Duration,
    pub min: Duration,
    pub max: Duration,
    /// Percentiles, within 1.6 % (log-linear buckets).
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
}

/// The figures of one route, or of all of them together (`endpoint: None`, named
/// `Aggregated` as in Locust).
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointStats {
    pub endpoint: Option<Endpoint>,
    /// `GET /produto/{produto_id}`, or `Aggregated`.
    pub name: String,
    /// Requests sent and finished (answered, failed or timed out).
    pub requests: u64,
    /// Requests with no answer, or answered with a status other than 2xx, except the 409 a
    /// checkout gets when the product is sold out (counted in [`statuses`](Self::statuses),
    /// not as a failure).
    pub failures: u64,
    /// Requests per second over the whole run.
    pub rps: f64,
    pub failures_per_second: f64,
    /// `None` when no request got an answer.
    pub latency: Option<Latency>,
    /// Requests per HTTP status.
    pub statuses: BTreeMap<u16, u64>,
    /// Requests with no HTTP answer (timeout, connection refused or reset).
    pub transport_errors: u64,
}

/// One kind of failure and how often it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub endpoint: Endpoint,
    /// `HTTP 500`, `timeout`, or what the connection said (`Connection refused (os error 111)`).
    pub error: String,
    pub count: u64,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// From the start to the last request finished.
    pub elapsed: Duration,
    pub stop: Stop,
    /// Virtual users started ([`Mode::Users`](crate::Mode::Users); 0 for a rate).
    pub users_started: u64,
    /// Arrivals not sent because `max_in_flight` requests were in flight
    /// ([`Mode::Rate`](crate::Mode::Rate); 0 for users).
    pub dropped: u64,
    /// The routes that got requests, in [`Endpoint::ALL`] order.
    pub endpoints: Vec<EndpointStats>,
    /// All routes together.
    pub total: EndpointStats,
    /// The failures by route and kind.
    pub failures: Vec<Failure>,
}

impl Report {
    /// The figures of one route, if it got requests.
    pub fn endpoint(&self, endpoint: Endpoint) -> Option<&EndpointStats> {
        self.endpoints.iter().find(|e| e.endpoint == Some(endpoint))
    }

    /// Requests per route name (`GET /produto/{produto_id}` → 12), for comparisons.
    pub fn requests_by_endpoint(&self) -> BTreeMap<String, u64> {
        self.endpoints
            .iter()
            .map(|e| (e.name.clone(), e.requests))
            .collect()
    }

    /// A table like the one Locust prints at the end of a run (times in milliseconds), then
    /// the statuses per route and, if any, the failures.
    ///
    /// ```text
    /// Type     Name                       # reqs      # fails |     Avg       Min       Max       Med       p95       p99 |   req/s failures/s
    /// --------|-------------------------|-------|------------|-------|---------|---------|---------|---------|---------|-------|----------
    /// GET      /produto/{produto_id}          77     0(0.00%) |   11.00      6.26     16.67     10.82     15.94     16.67 |   25.57       0.00
    /// ```
    pub fn table(&self) -> String {
        // The separator has a `|` under each column boundary, like Locust's.
        let group = |widths: &[usize]| {
            widths
                .iter()
                .map(|w| "-".repeat(*w))
                .collect::<Vec<_>>()
                .join("|")
        };
        let sep = [
            group(&[8, 25, 7, 12]),
            group(&[7, 9, 9, 9, 9, 9]),
            group(&[7, 10]),
        ]
        .join("-|-");
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<8} {:<25} {:>7} {:>12} | {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} | {:>7} {:>10}",
            "Type",
            "Name",
            "# reqs",
            "# fails",
            "Avg",
            "Min",
            "Max",
            "Med",
            "p95",
            "p99",
            "req/s",
            "failures/s"
        );
        let _ = writeln!(out, "{sep}");
        let row = |out: &mut String, method: &str, name: &str, s: &EndpointStats| {
            let pct = if s.requests == 0 {
                0.0
            } else {
                100.0 * s.failures as f64 / s.requests as f64
            };
            let fails = format!("{}({pct:.2}%)", s.failures);
            let ms = |d: Option<Duration>| match d {
                Some(d) => format!("{:.2}", d.as_secs_f64() * 1000.0),
                None => "-".to_string(),
            };
            let l = s.latency.as_ref();
            let _ = writeln!(
                out,
                "{method:<8} {name:<25} {:>7} {fails:>12} | {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} | {:>7.2} {:>10.2}",
                s.requests,
                ms(l.map(|l| l.avg)),
                ms(l.map(|l| l.min)),
                ms(l.map(|l| l.max)),
                ms(l.map(|l| l.p50)),
                ms(l.map(|l| l.p95)),
                ms(l.map(|l| l.p99)),
                s.rps,
                s.failures_per_second,
            );
        };
        for s in &self.endpoints {
            let e = s.endpoint.expect("a route");
            row(&mut out, e.method(), e.route(), s);
        }
        let _ = writeln!(out, "{sep}");
        row(&mut out, "", "Aggregated", &self.total);
        let _ = writeln!(out, "(times in milliseconds)\n");
        let _ = writeln!(out, "{:<8} {:<25} Status: # reqs", "Type", "Name");
        for s in &self.endpoints {
            let e = s.endpoint.expect("a route");
            let mut statuses: Vec<String> = s
                .statuses
                .iter()
                .map(|(status, n)| format!("{status}: {n}"))
                .collect();
            if s.transport_errors > 0 {
                statuses.push(format!("no answer: {}", s.transport_errors));
            }
            let _ = writeln!(
                out,
                "{:<8} {:<25} {}",
                e.method(),
                e.route(),
                statuses.join(", ")
            );
        }
        if !self.failures.is_empty() {
            let _ = writeln!(
                out,
                "\nFailures\n{:>11}  {:<8} {:<25} Error",
                "# occur.", "Type", "Name"
            );
            for f in &self.failures {
                let _ = writeln!(
                    out,
                    "{:>11}  {:<8} {:<25} {}",
                    f.count,
                    f.endpoint.method(),
                    f.endpoint.route(),
                    f.error
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_ordered_and_close_to_their_values() {
        let mut last = 0;
        for us in (0..5_000u64).chain((5_000..100_000_000).step_by(997)) {
            let b = bucket_of(us);
            assert!(b >= last, "{us}");
            last = b;
            let v = bucket_value(b);
            assert!(
                v.abs_diff(us) as f64 <= (us as f64 / 64.0).max(0.0) + 0.5,
                "{us} -> {v}"
            );
        }
        assert!(bucket_of(u64::MAX) < BUCKETS);
    }

    #[test]
    fn percentiles_of_a_known_distribution() {
        let r = Recorder::new();
        for ms in 1..=100u64 {
            r.record(
                Endpoint::Inicio,
                Outcome::Status(200),
                Duration::from_millis(ms),
            );
        }
        r.record(
            Endpoint::Checkout,
            Outcome::Status(409),
            Duration::from_millis(5),
        );
        r.record(
            Endpoint::Checkout,
            Outcome::Status(500),
            Duration::from_millis(5),
        );
        r.record(
            Endpoint::Checkout,
            Outcome::Timeout,
            Duration::from_secs(10),
        );
        let rep = r.report(Duration::from_secs(10), Stop::Duration, 1);
        let l = rep.endpoint(Endpoint::Inicio).unwrap().latency.unwrap();
        let near = |d: Duration, ms: f64| (d.as_secs_f64() * 1000.0 - ms).abs() <= ms / 60.0;
        assert!(near(l.p50, 50.0), "{l:?}");
        assert!(near(l.p95, 95.0), "{l:?}");
        assert!(near(l.p99, 99.0), "{l:?}");
        assert_eq!(l.min, Duration::from_millis(1));
        assert_eq!(l.max, Duration::from_millis(100));
        let c = rep.endpoint(Endpoint::Checkout).unwrap();
        assert_eq!((c.requests, c.failures, c.transport_errors), (3, 2, 1));
        assert_eq!(c.latency.unwrap().samples, 2);
        assert_eq!(rep.total.requests, 103);
        assert_eq!(rep.total.rps, 10.3);
        let table = rep.table();
        assert!(table.contains("POST     /checkout"), "{table}");
        assert!(table.contains("409: 1, 500: 1, no answer: 1"), "{table}");
        assert!(table.contains("timeout"), "{table}");
    }
}
