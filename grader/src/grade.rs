//! Grading one submission: find it, check it has its files and a valid start manifest, grade
//! it as the kind of program its spec says it is (a server, `crate::server`, or a batch job,
//! `crate::job`), and report every check in the spec's order.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::build::Submission;
use crate::checks::Outcome;
use crate::course::Course;
use crate::lang::{Text, both};
use crate::options::{Halt, timing};
use crate::prometheus;
use crate::report::{CheckResult, Report};
use crate::spec::{Spec, Subject};

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
        guide_part: spec.guide_part.clone(),
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

    // The rest depends on what the submission is (see `Subject`); both say why it cannot be
    // graded the same way, and both leave every process they started stopped.
    let s = Submission {
        course,
        spec,
        opts,
        backend: backend.as_ref(),
        dir: &submission,
        work: work.path(),
        manifest: manifest.as_ref(),
        started,
    };
    let outcomes = match spec.subject() {
        Subject::Server => crate::server::grade(&s, &mut report.notes).await,
        Subject::BatchJob(job) => crate::job::grade(&s, job, &mut report.notes).await,
    };
    match outcomes {
        Ok(outcomes) => record(&mut report, spec, outcomes),
        Err(Halt::Ungradable(reason)) => return Ok(ungradable(report, spec, reason, started)),
        Err(Halt::Environment(e)) => return Err(e),
    }
    report.elapsed = started.elapsed();
    timing("verdict", started);
    Ok(report)
}

/// Adds each check's outcome to the report, in the spec's order whatever order they ran in,
/// with the grader's cause of a failure before the spec's hint.
fn record(report: &mut Report, spec: &Spec, mut outcomes: HashMap<String, Outcome>) {
    for check in &spec.checks {
        let Some(outcome) = outcomes.remove(&check.id) else {
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
