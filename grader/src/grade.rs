//! Grading one submission: build it, start it, run the spec's checks, and report.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::answers::Answers;
use crate::app::App;
use crate::checks::{self, Context};
use crate::course::Course;
use crate::dashboard::Dashboard;
use crate::lang::{Text, both};
use crate::promconfig::Submitted;
use crate::prometheus::{self, Backend, Prometheus};
use crate::report::{CheckResult, Report};
use crate::rules::SubmittedRules;
use crate::scrape::Scraper;
use crate::spec::Spec;

use crate::build::build;
pub use crate::options::{EnvError, Options};

pub async fn grade(course: &Course, spec: &Spec, opts: &Options) -> Result<Report, EnvError> {
    let started = Instant::now();
    let mut notes = Vec::new();
    let backend = if spec.needs_prometheus() {
        let (backend, fallback) = prometheus::choose(
            opts.backend,
            &opts.prometheus_image,
            opts.prometheus_bin.as_deref(),
        )
        .await
        .map_err(EnvError::Prometheus)?;
        notes.extend(fallback);
        Some(backend)
    } else {
        None
    };
    let mut report = Report {
        exercise: spec.id.clone(),
        title: spec.title.clone(),
        roteiro: spec.roteiro.clone(),
        ungradable: None,
        checks: Vec::new(),
        notes,
        elapsed: Duration::ZERO,
        hidden_seed: spec.hidden_seed,
        course: Some(course.root.clone()),
    };
    let work = tempfile::Builder::new().prefix("grader-").tempdir()?;
    let submission = match course.submission(spec, &opts.which) {
        Ok(dir) => dir,
        Err(reason) => {
            return Ok(ungradable(
                report,
                spec,
                both(reason.clone(), reason),
                started,
            ));
        }
    };
    // A start manifest (`avaliador.toml`) may say how the app starts, ask for its track's
    // spec and rename metrics; a bad one is the submission's verdict.
    let manifest = match crate::manifest::Manifest::find(&submission) {
        Ok(m) => m,
        Err(reason) => return Ok(ungradable(report, spec, reason, started)),
    };
    let resolved = match &manifest {
        Some(m) => match m.spec_for(spec) {
            Ok(s) => Some(s),
            Err(reason) => return Ok(ungradable(report, spec, reason, started)),
        },
        None => None,
    };
    let given = spec;
    let spec = resolved.as_ref().unwrap_or(spec);
    report.title = spec.title.clone();
    if let Some(m) = &manifest {
        report.notes.extend(m.notes(given, spec));
    }
    report.notes.extend(spec.note.clone());

    if let Some(missing) = spec.files.iter().find(|f| !submission.join(f).is_file()) {
        let dir = submission.display();
        let reason = both(
            format!("falta {missing} em {dir}"),
            format!("{missing} is missing in {dir}"),
        );
        return Ok(ungradable(report, spec, reason, started));
    }

    // A batch job is no app: it is built, run twice beside a Pushgateway, and judged on what
    // its runs left (see `crate::job`).
    if let Some(job) = &spec.job {
        let outcomes = crate::job::grade(
            course,
            spec,
            job,
            opts,
            backend.as_ref(),
            &submission,
            work.path(),
            &mut report.notes,
        )
        .await?;
        let mut outcomes = match outcomes {
            Ok(o) => o,
            Err(reason) => return Ok(ungradable(report, spec, reason, started)),
        };
        let results: Vec<_> = spec
            .checks
            .iter()
            .filter_map(|c| outcomes.remove(&c.id).map(|o| (c, o)))
            .collect();
        record(&mut report, spec, &results);
        report.elapsed = started.elapsed();
        return Ok(report);
    }

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
    let mut lease = match (&backend, &opts.kept) {
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
    let mut own = match (&backend, &lease) {
        (Some(backend), None) => Some(
            Prometheus::start(
                backend,
                addr,
                spec.prometheus_config.is_none(),
                work.path(),
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
        timing("prometheus ready", started);
    }
    // From here on, returning early drops Prometheus and the app, which kills them (a kept
    // server goes back to its pool).

    let (app, exe, base) = match given {
        Some((base, _)) => {
            report.notes.push(both(
                format!("App já em execução em {base} (--url): o avaliador não o compila, não o inicia nem o para."),
                format!("App already running at {base} (--url): the grader neither builds, starts nor stops it."),
            ));
            (None, None, base)
        }
        None => match build_and_start(
            course,
            spec,
            opts,
            &submission,
            work.path(),
            addr,
            manifest.as_ref(),
        )
        .await?
        {
            Ok((app, exe, note)) => {
                report.notes.extend(note);
                let base = app.url("");
                (Some(app), exe, base)
            }
            Err(reason) => return Ok(ungradable(report, spec, reason, started)),
        },
    };
    timing("app started", started);
    let mut scraper = Scraper::new(base.clone(), opts.request_timeout);
    for r in &spec.warmup {
        // A failure here shows in the checks that follow, with their own explanation.
        let _ = scraper.request(r).await;
    }
    if let (Some(p), Some(backend)) = (&prom, &backend) {
        let v = p.version().await.unwrap_or_else(|| "?".into());
        report.notes.push(match backend {
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
                &work.path().join("node-exporter"),
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
            let r = SubmittedRules::load(p, &submission, file).await;
            if !r.rewrites.is_empty() {
                report.notes.push(rewrites_note(&r.rewrites));
            }
            Some(r)
        }
        _ => None,
    };
    // The submitted config replaces the grader's own, now that the app is up.
    let config = match (&spec.prometheus_config, &prom) {
        (Some(file), Some(p)) => {
            let target = node.as_ref().map(|n| n.target.as_str());
            let sub = Submitted::load_with_node(p, &submission, file, target).await;
            if !sub.rewrites.is_empty() {
                report.notes.push(rewrites_note(&sub.rewrites));
            }
            Some(sub)
        }
        _ => None,
    };
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
        backend: backend.as_ref(),
        exe: exe.as_deref(),
        work: work.path(),
        no_faults,
    };
    let phases = crate::phases::chosen(spec);
    let done = crate::phases::run_all(&phases, &stage)
        .await
        .map_err(EnvError::Prometheus)?;
    let mut decided = done.outcomes;
    report.notes.extend(done.notes);
    let loaded = done.load.unwrap_or_default();
    let window = loaded.at.map(|at| (loaded.from, at));
    let at = loaded.at;
    timing("load and scenarios", started);
    let answers = spec.answers.as_ref().map(|f| Answers::load(&submission, f));
    let dashboard = spec
        .dashboard
        .as_ref()
        .map(|f| Dashboard::load(&submission, f));
    // Checks on /metrics first, then the ones through Prometheus, which by then has had time
    // to scrape.
    let (through_prometheus, direct): (Vec<_>, Vec<_>) =
        spec.checks.iter().partition(|c| c.kind.needs_prometheus());
    let mut results = Vec::new();
    for check in direct.into_iter().chain(through_prometheus) {
        if let Some(outcome) = decided.remove(&check.id) {
            results.push((check, outcome));
            continue;
        }
        if no_faults && check.kind.injects_faults() {
            let reason = both(
                format!("{base}/admin/falhas não existe: este app não tem injeção de falhas"),
                format!("{base}/admin/falhas does not exist: this app has no fault injection"),
            );
            results.push((check, checks::Outcome::skip(check.title.clone(), reason)));
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
            submission: Some(&submission),
        };
        results.push((check, checks::run_within(check, &mut cx).await));
    }
    if let (Some(dir), Some(p), false) = (&opts.charts, &prom, loaded.steps.is_empty()) {
        let run = crate::phases::correlation_run(&base, addr.port(), &loaded);
        report
            .notes
            .push(correlation_report(p, run, &loaded.windows, dir).await);
    }
    if let (Some(dir), Some(p), Some(d), Some((from, to))) =
        (&opts.charts, &prom, &dashboard, window)
    {
        report
            .notes
            .push(crate::panel_charts::draw(p, d, from, to, dir).await);
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

    record(&mut report, spec, &results);
    report.elapsed = started.elapsed();
    timing("verdict", started);
    Ok(report)
}

/// Adds each check's outcome to the report, in the spec's order whatever order they ran in,
/// with the grader's cause of a failure before the spec's hint.
fn record(report: &mut Report, spec: &Spec, results: &[(&crate::spec::Check, checks::Outcome)]) {
    for check in &spec.checks {
        let Some((_, outcome)) = results.iter().find(|(c, _)| c.id == check.id) else {
            continue;
        };
        let hint = match (&outcome.cause, &check.hint, outcome.passed) {
            (_, _, true) => None,
            (Some(cause), Some(h), _) => Some(both(
                format!("{}\n{}", cause.pt, h.pt),
                format!("{}\n{}", cause.en, h.en),
            )),
            (c, h, _) => c.clone().or_else(|| h.clone()),
        };
        report.checks.push(CheckResult {
            id: check.id.clone(),
            title: check.title.clone(),
            max_score: check.points,
            passed: outcome.passed,
            expected: Some(outcome.expected.clone()),
            seen: Some(outcome.seen.clone()),
            hint,
            note: outcome.note.clone(),
            skipped: outcome.skipped,
            hidden: check.hidden,
        });
    }
}

/// Builds the app this grading runs (the submission's crate, or for a submission of files the
/// crate of the earlier exercise it configures) and starts it on `addr`; or starts the command
/// of the submission's start manifest. `Ok(Err(reason))` when the submission cannot be graded;
/// with the app, its binary when it was built, and a note naming it when it is not the
/// submission itself.
async fn build_and_start(
    course: &Course,
    spec: &Spec,
    opts: &Options,
    submission: &std::path::Path,
    work: &std::path::Path,
    addr: std::net::SocketAddr,
    manifest: Option<&crate::manifest::Manifest>,
) -> Result<Result<(App, Option<PathBuf>, Option<Text>), Text>, EnvError> {
    // An app in any language, started as its manifest says: nothing to build.
    if let Some(m) = manifest.filter(|m| m.starts_app()) {
        let log = work.join("app.log");
        let app = m
            .start(
                submission,
                &log,
                addr.port(),
                opts.latency_scale,
                opts.startup_timeout,
            )
            .await;
        return Ok(app.map(|app| (app, None, None)));
    }
    let (crate_dir, exercise, starter, note) = match &spec.app {
        Some(app) => {
            let dir = course.app_crate(app, &opts.which);
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
            submission.to_path_buf(),
            spec.id.as_str(),
            spec.starter.as_path(),
            None,
        ),
    };
    let exe = match build(course, exercise, starter, &crate_dir, work, opts).await? {
        Ok(exe) => exe,
        Err(reason) => return Ok(Err(reason)),
    };
    let started = App::start(
        &exe,
        &work.join("app.log"),
        addr.port(),
        opts.latency_scale,
        opts.startup_timeout,
        opts.isolation,
    )
    .await;
    Ok(match started {
        Ok(app) => Ok((app, Some(exe), note)),
        Err(crate::app::StartError::Environment(t)) => return Err(EnvError::Isolation(t)),
        Err(e) => Err(e.describe()),
    })
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

/// With `GRADER_TIMINGS` set, when each phase ended, on stderr (for `scripts/bench-grade.sh`).
fn timing(phase: &str, started: Instant) {
    if std::env::var_os("GRADER_TIMINGS").is_some() {
        eprintln!("timing: {phase} {:.3}", started.elapsed().as_secs_f64());
    }
}

/// Every check scores 0 and the report says why nothing could be checked.
fn ungradable(mut report: Report, spec: &Spec, reason: Text, started: Instant) -> Report {
    report.checks = spec
        .checks
        .iter()
        .map(|c| CheckResult {
            id: c.id.clone(),
            title: c.title.clone(),
            max_score: c.points,
            passed: false,
            expected: None,
            seen: Some(both("não executado", "not run")),
            hint: None,
            note: None,
            skipped: false,
            hidden: c.hidden,
        })
        .collect();
    report.ungradable = Some(reason);
    report.elapsed = started.elapsed();
    report
}
