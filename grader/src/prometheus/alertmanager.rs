//! A real Alertmanager between the student's alerts and the grader, so that the whole route
//! from rule to notification is proven: Prometheus sends firing alerts to it, and it posts
//! them to a webhook the grader serves on loopback ([`Webhook`]).
//!
//! It runs the way Prometheus runs: the native binary (Debian's `prometheus-alertmanager`,
//! or `alertmanager`) beside the native backend, the `prom/alertmanager` image beside the
//! Docker one (host network on Linux, like Prometheus). Clustering is off, so it listens on
//! loopback only.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use testcontainers::core::{IntoContainerPort, Mount, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

use super::docker::{LABEL, PID_LABEL, split_image};
use super::{Backend, find_on_path, shared_dir, write_shared};
use crate::lang::{Text, both};
use crate::process::Owned;

/// The official image used beside the Docker backend unless told otherwise: pinned.
pub const DEFAULT_ALERTMANAGER_IMAGE: &str = "prom/alertmanager:v0.28.1";
/// Where the container sees its config folder.
const CONF_MOUNT: &str = "/etc/alertmanager/avaliador";

/// The grader's notification receiver: every alert Alertmanager posts, with when.
#[derive(Debug)]
pub struct Webhook {
    port: u16,
    received: Arc<Mutex<Vec<(Instant, String)>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Webhook {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Webhook {
    pub async fn start() -> std::io::Result<Self> {
        use axum::routing::post;
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let port = listener.local_addr()?.port();
        let received: Arc<Mutex<Vec<(Instant, String)>>> = Arc::default();
        let store = received.clone();
        let app = axum::Router::new().route(
            "/alertas",
            post(move |axum::Json(body): axum::Json<serde_json::Value>| {
                let store = store.clone();
                async move {
                    let now = Instant::now();
                    let names = body["alerts"]
                        .as_array()
                        .map(Vec::as_slice)
                        .unwrap_or_default()
                        .iter()
                        .filter(|a| a["status"] == "firing")
                        .filter_map(|a| a["labels"]["alertname"].as_str())
                        .map(|n| (now, n.to_string()))
                        .collect::<Vec<_>>();
                    store.lock().expect("not poisoned").extend(names);
                }
            }),
        );
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            port,
            received,
            server,
        })
    }

    /// When the first notification of `alert` arrived.
    pub fn first(&self, alert: &str) -> Option<Instant> {
        self.received
            .lock()
            .expect("not poisoned")
            .iter()
            .find(|(_, n)| n == alert)
            .map(|(at, _)| *at)
    }

    /// Waits at most `max` for a notification of `alert`; how long after `since` it came.
    pub async fn wait_for(&self, alert: &str, since: Instant, max: Duration) -> Option<Duration> {
        let deadline = Instant::now() + max;
        loop {
            if let Some(at) = self.first(alert) {
                return Some(at.saturating_duration_since(since));
            }
            if Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[derive(Debug)]
pub struct Alertmanager {
    /// `host:port` at which Prometheus reaches it.
    target: String,
    runner: Runner,
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
        format!("o Alertmanager não iniciou: {e}"),
        format!("Alertmanager did not start: {e}"),
    )
}

/// The Alertmanager binary: `explicit`, else `alertmanager` or Debian's
/// `prometheus-alertmanager` on PATH.
pub fn find_binary(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return p.is_file().then(|| p.to_path_buf());
    }
    find_on_path("alertmanager").or_else(|| find_on_path("prometheus-alertmanager"))
}

impl Alertmanager {
    /// Starts Alertmanager beside `backend` (the binary `bin`, or the image `image`), posting
    /// every alert to `webhook`, its files in `dir`; waits at most `timeout` until ready.
    pub async fn start(
        backend: &Backend,
        bin: Option<&Path>,
        image: &str,
        webhook: &Webhook,
        dir: &Path,
        timeout: Duration,
    ) -> Result<Self, Text> {
        let port = crate::net::free_port().map_err(failed)?;
        shared_dir(dir).map_err(failed)?;
        let linux = cfg!(target_os = "linux");
        let docker = matches!(backend, Backend::Docker(_));
        let webhook_host = if docker && !linux {
            "host.docker.internal"
        } else {
            "127.0.0.1"
        };
        // Sent at once, one notification per alert name; never repeated within a grading.
        let config = format!(
            "route:\n  receiver: avaliador\n  group_by: ['alertname']\n  group_wait: 0s\n  group_interval: 1s\n  repeat_interval: 1h\n\
             receivers:\n  - name: avaliador\n    webhook_configs:\n      - url: 'http://{webhook_host}:{}/alertas'\n        send_resolved: false\n",
            webhook.port
        );
        write_shared(&dir.join("alertmanager.yml"), &config).map_err(failed)?;
        let (runner, target) = match backend {
            Backend::Native(_) => {
                let bin = find_binary(bin).ok_or_else(how_to_install)?;
                let mut cmd = tokio::process::Command::new(&bin);
                cmd.arg(format!(
                    "--config.file={}",
                    dir.join("alertmanager.yml").display()
                ))
                .arg(format!("--storage.path={}", dir.join("data").display()))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                .arg("--cluster.listen-address=")
                .current_dir(dir);
                let p = Owned::spawn(cmd, &dir.join("alertmanager.log")).map_err(failed)?;
                (Runner::Native(p), format!("127.0.0.1:{port}"))
            }
            Backend::Docker(_) => {
                let (name, tag) = split_image(image);
                let listen = if linux {
                    format!("127.0.0.1:{port}")
                } else {
                    "0.0.0.0:9093".into()
                };
                let request = GenericImage::new(name, tag)
                    .with_wait_for(WaitFor::Nothing)
                    .with_cmd([
                        format!("--config.file={CONF_MOUNT}/alertmanager.yml"),
                        "--storage.path=/alertmanager".to_string(),
                        format!("--web.listen-address={listen}"),
                        "--cluster.listen-address=".to_string(),
                    ])
                    .with_mount(Mount::bind_mount(
                        dir.display().to_string(),
                        CONF_MOUNT.to_string(),
                    ))
                    .with_label(LABEL, "1")
                    .with_label(PID_LABEL, std::process::id().to_string())
                    .with_startup_timeout(timeout);
                let (request, target) = if linux {
                    (request.with_network("host"), format!("127.0.0.1:{port}"))
                } else {
                    (
                        request.with_mapped_port(port, 9093.tcp()).with_host(
                            "host.docker.internal",
                            testcontainers::core::Host::HostGateway,
                        ),
                        format!("host.docker.internal:{port}"),
                    )
                };
                let c = request.start().await.map_err(failed)?;
                (Runner::Docker(c), target)
            }
        };
        let am = Self { target, runner };
        if let Err(e) = am.wait_ready(port, timeout).await {
            am.stop().await;
            return Err(e);
        }
        Ok(am)
    }

    async fn wait_ready(&self, port: u16, timeout: Duration) -> Result<(), Text> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .no_proxy()
            .build()
            .expect("a client with no TLS and no proxy always builds");
        let url = format!(
            "http://{}/-/ready",
            SocketAddr::from((Ipv4Addr::LOCALHOST, port))
        );
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(r) = http.get(&url).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(failed(format!("not ready after {}s", timeout.as_secs())))
    }

    /// `host:port` at which Prometheus reaches it.
    pub fn target(&self) -> &str {
        &self.target
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

/// How to get an Alertmanager when none is found, in the student's language.
pub fn how_to_install() -> Text {
    both(
        "nenhum Alertmanager encontrado: `sudo apt-get install prometheus-alertmanager` (Debian/Ubuntu), ou baixe em prometheus.io/download e ponha `alertmanager` no PATH (ou passe --alertmanager-bin CAMINHO), ou use o Docker",
        "no Alertmanager found: `sudo apt-get install prometheus-alertmanager` (Debian/Ubuntu), or download it from prometheus.io/download and put `alertmanager` on PATH (or pass --alertmanager-bin PATH), or use Docker",
    )
}
