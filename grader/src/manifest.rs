//! The start manifest a submission folder may hold, `avaliador.toml`: how to start an app that
//! is not a Rust crate (in any language), which track's spec grades it, and the names it gives
//! the metrics where the exercise allows another name. Without one, the folder is a Rust crate,
//! built and run as always.
//!
//! ```toml
//! track = "python"                  # rust (default) or python: whose built-in spec grades it
//! command = ["python3", "app.py"]   # argv; "{port}" in any argument becomes the port
//! workdir = "."                     # where it runs, inside the folder (default: the folder)
//! port_env = "PORT"                 # the variable the port comes in (default: PORT)
//!
//! [metrics]                         # the spec's name = the app's name, where the spec allows
//! flask_http_request_total = "loja_http_request_total"
//! ```
//!
//! The app also gets `BIND=127.0.0.1`, `LATENCY_SCALE`, and for Python `PYTHONUNBUFFERED=1`
//! (its output reaches the report) and `PYTHONDONTWRITEBYTECODE=1` (no `__pycache__` left in
//! the submission), and runs as a Rust app does: within the same resource limits, as `nobody`
//! when the grader is root, in a process group of its own, stopped and reaped when grading
//! ends (see [`crate::process`]). Unlike a Rust app it runs by its path, so `nobody` must then
//! be able to read the folder and the program (a virtual environment made from a system
//! Python, not one under `/root`). A program named with a `/` is found from `workdir`; a bare
//! name, on `PATH` (an activated virtual environment's `python3`, say). A manifest cannot name a spec file: the submission would choose its own
//! grading; the instructor's `--spec` decides instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use tokio::process::Command;

use crate::app::{App, StartError};
use crate::lang::{Text, both};
use crate::process::Untrusted;
use crate::spec::{CheckKind, Selector, Spec, Track};

/// The manifest's file name, in the submission folder.
pub const FILE: &str = crate::course::MANIFEST_FILE;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The track whose built-in spec grades this submission.
    #[serde(default)]
    pub track: Track,
    /// The program and its arguments; `{port}` in any of them becomes the port. Empty: a Rust
    /// crate, built by the grader.
    #[serde(default)]
    pub command: Vec<String>,
    /// Where the command runs, relative to the submission folder and inside it.
    pub workdir: Option<PathBuf>,
    /// The environment variable the port comes in.
    #[serde(default = "default_port_env")]
    pub port_env: String,
    /// The spec's metric name → the name this app exposes.
    #[serde(default)]
    pub metrics: BTreeMap<String, String>,
}

fn default_port_env() -> String {
    "PORT".into()
}

/// What a histogram or summary (and prometheus_client's `_created`) adds to a metric's name.
const SUFFIXES: [&str; 4] = ["_bucket", "_count", "_sum", "_created"];

impl Manifest {
    /// The manifest in `dir`, if it holds one; `Err` says what is wrong with it.
    pub fn find(dir: &Path) -> Result<Option<Self>, Text> {
        let path = dir.join(FILE);
        if !path.is_file() {
            return Ok(None);
        }
        let bad = |pt: String, en: String| {
            both(
                format!("{FILE} não é válido: {pt}"),
                format!("{FILE} is not valid: {en}"),
            )
        };
        let text = std::fs::read_to_string(&path).map_err(|e| bad(e.to_string(), e.to_string()))?;
        let m: Self = toml::from_str(&text).map_err(|e| bad(e.to_string(), e.to_string()))?;
        if m.command.first().is_some_and(|p| p.trim().is_empty()) {
            return Err(bad(
                "`command` começa por um programa vazio".into(),
                "`command` starts with an empty program".into(),
            ));
        }
        if !is_name(&m.port_env, |c| c.is_ascii_alphanumeric() || c == '_') {
            let v = &m.port_env;
            return Err(bad(
                format!("`port_env = \"{v}\"` não é um nome de variável de ambiente"),
                format!("`port_env = \"{v}\"` is not an environment variable name"),
            ));
        }
        if let Some(n) = m
            .metrics
            .iter()
            .flat_map(|(k, v)| [k, v])
            .find(|n| !is_metric(n))
        {
            return Err(bad(
                format!("`{n}` em [metrics] não é um nome de métrica"),
                format!("`{n}` in [metrics] is not a metric name"),
            ));
        }
        Ok(Some(m))
    }

    /// Whether the grader starts the app from `command` rather than building a crate.
    pub fn starts_app(&self) -> bool {
        !self.command.is_empty()
    }

    /// The spec this submission is graded with: the built-in spec of its track for the same
    /// exercise, with the metric names it renames. `Err` when that cannot be: no spec of that
    /// track, an instructor's spec of another track, a name the exercise does not let rename,
    /// or an app to start for an exercise whose app is not the submission.
    pub fn spec_for(&self, spec: &Spec) -> Result<Spec, Text> {
        let track = self.track.as_str();
        let mut resolved = if spec.track == self.track {
            spec.clone()
        } else if !spec.builtin {
            let theirs = spec.track.as_str();
            return Err(both(
                format!(
                    "{FILE} pede a trilha {track}, e o spec passado com --spec avalia a trilha {theirs}"
                ),
                format!(
                    "{FILE} asks for the {track} track, and the spec given with --spec grades the {theirs} track"
                ),
            ));
        } else {
            spec.for_track(self.track).map_err(|e| {
                both(
                    format!("{FILE} pede a trilha {track}: {e}"),
                    format!("{FILE} asks for the {track} track: {e}"),
                )
            })?
        };
        if self.starts_app()
            && let Some(app) = &resolved.app
        {
            let (id, other) = (&resolved.id, &app.exercise);
            return Err(both(
                format!(
                    "{FILE} diz como iniciar um app, mas {id} é avaliado com o app do exercício {other}: `command` vale só para exercícios cuja entrega é o app"
                ),
                format!(
                    "{FILE} says how to start an app, but {id} is graded with the app of exercise {other}: `command` only applies to exercises whose submission is the app"
                ),
            ));
        }
        if let Some(name) = self
            .metrics
            .keys()
            .find(|k| !resolved.renamable.contains(k))
        {
            let allowed = if resolved.renamable.is_empty() {
                "-".to_string()
            } else {
                resolved.renamable.join(", ")
            };
            return Err(both(
                format!(
                    "{FILE}: o exercício {} não deixa renomear `{name}` (renomeáveis: {allowed})",
                    resolved.id
                ),
                format!(
                    "{FILE}: exercise {} does not let `{name}` be renamed (renamable: {allowed})",
                    resolved.id
                ),
            ));
        }
        rename(&mut resolved, &self.metrics);
        Ok(resolved)
    }

    /// What the report says about this manifest: how the app was started, the renames, and
    /// the hidden checks of `given` left out because they are another track's.
    pub fn notes(&self, given: &Spec, spec: &Spec) -> Vec<Text> {
        let mut notes = Vec::new();
        let hidden = given.checks.iter().filter(|c| c.hidden).count();
        if given.track != spec.track && hidden > 0 {
            let theirs = given.track.as_str();
            notes.push(both(
                format!("As {hidden} verificações ocultas são da trilha {theirs}: não valem nesta entrega."),
                format!("The {hidden} hidden checks are the {theirs} track's: they do not apply to this submission."),
            ));
        }
        let track = spec.track.as_str();
        if self.starts_app() {
            let cmd = shown(&self.command);
            let port = &self.port_env;
            notes.push(both(
                format!(
                    "Iniciado por {FILE}: `{cmd}` (porta em {port}); avaliado pela trilha {track}."
                ),
                format!(
                    "Started from {FILE}: `{cmd}` (port in {port}); graded on the {track} track."
                ),
            ));
        } else {
            notes.push(both(
                format!("{FILE}: avaliado pela trilha {track}."),
                format!("{FILE}: graded on the {track} track."),
            ));
        }
        if !self.metrics.is_empty() {
            let list: Vec<String> = self
                .metrics
                .iter()
                .map(|(from, to)| format!("{from} → {to}"))
                .collect();
            let list = list.join(", ");
            notes.push(both(
                format!("Nomes de métrica trocados por {FILE}: {list}."),
                format!("Metric names renamed by {FILE}: {list}."),
            ));
        }
        notes
    }

    /// Starts the app of submission `dir` on loopback `port`, as [`App::start`] starts a Rust
    /// one. `Err` is the verdict: the submission could not be started.
    pub async fn start(
        &self,
        dir: &Path,
        log: &Path,
        port: u16,
        latency_scale: f64,
        timeout: std::time::Duration,
    ) -> Result<App, Text> {
        let workdir = self.workdir(dir)?;
        let argv: Vec<String> = self
            .command
            .iter()
            .map(|a| a.replace("{port}", &port.to_string()))
            .collect();
        let Some((program, args)) = argv.split_first() else {
            return Err(both(
                format!("{FILE} não tem `command`"),
                format!("{FILE} has no `command`"),
            ));
        };
        // Relative to the working folder, whatever the platform makes of it otherwise.
        let exe = if program.contains('/') {
            workdir.join(program)
        } else {
            PathBuf::from(program)
        };
        let mut cmd = Command::new(&exe);
        cmd.args(args)
            .current_dir(&workdir)
            .env(&self.port_env, port.to_string())
            .env("BIND", "127.0.0.1")
            .env("LATENCY_SCALE", latency_scale.to_string())
            .env("PYTHONUNBUFFERED", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env_remove("RUST_LOG");
        let untrusted = Untrusted::command(cmd);
        let other_user = untrusted.as_other_user();
        App::start_command(untrusted, log, port, timeout)
            .await
            .map_err(|e| {
                let how = both(
                    format!(
                        "{FILE} inicia `{}` em {}, com a porta em {} e no lugar de {{port}} nos argumentos",
                        shown(&argv),
                        workdir.display(),
                        self.port_env
                    ),
                    format!(
                        "{FILE} starts `{}` in {}, with the port in {} and in place of {{port}} in the arguments",
                        shown(&argv),
                        workdir.display(),
                        self.port_env
                    ),
                );
                let e = match e {
                    StartError::Spawn(why) if other_user && why.contains("Permission denied") => {
                        StartError::Spawn(format!(
                            "`{program}`: {why} (the grader runs as root, so the app runs as `nobody`, which must be able to read the folder and the program)"
                        ))
                    }
                    StartError::Spawn(why) => StartError::Spawn(format!("`{program}`: {why}")),
                    other => other,
                };
                let d = e.describe();
                both(format!("{}\n{}", how.pt, d.pt), format!("{}\n{}", how.en, d.en))
            })
    }

    /// The folder the command runs in: `workdir` under `dir`, which it may not leave.
    fn workdir(&self, dir: &Path) -> Result<PathBuf, Text> {
        let wanted = dir.join(self.workdir.as_deref().unwrap_or(Path::new(".")));
        let shown = wanted.display().to_string();
        let missing = || {
            both(
                format!("{FILE}: a pasta `workdir` {shown} não existe"),
                format!("{FILE}: the `workdir` folder {shown} does not exist"),
            )
        };
        let root = dir.canonicalize().map_err(|_| missing())?;
        let real = wanted.canonicalize().map_err(|_| missing())?;
        if !real.starts_with(&root) || !real.is_dir() {
            return Err(both(
                format!("{FILE}: `workdir` deve ser uma pasta dentro da entrega ({shown} não é)"),
                format!(
                    "{FILE}: `workdir` must be a folder inside the submission ({shown} is not)"
                ),
            ));
        }
        Ok(real)
    }
}

/// Renames every metric name the checks read (a series, a selector, a query, and the titles
/// and hints that name them), `_bucket`, `_count`, `_sum` and `_created` series included.
fn rename(spec: &mut Spec, map: &BTreeMap<String, String>) {
    if map.is_empty() {
        return;
    }
    for check in &mut spec.checks {
        check.title = rename_text(&check.title, map);
        check.hint = check.hint.as_ref().map(|h| rename_text(h, map));
        match &mut check.kind {
            CheckKind::Series(k) => k.metric = rename_name(&k.metric, map),
            CheckKind::HistogramCount(k) => {
                k.histogram = rename_name(&k.histogram, map);
                k.counter = rename_name(&k.counter, map);
            }
            CheckKind::Delta(k) => {
                for e in &mut k.expect {
                    if let Ok(mut sel) = Selector::parse(&e.series) {
                        sel.name = rename_name(&sel.name, map);
                        e.series = sel.to_string();
                    }
                }
            }
            CheckKind::Promql(k) => k.query = rename_words(&k.query, map),
            _ => {}
        }
    }
}

fn rename_text(t: &Text, map: &BTreeMap<String, String>) -> Text {
    both(rename_words(&t.pt, map), rename_words(&t.en, map))
}

/// `name`, or its new name (with the suffix it had).
fn rename_name(name: &str, map: &BTreeMap<String, String>) -> String {
    if let Some(new) = map.get(name) {
        return new.clone();
    }
    SUFFIXES
        .iter()
        .find_map(|s| {
            let base = name.strip_suffix(s)?;
            map.get(base).map(|new| format!("{new}{s}"))
        })
        .unwrap_or_else(|| name.to_string())
}

/// Every whole word of `text` that is a renamed metric name, renamed.
fn rename_words(text: &str, map: &BTreeMap<String, String>) -> String {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(word) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail.find(|c: char| !word(c)).unwrap_or(tail.len());
        out.push_str(&rename_name(&tail[..end], map));
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// A command line as the report shows it: an argument with spaces between quotes.
fn shown(argv: &[String]) -> String {
    let args: Vec<String> = argv
        .iter()
        .map(|a| {
            if a.is_empty() || a.contains(char::is_whitespace) {
                format!("\"{a}\"")
            } else {
                a.clone()
            }
        })
        .collect();
    args.join(" ")
}

fn is_name(s: &str, rest: impl Fn(char) -> bool) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(rest)
}

fn is_metric(s: &str) -> bool {
    is_name(s, |c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn names_are_renamed_with_their_suffixes_and_only_whole() {
        let m = map(&[("flask_http_request_duration_seconds", "loja_duracao")]);
        assert_eq!(
            rename_words(
                "sum by (url_rule) (flask_http_request_duration_seconds_count{a=\"b\"}) + flask_http_request_duration_seconds_total2",
                &m
            ),
            "sum by (url_rule) (loja_duracao_count{a=\"b\"}) + flask_http_request_duration_seconds_total2"
        );
        assert_eq!(
            rename_name("flask_http_request_duration_seconds_bucket", &m),
            "loja_duracao_bucket"
        );
        assert_eq!(rename_name("outra", &m), "outra");
    }

    #[test]
    fn a_python_spec_renamed_reads_the_new_names_everywhere() {
        let spec = Spec::builtin("ex1")
            .unwrap()
            .for_track(Track::Python)
            .unwrap();
        let manifest = Manifest {
            track: Track::Python,
            command: vec!["python3".into(), "app.py".into()],
            workdir: None,
            port_env: "PORT".into(),
            metrics: map(&[("flask_http_request_total", "loja_http_request_total")]),
        };
        let renamed = manifest.spec_for(&spec).unwrap();
        let text = format!("{:?}", renamed.checks);
        assert!(!text.contains("flask_http_request_total"), "{text}");
        assert!(
            text.contains("loja_http_request_total{method=\\\"GET\\\",status=\\\"200\\\"}"),
            "{text}"
        );
        let refused = Manifest {
            metrics: map(&[("app_info", "info")]),
            ..manifest
        };
        let e = refused.spec_for(&spec).unwrap_err();
        assert!(
            e.en.contains("does not let `app_info` be renamed"),
            "{}",
            e.en
        );
    }
}
