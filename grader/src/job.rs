//! Grading a batch job: a program that runs once, pushes its metrics to a Pushgateway when it
//! ends, and exits (see [`JobSpec`]). There is no app to scrape; instead the grader
//!
//! 1. builds the job and starts an empty Pushgateway and, when a check needs one, a Prometheus
//!    that scrapes it every second with `honor_labels: true` and evaluates the course's alert;
//! 2. runs the job once as it should go (the run must succeed), and reads what the Pushgateway
//!    holds and what Prometheus sees and alerts on after its next scrape;
//! 3. runs it again made to fail (the spec's switch set to `1`), and reads the same again;
//! 4. stops everything, then judges every check on what was recorded ([`crate::checks::push`]).
//!
//! Every wait is bounded: each run by the spec's `timeout_s`, each read of Prometheus by a
//! few seconds. The Pushgateway, Prometheus and the job are gone when this returns, on every
//! path (their handles stop them when dropped).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::build::Submission;
use crate::checks::Outcome;
pub use crate::checks::push::{AlertWatch, FIRES_WITHIN, Observed, RunRecord, Snapshot};
use crate::course::Course;
use crate::lang::{Text, both};
use crate::options::{EnvError, Halt, Options};
use crate::process::{Limits, Owned, Untrusted};
use crate::prometheus::unix_now;
use crate::prometheus::{ActiveAlert, Backend, Prometheus, Pushgateway};
use crate::spec::{CheckKind, JobSpec, Spec};

/// The scrape job under which Prometheus collects the Pushgateway.
pub const SCRAPE_JOB: &str = "pushgateway";
/// The course's rule file, as Prometheus sees it in its config folder.
const RULES_FILE: &str = "alertas-do-curso.yml";
/// How long Prometheus may take to scrape the Pushgateway after a run.
const FRESH_WITHIN: Duration = Duration::from_secs(10);
/// How long the alert may take to go quiet after the successful run has been scraped.
const SILENT_WITHIN: Duration = Duration::from_secs(5);

/// Grades the batch job `job` in `s`: the outcome of every check by id. `notes` gets what the
/// report should mention.
pub async fn grade(
    s: &Submission<'_>,
    job: &JobSpec,
    notes: &mut Vec<Text>,
) -> Result<HashMap<String, Outcome>, Halt> {
    let (course, spec, opts, work) = (s.course, s.spec, s.opts, s.work);
    if opts.url.is_some() {
        let reason = both(
            "este exercício é um job que o avaliador compila e executa: --url não se aplica",
            "this exercise is a job the grader builds and runs: --url does not apply",
        );
        return Ok(spec
            .checks
            .iter()
            .map(|c| (c.id.clone(), Outcome::skip(c.title.clone(), reason.clone())))
            .collect());
    }
    let Some(backend) = s.backend else {
        return Err(EnvError::Prometheus(crate::prometheus::how_to_install()).into());
    };
    // Prometheus takes a few seconds to start scraping a new target: it gets them while the
    // job builds.
    let (built, stage) = tokio::join!(
        s.build(&spec.id, &spec.starter, s.dir),
        Stage::start(course, spec, job, opts, backend, work),
    );
    let stage = stage.map_err(EnvError::Prometheus)?;
    let exe = match built {
        Ok(exe) => exe,
        Err(halt) => {
            stage.stop().await;
            return Err(halt);
        }
    };
    notes.push(stage.versions_note(backend).await);
    let observed = observe(&stage, spec, job, &exe, work).await;
    stage.stop().await;
    Ok(spec
        .checks
        .iter()
        .filter_map(|c| {
            crate::checks::push::judge(&c.kind, job, &observed).map(|o| (c.id.clone(), o))
        })
        .collect())
}

/// What the job runs against: an empty Pushgateway and, when a check needs one, a Prometheus
/// scraping it and evaluating the course's alert.
struct Stage {
    pgw: Pushgateway,
    prom: Option<Prometheus>,
    /// The alert the checks watch.
    alert: Option<String>,
}

impl Stage {
    /// Starts both and waits until Prometheus scrapes the Pushgateway. `Err` is the
    /// environment's trouble, not the submission's; nothing is left running then.
    async fn start(
        course: &Course,
        spec: &Spec,
        job: &JobSpec,
        opts: &Options,
        backend: &Backend,
        work: &Path,
    ) -> Result<Self, Text> {
        let pgw = Pushgateway::start(
            backend,
            opts.pushgateway_bin.as_deref(),
            &opts.pushgateway_image,
            &work.join("pushgateway"),
            Duration::from_secs(30),
        )
        .await?;
        let alert = spec.checks.iter().find_map(|c| match &c.kind {
            CheckKind::PushAlert(k) => Some(k.alert.clone()),
            _ => None,
        });
        let mut stage = Self {
            pgw,
            prom: None,
            alert,
        };
        if spec.checks.iter().any(|c| c.kind.needs_prometheus()) {
            let started = stage.start_prometheus(course, job, backend, work).await;
            match started {
                Ok(p) => stage.prom = Some(p),
                Err(e) => {
                    stage.stop().await;
                    return Err(e);
                }
            }
        }
        Ok(stage)
    }

    async fn start_prometheus(
        &self,
        course: &Course,
        job: &JobSpec,
        backend: &Backend,
        work: &Path,
    ) -> Result<Prometheus, Text> {
        let prom = Prometheus::start(
            backend,
            self.pgw.addr(),
            false,
            work,
            Duration::from_secs(30),
        )
        .await?;
        let configured = async {
            let rules = match (&job.rules, &self.alert) {
                (Some(file), Some(_)) => {
                    let path = course.root.join(file);
                    let text = std::fs::read_to_string(&path).map_err(|e| {
                        let p = path.display();
                        both(format!("{p}: {e}"), format!("{p}: {e}"))
                    })?;
                    prom.write_file(RULES_FILE, &text)?;
                    Some(prom.seen_path(RULES_FILE))
                }
                _ => None,
            };
            prom.reload(&scrape_config(prom.app_target(), rules.as_deref()))
                .await?;
            wait_scraping(&prom).await
        };
        match configured.await {
            Ok(()) => Ok(prom),
            Err(e) => {
                prom.stop().await;
                Err(e)
            }
        }
    }

    /// Which Pushgateway and Prometheus graded, as the report says it for Prometheus alone.
    async fn versions_note(&self, backend: &Backend) -> Text {
        let (pt, en) = match backend {
            Backend::Native(_) => ("binário", "binary"),
            Backend::Docker(_) => ("contêiner", "container"),
        };
        let pgw = self.pgw.version().await.unwrap_or_else(|| "?".into());
        let origin = self.pgw.origin();
        let prom = match (&self.prom, backend) {
            (Some(p), Backend::Native(bin)) => Some((p.version().await, bin.display().to_string())),
            (Some(p), Backend::Docker(image)) => Some((p.version().await, image.clone())),
            (None, _) => None,
        };
        let (prom_pt, prom_en) = match prom {
            Some((v, at)) => {
                let v = v.unwrap_or_else(|| "?".into());
                (
                    format!(" e Prometheus {v} ({pt} {at})"),
                    format!(" and Prometheus {v} ({en} {at})"),
                )
            }
            None => (String::new(), String::new()),
        };
        both(
            format!("Avaliado com Pushgateway {pgw} ({pt} {origin}){prom_pt}."),
            format!("Graded with Pushgateway {pgw} ({en} {origin}){prom_en}."),
        )
    }

    async fn stop(self) {
        if let Some(p) = self.prom {
            p.stop().await;
        }
        self.pgw.stop().await;
    }
}

/// Runs the job twice against `stage` and records what the Pushgateway, Prometheus and the
/// alert showed after each run.
async fn observe(stage: &Stage, spec: &Spec, job: &JobSpec, exe: &Path, work: &Path) -> Observed {
    let pgw = &stage.pgw;
    let mut watch = stage.alert.as_ref().map(|name| AlertWatch {
        name: name.clone(),
        after_success: Vec::new(),
        after_failure: Err(Vec::new()),
    });

    // The run that should succeed.
    let success = run(exe, job, pgw, false, &work.join("job-sucesso.log")).await;
    let after_success = pgw.groups().await;
    let mut scraped = None;
    if let Some(prom) = &stage.prom {
        wait_fresh(prom, success.finished).await;
        let mut seen = BTreeMap::new();
        let mut error = None;
        for m in scraped_metrics(spec) {
            match prom.query_at(&m, unix_now()).await {
                Ok(series) => {
                    seen.insert(m, series);
                }
                Err(e) => error = Some(e),
            }
        }
        scraped = Some(match error {
            Some(e) => Err(e),
            None => Ok(seen),
        });
        if let Some(w) = &mut watch {
            // Silent means two readings in a row without it, half a second apart. An alert
            // still active from before the push (nothing pushed yet is "never succeeded") has
            // a few seconds to resolve on a slow machine.
            let start = Instant::now();
            let mut quiet = 0;
            while start.elapsed() < SILENT_WITHIN && quiet < 2 {
                let now = active(prom, &w.name).await;
                quiet = if now.is_empty() { quiet + 1 } else { 0 };
                if !now.is_empty() {
                    w.after_success = now;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            if quiet == 2 {
                w.after_success.clear();
            }
        }
    }

    // The run made to fail.
    let failure = run(exe, job, pgw, true, &work.join("job-falha.log")).await;
    let after_failure = pgw.groups().await;
    if let (Some(prom), Some(w)) = (&stage.prom, &mut watch) {
        wait_fresh(prom, failure.finished).await;
        let start = Instant::now();
        let mut states = Vec::new();
        while start.elapsed() < FIRES_WITHIN {
            let now = active(prom, &w.name).await;
            if let Some(a) = now.iter().find(|a| a.state == "firing") {
                let after =
                    Duration::try_from_secs_f64(unix_now() - failure.finished).unwrap_or_default();
                w.after_failure = Ok((after, a.clone()));
                break;
            }
            states.extend(now);
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        if w.after_failure.is_err() {
            states.dedup_by(|a, b| a.state == b.state);
            w.after_failure = Err(states);
        }
    }
    Observed {
        success,
        failure,
        after_success,
        after_failure,
        scraped,
        alert: watch,
    }
}

/// Runs the job once, made to fail or not, against the Pushgateway; at most the spec's
/// `timeout_s`.
async fn run(exe: &Path, job: &JobSpec, pgw: &Pushgateway, fail: bool, log: &Path) -> RunRecord {
    let started = unix_now();
    let record = |ended, output| RunRecord {
        ended,
        started,
        finished: unix_now(),
        output,
    };
    let could_not_start = |e: std::io::Error| {
        both(
            format!("o job não pôde ser iniciado: {e}"),
            format!("the job could not be started: {e}"),
        )
    };
    // Untrusted code, as the apps: `nobody` when the grader is root, within the app's limits.
    let mut program = match Untrusted::new(exe) {
        Ok(p) => p,
        Err(e) => return record(Err(could_not_start(e)), String::new()),
    };
    let cmd = &mut program.cmd;
    cmd.env(&job.url_env, pgw.base_url())
        .env_remove(&job.fail_env)
        .env_remove("RUST_LOG")
        // The push goes to loopback: never through a proxy the machine may have configured.
        .env("NO_PROXY", "127.0.0.1,localhost,::1")
        .env("no_proxy", "127.0.0.1,localhost,::1");
    if fail {
        cmd.env(&job.fail_env, "1");
    }
    let timeout = Duration::from_secs(job.timeout_s);
    let mut process = match Owned::spawn_untrusted(program, log, Limits::APP) {
        Ok(p) => p,
        Err(e) => return record(Err(could_not_start(e)), String::new()),
    };
    let clock = Instant::now();
    loop {
        if let Some(status) = process.exited() {
            return record(Ok(status.code()), process.log_tail(15));
        }
        if clock.elapsed() > timeout {
            let output = process.log_tail(15);
            process.stop(Duration::from_secs(1)).await;
            let s = timeout.as_secs();
            return record(
                Err(both(
                    format!("o job não terminou em {s}s e foi interrompido"),
                    format!("the job did not end within {s}s and was stopped"),
                )),
                output,
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The grader's Prometheus config: the Pushgateway every second with `honor_labels: true` (so
/// a pushed series keeps the `job` and grouping labels it was pushed with), and the rules.
fn scrape_config(pushgateway: &str, rules: Option<&str>) -> String {
    let rules = rules.map_or(String::new(), |r| format!("rule_files:\n  - '{r}'\n"));
    format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n{rules}\
         scrape_configs:\n  - job_name: {SCRAPE_JOB}\n    honor_labels: true\n    static_configs:\n      - targets: ['{pushgateway}']\n"
    )
}

/// Waits until Prometheus scrapes the Pushgateway (at most 15 s).
async fn wait_scraping(prom: &Prometheus) -> Result<(), Text> {
    let start = Instant::now();
    let mut last = String::new();
    while start.elapsed() < Duration::from_secs(15) {
        if let Ok(targets) = prom.targets().await
            && let Some(t) = targets.iter().find(|t| t.job == SCRAPE_JOB)
        {
            if t.health == "up" {
                return Ok(());
            }
            last = format!("{} {}", t.health, t.last_error);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Err(both(
        format!("o Prometheus do avaliador não coletou o Pushgateway: {last}"),
        format!("the grader's Prometheus did not scrape the Pushgateway: {last}"),
    ))
}

/// Waits (at most [`FRESH_WITHIN`]) until Prometheus has scraped the Pushgateway after `since`
/// (Unix seconds), then one rule evaluation more, so that queries and alerts see what the run
/// pushed. Past the bound the checks read what there is.
async fn wait_fresh(prom: &Prometheus, since: f64) {
    let query = format!("timestamp(up{{job=\"{SCRAPE_JOB}\"}})");
    let start = Instant::now();
    while start.elapsed() < FRESH_WITHIN {
        if let Ok(s) = prom.query_at(&query, unix_now()).await
            && s.iter().any(|s| s.value > since)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Rules are evaluated every second: the next evaluation sees that scrape.
    tokio::time::sleep(Duration::from_millis(1500)).await;
}

/// The metrics the `push_scraped` checks look for.
fn scraped_metrics(spec: &Spec) -> Vec<String> {
    let mut all: Vec<String> = spec
        .checks
        .iter()
        .filter_map(|c| match &c.kind {
            CheckKind::PushScraped(k) => Some(k.metrics.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    all.sort();
    all.dedup();
    all
}

/// The instances of alert `name` that are pending or firing now.
async fn active(prom: &Prometheus, name: &str) -> Vec<ActiveAlert> {
    prom.alerts()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|a| a.name == name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pushgateway_is_scraped_with_honor_labels_and_the_rules() {
        let c = scrape_config("127.0.0.1:9091", Some("/conf/alertas.yml"));
        let yaml: serde_yaml::Value = serde_yaml::from_str(&c).unwrap();
        let job = &yaml["scrape_configs"][0];
        assert_eq!(job["job_name"].as_str(), Some(SCRAPE_JOB));
        assert_eq!(job["honor_labels"].as_bool(), Some(true));
        assert_eq!(
            job["static_configs"][0]["targets"][0].as_str(),
            Some("127.0.0.1:9091")
        );
        assert_eq!(yaml["rule_files"][0].as_str(), Some("/conf/alertas.yml"));
        assert!(serde_yaml::from_str::<serde_yaml::Value>(&scrape_config("h:1", None)).unwrap()["rule_files"].is_null());
    }
}
