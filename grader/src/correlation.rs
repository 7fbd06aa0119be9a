//! The correlation report of a load run (`grader load --report DIR`): what Prometheus saw
//! while the load ran, as PNG charts and one HTML page, in place of the roteiro's
//! screenshots. Users, requests per second, P50/P95/P99 latency and the error rate over
//! time, and latency against users; for a stepped run (`--steps`), a table with each step's
//! readings, also written as `degraus.csv`.
//!
//! With `--repeat N` each step is measured N times, in consecutive windows of `--duration`
//! after a discarded warm-up ([`Window`]); the table then gives, per step, the mean, the
//! standard deviation and the 95 % Student-t interval ([`Estimate`]) of the throughput, the
//! P95 and the payment gateway's utilisation, and checks two operational laws ([`StepStats`]):
//! Little's law (N = X·R) and the utilisation law (U = X·S).
//!
//! Every figure comes from Prometheus (range queries over the run, and instant queries at the
//! end of each step over the step's own length), restricted to the app's target by its port,
//! so the report shows what a dashboard would, not what the load generator measured itself.
//! The words of the charts and the page are in Portuguese, the course's language.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::html::esc;
use crate::lang::{Text, both};
use crate::prometheus::QueryApi;

/// One step of a stepped run: `users` from `start` to `end` (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    pub users: u64,
    pub start: f64,
    pub end: f64,
}

/// What Prometheus measured over one step.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub users: u64,
    /// When the step ended (Unix seconds): the instant it was read at.
    pub end: f64,
    pub rps: f64,
    /// Share of requests answered 5xx, 0 to 1.
    pub errors: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    /// Route template → P95 in seconds.
    pub p95_by_endpoint: BTreeMap<String, f64>,
    /// The payment gateway's connections in use over the step, on average, as a share of its
    /// capacity; `None` when the app does not expose them.
    pub saturation: Option<f64>,
}

/// One measured repetition of a step (`grader load --repeat`): its window in Unix seconds
/// and, when the load generator measured it, the mean number of requests in flight over it
/// (the time integral of its in-flight count over the window, divided by the window's
/// length).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub start: f64,
    pub end: f64,
    pub in_flight: Option<f64>,
}

/// The `repeat` consecutive windows of `len` seconds from `from` (Unix seconds) that a run
/// ending at `end` finished (all of them, unless it was interrupted), each with its mean
/// requests in flight from the load generator's `samples`.
pub fn windows(from: f64, len: f64, repeat: u32, end: f64, samples: &[(f64, f64)]) -> Vec<Window> {
    (0..repeat)
        .map(|k| {
            let start = from + len * f64::from(k);
            let end = start + len;
            Window {
                start,
                end,
                in_flight: crate::workload::mean_in_flight(samples, start, end),
            }
        })
        .filter(|w| w.end <= end)
        .collect()
}

/// The sample mean of a few measurements, their sample standard deviation (n − 1 in the
/// denominator) and the 95 % confidence interval of the mean,
/// `mean ± t(0.975; n − 1) · sd / √n`. With one measurement there is no spread to estimate,
/// so `sd` and `ci95` are `None`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub n: usize,
    pub mean: f64,
    pub sd: Option<f64>,
    pub ci95: Option<(f64, f64)>,
}

/// The estimate of the finite values among `values`; `None` when there is none.
pub fn estimate(values: &[f64]) -> Option<Estimate> {
    let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    let n = v.len();
    if n == 0 {
        return None;
    }
    let mean = v.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return Some(Estimate {
            n,
            mean,
            sd: None,
            ci95: None,
        });
    }
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let sd = var.sqrt();
    let half = t975(n - 1) * sd / (n as f64).sqrt();
    Some(Estimate {
        n,
        mean,
        sd: Some(sd),
        ci95: Some((mean - half, mean + half)),
    })
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom: the factor of a two-sided
/// 95 % interval. Tabulated to 30 (the repetitions of a load test are few), then the
/// Cornish–Fisher expansion around the normal's 1.959964, within 0.001 of the exact value
/// from 31 on.
pub fn t975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => TABLE[df - 1],
        _ => {
            let z: f64 = 1.959_964;
            let n = df as f64;
            let g1 = (z.powi(3) + z) / 4.0;
            let g2 = (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / 96.0;
            let g3 = (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / 384.0;
            z + g1 / n + g2 / n.powi(2) + g3 / n.powi(3)
        }
    }
}

/// What Prometheus (and the load generator) measured over one window of a step.
#[derive(Debug, Clone, Copy, PartialEq)]
struct WindowReading {
    /// Requests per second (all routes but `/metrics`).
    rps: f64,
    p95: f64,
    /// Mean response time, seconds: the histogram's `_sum` over its `_count`.
    mean_latency: f64,
    /// Busy gateway connection-seconds per second (the busy counter's increase per second).
    busy: Option<f64>,
    /// The gateway's connections.
    capacity: Option<f64>,
    /// Checkouts answered per second: each held a gateway connection once.
    checkouts: f64,
    /// Mean requests in flight, from the load generator.
    in_flight: Option<f64>,
    /// The window's length, seconds.
    len: f64,
}

impl WindowReading {
    /// Utilisation per connection, 0 to 1: busy connection-seconds per second over capacity.
    fn utilisation(&self) -> Option<f64> {
        match (self.busy, self.capacity) {
            (Some(b), Some(c)) if c > 0.0 => Some(b / c),
            _ => None,
        }
    }
}

/// One step's statistics over its repetitions, and its operational-law checks.
#[derive(Debug, Clone, PartialEq)]
pub struct StepStats {
    pub users: u64,
    /// Windows measured.
    pub repetitions: usize,
    /// Throughput, requests per second.
    pub rps: Option<Estimate>,
    /// P95 latency, seconds.
    pub p95: Option<Estimate>,
    /// The gateway's utilisation per connection, 0 to 1, from its busy-time counter.
    pub utilisation: Option<Estimate>,
    /// Little's law: the mean number of requests in the system as the load generator counted
    /// them (in flight, the thinking users left out)...
    pub little_n: Option<f64>,
    /// ... the mean response time R the app's histogram measured...
    pub little_r: Option<f64>,
    /// ... and X·R, with X the mean throughput; the law says they are equal.
    pub little_xr: Option<f64>,
    /// |N − X·R| / N.
    pub little_error: Option<f64>,
    /// Checkouts per second: the gateway's throughput.
    pub gateway_x: Option<f64>,
    /// The gateway's mean service time S, seconds, one figure for the whole run: the busy
    /// seconds over the checkouts answered, summed over every window of every step.
    pub service_time: Option<f64>,
    /// The utilisation law's prediction per connection, X·S / capacity.
    pub utilisation_xs: Option<f64>,
    /// |U − X·S/capacity| / U.
    pub utilisation_error: Option<f64>,
}

/// A stepped load with repetitions, as the checks that compare predictions with it read it.
#[derive(Debug, Clone)]
pub struct Repeated {
    /// Each step's statistics and law checks, in the order of the steps.
    pub stats: Vec<StepStats>,
    /// Each step's measured windows.
    pub windows: Vec<Vec<Window>>,
    /// The users' mean think time Z, seconds.
    pub think_s: f64,
}

/// |measured − predicted| / measured, when the measure is above 0.
fn relative_error(measured: f64, predicted: f64) -> Option<f64> {
    (measured > 0.0 && predicted.is_finite()).then(|| (measured - predicted).abs() / measured)
}

/// The mean of the finite values, when every value is there.
fn mean_of(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let v: Option<Vec<f64>> = values.collect();
    estimate(&v?).map(|e| e.mean)
}

/// Each step's statistics from the readings of its windows, with the run's service time.
fn step_stats(steps: &[(u64, Vec<WindowReading>)]) -> Vec<StepStats> {
    let (busy, done) = steps
        .iter()
        .flat_map(|(_, w)| w)
        .filter_map(|w| Some((w.busy? * w.len, w.checkouts * w.len)))
        .fold((0.0, 0.0), |(b, d), (wb, wd)| (b + wb, d + wd));
    let service_time = (done > 0.0).then(|| busy / done);
    steps
        .iter()
        .map(|(users, ws)| {
            let rps = estimate(&ws.iter().map(|w| w.rps).collect::<Vec<_>>());
            let p95 = estimate(&ws.iter().map(|w| w.p95).collect::<Vec<_>>());
            let us: Option<Vec<f64>> = ws.iter().map(WindowReading::utilisation).collect();
            let utilisation = us.and_then(|u| estimate(&u));
            let little_n = if ws.is_empty() {
                None
            } else {
                mean_of(ws.iter().map(|w| w.in_flight))
            };
            let little_r = mean_of(ws.iter().map(|w| Some(w.mean_latency)));
            let little_xr = rps.zip(little_r).map(|(x, r)| x.mean * r);
            let little_error = little_n
                .zip(little_xr)
                .and_then(|(n, xr)| relative_error(n, xr));
            let gateway_x = mean_of(ws.iter().map(|w| Some(w.checkouts)));
            let capacity = ws.iter().find_map(|w| w.capacity);
            let utilisation_xs = match (gateway_x, service_time, capacity) {
                (Some(x), Some(s), Some(c)) if c > 0.0 => Some(x * s / c),
                _ => None,
            };
            let utilisation_error = utilisation
                .zip(utilisation_xs)
                .and_then(|(u, xs)| relative_error(u.mean, xs));
            StepStats {
                users: *users,
                repetitions: ws.len(),
                rps,
                p95,
                utilisation,
                little_n,
                little_r,
                little_xr,
                little_error,
                gateway_x,
                service_time,
                utilisation_xs,
                utilisation_error,
            }
        })
        .collect()
}

/// The queries of one window, read at its end: each counter's increase is the difference
/// between its last sample at or before the end and its last sample at or before the start
/// (`offset`), over the window's length. Not `rate()`: over a window of a few scrapes,
/// `rate()` extrapolates from the samples inside it, and its reading swings by a good part
/// of a scrape interval from one window to the next; the difference of the samples at both
/// edges is exact when the window is a whole number of scrape intervals (both edges then
/// lag their last scrape by the same time), and off by at most one interval otherwise.
struct WindowQueries<'a> {
    sel: &'a str,
    offset: String,
    secs: f64,
}

impl WindowQueries<'_> {
    /// The increase of the sum of the series `m` over the window; a series born inside the
    /// window counts from 0.
    fn increase(&self, m: &str) -> String {
        format!(
            "(sum({m}{{{s}}}) - (sum({m}{{{s}}} offset {o}) or vector(0)))",
            s = self.sel,
            o = self.offset
        )
    }

    fn rps(&self) -> String {
        format!("{} / {}", self.increase("http_requests_total"), self.secs)
    }

    fn p95(&self) -> String {
        let b = "http_request_duration_seconds_bucket";
        format!(
            "histogram_quantile(0.95, sum by (le) ({b}{{{s}}}) - sum by (le) ({b}{{{s}}} offset {o}))",
            s = self.sel,
            o = self.offset
        )
    }

    fn mean_latency(&self) -> String {
        format!(
            "{} / {}",
            self.increase("http_request_duration_seconds_sum"),
            self.increase("http_request_duration_seconds_count")
        )
    }

    fn busy(&self) -> String {
        format!(
            "{} / {}",
            self.increase("ecommerce_gateway_ocupado_seconds_total"),
            self.secs
        )
    }

    /// Checkouts answered per second. Every checkout the load generator sends has a valid
    /// body, so each one held a gateway connection (a 404 or 409 comes after the payment);
    /// only a 422, a body refused before it, did not.
    fn checkouts(&self) -> String {
        let sel = format!("{},endpoint=\"/checkout\",status!=\"422\"", self.sel);
        let q = WindowQueries {
            sel: &sel,
            offset: self.offset.clone(),
            secs: self.secs,
        };
        format!(
            "({} / {}) or vector(0)",
            q.increase("http_requests_total"),
            self.secs
        )
    }

    fn capacity(&self) -> String {
        format!("sum(ecommerce_gateway_conexoes_capacidade{{{}}})", self.sel)
    }
}

/// Each step's repetitions read from Prometheus, window by window (instant queries at each
/// window's end, see [`WindowQueries`]), then summarised. `windows[i]` are the windows of
/// `run.steps[i]`.
pub async fn read_repetitions(
    api: &QueryApi,
    run: &Run,
    windows: &[Vec<Window>],
) -> Result<Vec<StepStats>, Text> {
    let sel = run.target();
    let mut steps = Vec::new();
    for (step, ws) in run.steps.iter().zip(windows) {
        let mut readings = Vec::new();
        for w in ws {
            let len = w.end - w.start;
            let ms = (len * 1000.0).round().max(1.0);
            let q = WindowQueries {
                sel: &sel,
                offset: format!("{ms}ms"),
                secs: ms / 1000.0,
            };
            let at = |query: String| async move {
                api.query_at(&query, w.end)
                    .await
                    .map(|v| v.first().map(|s| s.value).filter(|v| v.is_finite()))
            };
            readings.push(WindowReading {
                rps: at(q.rps()).await?.unwrap_or(f64::NAN),
                p95: at(q.p95()).await?.unwrap_or(f64::NAN),
                mean_latency: at(q.mean_latency()).await?.unwrap_or(f64::NAN),
                busy: at(q.busy()).await?,
                capacity: at(q.capacity()).await?,
                checkouts: at(q.checkouts()).await?.unwrap_or(0.0),
                in_flight: w.in_flight,
                len,
            });
        }
        steps.push((step.users, readings));
    }
    Ok(step_stats(&steps))
}

/// A finished run, as the report needs it.
#[derive(Debug, Clone)]
pub struct Run {
    /// The app's URL and the load's description, for the page's header.
    pub url: String,
    pub description: String,
    /// The app's port: the queries keep to the target whose `instance` ends with it.
    pub port: u16,
    pub steps: Vec<Step>,
    /// (Unix seconds, users running), about once a second.
    pub users: Vec<(f64, u64)>,
    /// The `rate()` window of the charts over time.
    pub window: Duration,
    /// How the steps' windows were chosen, in Portuguese, for the page's table of
    /// repetitions; `None`: the words of `grader load --repeat` (windows of `--duration`
    /// after each step's warm-up).
    pub windows_note: Option<String>,
}

impl Run {
    fn start(&self) -> f64 {
        self.steps.first().map_or(0.0, |s| s.start)
    }

    fn end(&self) -> f64 {
        self.steps.last().map_or(0.0, |s| s.end)
    }

    /// The selector that keeps a query to the app's target. Prometheus's own scrapes of
    /// `/metrics` are left out: they are not the load.
    fn target(&self) -> String {
        format!("instance=~\".+:{}\",endpoint!=\"/metrics\"", self.port)
    }
}

/// The queries, each with the app's selector and a `rate()` window.
struct Queries {
    sel: String,
}

impl Queries {
    fn rps(&self, w: &str) -> String {
        format!("sum(rate(http_requests_total{{{}}}[{w}]))", self.sel)
    }

    fn rps_by_endpoint(&self, w: &str) -> String {
        format!(
            "sum by (endpoint) (rate(http_requests_total{{{}}}[{w}]))",
            self.sel
        )
    }

    fn quantile(&self, q: f64, by: &str, w: &str) -> String {
        format!(
            "histogram_quantile({q}, sum by (le{by}) (rate(http_request_duration_seconds_bucket{{{}}}[{w}])))",
            self.sel
        )
    }

    /// The payment gateway's connections in use, as a share of its capacity: on average over
    /// `w` (`avg` true), or at each moment.
    fn saturation(&self, w: &str, avg: bool) -> String {
        let in_use = if avg {
            format!(
                "avg_over_time(ecommerce_gateway_conexoes_em_uso{{{}}}[{w}])",
                self.sel
            )
        } else {
            format!("ecommerce_gateway_conexoes_em_uso{{{}}}", self.sel)
        };
        format!(
            "sum({in_use}) / sum(ecommerce_gateway_conexoes_capacidade{{{}}})",
            self.sel
        )
    }

    /// 0 rather than nothing when no request failed (no 5xx series at all).
    fn errors(&self, w: &str) -> String {
        format!(
            "(sum(rate(http_requests_total{{{s},status=~\"5..\"}}[{w}])) or vector(0)) / sum(rate(http_requests_total{{{s}}}[{w}]))",
            s = self.sel
        )
    }
}

/// Waits (at most `bound`) until Prometheus has scraped the app after `after`: before a run,
/// so that its first seconds are in the data (a Prometheus just started takes a few seconds
/// to scrape its targets), and after it, so that its last seconds are. Says so when it does
/// not scrape the app at all.
pub async fn wait_scraped(
    api: &QueryApi,
    port: u16,
    after: f64,
    bound: Duration,
) -> Result<(), Text> {
    let query = format!("max(timestamp(up{{instance=~\".+:{port}\"}}))");
    let start = std::time::Instant::now();
    loop {
        let now = crate::prometheus::unix_now();
        let last = api.query_at(&query, now).await?;
        match last.first().map(|s| s.value) {
            Some(t) if t >= after => return Ok(()),
            None if start.elapsed() > bound => {
                return Err(both(
                    format!(
                        "o Prometheus não coleta o app: nenhuma série up com instance terminando em :{port} (confira o prometheus.yml)"
                    ),
                    format!(
                        "Prometheus does not scrape the app: no up series whose instance ends in :{port} (check prometheus.yml)"
                    ),
                ));
            }
            Some(_) if start.elapsed() > bound => {
                return Err(both(
                    format!(
                        "o Prometheus não coletou o app em {} s de espera",
                        bound.as_secs()
                    ),
                    format!(
                        "Prometheus did not scrape the app in {} s of waiting",
                        bound.as_secs()
                    ),
                ));
            }
            Some(_) | None => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}

/// Each step's readings, from instant queries at its end over its own length.
pub async fn read_steps(api: &QueryApi, run: &Run) -> Result<Vec<Reading>, Text> {
    let q = Queries { sel: run.target() };
    let mut out = Vec::new();
    for s in &run.steps {
        let w = format!("{}s", ((s.end - s.start).floor() as u64).max(2));
        let one = |v: Vec<crate::prometheus::Sample>| v.first().map_or(f64::NAN, |s| s.value);
        let rps = one(api.query_at(&q.rps(&w), s.end).await?);
        let errors = one(api.query_at(&q.errors(&w), s.end).await?);
        let p50 = one(api.query_at(&q.quantile(0.5, "", &w), s.end).await?);
        let p95 = one(api.query_at(&q.quantile(0.95, "", &w), s.end).await?);
        let p99 = one(api.query_at(&q.quantile(0.99, "", &w), s.end).await?);
        let p95_by_endpoint = api
            .query_at(&q.quantile(0.95, ", endpoint", &w), s.end)
            .await?
            .into_iter()
            .filter(|s| s.value.is_finite())
            .filter_map(|s| Some((s.labels.get("endpoint")?.clone(), s.value)))
            .collect();
        let saturation = api
            .query_at(&q.saturation(&w, true), s.end)
            .await?
            .first()
            .map(|s| s.value)
            .filter(|v| v.is_finite());
        out.push(Reading {
            saturation,
            users: s.users,
            end: s.end,
            rps,
            errors,
            p50,
            p95,
            p99,
            p95_by_endpoint,
        });
    }
    Ok(out)
}

/// Writes the charts, `degraus.csv` and `index.html` into `dir`, with each step's measured
/// windows (`windows[i]` for `run.steps[i]`: the repetitions of `grader load --repeat`, the
/// windows of the grader's stepped load); returns the page's path.
pub async fn write_with_windows(
    api: &QueryApi,
    run: &Run,
    windows: &[Vec<Window>],
    dir: &Path,
) -> Result<PathBuf, Text> {
    let io = |e: std::io::Error| {
        both(
            format!("{}: {e}", dir.display()),
            format!("{}: {e}", dir.display()),
        )
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let readings = read_steps(api, run).await?;
    let stats = read_repetitions(api, run, windows).await?;
    let q = Queries { sel: run.target() };
    let w = format!("{}s", run.window.as_secs().max(2));
    let (from, to) = (run.start(), run.end());
    let step = ((to - from) / 150.0).max(1.0);
    let range = |query: String| async move { api.query_range(&query, from, to, step).await };
    let since = |points: &[(f64, f64)]| points.iter().map(|(t, v)| (t - from, *v)).collect();

    let mut charts = Vec::new();
    charts.push((
        "01-usuarios.png",
        "Usuários simulados ao longo da carga.",
        chart(
            "Usuários",
            "usuários",
            vec![charts::Series::line(
                "usuários",
                run.users
                    .iter()
                    .filter(|(t, _)| *t >= from)
                    .map(|(t, u)| (t - from, *u as f64))
                    .collect(),
            )],
        ),
    ));
    let mut rps = vec![];
    for s in range(q.rps(&w)).await? {
        rps.push(charts::Series::line("total", since(&s.points)));
    }
    for s in range(q.rps_by_endpoint(&w)).await? {
        let name = s.labels.get("endpoint").cloned().unwrap_or_default();
        rps.push(charts::Series::line(name, since(&s.points)));
    }
    charts.push((
        "02-requisicoes-por-segundo.png",
        "Vazão (tráfego): requisições por segundo, no total e por endpoint.",
        chart("Requisições por segundo", "requisições/s", rps),
    ));
    let mut latency = vec![];
    for (name, quantile) in [("P50", 0.5), ("P95", 0.95), ("P99", 0.99)] {
        for s in range(q.quantile(quantile, "", &w)).await? {
            latency.push(charts::Series::line(name, since(&s.points)));
        }
    }
    let p95_over_time = latency
        .iter()
        .find(|s| s.label == "P95")
        .map(|s| s.points.clone())
        .unwrap_or_default();
    charts.push((
        "03-latencia.png",
        "Latência: abaixo de cada linha ficam 50 %, 95 % e 99 % das requisições.",
        chart("Latência P50, P95 e P99", "segundos", latency),
    ));
    let mut errors = vec![];
    for s in range(q.errors(&w)).await? {
        let pct = s
            .points
            .iter()
            .map(|(t, v)| (t - from, v * 100.0))
            .collect();
        errors.push(charts::Series::line("erros", pct));
    }
    charts.push((
        "04-taxa-de-erros.png",
        "Erros: a parte das requisições respondidas com 5xx.",
        chart("Taxa de erros", "%", errors),
    ));
    let mut saturation = vec![];
    for s in range(q.saturation("", false)).await? {
        let pct = s
            .points
            .iter()
            .map(|(t, v)| (t - from, v * 100.0))
            .collect();
        saturation.push(charts::Series::line("conexões do gateway em uso", pct));
    }
    charts.push((
        "05-saturacao.png",
        "Saturação: a parte das conexões com o gateway de pagamento em uso (precisa dos gauges ecommerce_gateway_conexoes_*).",
        chart("Saturação do gateway de pagamento", "%", saturation),
    ));
    charts.push((
        "06-latencia-por-usuarios.png",
        "Correlação: a latência P95 contra o número de usuários.",
        latency_by_users(run, &readings, &p95_over_time),
    ));

    let mut files = Vec::new();
    for (file, caption, c) in &charts {
        std::fs::write(dir.join(file), c.png(720, 340)).map_err(io)?;
        files.push((*file, *caption));
    }
    std::fs::write(dir.join("degraus.csv"), csv(&readings, &stats)).map_err(io)?;
    let index = dir.join("index.html");
    std::fs::write(&index, page(run, &readings, &stats, &files, &w)).map_err(io)?;
    Ok(index)
}

fn chart(title: &str, unit: &str, series: Vec<charts::Series>) -> charts::Chart {
    charts::Chart {
        title: title.into(),
        x_label: "segundos desde o início da carga".into(),
        y_label: unit.into(),
        series,
        no_data: "o Prometheus não tem dados deste período".into(),
    }
}

/// With two steps or more, one line per endpoint through each step's P95; with one, each
/// moment's P95 against the users running then.
fn latency_by_users(
    run: &Run,
    readings: &[Reading],
    p95_over_time: &[(f64, f64)],
) -> charts::Chart {
    let mut series = Vec::new();
    if readings.len() >= 2 {
        series.push(charts::Series::line(
            "todas",
            readings.iter().map(|r| (r.users as f64, r.p95)).collect(),
        ));
        let endpoints: BTreeSet<&String> = readings
            .iter()
            .flat_map(|r| r.p95_by_endpoint.keys())
            .collect();
        for e in endpoints {
            let points = readings
                .iter()
                .map(|r| {
                    (
                        r.users as f64,
                        r.p95_by_endpoint.get(e).copied().unwrap_or(f64::NAN),
                    )
                })
                .collect();
            series.push(charts::Series::line(e.clone(), points));
        }
    } else {
        let from = run.start();
        let points = p95_over_time
            .iter()
            .map(|(t, v)| (users_at(&run.users, t + from) as f64, *v))
            .collect();
        series.push(charts::Series::points("P95", points));
    }
    charts::Chart {
        title: "Latência P95 por número de usuários".into(),
        x_label: "usuários".into(),
        y_label: "segundos".into(),
        series,
        no_data: "o Prometheus não tem dados deste período".into(),
    }
}

/// The users running at `t`: the last count recorded at or before it.
fn users_at(timeline: &[(f64, u64)], t: f64) -> u64 {
    timeline
        .iter()
        .take_while(|(at, _)| *at <= t)
        .last()
        .map_or(0, |(_, u)| *u)
}

fn endpoints(readings: &[Reading]) -> BTreeSet<&String> {
    readings
        .iter()
        .flat_map(|r| r.p95_by_endpoint.keys())
        .collect()
}

/// The columns `degraus.csv` adds after the readings of each step (and after its per-endpoint
/// P95 columns), from the repetitions of `--repeat` (one, the whole step, without it):
///
/// - `repeticoes`: windows measured in the step;
/// - `req_por_s_media`, `req_por_s_dp`, `req_por_s_ic95_inf`, `req_por_s_ic95_sup`: the
///   throughput's mean over the repetitions, its sample standard deviation and the 95 %
///   Student-t interval of the mean (empty with a single repetition: no spread to estimate);
/// - the same four for `p95_s` (the P95 latency, seconds) and for `utilizacao` (the payment
///   gateway's utilisation per connection, 0 to 1: the increase of
///   `ecommerce_gateway_ocupado_seconds_total` over the window, per second, over
///   `ecommerce_gateway_conexoes_capacidade`);
/// - `little_n` (mean requests in flight, counted by the load generator: the users thinking
///   are not in the system), `little_r_s` (mean response time, from the histogram's `_sum`
///   and `_count`), `little_x_r` (X·R) and `little_erro_rel` (|N − X·R| / N);
/// - `gateway_x_por_s` (checkouts per second, the gateway's throughput), `gateway_s_s` (its
///   service time S: busy seconds over checkouts, the whole run), `utilizacao_x_s`
///   (X·S / capacity, the utilisation law's U) and `utilizacao_erro_rel` (|U − X·S/c| / U).
///
/// An empty cell is a figure that could not be measured (no gateway series, no count of
/// requests in flight, a single repetition).
pub const STATS_COLUMNS: [&str; 21] = [
    "repeticoes",
    "req_por_s_media",
    "req_por_s_dp",
    "req_por_s_ic95_inf",
    "req_por_s_ic95_sup",
    "p95_s_media",
    "p95_s_dp",
    "p95_s_ic95_inf",
    "p95_s_ic95_sup",
    "utilizacao_media",
    "utilizacao_dp",
    "utilizacao_ic95_inf",
    "utilizacao_ic95_sup",
    "little_n",
    "little_r_s",
    "little_x_r",
    "little_erro_rel",
    "gateway_x_por_s",
    "gateway_s_s",
    "utilizacao_x_s",
    "utilizacao_erro_rel",
];

/// A figure with `digits` decimals, or nothing.
fn cell(v: Option<f64>, digits: usize) -> String {
    v.filter(|v| v.is_finite())
        .map_or(String::new(), |v| format!("{v:.digits$}"))
}

/// The four cells of an estimate: mean, standard deviation, the interval's ends.
fn estimate_cells(e: Option<Estimate>, digits: usize) -> [String; 4] {
    [
        cell(e.map(|e| e.mean), digits),
        cell(e.and_then(|e| e.sd), digits),
        cell(e.and_then(|e| e.ci95).map(|c| c.0), digits),
        cell(e.and_then(|e| e.ci95).map(|c| c.1), digits),
    ]
}

/// The cells of [`STATS_COLUMNS`] for one step.
fn stats_cells(s: &StepStats) -> Vec<String> {
    let mut out = vec![s.repetitions.to_string()];
    out.extend(estimate_cells(s.rps, 3));
    out.extend(estimate_cells(s.p95, 4));
    out.extend(estimate_cells(s.utilisation, 4));
    out.extend([
        cell(s.little_n, 3),
        cell(s.little_r, 4),
        cell(s.little_xr, 3),
        cell(s.little_error, 4),
        cell(s.gateway_x, 3),
        cell(s.service_time, 4),
        cell(s.utilisation_xs, 4),
        cell(s.utilisation_error, 4),
    ]);
    out
}

/// `degraus.csv`: the readings' columns first (as before `--repeat`, so a reader of those
/// keeps working), then [`STATS_COLUMNS`]. `stats` has one entry per reading, in order;
/// a missing one leaves its cells empty.
fn csv(readings: &[Reading], stats: &[StepStats]) -> String {
    let eps = endpoints(readings);
    let mut out = String::from("usuarios,req_por_s,erros,p50_s,p95_s,p99_s,saturacao");
    for e in &eps {
        let _ = write!(out, ",p95_s {e}");
    }
    for c in STATS_COLUMNS {
        let _ = write!(out, ",{c}");
    }
    out.push('\n');
    for (i, r) in readings.iter().enumerate() {
        let _ = write!(
            out,
            "{},{:.3},{:.4},{:.4},{:.4},{:.4},{}",
            r.users,
            r.rps,
            r.errors,
            r.p50,
            r.p95,
            r.p99,
            r.saturation.map_or(String::new(), |v| format!("{v:.3}"))
        );
        for e in &eps {
            match r.p95_by_endpoint.get(*e) {
                Some(v) => {
                    let _ = write!(out, ",{v:.4}");
                }
                None => out.push(','),
            }
        }
        let cells = stats
            .get(i)
            .map_or_else(|| vec![String::new(); STATS_COLUMNS.len()], stats_cells);
        for c in cells {
            let _ = write!(out, ",{c}");
        }
        out.push('\n');
    }
    out
}

/// An estimate in the page: the mean, `± sd`, and the interval.
fn estimate_html(e: Option<Estimate>, scale: f64, digits: usize) -> [String; 3] {
    let f = |v: f64| format!("{:.digits$}", v * scale);
    match e {
        None => ["–".into(), "–".into(), "–".into()],
        Some(e) => [
            f(e.mean),
            e.sd.map_or("–".into(), f),
            e.ci95
                .map_or("–".into(), |(lo, hi)| format!("{} a {}", f(lo), f(hi))),
        ],
    }
}

/// The table of repetitions and the operational laws; `windows_note` says how the windows
/// were chosen (see [`Run::windows_note`]).
fn stats_table(stats: &[StepStats], windows_note: Option<&str>) -> String {
    let mut h = String::from(
        "<h2>Repetições e leis operacionais</h2>\n<table>\n<tr><th rowspan=\"2\">usuários</th><th rowspan=\"2\">repetições</th><th colspan=\"3\">req/s</th><th colspan=\"3\">P95 (s)</th><th colspan=\"3\">utilização do gateway (%)</th><th colspan=\"4\">lei de Little</th><th colspan=\"4\">lei da utilização</th></tr>\n<tr><th>média</th><th>desvio padrão</th><th>IC 95 %</th><th>média</th><th>desvio padrão</th><th>IC 95 %</th><th>média</th><th>desvio padrão</th><th>IC 95 %</th><th>N medido</th><th>R (s)</th><th>X·R</th><th>erro</th><th>X do gateway (/s)</th><th>S (s)</th><th>X·S (%)</th><th>erro</th></tr>\n",
    );
    let pct = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{:.1} %", v * 100.0));
    let num = |v: Option<f64>, d: usize| v.map_or("–".to_string(), |v| format!("{v:.d$}"));
    for s in stats {
        let _ = write!(h, "<tr><td>{}</td><td>{}</td>", s.users, s.repetitions);
        for cells in [
            estimate_html(s.rps, 1.0, 1),
            estimate_html(s.p95, 1.0, 3),
            estimate_html(s.utilisation, 100.0, 1),
        ] {
            for c in cells {
                let _ = write!(h, "<td>{c}</td>");
            }
        }
        let _ = writeln!(
            h,
            "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            num(s.little_n, 2),
            num(s.little_r, 4),
            num(s.little_xr, 2),
            pct(s.little_error),
            num(s.gateway_x, 2),
            num(s.service_time, 4),
            s.utilisation_xs
                .map_or("–".to_string(), |v| format!("{:.1}", v * 100.0)),
            pct(s.utilisation_error),
        );
    }
    let windows = windows_note.map_or_else(
        || "Cada repetição é uma janela de <code>--duration</code> depois do aquecimento do degrau, que fica de fora.".to_string(),
        esc,
    );
    let _ = write!(h, "</table>\n<p>{windows} ");
    h.push_str("O intervalo de confiança de 95 % da média é média ± t·dp/√n, com o t de Student de n − 1 graus de liberdade; com uma repetição só não há desvio padrão nem intervalo (–): use <code>--repeat 3</code> ou mais. A utilização é por conexão: o aumento de <code>ecommerce_gateway_ocupado_seconds_total</code> na janela, por segundo, dividido pela capacidade. Cada janela é lida pela diferença entre as últimas coletas antes do fim e antes do início dela (não por <code>rate()</code>, que numa janela de poucas coletas extrapola e oscila). Na lei de Little, N é a média de requisições em andamento contada pelo gerador de carga (os usuários pensando não estão no sistema), X e R vêm do Prometheus. Na lei da utilização, X é a vazão de checkouts e S o tempo médio de posse de uma conexão no run inteiro (segundos ocupados ÷ checkouts atendidos); o erro é |medido − previsto| ÷ medido.</p>\n");
    h
}

fn page(
    run: &Run,
    readings: &[Reading],
    stats: &[StepStats],
    files: &[(&str, &str)],
    w: &str,
) -> String {
    let mut h = String::from(
        "<!doctype html>\n<html lang=\"pt-BR\"><meta charset=\"utf-8\">\n<title>Relatório de carga</title>\n<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem} table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:right} figure{margin:1.5rem 0}</style>\n<body>\n<h1>Relatório de carga</h1>\n",
    );
    let _ = writeln!(
        h,
        "<p>App: <code>{}</code>. Carga: {}.</p>",
        esc(&run.url),
        esc(&run.description)
    );
    let eps = endpoints(readings);
    h.push_str("<h2>Degraus</h2>\n<table>\n<tr><th>usuários</th><th>req/s</th><th>erros</th><th>P50 (s)</th><th>P95 (s)</th><th>P99 (s)</th><th>saturação</th>");
    for e in &eps {
        let _ = write!(h, "<th>P95 {} (s)</th>", esc(e));
    }
    h.push_str("</tr>\n");
    for r in readings {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{:.1}</td><td>{:.1} %</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{}</td>",
            r.users,
            r.rps,
            r.errors * 100.0,
            r.p50,
            r.p95,
            r.p99,
            r.saturation
                .map_or("–".to_string(), |v| format!("{:.0} %", v * 100.0))
        );
        for e in &eps {
            let v = r
                .p95_by_endpoint
                .get(*e)
                .map_or("–".to_string(), |v| format!("{v:.3}"));
            let _ = write!(h, "<td>{v}</td>");
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n<p>Cada degrau é lido no fim dele, com <code>rate()</code> sobre a duração do degrau; a mesma tabela está em <code>degraus.csv</code>.</p>\n");
    h.push_str(&stats_table(stats, run.windows_note.as_deref()));
    h.push_str("<h2>Gráficos</h2>\n");
    for (file, caption) in files {
        let _ = writeln!(
            h,
            "<figure><img src=\"{file}\" alt=\"{c}\"><figcaption>{c}</figcaption></figure>",
            c = esc(caption)
        );
    }
    let _ = writeln!(
        h,
        "<p>As curvas no tempo usam <code>rate()</code> em janelas de {w}, só do target cuja <code>instance</code> termina em <code>:{}</code>.</p>\n</body></html>",
        run.port
    );
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_at_a_moment_are_the_last_count_recorded() {
        let timeline = [(10.0, 2), (11.0, 4), (12.0, 8)];
        assert_eq!(users_at(&timeline, 9.0), 0);
        assert_eq!(users_at(&timeline, 11.5), 4);
        assert_eq!(users_at(&timeline, 99.0), 8);
    }

    #[test]
    fn the_csv_has_a_column_per_endpoint_and_a_row_per_step() {
        let r = |users, p| Reading {
            users,
            end: 0.0,
            rps: 10.0,
            errors: 0.0,
            p50: 0.01,
            p95: p,
            p99: p,
            p95_by_endpoint: [("/checkout".to_string(), p)].into(),
            saturation: (users > 2).then_some(1.0),
        };
        let text = csv(&[r(2, 0.1), r(4, 0.25)], &[]);
        let empty = ",".repeat(STATS_COLUMNS.len());
        assert_eq!(
            text,
            format!(
                "usuarios,req_por_s,erros,p50_s,p95_s,p99_s,saturacao,p95_s /checkout,{}\n\
                 2,10.000,0.0000,0.0100,0.1000,0.1000,,0.1000{empty}\n\
                 4,10.000,0.0000,0.0100,0.2500,0.2500,1.000,0.2500{empty}\n",
                STATS_COLUMNS.join(",")
            )
        );
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn the_t_quantile_is_students_for_few_degrees_and_near_the_normal_for_many() {
        assert_eq!(t975(1), 12.706);
        assert_eq!(t975(2), 4.303);
        assert_eq!(t975(4), 2.776);
        assert_eq!(t975(30), 2.042);
        // Exact values: 2.0211 (40), 2.0086 (50), 1.9840 (100), 1.9623 (1000).
        assert!(close(t975(40), 2.0211, 0.001), "{}", t975(40));
        assert!(close(t975(50), 2.0086, 0.001), "{}", t975(50));
        assert!(close(t975(100), 1.9840, 0.001), "{}", t975(100));
        assert!(close(t975(1000), 1.9623, 0.001), "{}", t975(1000));
        assert!(t975(31) < t975(30) && t975(31) > 1.96);
        assert!(t975(0).is_nan());
    }

    #[test]
    fn an_estimate_has_the_mean_the_sample_sd_and_the_t_interval() {
        // 1..5: mean 3, sd sqrt(2.5) = 1.5811; half-width 2.776 · 1.5811 / √5 = 1.9630.
        let e = estimate(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(e.n, 5);
        assert!(close(e.mean, 3.0, 1e-12));
        assert!(close(e.sd.unwrap(), 1.581_139, 1e-6));
        let (lo, hi) = e.ci95.unwrap();
        assert!(close(lo, 3.0 - 1.962_929, 1e-5), "{lo}");
        assert!(close(hi, 3.0 + 1.962_929, 1e-5), "{hi}");
        // Three repetitions: 10, 12, 14 → sd 2, half-width 4.303 · 2 / √3 = 4.9687.
        let e = estimate(&[10.0, 12.0, 14.0]).unwrap();
        assert!(close(e.sd.unwrap(), 2.0, 1e-12));
        assert!(close(e.ci95.unwrap().1 - 12.0, 4.968_677, 1e-5));
        // One measurement: a mean, no spread, no interval. Values that are not numbers are
        // left out; none at all is no estimate.
        let e = estimate(&[7.0, f64::NAN]).unwrap();
        assert_eq!((e.n, e.mean, e.sd, e.ci95), (1, 7.0, None, None));
        assert_eq!(estimate(&[]), None);
        // Equal values: sd 0, and the interval shrinks to the mean.
        let e = estimate(&[2.0, 2.0, 2.0]).unwrap();
        assert_eq!((e.sd, e.ci95), (Some(0.0), Some((2.0, 2.0))));
    }

    #[test]
    fn the_laws_are_checked_with_the_runs_service_time() {
        let w = |rps: f64, r: f64, busy: f64, checkouts: f64, n: f64| WindowReading {
            rps,
            p95: 0.2,
            mean_latency: r,
            busy: Some(busy),
            capacity: Some(2.0),
            checkouts,
            in_flight: Some(n),
            len: 4.0,
        };
        // Step 1: 2 checkouts/s, 0.5 busy connection-s/s; step 2: 6/s, 1.5 (S = 0.25 s).
        let stats = step_stats(&[
            (
                1,
                vec![w(10.0, 0.1, 0.5, 2.0, 1.0), w(10.0, 0.1, 0.5, 2.0, 1.0)],
            ),
            (
                4,
                vec![w(30.0, 0.12, 1.4, 6.0, 4.0), w(34.0, 0.12, 1.6, 6.0, 4.0)],
            ),
        ]);
        assert_eq!(stats.len(), 2);
        let (a, b) = (&stats[0], &stats[1]);
        assert_eq!((a.users, a.repetitions), (1, 2));
        // S = (0.5·4·2 + 1.4·4 + 1.6·4) / (2·4·2 + 6·4·2) = 16 / 64 = 0.25 s.
        assert!(close(a.service_time.unwrap(), 0.25, 1e-12));
        assert!(close(a.utilisation.unwrap().mean, 0.25, 1e-12));
        assert!(close(b.utilisation.unwrap().mean, 0.75, 1e-12));
        assert!(close(b.utilisation_xs.unwrap(), 6.0 * 0.25 / 2.0, 1e-12));
        assert!(close(b.utilisation_error.unwrap(), 0.0, 1e-12));
        // Little: N = 4, X = 32, R = 0.12 → X·R = 3.84, error 4 %.
        assert!(close(b.little_xr.unwrap(), 3.84, 1e-9));
        assert!(close(b.little_error.unwrap(), 0.04, 1e-9));
        assert!(close(b.rps.unwrap().sd.unwrap(), 8f64.sqrt(), 1e-12));
        let row = stats_cells(b);
        assert_eq!(row.len(), STATS_COLUMNS.len());
        assert_eq!(row[0], "2");
        assert_eq!(row[1], "32.000");
        assert_eq!(row[STATS_COLUMNS.len() - 1], "0.0000");
    }
}
