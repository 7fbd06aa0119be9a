//! A real Prometheus server scraping the app, run one of two ways (see [`Backend`]): the
//! native binary (Debian's `prometheus` package is 2.42), or the official image in Docker
//! through testcontainers (v3). Either way it listens on a free loopback port, with a config
//! the grader writes, scraping every second; the checks talk to it over its HTTP API only, so
//! they cannot tell the two apart.
//!
//! Its config and rule files live in one folder of the grading run ([`Prometheus::conf_dir`]),
//! which the container sees through a bind mount: the grader writes a file there and asks
//! Prometheus to reload, the same way on both backends. `promtool` runs beside it (the binary
//! next to `prometheus`, or inside the container), on the files of that folder.

mod alertmanager;
mod docker;
mod kept;
mod native;
mod pushgateway;
mod query;
mod select;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

pub use alertmanager::{
    Alertmanager, DEFAULT_ALERTMANAGER_IMAGE, Webhook, find_binary as find_alertmanager,
    how_to_install as how_to_install_alertmanager,
};
pub use docker::DEFAULT_IMAGE;
pub use kept::{Kept, Lease};
pub use pushgateway::{
    DEFAULT_PUSHGATEWAY_IMAGE, Family, Group, Pushgateway, find_binary as find_pushgateway,
    how_to_install as how_to_install_pushgateway,
};
pub use query::{QueryApi, RangeSeries, Sample, unix_now};
pub use select::{BackendChoice, choose};

use crate::lang::{Text, both};

/// The job name the app is scraped under.
pub const APP_JOB: &str = "loja";

/// How the grader runs Prometheus.
#[derive(Debug, Clone, PartialEq)]
pub enum Backend {
    /// A `prometheus` binary on this machine.
    Native(PathBuf),
    /// A container of this image.
    Docker(String),
}

#[derive(Debug)]
pub struct Prometheus {
    base: String,
    http: reqwest::Client,
    runner: Runner,
    /// The folder of its config and rule files, on this machine.
    conf: PathBuf,
    /// Where Prometheus sees that folder (the same path natively; the mount in a container).
    seen_conf: String,
    /// How Prometheus reaches the app, and itself (`host:port`).
    app_target: String,
    self_target: String,
    /// Its query API (PromQL at an instant or over a range).
    api: QueryApi,
    /// When it last forgot its samples ([`Self::forget_until_now`]), for a kept server.
    forgot_at: Option<f64>,
}

/// One scrape target as Prometheus reports it.
#[derive(Debug, Clone)]
pub struct Target {
    pub job: String,
    pub scrape_url: String,
    pub health: String,
    pub last_error: String,
    pub labels: BTreeMap<String, String>,
}

/// A value as a student reads it: `10`, `0.0647`, `2.4` (not `1e+01`).
pub fn readable(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".into()
    } else {
        s.to_string()
    }
}

/// An alert Prometheus holds pending or firing.
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveAlert {
    pub name: String,
    /// `pending` or `firing`.
    pub state: String,
    /// The expression's value when the alert was last evaluated, as Prometheus prints it.
    pub value: String,
}

/// What a `promtool` run said.
#[derive(Debug, Clone)]
pub struct ToolRun {
    pub success: bool,
    pub output: String,
}

/// The file Prometheus runs with, in [`Prometheus::conf_dir`].
const CONFIG_FILE: &str = "prometheus.yml";

// One per grading run: the size difference between the variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum Runner {
    /// The process, and the binary it runs (`promtool` is looked for beside it).
    Native(crate::process::Owned, PathBuf),
    Docker(testcontainers::ContainerAsync<testcontainers::GenericImage>),
}

/// How to get a Prometheus when none is found, in the student's language.
pub fn how_to_install() -> Text {
    both(
        "nenhum Prometheus disponível. Instale o Docker (o avaliador usa a imagem oficial), ou o binário: \
         `sudo apt-get install prometheus` (Debian/Ubuntu), ou baixe em prometheus.io/download e ponha no PATH \
         (ou passe --prometheus-bin CAMINHO)",
        "no Prometheus available. Install Docker (the grader uses the official image), or the binary: \
         `sudo apt-get install prometheus` (Debian/Ubuntu), or download it from prometheus.io/download and put it \
         on PATH (or pass --prometheus-bin PATH)",
    )
}

/// `explicit` if given, else `prometheus` on `PATH`.
pub fn find_binary(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return p.is_file().then(|| p.to_path_buf());
    }
    find_on_path("prometheus")
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A JSON object of label names and values, as Prometheus's API gives them.
pub(super) fn label_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn query_failed(e: impl std::fmt::Display) -> Text {
    both(
        format!("a consulta ao Prometheus falhou: {e}"),
        format!("the Prometheus query failed: {e}"),
    )
}

fn io_failed(path: &Path, e: std::io::Error) -> Text {
    let p = path.display();
    both(format!("{p}: {e}"), format!("{p}: {e}"))
}

/// A folder Prometheus's container user can read, whatever this process's umask.
fn shared_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

fn write_shared(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))?;
    }
    Ok(())
}

fn failed(e: impl std::fmt::Display) -> Text {
    both(
        format!("o Prometheus não iniciou: {e}"),
        format!("Prometheus did not start: {e}"),
    )
}

impl Prometheus {
    /// Starts Prometheus with `backend`, its files in `dir`, and waits (at most `timeout`)
    /// until it is ready. It scrapes the app at `app` every second as job [`APP_JOB`] when
    /// `scrape_app`; else nothing until a config is [reloaded](Self::reload) (so that a
    /// student's config is the only one that can make the app's series appear).
    pub async fn start(
        backend: &Backend,
        app: SocketAddr,
        scrape_app: bool,
        dir: &Path,
        timeout: Duration,
    ) -> Result<Self, Text> {
        let port = crate::net::free_port().map_err(failed)?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .no_proxy()
            .build()
            .expect("a client with no TLS and no proxy always builds");
        let conf = dir.join("prometheus");
        shared_dir(&conf).map_err(failed)?;
        let (app_target, self_target, seen_conf) = match backend {
            Backend::Native(_) => (
                app.to_string(),
                format!("127.0.0.1:{port}"),
                conf.display().to_string(),
            ),
            Backend::Docker(_) => {
                let (app_target, self_target) = docker::targets(app, port);
                (app_target, self_target, docker::CONF_MOUNT.to_string())
            }
        };
        write_shared(
            &conf.join(CONFIG_FILE),
            &config_for(scrape_app.then_some(app_target.as_str()), &[], None),
        )
        .map_err(failed)?;
        let config = format!("{seen_conf}/{CONFIG_FILE}");
        let runner = match backend {
            Backend::Native(bin) => {
                Runner::Native(native::spawn(bin, &config, port, dir)?, bin.clone())
            }
            Backend::Docker(image) => {
                Runner::Docker(docker::start(image, &conf, &config, port, timeout).await?)
            }
        };
        let mut prom = Self {
            base: format!("http://127.0.0.1:{port}"),
            http,
            runner,
            conf,
            seen_conf,
            app_target,
            self_target,
            api: QueryApi::new(&format!("http://127.0.0.1:{port}")),
            forgot_at: None,
        };
        let start = Instant::now();
        loop {
            if let Some(reason) = prom.died().await {
                return Err(failed(reason));
            }
            if let Ok(r) = prom.http.get(format!("{}/-/ready", prom.base)).send().await
                && r.status().is_success()
            {
                return Ok(prom);
            }
            if start.elapsed() > timeout {
                let logs = prom.logs().await;
                prom.stop().await;
                return Err(failed(format!(
                    "not ready after {}s\n{logs}",
                    timeout.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The folder of Prometheus's config and rule files: write there, then [`Self::reload`].
    pub fn conf_dir(&self) -> &Path {
        &self.conf
    }

    /// The path under which Prometheus (and `promtool`) sees `file` of [`Self::conf_dir`].
    pub fn seen_path(&self, file: &str) -> String {
        format!("{}/{file}", self.seen_conf)
    }

    /// The grader's own config (the app scraped every second as [`APP_JOB`]), evaluating
    /// `rule_files` (paths as [`Self::seen_path`] gives them) every second, and sending alerts
    /// to `alertmanager` (`host:port` as Prometheus reaches it) when given.
    pub fn base_config(&self, rule_files: &[String], alertmanager: Option<&str>) -> String {
        config_for(Some(&self.app_target), rule_files, alertmanager)
    }

    /// `host:port` at which Prometheus reaches the app.
    pub fn app_target(&self) -> &str {
        &self.app_target
    }

    /// `host:port` at which Prometheus reaches itself.
    pub fn self_target(&self) -> &str {
        &self.self_target
    }

    /// Writes a file into [`Self::conf_dir`], readable by Prometheus in its container.
    pub fn write_file(&self, file: &str, text: &str) -> Result<(), Text> {
        let path = self.conf.join(file);
        if let Some(parent) = path.parent() {
            shared_dir(parent).map_err(|e| io_failed(&path, e))?;
        }
        write_shared(&path, text).map_err(|e| io_failed(&path, e))
    }

    /// Replaces the config Prometheus runs with and makes it load it; Prometheus's own
    /// message when it refuses.
    pub async fn reload(&self, config: &str) -> Result<(), Text> {
        self.write_file(CONFIG_FILE, config)?;
        let refused = |e: String| {
            both(
                format!("o Prometheus não carregou a configuração: {e}"),
                format!("Prometheus did not load the config: {e}"),
            )
        };
        let r = self
            .http
            .post(format!("{}/-/reload", self.base))
            .send()
            .await
            .map_err(|e| refused(e.to_string()))?;
        if r.status().is_success() {
            Ok(())
        } else {
            let status = r.status();
            let body = r.text().await.unwrap_or_default();
            Err(refused(format!("{status}: {}", body.trim())))
        }
    }

    /// Runs `promtool` with `args` (paths as [`Self::seen_path`] gives them), at most 60 s.
    pub async fn promtool(&self, args: &[String]) -> Result<ToolRun, Text> {
        let run = match &self.runner {
            Runner::Native(..) => native::promtool(&self.promtool_native()?, args).await,
            Runner::Docker(c) => docker::promtool(c, args).await,
        };
        run.map_err(|e| {
            both(
                format!("o promtool não pôde ser executado: {e}"),
                format!("promtool could not be run: {e}"),
            )
        })
    }

    fn promtool_native(&self) -> Result<PathBuf, Text> {
        let beside = match &self.runner {
            Runner::Native(_, bin) => bin.with_file_name("promtool"),
            Runner::Docker(_) => PathBuf::new(),
        };
        if beside.is_file() {
            return Ok(beside);
        }
        find_on_path("promtool").ok_or_else(|| {
            both(
                "promtool não encontrado (ele vem junto com o prometheus: `sudo apt-get install prometheus`)",
                "promtool not found (it comes with prometheus: `sudo apt-get install prometheus`)",
            )
        })
    }

    /// Every active target, as Prometheus last saw it.
    pub async fn targets(&self) -> Result<Vec<Target>, Text> {
        let v: Value = self
            .http
            .get(format!("{}/api/v1/targets?state=active", self.base))
            .send()
            .await
            .map_err(query_failed)?
            .json()
            .await
            .map_err(query_failed)?;
        let text = |t: &Value, k: &str| t[k].as_str().unwrap_or_default().to_string();
        Ok(v["data"]["activeTargets"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|t| Target {
                job: t["labels"]["job"].as_str().unwrap_or_default().to_string(),
                scrape_url: text(t, "scrapeUrl"),
                health: text(t, "health"),
                last_error: text(t, "lastError"),
                labels: label_map(&t["labels"]),
            })
            .collect())
    }

    /// Why Prometheus is gone, if it is.
    async fn died(&mut self) -> Option<String> {
        match &mut self.runner {
            Runner::Native(p, _) => p
                .exited()
                .map(|status| format!("{status}\n{}", p.log_tail(10))),
            Runner::Docker(c) => match c.is_running().await {
                Ok(true) => None,
                _ => Some(format!("the container stopped\n{}", docker::logs(c).await)),
            },
        }
    }

    async fn logs(&self) -> String {
        match &self.runner {
            Runner::Native(p, _) => p.log_tail(10),
            Runner::Docker(c) => docker::logs(c).await,
        }
    }

    /// The version Prometheus reports, e.g. "2.42.0".
    pub async fn version(&self) -> Option<String> {
        let v: Value = self
            .http
            .get(format!("{}/api/v1/status/buildinfo", self.base))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        v["data"]["version"].as_str().map(str::to_string)
    }

    /// Deletes every sample up to now (the TSDB admin API), so that queries see only what is
    /// scraped from here on: a kept server (see [`Kept`]) does it before each grading.
    /// Deleted samples are never read again, whatever the query's window; the series
    /// scraped afterwards carry on with new samples.
    pub async fn forget_until_now(&mut self) -> Result<(), Text> {
        let now = unix_now();
        let r = self
            .http
            .post(format!("{}/api/v1/admin/tsdb/delete_series", self.base))
            .query(&[
                ("match[]", "{__name__=~\".+\"}"),
                ("end", &format!("{now:.3}")),
            ])
            .send()
            .await
            .map_err(query_failed)?;
        if !r.status().is_success() {
            let status = r.status();
            let body = r.text().await.unwrap_or_default();
            return Err(query_failed(format!("{status}: {}", body.trim())));
        }
        self.forgot_at = Some(now);
        Ok(())
    }

    /// Waits until the app's target has been scraped successfully (after the samples were
    /// last forgotten, for a kept server); on timeout, the target's state and last scrape
    /// error.
    pub async fn wait_target_up(&self, timeout: Duration) -> Result<(), Text> {
        let start = Instant::now();
        let mut last = (String::from("unknown"), String::new());
        while start.elapsed() < timeout {
            if let Ok(r) = self
                .http
                .get(format!("{}/api/v1/targets", self.base))
                .send()
                .await
                && let Ok(v) = r.json::<Value>().await
            {
                let targets = v["data"]["activeTargets"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                if let Some(t) = targets.iter().find(|t| t["labels"]["job"] == APP_JOB) {
                    let health = t["health"].as_str().unwrap_or("unknown").to_string();
                    let error = t["lastError"].as_str().unwrap_or_default().to_string();
                    if health == "up" && error.is_empty() && self.scraped_since_forgetting().await {
                        return Ok(());
                    }
                    last = (health, error);
                }
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let (health, error) = last;
        Err(both(
            format!(
                "o target `{APP_JOB}` está `{health}` no Prometheus; último erro de coleta: {error}"
            ),
            format!("target `{APP_JOB}` is `{health}` in Prometheus; last scrape error: {error}"),
        ))
    }

    /// Whether the app was scraped successfully since the samples were last forgotten: a
    /// kept server's target may still show the previous grading's app as `up`, while only
    /// a sample after the forgetting is this grading's.
    async fn scraped_since_forgetting(&self) -> bool {
        if self.forgot_at.is_none() {
            return true;
        }
        let up = format!("up{{job=\"{APP_JOB}\"}} == 1");
        matches!(self.api.query_at(&up, unix_now()).await, Ok(s) if !s.is_empty())
    }

    /// Evaluates `query` now; the number of series it returns.
    pub async fn query(&self, query: &str) -> Result<usize, Text> {
        let url = format!("{}/api/v1/query", self.base);
        let r = self
            .http
            .get(url)
            .query(&[("query", query)])
            .send()
            .await
            .map_err(|e| {
                both(
                    format!("a consulta ao Prometheus falhou: {e}"),
                    format!("the Prometheus query failed: {e}"),
                )
            })?;
        let v: Value = r.json().await.map_err(|e| {
            both(
                format!("resposta inválida: {e}"),
                format!("invalid answer: {e}"),
            )
        })?;
        if v["status"] != "success" {
            let e = v["error"].as_str().unwrap_or("?");
            return Err(both(
                format!("o Prometheus recusou `{query}`: {e}"),
                format!("Prometheus refused `{query}`: {e}"),
            ));
        }
        Ok(match &v["data"]["result"] {
            Value::Array(a) => a.len(),
            Value::Null => 0,
            _ => 1, // a scalar or a string
        })
    }

    /// The alerts pending or firing now.
    pub async fn alerts(&self) -> Result<Vec<ActiveAlert>, Text> {
        let v: Value = self
            .http
            .get(format!("{}/api/v1/alerts", self.base))
            .send()
            .await
            .map_err(query_failed)?
            .json()
            .await
            .map_err(query_failed)?;
        let text = |a: &Value, k: &str| a[k].as_str().unwrap_or_default().to_string();
        let number = |a: &Value| a["value"].as_str().and_then(|v| v.parse::<f64>().ok());
        let mut alerts: Vec<&Value> = v["data"]["alerts"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        // Several instances of one alert (one per product, say) come in no set order: the
        // lowest value first, so a report names the same one every time.
        alerts.sort_by(|a, b| {
            let key = |x: &Value| (text(x, "state"), x["labels"]["alertname"].to_string());
            key(a).cmp(&key(b)).then(
                number(a)
                    .unwrap_or(f64::NAN)
                    .total_cmp(&number(b).unwrap_or(f64::NAN)),
            )
        });
        Ok(alerts
            .into_iter()
            .map(|a| ActiveAlert {
                name: a["labels"]["alertname"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                state: text(a, "state"),
                value: number(a).map_or_else(|| text(a, "value"), readable),
            })
            .collect())
    }

    /// How long [`Prometheus::query_at`] waits for one query (the spec's `query_timeout_s`).
    pub fn set_query_timeout(&mut self, limit: Duration) {
        self.api.set_timeout(limit);
    }

    /// Its query API.
    pub fn api(&self) -> &QueryApi {
        &self.api
    }

    /// See [`QueryApi::query_at`].
    pub async fn query_at(&self, query: &str, time: f64) -> Result<Vec<Sample>, Text> {
        self.api.query_at(query, time).await
    }

    /// See [`QueryApi::query_range`].
    pub async fn query_range(
        &self,
        query: &str,
        start: f64,
        end: f64,
        step: f64,
    ) -> Result<Vec<RangeSeries>, Text> {
        self.api.query_range(query, start, end, step).await
    }

    pub async fn stop(self) {
        match self.runner {
            Runner::Native(p, _) => p.stop(Duration::from_secs(5)).await,
            // Removing the container stops it; testcontainers does it when it is dropped.
            Runner::Docker(c) => {
                let _ = tokio::time::timeout(docker::ENGINE_CALL, c.rm()).await;
            }
        }
    }
}

/// The scrape config: the app only, every second, so a verdict takes seconds. `target` is
/// how Prometheus reaches the app (`127.0.0.1:PORT`, or through `host.docker.internal`).
fn config_for(target: Option<&str>, rule_files: &[String], alertmanager: Option<&str>) -> String {
    let global =
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n";
    let rules = if rule_files.is_empty() {
        String::new()
    } else {
        let files: Vec<String> = rule_files.iter().map(|f| format!("  - '{f}'\n")).collect();
        format!("rule_files:\n{}", files.concat())
    };
    let rules = match alertmanager {
        Some(am) => format!(
            "{rules}alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['{am}']\n"
        ),
        None => rules,
    };
    match target {
        Some(target) => format!(
            "{global}{rules}scrape_configs:\n  - job_name: {APP_JOB}\n    static_configs:\n      - targets: ['{target}']\n"
        ),
        None => format!("{global}{rules}scrape_configs: []\n"),
    }
}
