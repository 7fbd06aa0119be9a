//! A Prometheus config the student wrote: read as written (what the checks judge), checked
//! by `promtool`, and run in a copy rewritten only where grading needs it, each rewrite told
//! to the student.
//!
//! What is rewritten, and why:
//! - targets on port 5000 (the course app's port, whatever the host: `localhost`,
//!   `host.docker.internal`, a compose service name) point at the app the grader started, and
//!   targets on port 9090 at the grader's Prometheus: both run on free ports;
//! - targets on port 9100 point at the grader's Node Exporter, when the spec runs one (see
//!   [`crate::node_exporter`]);
//! - targets on other ports are kept when they are on loopback and left out otherwise: the
//!   grader sends nothing off this machine;
//! - scrape and evaluation intervals become 1 s (and a longer scrape timeout 1 s), so a
//!   verdict takes seconds, not minutes;
//! - `alerting`, `remote_write` and `remote_read` are left out: they would send data away;
//! - relative `rule_files` are resolved where the grader copied the student's files.

use std::path::Path;
use std::time::Duration;

use serde_yaml::{Mapping, Value};

use crate::lang::{Text, both};
use crate::prometheus::{Prometheus, ToolRun};

/// The port the course app listens on by default (roteiro, Parte 4).
pub const APP_PORT: u16 = 5000;
/// The port Prometheus listens on by default.
pub const PROMETHEUS_PORT: u16 = 9090;
/// Where, in Prometheus's config folder, the student's files are copied.
const STUDENT_DIR: &str = "aluno";
/// The interval the grader scrapes and evaluates at.
const FAST: &str = "1s";

/// The submitted config and what became of it.
#[derive(Debug)]
pub struct Submitted {
    /// The file's name in the submission (`prometheus.yml`).
    pub file: String,
    /// The file as written, or why it is not YAML.
    pub yaml: Result<Value, String>,
    /// `promtool check config` on the file as written; `Err` when promtool could not run.
    pub promtool: Result<ToolRun, Text>,
    /// Whether Prometheus runs with the rewritten copy, or why not.
    pub loaded: Result<(), Text>,
    /// What the grader changed in its copy.
    pub rewrites: Vec<Text>,
}

impl Submitted {
    /// Copies the submission's YAML files beside Prometheus, checks `file` with promtool, and
    /// when it passes, makes Prometheus run the rewritten copy.
    pub async fn load(prom: &Prometheus, submission: &Path, file: &str) -> Self {
        Self::load_with_node(prom, submission, file, None).await
    }

    /// [`Submitted::load`], with the targets on port 9100 pointed at `node` (the grader's
    /// Node Exporter, `host:port` as Prometheus reaches it).
    pub async fn load_with_node(
        prom: &Prometheus,
        submission: &Path,
        file: &str,
        node: Option<&str>,
    ) -> Self {
        let text = std::fs::read_to_string(submission.join(file));
        let yaml = match &text {
            Ok(t) => serde_yaml::from_str::<Value>(t).map_err(|e| e.to_string()),
            Err(e) => Err(format!("{}: {e}", submission.join(file).display())),
        };
        let copied = copy_yaml_files(prom, submission);
        let promtool = match copied {
            Ok(()) => {
                prom.promtool(&[
                    "check".into(),
                    "config".into(),
                    prom.seen_path(&format!("{STUDENT_DIR}/{file}")),
                ])
                .await
            }
            Err(e) => Err(e),
        };
        let mut rewrites = Vec::new();
        let loaded = match (&yaml, &promtool) {
            (Err(e), _) => Err(both(
                format!("{file} não é YAML válido: {e}"),
                format!("{file} is not valid YAML: {e}"),
            )),
            (_, Ok(run)) if !run.success => Err(both(
                "o promtool recusou o arquivo",
                "promtool refused the file",
            )),
            (Ok(v), _) => match rewrite_with(v, prom.app_target(), prom.self_target(), node) {
                Ok(r) => {
                    rewrites = r.changes;
                    prom.reload(&r.config).await
                }
                Err(e) => Err(e),
            },
        };
        Self {
            file: file.to_string(),
            yaml,
            promtool,
            loaded,
            rewrites,
        }
    }

    /// The scrape job named `job`, as written.
    pub fn job(&self, job: &str) -> Option<&Mapping> {
        self.yaml.as_ref().ok()?["scrape_configs"]
            .as_sequence()?
            .iter()
            .filter_map(Value::as_mapping)
            .find(|j| j.get("job_name").and_then(Value::as_str) == Some(job))
    }

    /// The value at dotted `path` (`global.scrape_interval`), as written.
    pub fn value(&self, path: &str) -> Option<&Value> {
        let mut v = self.yaml.as_ref().ok()?;
        for key in path.split('.') {
            v = v.as_mapping()?.get(key)?;
        }
        Some(v)
    }
}

fn copy_yaml_files(prom: &Prometheus, submission: &Path) -> Result<(), Text> {
    let entries = std::fs::read_dir(submission).map_err(|e| {
        both(
            format!("{}: {e}", submission.display()),
            format!("{}: {e}", submission.display()),
        )
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        let yaml = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yml" | "yaml")
        );
        // Regular files only: a link could point anywhere on this machine.
        if !yaml || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        prom.write_file(&format!("{STUDENT_DIR}/{name}"), &text)?;
    }
    Ok(())
}

/// The config the grader runs, and what it changed.
#[derive(Debug)]
pub struct Rewrite {
    pub config: String,
    pub changes: Vec<Text>,
}

/// Rewrites `original` so that Prometheus scrapes the app at `app` and itself at `me`, at
/// the grader's pace, and sends nothing away.
pub fn rewrite(original: &Value, app: &str, me: &str) -> Result<Rewrite, Text> {
    rewrite_with(original, app, me, None)
}

/// [`rewrite`], with the targets on port 9100 pointed at `node` when given.
pub fn rewrite_with(
    original: &Value,
    app: &str,
    me: &str,
    node: Option<&str>,
) -> Result<Rewrite, Text> {
    let mut config = original.clone();
    let root = config.as_mapping_mut().ok_or_else(|| {
        both(
            "o arquivo não é um mapa YAML (chaves `global:`, `scrape_configs:`...)",
            "the file is not a YAML mapping (keys `global:`, `scrape_configs:`...)",
        )
    })?;
    let mut changes = Vec::new();

    for key in ["alerting", "remote_write", "remote_read"] {
        if root.remove(key).is_some() {
            changes.push(both(
                format!("`{key}` deixado de fora (o avaliador não envia dados para fora)"),
                format!("`{key}` left out (the grader sends no data away)"),
            ));
        }
    }

    let global = root
        .entry("global".into())
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    if let Some(global) = global.as_mapping_mut() {
        for key in ["scrape_interval", "evaluation_interval"] {
            let was = global
                .insert(key.into(), FAST.into())
                .map(|v| scalar(&v))
                .unwrap_or_else(|| "1m".into());
            changes.push(interval_change(&format!("global.{key}"), &was));
        }
        shorten_timeout(global, "global", &mut changes);
    }

    if let Some(files) = root.get_mut("rule_files").and_then(Value::as_sequence_mut) {
        for f in files.iter_mut() {
            if let Some(s) = f.as_str()
                && !s.starts_with('/')
            {
                *f = format!("{STUDENT_DIR}/{s}").into();
            }
        }
    }

    let jobs = root
        .get_mut("scrape_configs")
        .and_then(Value::as_sequence_mut);
    for job in jobs.into_iter().flatten().filter_map(Value::as_mapping_mut) {
        let name = job
            .get("job_name")
            .map(scalar)
            .unwrap_or_else(|| "?".into());
        if let Some(was) = job.get("scrape_interval").map(scalar) {
            job.insert("scrape_interval".into(), FAST.into());
            changes.push(interval_change(&format!("{name}.scrape_interval"), &was));
        }
        shorten_timeout(job, &name, &mut changes);
        let statics = job
            .get_mut("static_configs")
            .and_then(Value::as_sequence_mut);
        for group in statics.into_iter().flatten() {
            let Some(targets) = group.get_mut("targets").and_then(Value::as_sequence_mut) else {
                continue;
            };
            let to = Targets { app, me, node };
            targets.retain_mut(|t| retarget(t, &name, &to, &mut changes));
        }
    }

    let config = serde_yaml::to_string(&config).map_err(|e| both(e.to_string(), e.to_string()))?;
    Ok(Rewrite { config, changes })
}

/// Where the grader runs what a config's targets name (`host:port` as Prometheus reaches it).
struct Targets<'a> {
    app: &'a str,
    me: &'a str,
    node: Option<&'a str>,
}

/// Points a target at where the grader runs what it names; false to leave it out.
fn retarget(t: &mut Value, job: &str, to: &Targets<'_>, changes: &mut Vec<Text>) -> bool {
    let was = scalar(t);
    let Some((host, port)) = split_target(&was) else {
        return true; // promtool would have refused it; leave it to Prometheus.
    };
    let (app, me) = (to.app, to.me);
    let to = match (port, to.node) {
        (APP_PORT, _) => app.to_string(),
        (PROMETHEUS_PORT, _) => me.to_string(),
        (crate::node_exporter::PORT, Some(node)) => node.to_string(),
        _ if is_loopback(host) => return true,
        _ => {
            changes.push(both(
                format!("{job}: target `{was}` deixado de fora (fora desta máquina)"),
                format!("{job}: target `{was}` left out (not on this machine)"),
            ));
            return false;
        }
    };
    if to != was {
        let what = match port {
            APP_PORT => both("o app", "the app"),
            PROMETHEUS_PORT => both("este Prometheus", "this Prometheus"),
            _ => both("o Node Exporter do avaliador", "the grader's Node Exporter"),
        };
        changes.push(both(
            format!("{job}: target `{was}` → `{to}` ({})", what.pt),
            format!("{job}: target `{was}` → `{to}` ({})", what.en),
        ));
        *t = to.into();
    }
    true
}

fn shorten_timeout(m: &mut Mapping, owner: &str, changes: &mut Vec<Text>) {
    let Some(was) = m.get("scrape_timeout").map(scalar) else {
        return;
    };
    if parse_duration(&was).is_none_or(|d| d > Duration::from_secs(1)) {
        m.insert("scrape_timeout".into(), FAST.into());
        changes.push(interval_change(&format!("{owner}.scrape_timeout"), &was));
    }
}

fn interval_change(what: &str, was: &str) -> Text {
    both(
        format!("{what}: {was} → {FAST} (para o veredito sair em segundos)"),
        format!("{what}: {was} → {FAST} (so the verdict takes seconds)"),
    )
}

/// A YAML scalar as text (numbers and booleans too).
pub fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// `host:port`, `[v6]:port`.
pub fn split_target(t: &str) -> Option<(&str, u16)> {
    let (host, port) = t.rsplit_once(':')?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Some((host, port.parse().ok()?))
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A Prometheus duration (`15s`, `1m30s`, `500ms`, `1h`), as Prometheus reads it.
pub fn parse_duration(s: &str) -> Option<Duration> {
    const UNITS: [(&str, u64); 8] = [
        ("ms", 1),
        ("s", 1_000),
        ("m", 60_000),
        ("h", 3_600_000),
        ("d", 86_400_000),
        ("w", 604_800_000),
        ("y", 31_536_000_000),
        ("", 0),
    ];
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    let mut total = 0u64;
    while !rest.is_empty() {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        // "ms" before "m", so the longest unit wins.
        let (unit, ms) = UNITS
            .iter()
            .find(|(u, _)| !u.is_empty() && rest.starts_with(u))?;
        total = total.checked_add(n.checked_mul(*ms)?)?;
        rest = &rest[unit.len()..];
    }
    Some(Duration::from_millis(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(yaml: &str) -> (Value, Vec<String>) {
        let r = rewrite(
            &serde_yaml::from_str(yaml).unwrap(),
            "127.0.0.1:4000",
            "127.0.0.1:4001",
        )
        .unwrap();
        (
            serde_yaml::from_str(&r.config).unwrap(),
            r.changes.into_iter().map(|t| t.en).collect(),
        )
    }

    #[test]
    fn durations_read_as_prometheus_reads_them() {
        assert_eq!(parse_duration("15s"), Some(Duration::from_secs(15)));
        assert_eq!(parse_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        for bad in ["", "15", "s", "1.5s", "15 s", "-1s"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn app_and_self_targets_move_to_the_graders_ports() {
        let (v, changes) = rewritten(
            "global: {scrape_interval: 15s}\nscrape_configs:\n\
             - job_name: prometheus\n  static_configs: [{targets: ['localhost:9090']}]\n\
             - job_name: loja\n  scrape_interval: 5s\n  static_configs: [{targets: ['host.docker.internal:5000']}]\n",
        );
        assert_eq!(
            v["scrape_configs"][0]["static_configs"][0]["targets"][0],
            "127.0.0.1:4001"
        );
        assert_eq!(
            v["scrape_configs"][1]["static_configs"][0]["targets"][0],
            "127.0.0.1:4000"
        );
        assert_eq!(v["scrape_configs"][1]["scrape_interval"], "1s");
        assert_eq!(v["global"]["scrape_interval"], "1s");
        let all = changes.join("\n");
        assert!(
            all.contains("loja: target `host.docker.internal:5000` → `127.0.0.1:4000`"),
            "{all}"
        );
        assert!(all.contains("global.scrape_interval: 15s → 1s"), "{all}");
        assert!(all.contains("loja.scrape_interval: 5s → 1s"), "{all}");
    }

    #[test]
    fn nothing_is_sent_off_this_machine() {
        let (v, changes) = rewritten(
            "alerting: {alertmanagers: [{static_configs: [{targets: ['am:9093']}]}]}\n\
             remote_write: [{url: 'http://example.com/write'}]\n\
             scrape_configs:\n- job_name: outros\n  static_configs: [{targets: ['10.0.0.5:9100', '127.0.0.1:9100']}]\n",
        );
        assert!(v.get("alerting").is_none() && v.get("remote_write").is_none());
        assert_eq!(
            v["scrape_configs"][0]["static_configs"][0]["targets"],
            serde_yaml::from_str::<Value>("['127.0.0.1:9100']").unwrap()
        );
        assert!(
            changes
                .iter()
                .any(|c| c.contains("`10.0.0.5:9100` left out"))
        );
    }

    #[test]
    fn long_timeouts_shrink_with_the_interval_and_rule_files_follow_the_copy() {
        let (v, _) = rewritten(
            "global: {scrape_interval: 15s, scrape_timeout: 10s}\nrule_files: ['regras.yml', '/etc/x.yml']\n\
             scrape_configs:\n- job_name: a\n  scrape_timeout: 500ms\n  static_configs: [{targets: ['localhost:5000']}]\n",
        );
        assert_eq!(v["global"]["scrape_timeout"], "1s");
        assert_eq!(v["scrape_configs"][0]["scrape_timeout"], "500ms");
        assert_eq!(v["rule_files"][0], "aluno/regras.yml");
        assert_eq!(v["rule_files"][1], "/etc/x.yml");
    }
}
