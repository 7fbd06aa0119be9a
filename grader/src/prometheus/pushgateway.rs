//! A real Pushgateway for the batch-job exercise: the job pushes its metrics to it when it
//! ends, the grader reads what it holds through its API (`/api/v1/metrics`), and Prometheus
//! scrapes it with `honor_labels: true`.
//!
//! It runs the way Prometheus runs: the native binary (Debian's `prometheus-pushgateway`, or
//! `pushgateway`) beside the native backend, the `prom/pushgateway` image beside the Docker
//! one (host network on Linux, like Prometheus). It keeps its groups in memory only
//! (`--persistence.file=` empty: Debian's default would write under /var/lib), so every
//! grading starts from an empty Pushgateway.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;
use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

use super::docker::{LABEL, PID_LABEL, split_image};
use super::{Backend, find_on_path, label_map, shared_dir};
use crate::lang::{Text, both};
use crate::process::Owned;

/// The official image used beside the Docker backend unless told otherwise: pinned.
pub const DEFAULT_PUSHGATEWAY_IMAGE: &str = "prom/pushgateway:v1.11.0";

/// One group of the Pushgateway: the metrics pushed under one `job` and grouping key.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// `job` and the grouping key's labels.
    pub labels: BTreeMap<String, String>,
    /// The pushed metric families by name, without the two the Pushgateway adds to every
    /// group (`push_time_seconds`, `push_failure_time_seconds`).
    pub families: BTreeMap<String, Family>,
}

/// A pushed metric family.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    /// As the Pushgateway names it, lowercase: `gauge`, `counter`, `untyped`, ...
    pub kind: String,
    /// Each sample's labels (the group's included) and value.
    pub samples: Vec<(BTreeMap<String, String>, f64)>,
}

/// The metrics the Pushgateway adds to every group on its own.
const OWN_FAMILIES: [&str; 2] = ["push_time_seconds", "push_failure_time_seconds"];

#[derive(Debug)]
pub struct Pushgateway {
    port: u16,
    http: reqwest::Client,
    runner: Runner,
    /// The binary or the image it runs.
    origin: String,
}

// One per grading run: the size difference between the variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum Runner {
    Native(Owned),
    Docker(ContainerAsync<GenericImage>),
}

fn failed(e: impl std::fmt::Display) -> Text {
    both(
        format!("o Pushgateway não iniciou: {e}"),
        format!("the Pushgateway did not start: {e}"),
    )
}

fn unreadable(e: impl std::fmt::Display) -> Text {
    both(
        format!("a API do Pushgateway não respondeu como esperado: {e}"),
        format!("the Pushgateway's API did not answer as expected: {e}"),
    )
}

/// The Pushgateway binary: `explicit`, else `pushgateway` or Debian's `prometheus-pushgateway`
/// on PATH.
pub fn find_binary(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return p.is_file().then(|| p.to_path_buf());
    }
    find_on_path("pushgateway").or_else(|| find_on_path("prometheus-pushgateway"))
}

/// How to get a Pushgateway when none is found, in the student's language.
pub fn how_to_install() -> Text {
    both(
        "nenhum Pushgateway encontrado: `sudo apt-get install prometheus-pushgateway` (Debian/Ubuntu), ou baixe em prometheus.io/download e ponha `pushgateway` no PATH (ou passe --pushgateway-bin CAMINHO), ou use o Docker",
        "no Pushgateway found: `sudo apt-get install prometheus-pushgateway` (Debian/Ubuntu), or download it from prometheus.io/download and put `pushgateway` on PATH (or pass --pushgateway-bin PATH), or use Docker",
    )
}

impl Pushgateway {
    /// Starts a Pushgateway beside `backend` (the binary `bin`, or the image `image`) on a free
    /// loopback port, its log in `dir`; waits at most `timeout` until it is ready.
    pub async fn start(
        backend: &Backend,
        bin: Option<&Path>,
        image: &str,
        dir: &Path,
        timeout: Duration,
    ) -> Result<Self, Text> {
        let port = crate::net::free_port().map_err(failed)?;
        shared_dir(dir).map_err(failed)?;
        let linux = cfg!(target_os = "linux");
        // Memory only: each grading starts empty, and nothing is written outside `dir`.
        let common = ["--persistence.file=".to_string()];
        let (runner, origin) = match backend {
            Backend::Native(_) => {
                let bin = find_binary(bin).ok_or_else(how_to_install)?;
                let mut cmd = tokio::process::Command::new(&bin);
                cmd.args(&common)
                    .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                    .current_dir(dir);
                let p = Owned::spawn(cmd, &dir.join("pushgateway.log")).map_err(failed)?;
                (Runner::Native(p), bin.display().to_string())
            }
            Backend::Docker(_) => {
                let (name, tag) = split_image(image);
                let listen = if linux {
                    format!("127.0.0.1:{port}")
                } else {
                    "0.0.0.0:9091".into()
                };
                let request = GenericImage::new(name, tag)
                    .with_wait_for(WaitFor::Nothing)
                    .with_cmd(
                        common
                            .iter()
                            .cloned()
                            .chain([format!("--web.listen-address={listen}")]),
                    )
                    .with_label(LABEL, "1")
                    .with_label(PID_LABEL, std::process::id().to_string())
                    .with_startup_timeout(timeout);
                let request = if linux {
                    request.with_network("host")
                } else {
                    request.with_mapped_port(port, 9091.tcp())
                };
                let c = request.start().await.map_err(failed)?;
                (Runner::Docker(c), image.to_string())
            }
        };
        let pgw = Self {
            port,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .no_proxy()
                .build()
                .expect("a client with no TLS and no proxy always builds"),
            runner,
            origin,
        };
        if let Err(e) = pgw.wait_ready(timeout).await {
            pgw.stop().await;
            return Err(e);
        }
        Ok(pgw)
    }

    async fn wait_ready(&self, timeout: Duration) -> Result<(), Text> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(r) = self.http.get(self.url("/-/ready")).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(failed(format!("not ready after {}s", timeout.as_secs())))
    }

    /// Where this machine reaches it (the job and the grader): `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// Its address on this machine; Prometheus reaches it here, or through
    /// `host.docker.internal` and this port where the container has no host network.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// The binary (native backend) or the image (Docker) it runs.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The version it reports, e.g. "1.5.1".
    pub async fn version(&self) -> Option<String> {
        let v: Value = self
            .http
            .get(self.url("/api/v1/status"))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        v["data"]["build_information"]["version"]
            .as_str()
            .map(str::to_string)
    }

    /// Every group it holds now.
    pub async fn groups(&self) -> Result<Vec<Group>, Text> {
        let v: Value = self
            .http
            .get(self.url("/api/v1/metrics"))
            .send()
            .await
            .map_err(unreadable)?
            .json()
            .await
            .map_err(unreadable)?;
        if v["status"] != "success" {
            return Err(unreadable(v["status"].to_string()));
        }
        Ok(parse_groups(&v["data"]))
    }

    /// Stops it (dropping it does too, less politely).
    pub async fn stop(self) {
        match self.runner {
            Runner::Native(p) => p.stop(Duration::from_secs(5)).await,
            Runner::Docker(c) => {
                let _ = tokio::time::timeout(super::docker::ENGINE_CALL, c.rm()).await;
            }
        }
    }
}

/// The groups of `/api/v1/metrics`'s `data`: each an object of `labels`, two fields of the
/// Pushgateway's own (`last_push_successful`, ...) and one object per metric family.
fn parse_groups(data: &Value) -> Vec<Group> {
    let number = |v: &Value| {
        v.as_str()
            .and_then(|s| s.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    data.as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|g| {
            let families = g
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(name, f)| {
                    f.get("metrics").is_some() && !OWN_FAMILIES.contains(&name.as_str())
                })
                .map(|(name, f)| {
                    let samples = f["metrics"]
                        .as_array()
                        .map(Vec::as_slice)
                        .unwrap_or_default()
                        .iter()
                        .map(|m| (label_map(&m["labels"]), number(&m["value"])))
                        .collect();
                    let kind = f["type"].as_str().unwrap_or("untyped").to_lowercase();
                    (name.clone(), Family { kind, samples })
                })
                .collect();
            Group {
                labels: label_map(&g["labels"]),
                families,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_of_the_api_reads_as_its_labels_and_families() {
        // As Pushgateway 1.5 answers, trimmed.
        let data: Value = serde_json::from_str(
            r#"[{"labels":{"deposito":"central","job":"reconciliacao_estoque"},
                 "last_push_successful":true,
                 "push_time_seconds":{"type":"GAUGE","metrics":[{"labels":{"job":"reconciliacao_estoque"},"value":"1.79e+09"}]},
                 "reconciliacao_falhou":{"time_stamp":"2026-11-25T00:57:42Z","type":"GAUGE","help":"h",
                   "metrics":[{"labels":{"deposito":"central","instance":"","job":"reconciliacao_estoque"},"value":"1"}]}}]"#,
        )
        .unwrap();
        let groups = parse_groups(&data);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].labels["job"], "reconciliacao_estoque");
        assert_eq!(groups[0].labels["deposito"], "central");
        assert_eq!(groups[0].families.len(), 1, "{:?}", groups[0].families);
        let f = &groups[0].families["reconciliacao_falhou"];
        assert_eq!(f.kind, "gauge");
        assert_eq!(f.samples.len(), 1);
        assert_eq!(f.samples[0].1, 1.0);
        assert_eq!(f.samples[0].0["instance"], "");
    }
}
