//! A real Prometheus server scraping the app, run one of two ways (see [`Backend`]): the
//! native binary (Debian's `prometheus` package is 2.42), or the official image in Docker
//! through testcontainers (v3). Either way it listens on a free loopback port, with a config
//! the grader writes, scraping every second; the checks talk to it over its HTTP API only, so
//! they cannot tell the two apart.

mod docker;
mod native;
mod select;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

pub use docker::{DEFAULT_IMAGE, remove_orphans, remove_own_containers};
pub use select::{BackendChoice, choose, engine};

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
}

// One per grading run: the size difference between the variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum Runner {
    Native(crate::process::Owned),
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
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("prometheus"))
        .find(|p| p.is_file())
}

fn failed(e: impl std::fmt::Display) -> Text {
    both(
        format!("o Prometheus não iniciou: {e}"),
        format!("Prometheus did not start: {e}"),
    )
}

impl Prometheus {
    /// Starts Prometheus with `backend`, scraping `app` every second, its files in `dir`, and
    /// waits (at most `timeout`) until it is ready.
    pub async fn start(
        backend: &Backend,
        app: SocketAddr,
        dir: &Path,
        timeout: Duration,
    ) -> Result<Self, Text> {
        let port = crate::app::free_port().map_err(failed)?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .no_proxy()
            .build()
            .expect("a client with no TLS and no proxy always builds");
        let runner = match backend {
            Backend::Native(bin) => Runner::Native(native::spawn(bin, app, port, dir)?),
            Backend::Docker(image) => {
                Runner::Docker(docker::start(image, app, port, timeout).await?)
            }
        };
        let mut prom = Self {
            base: format!("http://127.0.0.1:{port}"),
            http,
            runner,
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

    /// Why Prometheus is gone, if it is.
    async fn died(&mut self) -> Option<String> {
        match &mut self.runner {
            Runner::Native(p) => p
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
            Runner::Native(p) => p.log_tail(10),
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

    /// Waits until the app's target has been scraped successfully; on timeout, the target's
    /// state and last scrape error.
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
                    if health == "up" && error.is_empty() {
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
                "o alvo `{APP_JOB}` está `{health}` no Prometheus; último erro de coleta: {error}"
            ),
            format!("target `{APP_JOB}` is `{health}` in Prometheus; last scrape error: {error}"),
        ))
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

    pub async fn stop(self) {
        match self.runner {
            Runner::Native(p) => p.stop(Duration::from_secs(5)).await,
            // Removing the container stops it; testcontainers does it when it is dropped.
            Runner::Docker(c) => {
                let _ = tokio::time::timeout(docker::ENGINE_CALL, c.rm()).await;
            }
        }
    }
}

/// The scrape config: the app only, every second, so a verdict takes seconds. `target` is
/// how Prometheus reaches the app (`127.0.0.1:PORT`, or through `host.docker.internal`).
fn config_for(target: &str) -> String {
    format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
         scrape_configs:\n  - job_name: {APP_JOB}\n    static_configs:\n      - targets: ['{target}']\n"
    )
}
