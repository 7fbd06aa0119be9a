//! The correlation report of a load run (`grader load --report DIR`): what Prometheus saw
//! while the load ran, as PNG charts and one HTML page, in place of the roteiro's
//! screenshots. Users, requests per second, P50/P95/P99 latency and the error rate over
//! time, and latency against users; for a stepped run (`--steps`), a table with each step's
//! readings, also written as `degraus.csv`.
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

/// Writes the charts, `degraus.csv` and `index.html` into `dir`; returns the page's path.
pub async fn write(api: &QueryApi, run: &Run, dir: &Path) -> Result<PathBuf, Text> {
    let io = |e: std::io::Error| {
        both(
            format!("{}: {e}", dir.display()),
            format!("{}: {e}", dir.display()),
        )
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let readings = read_steps(api, run).await?;
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
    std::fs::write(dir.join("degraus.csv"), csv(&readings)).map_err(io)?;
    let index = dir.join("index.html");
    std::fs::write(&index, page(run, &readings, &files, &w)).map_err(io)?;
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

fn csv(readings: &[Reading]) -> String {
    let eps = endpoints(readings);
    let mut out = String::from("usuarios,req_por_s,erros,p50_s,p95_s,p99_s,saturacao");
    for e in &eps {
        let _ = write!(out, ",p95_s {e}");
    }
    out.push('\n');
    for r in readings {
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
        out.push('\n');
    }
    out
}

fn page(run: &Run, readings: &[Reading], files: &[(&str, &str)], w: &str) -> String {
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
    h.push_str("</table>\n<p>Cada degrau é lido no fim dele, com <code>rate()</code> sobre a duração do degrau; a mesma tabela está em <code>degraus.csv</code>.</p>\n<h2>Gráficos</h2>\n");
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
        let text = csv(&[r(2, 0.1), r(4, 0.25)]);
        assert_eq!(
            text,
            "usuarios,req_por_s,erros,p50_s,p95_s,p99_s,saturacao,p95_s /checkout\n\
             2,10.000,0.0000,0.0100,0.1000,0.1000,,0.1000\n\
             4,10.000,0.0000,0.0100,0.2500,0.2500,1.000,0.2500\n"
        );
    }
}
