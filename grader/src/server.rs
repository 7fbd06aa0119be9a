//! Grading a server: the submission is an app that listens on a port (every exercise but the
//! batch job). Prometheus starts first (its first target update overlaps the build), then the
//! app is built and started on the port Prometheus scrapes, the submitted rules and config are
//! loaded, the phases the spec asks for run side by side (`crate::phases`), and every check the
//! phases did not decide runs against the app and Prometheus (`crate::checks`). Everything it
//! started is stopped before it returns; on an early return, dropping the handles kills them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::answers::Answers;
use crate::app::App;
use crate::build::Submission;
use crate::checks::{self, Context, Outcome};
use crate::dashboard::Dashboard;
use crate::lang::{Text, both};
use crate::options::{EnvError, Halt, timing};
use crate::promconfig::Submitted;
use crate::prometheus::{self, Backend, Prometheus};
use crate::rules::SubmittedRules;
use crate::scrape::Scraper;

/// Grades the server in `s`: each check's outcome by id. Notes for the report go to `notes`,
/// also when the grading halts.
pub async fn grade(
    s: &Submission<'_>,
    notes: &mut Vec<Text>,
) -> Result<HashMap<String, Outcome>, Halt> {
    let (spec, opts) = (s.spec, s.opts);
    // Prometheus first: it applies its scrape targets on a 5-second tick, so it starts before
    // the build and the direct checks and that wait overlaps them. The app's port is picked
    // now so Prometheus knows where to scrape. Until the app listens, its scrapes just fail.
    let given = match &opts.url {
        Some(url) => Some(
            crate::net::parse_loopback_url(url)
                .map_err(|e| EnvError::Io(std::io::Error::other(e)))?,
        ),
        None => None,
    };
    // A kept server (watch, bulk) when the grading runs the grader's own config: it already
    // scrapes its fixed port, where the app then starts, so its target tick is behind it.
    let keepable = given.is_none()
        && spec.prometheus_config.is_none()
        && spec.rules.is_none()
        && !spec.node_exporter;
    let mut lease = match (s.backend, &opts.kept) {
        (Some(backend), Some(kept)) if keepable => Some(
            kept.lease(backend, Duration::from_secs(30))
                .await
                .map_err(EnvError::Prometheus)?,
        ),
        _ => None,
    };
    let addr = match (&given, &lease) {
        (Some((_, addr)), _) => *addr,
        (None, Some(lease)) => lease.app(),
        (None, None) => crate::net::loopback(crate::net::free_port()?),
    };
    let mut own = match (s.backend, &lease) {
        (Some(backend), None) => Some(
            Prometheus::start(
                backend,
                addr,
                spec.prometheus_config.is_none(),
                s.work,
                Duration::from_secs(30),
            )
            .await
            .map_err(EnvError::Prometheus)?,
        ),
        _ => None,
    };
    if let Some(p) = own
        .as_mut()
        .or_else(|| lease.as_mut().map(prometheus::Lease::prometheus_mut))
    {
        p.set_query_timeout(spec.query_timeout());
    }
    let prom = own
        .as_ref()
        .or_else(|| lease.as_ref().map(prometheus::Lease::prometheus));
    if prom.is_some() {
        timing("prometheus ready", s.started);
    }
    // From here on, returning early drops Prometheus and the app, which kills them (a kept
    // server goes back to its pool).

    let (app, exe, base) = match given {
        Some((base, _)) => {
            notes.push(both(
                format!("App já em execução em {base} (--url): o avaliador não o compila, não o inicia nem o para."),
                format!("App already running at {base} (--url): the grader neither builds, starts nor stops it."),
            ));
            (None, None, base)
        }
        None => {
            let (app, exe, note) = build_and_start(s, addr).await?;
            notes.extend(note);
            let base = app.url("");
            (Some(app), exe, base)
        }
    };
    timing("app started", s.started);
    let mut scraper = Scraper::new(base.clone(), opts.request_timeout);
    for r in &spec.warmup {
        // A failure here shows in the checks that follow, with their own explanation.
        let _ = scraper.request(r).await;
    }
    if let (Some(p), Some(backend)) = (prom, s.backend) {
        let v = p.version().await.unwrap_or_else(|| "?".into());
        notes.push(match backend {
            Backend::Native(bin) => both(
                format!("Avaliado com Prometheus {v} (binário {}).", bin.display()),
                format!("Graded with Prometheus {v} (binary {}).", bin.display()),
            ),
            Backend::Docker(image) => both(
                format!("Avaliado com Prometheus {v} (contêiner {image})."),
                format!("Graded with Prometheus {v} (container {image})."),
            ),
        });
    }
    // The machine's metrics, for a config that scrapes a Node Exporter (the final project).
    let node = match (spec.node_exporter, &prom) {
        (true, Some(_)) => Some(
            crate::node_exporter::NodeExporter::start(
                &s.work.join("node-exporter"),
                Duration::from_secs(15),
            )
            .await
            .map_err(EnvError::Prometheus)?,
        ),
        _ => None,
    };
    // The rules first: loading them puts the grader's own config back, so a submitted
    // config (which names the rule files itself) comes after and is the one that runs.
    let rules = match (&spec.rules, &prom) {
        (Some(file), Some(p)) => {
            let r = SubmittedRules::load(p, s.dir, file).await;
            if !r.rewrites.is_empty() {
                notes.push(rewrites_note(&r.rewrites));
            }
            Some(r)
        }
        _ => None,
    };
    // The submitted config replaces the grader's own, now that the app is up.
    let config = match (&spec.prometheus_config, &prom) {
        (Some(file), Some(p)) => {
            let target = node.as_ref().map(|n| n.target.as_str());
            let sub = Submitted::load_with_node(p, s.dir, file, target).await;
            if !sub.rewrites.is_empty() {
                notes.push(rewrites_note(&sub.rewrites));
            }
            Some(sub)
        }
        _ => None,
    };
    // Prometheus adds a reloaded config's targets on its 5-second discovery tick: the Node
    // Exporter's must have been scraped before the load, or a rate over the machine's series
    // may find one sample at the load's end.
    if let (Some(n), Some(p), Some(_)) = (&node, prom, &config) {
        wait_scraped(p, &n.target, Duration::from_secs(15)).await;
    }
    // The phases the spec asks for, side by side (see `crate::phases`): the load on the app,
    // which gives the instant every answer is evaluated at, and the alert scenarios and the
    // Black Friday, each in an app and a Prometheus of its own. An app the grader did not
    // start may have no fault injection: what needs it is skipped, and the load runs
    // without faults.
    let no_faults = opts.url.is_some() && !crate::workload::has_faults(&base).await;
    let stage = crate::phases::Stage {
        spec,
        opts,
        base: &base,
        port: addr.port(),
        prom,
        rules: rules.as_ref(),
        backend: s.backend,
        exe: exe.as_deref(),
        work: s.work,
        no_faults,
    };
    let phases = crate::phases::chosen(spec);
    let done = crate::phases::run_all(&phases, &stage).await?;
    let mut decided = done.outcomes;
    notes.extend(done.notes);
    let loaded = done.load.unwrap_or_default();
    let window = loaded.at.map(|at| (loaded.from, at));
    let at = loaded.at;
    timing("load and scenarios", s.started);
    let answers = spec.answers.as_ref().map(|f| Answers::load(s.dir, f));
    let dashboard = spec.dashboard.as_ref().map(|f| Dashboard::load(s.dir, f));
    // Checks on /metrics first, then the ones through Prometheus, which by then has had time
    // to scrape.
    let (through_prometheus, direct): (Vec<_>, Vec<_>) =
        spec.checks.iter().partition(|c| c.kind.needs_prometheus());
    let mut results = HashMap::new();
    for check in direct.into_iter().chain(through_prometheus) {
        if let Some(outcome) = decided.remove(&check.id) {
            results.insert(check.id.clone(), outcome);
            continue;
        }
        if no_faults && check.kind.injects_faults() {
            let reason = both(
                format!("{base}/admin/falhas não existe: este app não tem injeção de falhas"),
                format!("{base}/admin/falhas does not exist: this app has no fault injection"),
            );
            results.insert(
                check.id.clone(),
                checks::Outcome::skip(check.title.clone(), reason),
            );
            continue;
        }
        let mut cx = Context {
            scraper: &mut scraper,
            prometheus: prom.map(|p| p as &dyn checks::PrometheusProbe),
            config: config.as_ref(),
            answers: answers.as_ref(),
            dashboard: dashboard.as_ref(),
            readings: loaded.readings.as_ref(),
            repeated: loaded.repeated.as_ref(),
            rules: rules.as_ref(),
            at,
            submission: Some(s.dir),
        };
        let outcome = checks::run_within(check, &mut cx).await;
        results.insert(check.id.clone(), outcome);
    }
    if let (Some(dir), Some(p), false) = (&opts.charts, &prom, loaded.steps.is_empty()) {
        let run = crate::phases::correlation_run(&base, addr.port(), &loaded);
        notes.push(correlation_report(p, run, &loaded.windows, dir).await);
    }
    if let (Some(dir), Some(p), Some(d), Some((from, to))) =
        (&opts.charts, &prom, &dashboard, window)
    {
        notes.push(crate::panel_charts::draw(p, d, from, to, dir).await);
    }
    // A kept server goes back to its pool with the lease.
    if let Some(p) = own {
        p.stop().await;
    }
    if let Some(n) = node {
        n.stop().await;
    }
    if let Some(app) = app {
        app.process.stop(Duration::from_secs(2)).await;
    }

    Ok(results)
}

/// Builds the app this grading runs (the submission's crate, or for a submission of files the
/// crate of the earlier exercise it configures) and starts it on `addr`; or starts the command
/// of the submission's start manifest. With the app, its binary when it was built, and a note
/// naming it when it is not the submission itself.
async fn build_and_start(
    s: &Submission<'_>,
    addr: std::net::SocketAddr,
) -> Result<(App, Option<PathBuf>, Option<Text>), Halt> {
    let (spec, opts) = (s.spec, s.opts);
    // An app in any language, started as its manifest says: nothing to build.
    if let Some(m) = s.manifest.filter(|m| m.starts_app()) {
        let log = s.work.join("app.log");
        let app = m
            .start(
                s.dir,
                &log,
                addr.port(),
                opts.latency_scale,
                opts.startup_timeout,
            )
            .await;
        return app.map(|app| (app, None, None)).map_err(Halt::Ungradable);
    }
    let (crate_dir, exercise, starter, note) = match &spec.app {
        Some(app) => {
            let dir = s.course.app_crate(app, &opts.which);
            let note = both(
                format!(
                    "App avaliado: {} (exercício {}).",
                    dir.display(),
                    app.exercise
                ),
                format!(
                    "App graded with: {} (exercise {}).",
                    dir.display(),
                    app.exercise
                ),
            );
            (
                dir,
                app.exercise.as_str(),
                app.starter.as_path(),
                Some(note),
            )
        }
        None => (
            s.dir.to_path_buf(),
            spec.id.as_str(),
            spec.starter.as_path(),
            None,
        ),
    };
    let exe = s.build(exercise, starter, &crate_dir).await?;
    let started = App::start(
        &exe,
        &s.work.join("app.log"),
        addr.port(),
        opts.latency_scale,
        opts.startup_timeout,
        opts.isolation,
    )
    .await;
    match started {
        Ok(app) => Ok((app, Some(exe), note)),
        Err(crate::app::StartError::Environment(t)) => Err(EnvError::Isolation(t).into()),
        Err(e) => Err(Halt::Ungradable(e.describe())),
    }
}

/// Waits (at most `within`) until Prometheus has scraped the target at `host_port`; past the
/// bound the checks find what there is.
async fn wait_scraped(prom: &Prometheus, host_port: &str, within: Duration) {
    let start = tokio::time::Instant::now();
    while start.elapsed() < within {
        if let Ok(targets) = prom.targets().await
            && targets
                .iter()
                .any(|t| t.scrape_url.contains(host_port) && t.health == "up")
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The report's note listing what the grader changed in its copy of a submitted file.
fn rewrites_note(rewrites: &[Text]) -> Text {
    let (pt, en): (Vec<_>, Vec<_>) = rewrites
        .iter()
        .map(|r| (format!("  - {}", r.pt), format!("  - {}", r.en)))
        .unzip();
    both(
        format!(
            "Reescrito na cópia que o Prometheus do avaliador usa (o seu arquivo não muda):\n{}",
            pt.join("\n")
        ),
        format!(
            "Rewritten in the copy the grader's Prometheus runs (your file is unchanged):\n{}",
            en.join("\n")
        ),
    )
}

/// Writes the correlation report of the stepped load into `dir` (`--charts`); the note says
/// where, or why not.
async fn correlation_report(
    prom: &Prometheus,
    mut run: crate::correlation::Run,
    windows: &[Vec<crate::correlation::Window>],
    dir: &std::path::Path,
) -> Text {
    run.users = run
        .steps
        .iter()
        .flat_map(|s| [(s.start, s.users), (s.end, s.users)])
        .collect();
    match crate::correlation::write_with_windows(prom.api(), &run, windows, dir).await {
        Ok(index) => both(
            format!("Relatório da carga em degraus: {}", index.display()),
            format!("The stepped load's report: {}", index.display()),
        ),
        Err(e) => both(
            format!("Relatório da carga em degraus: não escrito, {}", e.pt),
            format!("The stepped load's report: not written, {}", e.en),
        ),
    }
}
