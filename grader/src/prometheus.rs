//! A real Prometheus server scraping the app: the native binary (Debian's `prometheus` package
//! is 2.42; the official v3 builds work too), started on a free loopback port with a config
//! the grader writes, scraping every second.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::process::Command;

use crate::app::free_port;
use crate::lang::{Text, both};
use crate::process::Owned;

/// The job name the app is scraped under.
pub const APP_JOB: &str = "loja";

#[derive(Debug)]
pub struct Prometheus {
    process: Owned,
    base: String,
    http: reqwest::Client,
}

/// How to get a Prometheus when none is found, in the student's language.
pub fn how_to_install() -> Text {
    both(
        "nenhum binário `prometheus` encontrado. Instale com `sudo apt-get install prometheus` (Debian/Ubuntu), \
         baixe em prometheus.io/download e ponha no PATH, ou passe --prometheus-bin CAMINHO",
        "no `prometheus` binary found. Install it with `sudo apt-get install prometheus` (Debian/Ubuntu), \
         download it from prometheus.io/download and put it on PATH, or pass --prometheus-bin PATH",
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

impl Prometheus {
    /// Starts Prometheus in `dir` scraping `app` every second, and waits until it is ready.
    pub async fn start(
        bin: &Path,
        app: SocketAddr,
        dir: &Path,
        timeout: Duration,
    ) -> Result<Self, Text> {
        let fail = |e: String| {
            both(
                format!("o Prometheus não iniciou: {e}"),
                format!("Prometheus did not start: {e}"),
            )
        };
        let port = free_port().map_err(|e| fail(e.to_string()))?;
        let config = dir.join("prometheus.yml");
        std::fs::write(&config, config_for(app)).map_err(|e| fail(e.to_string()))?;
        let mut cmd = Command::new(bin);
        cmd.arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .current_dir(dir);
        let mut process =
            Owned::spawn(cmd, &dir.join("prometheus.log")).map_err(|e| fail(e.to_string()))?;
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .no_proxy()
            .build()
            .expect("a client with no TLS and no proxy always builds");
        let start = Instant::now();
        loop {
            if let Some(status) = process.exited() {
                return Err(fail(format!("{status}\n{}", process.log_tail(10))));
            }
            if let Ok(r) = http.get(format!("{base}/-/ready")).send().await
                && r.status().is_success()
            {
                return Ok(Self {
                    process,
                    base,
                    http,
                });
            }
            if start.elapsed() > timeout {
                let tail = process.log_tail(10);
                process.stop(Duration::from_secs(2)).await;
                return Err(fail(format!(
                    "not ready after {}s\n{tail}",
                    timeout.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
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
        self.process.stop(Duration::from_secs(5)).await;
    }
}

/// The scrape config: the app only, every second, so a verdict takes seconds.
fn config_for(app: SocketAddr) -> String {
    format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
         scrape_configs:\n  - job_name: {APP_JOB}\n    static_configs:\n      - targets: ['{app}']\n"
    )
}
