//! `grader load`: puts load on the shop with [`loadgen`], as Locust does in the roteiro's
//! Exercício 3, and prints Locust's table at the end.
//!
//! With `--steps` and `--repeat N`, each step is one run of its users: a warm-up that is left
//! out (`--warmup`, see [`warmup`]), then N consecutive windows of `--duration`, read one by
//! one for the report's statistics and operational laws (see [`crate::correlation`]). The
//! count of requests in flight, the N of Little's law, is sampled every 100 ms from the load
//! generator's running integral, so each window gets its exact mean.
//!
//! Progress goes to stderr (one line rewritten in place on a terminal, a plain line every
//! 5 s otherwise), the table and the summary to stdout. Exit: 0 when the load ran (even if
//! requests failed: that is a result, not an error), 2 for wrong arguments (a host that is not
//! this machine included), 4 when nothing answers at the URL or, with `--report`, when its
//! Prometheus does not scrape the app, 130 on Ctrl-C (after printing what was measured).

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Args;
use loadgen::{Error, Load, Mix, MixError, Mode, Plan, PlanError, Report, Snapshot, Stop};

use crate::exit;
use crate::lang::{Lang, Text, both};

/// `grader load` arguments.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  grader load                                  10 users for 30 s on http://127.0.0.1:5000
  grader load --users 50 --spawn-rate 5 --think 0 --duration 1m
  grader load --rate 200 --duration 2m         200 requests a second (open loop)
  grader load --mix navegar=5,produto=3,checkout:2=1 --seed 7
  grader load --steps 2,4,8,16 --think 0 --duration 30s --report relatorio
                                               a stepped load, then the correlation report
                                               from the Prometheus at http://127.0.0.1:9090
  grader load --steps 2,8 --repeat 5 --duration 20s --report relatorio
                                               each step measured 5 times after a warm-up:
                                               means, 95 % intervals, operational laws

Actions of --mix: navegar (GET / or /produtos), produto, busca, carrinho, checkout, logout;
produto, carrinho and checkout can be pinned to a product: checkout:2=1.

Exit codes: 0 the load ran (failed requests included), 2 wrong usage, 4 nothing answers at
the URL (or, with --report, its Prometheus does not scrape the app), 130 interrupted (the
table is printed first).")]
pub struct LoadArgs {
    /// The app's address: loopback only (127.0.0.1, ::1, localhost).
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:5000")]
    pub url: String,

    /// Virtual users, each waiting for its answer and thinking before the next request.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub users: u32,

    /// Users started per second.
    #[arg(long, value_name = "N", default_value_t = 2.0)]
    pub spawn_rate: f64,

    /// Think time between a user's requests: MIN..MAX (random in between) or one value, as
    /// 500ms, 1s, 1.5s; 0 for none [default: 1s..3s, Locust's between(1, 3)].
    #[arg(long, value_name = "MIN[..MAX]", value_parser = parse_think,
          conflicts_with_all = ["think_min_ms", "think_max_ms"])]
    pub think: Option<(Duration, Duration)>,

    /// Shortest think time, in milliseconds.
    #[arg(long, value_name = "MS")]
    pub think_min_ms: Option<u64>,

    /// Longest think time, in milliseconds.
    #[arg(long, value_name = "MS")]
    pub think_max_ms: Option<u64>,

    /// Instead of users: this many requests a second at a constant pace (open loop).
    #[arg(long, value_name = "N", conflicts_with_all = ["users", "spawn_rate", "think", "think_min_ms", "think_max_ms"])]
    pub rate: Option<f64>,

    /// With --rate: requests waiting for an answer at most; arrivals beyond are dropped.
    #[arg(long, value_name = "N", default_value_t = 100, requires = "rate")]
    pub max_in_flight: u32,

    /// How long the load lasts: 30s, 2m, 1.5s, 500ms.
    #[arg(long, value_name = "TIME", default_value = "30s", value_parser = parse_duration)]
    pub duration: Duration,

    /// Stop after exactly this many requests (if the duration is not over first).
    #[arg(long, value_name = "N")]
    pub max_requests: Option<u64>,

    /// Seed of every random choice; the same seed repeats the same requests [default: a new
    /// one each run, printed at the end].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// The actions and their weights [default: navegar=5,produto=3,busca=1,carrinho=2,checkout=1,logout=1].
    #[arg(long, value_name = "NAME=WEIGHT,...")]
    pub mix: Option<String>,

    /// How long one request may take before it counts as a failure.
    #[arg(long, value_name = "TIME", default_value = "10s", value_parser = parse_duration)]
    pub request_timeout: Duration,

    /// A stepped load: this many users in each step, one step after the other, each lasting
    /// --duration (2,4,8,16). Latency against users is read step by step.
    #[arg(long, value_name = "N,N,...", value_delimiter = ',', conflicts_with_all = ["users", "rate"])]
    pub steps: Option<Vec<u32>>,

    /// With --steps: measure each step this many times, in consecutive windows of --duration
    /// after one warm-up (see --warmup); the report gives each step's mean, standard
    /// deviation and 95 % confidence interval, and checks Little's law and the utilisation
    /// law. One step then lasts warm-up + N × --duration.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=100), requires = "steps")]
    pub repeat: u32,

    /// With --steps: the start of each step left out of the measures, while the users start
    /// and the gateway's line settles [default: with --repeat above 1, the time to start the
    /// step's users (users ÷ --spawn-rate) plus half of --duration; without it, none, so a
    /// plain stepped run is measured whole, as always].
    #[arg(long, value_name = "TIME", value_parser = parse_duration, requires = "steps")]
    pub warmup: Option<Duration>,

    /// After the load, write the correlation report into DIR: index.html and PNG charts of
    /// what Prometheus saw (users, requests per second, P50/P95/P99, errors, latency against
    /// users) and degraus.csv.
    #[arg(long, value_name = "DIR")]
    pub report: Option<std::path::PathBuf>,

    /// The Prometheus that scrapes the app, for --report (loopback only).
    #[arg(
        long,
        value_name = "URL",
        default_value = "http://127.0.0.1:9090",
        requires = "report"
    )]
    pub prometheus: String,

    /// The rate() window of the report's charts over time: at least four scrape intervals.
    #[arg(long, value_name = "TIME", default_value = "20s", value_parser = parse_duration, requires = "report")]
    pub window: Duration,

    /// Language of the messages (default: from the locale; pt for pt_* locales).
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
}

/// `30s`, `500ms`, `2m`, `1h`, `1.5s`; a bare number is seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{s}`: expected a time such as 30s, 500ms or 2m"))?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => return Err(format!("`{other}`: use ms, s, m or h")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("`{s}`: {e}"))
}

/// `1s..3s`, `500ms`, `0`; in `100..300ms` the bare minimum takes the maximum's unit.
fn parse_think(s: &str) -> Result<(Duration, Duration), String> {
    match s.split_once("..") {
        Some((min, max)) => {
            let unit = max
                .trim()
                .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
            let bare = !min.trim().is_empty()
                && min.trim().chars().all(|c| c.is_ascii_digit() || c == '.');
            let min = if bare {
                format!("{}{unit}", min.trim())
            } else {
                min.to_string()
            };
            Ok((parse_duration(&min)?, parse_duration(max)?))
        }
        None => parse_duration(s).map(|d| (d, d)),
    }
}

/// The plan the arguments ask for, or what is wrong with them.
pub fn plan(args: &LoadArgs, seed: u64) -> Result<Plan, Text> {
    let mix = match &args.mix {
        Some(m) => m.parse::<Mix>().map_err(|e| describe_mix(&e))?,
        None => Mix::default(),
    };
    let mode = match args.rate {
        Some(per_second) => Mode::Rate {
            per_second,
            max_in_flight: args.max_in_flight,
        },
        None => {
            let think_time = match (args.think, args.think_min_ms, args.think_max_ms) {
                (Some(t), _, _) => t,
                (None, None, None) => (Duration::from_secs(1), Duration::from_secs(3)),
                (None, min, max) => {
                    let min = min.map(Duration::from_millis);
                    let max = max.map(Duration::from_millis);
                    let min = min.unwrap_or(Duration::ZERO);
                    (min, max.unwrap_or(min))
                }
            };
            Mode::Users {
                users: args.users,
                spawn_rate: args.spawn_rate,
                think_time,
            }
        }
    };
    let plan = Plan {
        mode,
        duration: args.duration,
        max_requests: args.max_requests,
        seed,
        mix,
        request_timeout: args.request_timeout,
    };
    plan.validate().map_err(|e| describe_plan(&e))?;
    Ok(plan)
}

/// Runs `grader load`: its exit code, or why it could not put the load on.
pub async fn run(args: LoadArgs) -> Result<u8, crate::Error> {
    let lang = args.lang.unwrap_or_else(Lang::from_env);
    let seed = args.seed.unwrap_or_else(new_seed);
    let plans = plans(&args, seed).map_err(crate::Error::Usage)?;
    if args.report.is_some()
        && let Err(e) = crate::net::parse_loopback_url(&args.prometheus)
    {
        return Err(crate::Error::usage_as_is(format!("--prometheus: {e}")));
    }
    let port = match crate::net::parse_loopback_url(&args.url) {
        Ok((_, addr)) => addr.port(),
        Err(_) => 0, // Load::new says what is wrong with it, below.
    };
    if let Err(e) = Load::new(&args.url, plans[0].clone()) {
        return Err(match e {
            Error::Client(_) => crate::Error::Environment(describe_error(&e)),
            _ => crate::Error::Usage(describe_error(&e)),
        });
    }
    if let Err(e) = listening(&args.url).await {
        return Err(crate::Error::Environment(both(
            format!(
                "nada responde em {} ({e}). Inicie o app antes, por exemplo a sua loja do exercício 2: cargo run -p ex2-metricas-negocio -- --port 5000",
                args.url
            ),
            format!(
                "nothing answers at {} ({e}). Start the app first, e.g. your shop of exercise 2: cargo run -p ex2-metricas-negocio -- --port 5000",
                args.url
            ),
        )));
    }

    // Before minutes of load, make sure the report will have data: Prometheus answers and
    // scrapes this app.
    if args.report.is_some() {
        let api = crate::prometheus::QueryApi::new(&args.prometheus);
        let now = crate::prometheus::unix_now();
        let ready =
            crate::correlation::wait_scraped(&api, port, now, Duration::from_secs(10)).await;
        ready.map_err(|e| crate::Error::Environment(report_failed(e)))?;
    }

    let tty = std::io::stderr().is_terminal();
    let timeline = Arc::new(Mutex::new(Vec::new()));
    let mut steps = Vec::new();
    let mut windows = Vec::new();
    let mut cancelled = false;
    let repeat = if args.steps.is_some() { args.repeat } else { 1 };
    for (i, plan) in plans.iter().enumerate() {
        // A step: its warm-up, then `repeat` windows of --duration, in one run of its users.
        let users = match plan.mode {
            Mode::Users { users, .. } => users,
            Mode::Rate { .. } => 0,
        };
        let warm = if args.steps.is_some() {
            warmup(&args, users)
        } else {
            Duration::ZERO
        };
        let mut plan = plan.clone();
        plan.duration = warm + args.duration * repeat;
        let plan = &plan;
        let mut start_line = describe_plan_start(plan, &args.url);
        if plans.len() > 1 {
            let (n, of) = (i + 1, plans.len());
            start_line = both(
                format!("degrau {n} de {of}: {}", start_line.pt),
                format!("step {n} of {of}: {}", start_line.en),
            );
        }
        if repeat > 1 || !warm.is_zero() {
            start_line = both(
                format!(
                    "{}; aquecimento de {}, depois {repeat} × {}",
                    start_line.pt,
                    secs(warm),
                    secs(args.duration)
                ),
                format!(
                    "{}; warm-up {}, then {repeat} × {}",
                    start_line.en,
                    secs(warm),
                    secs(args.duration)
                ),
            );
        }
        eprintln!("grader load: {}", start_line.get(lang));
        let start = crate::prometheus::unix_now();
        let seen = Arc::clone(&timeline);
        let flight = Arc::new(Mutex::new(Vec::<(f64, f64)>::new()));
        let flown = Arc::clone(&flight);
        let mut last_second = (0u64, 0u64, 0.0f64);
        let load = Load::new(&args.url, plan.clone())
            .map_err(|e| crate::Error::Environment(describe_error(&e)))?;
        let report = load
            // Every 100 ms, for the count of requests in flight at the windows' edges; the
            // users and the progress line once a second.
            .on_progress(Duration::from_millis(100), move |snap| {
                let t = start + snap.elapsed.as_secs_f64();
                flown
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((t, snap.in_flight_seconds));
                let second = snap.elapsed.as_secs();
                if second == last_second.0 {
                    return;
                }
                seen.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((t, snap.users));
                let mut shown = *snap;
                let span = snap.elapsed.as_secs_f64() - last_second.2;
                shown.rps = snap.requests.saturating_sub(last_second.1) as f64 / span.max(1e-9);
                last_second = (second, snap.requests, snap.elapsed.as_secs_f64());
                // Every second on a terminal (one line, rewritten); every 5 s in a log.
                if tty || second % 5 == 0 {
                    progress(&shown, tty, lang);
                }
            })
            .cancel_when(async {
                if tokio::signal::ctrl_c().await.is_err() {
                    std::future::pending::<()>().await;
                }
            })
            .run()
            .await;
        if tty {
            eprint!("\r\x1b[K");
        }
        let report = report.map_err(|e| crate::Error::Environment(describe_error(&e)))?;
        let end = crate::prometheus::unix_now();
        let measured = start + warm.as_secs_f64();
        let samples = flight.lock().unwrap_or_else(|e| e.into_inner()).clone();
        windows.push(crate::correlation::windows(
            measured,
            args.duration.as_secs_f64(),
            repeat,
            end,
            &samples,
        ));
        steps.push(crate::correlation::Step {
            users: u64::from(users),
            start: measured.min(end),
            end,
        });
        let mut out = std::io::stdout().lock();
        if plans.len() > 1 {
            let _ = writeln!(out, "\n{}", start_line.get(lang));
        }
        let _ = write!(out, "{}", report.table());
        let _ = writeln!(out, "\n{}", summary(&report, plan).get(lang));
        let _ = out.flush();
        if report.stop == Stop::Cancelled {
            cancelled = true;
            break;
        }
    }
    if let Some(dir) = &args.report {
        let run = crate::correlation::Run {
            url: args.url.clone(),
            description: describe_plan_start(&plans[0], &args.url).pt
                + &args
                    .steps
                    .as_ref()
                    .map(|s| {
                        format!(
                            "; degraus de {:?} usuários{}",
                            s.iter().map(u32::to_string).collect::<Vec<_>>(),
                            if repeat > 1 {
                                format!(", {repeat} repetições de {} cada", secs(args.duration))
                            } else {
                                String::new()
                            }
                        )
                    })
                    .unwrap_or_default(),
            port,
            steps,
            users: timeline.lock().unwrap_or_else(|e| e.into_inner()).clone(),
            window: args.window,
            windows_note: None,
        };
        match report(&args.prometheus, &run, &windows, dir).await {
            Ok(index) => eprintln!(
                "grader load: {}",
                both(
                    format!("relatório de correlação em {}", index.display()),
                    format!("correlation report in {}", index.display()),
                )
                .get(lang)
            ),
            Err(e) => return Err(crate::Error::Environment(report_failed(e))),
        }
    }
    if cancelled {
        Err(crate::Error::Interrupted)
    } else {
        Ok(exit::FULL_MARKS)
    }
}

/// The report could not be written or read back: the message says it was `--report`.
fn report_failed(e: Text) -> Text {
    both(format!("--report: {}", e.pt), format!("--report: {}", e.en))
}

/// The plans the arguments ask for: one, or one per step of --steps (each with that many
/// users, the rest the same).
pub fn plans(args: &LoadArgs, seed: u64) -> Result<Vec<Plan>, Text> {
    let first = plan(args, seed)?;
    let Some(steps) = &args.steps else {
        return Ok(vec![first]);
    };
    if steps.is_empty() {
        return Err(both(
            "--steps: diga quantos usuários em cada degrau, por exemplo 2,4,8",
            "--steps: say how many users in each step, e.g. 2,4,8",
        ));
    }
    steps
        .iter()
        .map(|&users| {
            let mut p = first.clone();
            if let Mode::Users { users: u, .. } = &mut p.mode {
                *u = users;
            }
            p.validate().map_err(|e| describe_plan(&e))?;
            Ok(p)
        })
        .collect()
}

/// The warm-up of a step of `users`: --warmup when given; otherwise, with --repeat above 1,
/// the time its users take to start plus half a repetition (the users must all be running,
/// and the checkouts' line at the gateway must have filled, before a window is worth
/// reading; half of --duration is long against the payment's second at most and keeps the
/// run's cost at (N + ½) × --duration a step); without --repeat, none.
pub fn warmup(args: &LoadArgs, users: u32) -> Duration {
    if let Some(w) = args.warmup {
        return w;
    }
    if args.repeat <= 1 {
        return Duration::ZERO;
    }
    let ramp = if args.spawn_rate > 0.0 {
        Duration::try_from_secs_f64(f64::from(users) / args.spawn_rate).unwrap_or(Duration::ZERO)
    } else {
        Duration::ZERO
    };
    ramp + args.duration / 2
}

/// Waits for Prometheus to have the run's end, then writes the report.
async fn report(
    prometheus: &str,
    run: &crate::correlation::Run,
    windows: &[Vec<crate::correlation::Window>],
    dir: &std::path::Path,
) -> Result<std::path::PathBuf, Text> {
    let api = crate::prometheus::QueryApi::new(prometheus);
    let end = run.steps.last().map_or(0.0, |s| s.end);
    crate::correlation::wait_scraped(&api, run.port, end, Duration::from_secs(30)).await?;
    crate::correlation::write_with_windows(&api, run, windows, dir).await
}

/// A new seed each run, from the clock and the process id.
fn new_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    // Kept short, so it is easy to type back with --seed.
    (nanos ^ u64::from(std::process::id()).rotate_left(32)) % 1_000_000
}

/// Whether something accepts connections at the URL's host and port (checked loopback by
/// then), within 3 s.
async fn listening(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
    let host = parsed.host_str().unwrap_or("127.0.0.1");
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = parsed.port_or_known_default().unwrap_or(80);
    match tokio::time::timeout(
        Duration::from_secs(3),
        tokio::net::TcpStream::connect((host, port)),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("timeout".to_string()),
    }
}

fn progress(s: &Snapshot, tty: bool, lang: Lang) {
    let line = match lang {
        Lang::Pt => format!(
            "{:>6.1}s  {} ativos  {} requisições  {} falhas  {:.1} req/s",
            s.elapsed.as_secs_f64(),
            s.users,
            s.requests,
            s.failures,
            s.rps
        ),
        Lang::En => format!(
            "{:>6.1}s  {} active  {} requests  {} failures  {:.1} req/s",
            s.elapsed.as_secs_f64(),
            s.users,
            s.requests,
            s.failures,
            s.rps
        ),
    };
    let dropped = if s.dropped > 0 {
        format!("  {} {}", s.dropped, lang.t("descartadas", "dropped"))
    } else {
        String::new()
    };
    let mut err = std::io::stderr().lock();
    if tty {
        let _ = write!(err, "\r\x1b[K{line}{dropped}");
    } else {
        let _ = writeln!(err, "{line}{dropped}");
    }
    let _ = err.flush();
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 || s == 0.0 {
        format!("{s}s")
    } else {
        format!("{}ms", d.as_millis())
    }
}

fn describe_plan_start(plan: &Plan, url: &str) -> Text {
    let (pt, en) = match plan.mode {
        Mode::Users {
            users,
            spawn_rate,
            think_time: (min, max),
        } => (
            if min == max {
                format!("{users} usuários ({spawn_rate}/s), pausa de {}", secs(min))
            } else {
                format!(
                    "{users} usuários ({spawn_rate}/s), pausa de {} a {}",
                    secs(min),
                    secs(max)
                )
            },
            if min == max {
                format!("{users} users ({spawn_rate}/s), thinking {}", secs(min))
            } else {
                format!(
                    "{users} users ({spawn_rate}/s), thinking {} to {}",
                    secs(min),
                    secs(max)
                )
            },
        ),
        Mode::Rate {
            per_second,
            max_in_flight,
        } => (
            format!("{per_second} requisições/s (no máximo {max_in_flight} em andamento)"),
            format!("{per_second} requests/s (at most {max_in_flight} in flight)"),
        ),
    };
    let limit = plan
        .max_requests
        .map(|n| {
            (
                format!(", até {n} requisições"),
                format!(", up to {n} requests"),
            )
        })
        .unwrap_or_default();
    both(
        format!(
            "carga em {url}: {pt}, por {}{}, mix {}, semente {} (Ctrl-C para)",
            secs(plan.duration),
            limit.0,
            plan.mix,
            plan.seed
        ),
        format!(
            "load on {url}: {en}, for {}{}, mix {}, seed {} (Ctrl-C stops)",
            secs(plan.duration),
            limit.1,
            plan.mix,
            plan.seed
        ),
    )
}

fn summary(report: &Report, plan: &Plan) -> Text {
    let (why_pt, why_en) = match report.stop {
        Stop::Duration => ("fim da duração", "its duration was over"),
        Stop::MaxRequests => ("atingiu --max-requests", "reached --max-requests"),
        Stop::Cancelled => ("interrompida (Ctrl-C)", "interrupted (Ctrl-C)"),
    };
    let who = match plan.mode {
        Mode::Users { .. } => (
            format!("{} usuários iniciados", report.users_started),
            format!("{} users started", report.users_started),
        ),
        Mode::Rate { .. } => (
            format!("{} chegadas descartadas", report.dropped),
            format!("{} arrivals dropped", report.dropped),
        ),
    };
    let seed = plan.seed;
    both(
        format!(
            "Carga parou: {why_pt}, após {:.1}s. {}. {} requisições, {} falhas. Semente {seed} (repita com --seed {seed}).",
            report.elapsed.as_secs_f64(),
            who.0,
            report.total.requests,
            report.total.failures
        ),
        format!(
            "Load stopped: {why_en}, after {:.1}s. {}. {} requests, {} failures. Seed {seed} (repeat with --seed {seed}).",
            report.elapsed.as_secs_f64(),
            who.1,
            report.total.requests,
            report.total.failures
        ),
    )
}

fn describe_mix(e: &MixError) -> Text {
    let en = format!("--mix: {e}");
    let pt = match e {
        MixError::UnknownAction(a) => format!(
            "--mix: ação desconhecida `{a}` (as ações são navegar, produto, busca, carrinho, checkout, logout)"
        ),
        MixError::UnknownProduct { action, produto_id } => {
            format!("--mix: `{action}:{produto_id}`: os produtos são 1, 2, 3 e 4")
        }
        MixError::NotPinnable(a) => format!(
            "--mix: `{a}` não se fixa num produto (só produto, carrinho e checkout: checkout:2=1)"
        ),
        MixError::Duplicate(a) => format!("--mix: `{a}` aparece duas vezes"),
        MixError::Syntax(p) => format!(
            "--mix: `{p}`: escreva pares nome=peso, por exemplo navegar=5,produto=3,checkout=1"
        ),
        MixError::Empty => "--mix: nenhuma ação com peso acima de 0".to_string(),
    };
    both(pt, en)
}

fn describe_plan(e: &PlanError) -> Text {
    let pt = match e {
        PlanError::NoUsers => "--users: pelo menos 1 usuário",
        PlanError::SpawnRate => "--spawn-rate: usuários por segundo, acima de 0",
        PlanError::ThinkTime => "a pausa vai de um mínimo a um máximo maior ou igual",
        PlanError::Rate => "--rate: requisições por segundo, acima de 0",
        PlanError::MaxInFlight => "--max-in-flight: pelo menos 1",
        PlanError::Duration => "--duration: acima de 0",
        PlanError::RequestTimeout => "--request-timeout: acima de 0",
    };
    both(pt, e.to_string())
}

fn describe_error(e: &Error) -> Text {
    match e {
        Error::NotLoopback { host, .. } => both(
            format!(
                "`{host}` não é esta máquina: a carga só vai para o loopback (127.0.0.1, ::1, localhost), nenhum tráfego sai da máquina"
            ),
            e.to_string(),
        ),
        Error::BadUrl { url, reason } => both(
            format!("`{url}` não serve de endereço para a carga: {reason}"),
            e.to_string(),
        ),
        Error::Plan(p) => describe_plan(p),
        Error::Client(c) => both(
            format!("o cliente HTTP não pôde ser criado: {c}"),
            e.to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3d").is_err());
        assert_eq!(
            parse_think("1s..3s"),
            Ok((Duration::from_secs(1), Duration::from_secs(3)))
        );
        assert_eq!(parse_think("0"), Ok((Duration::ZERO, Duration::ZERO)));
        assert_eq!(
            parse_think("100..300ms"),
            Ok((Duration::from_millis(100), Duration::from_millis(300)))
        );
    }
}
