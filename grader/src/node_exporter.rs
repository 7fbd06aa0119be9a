//! A real Node Exporter, the second scrape target of the final project: the machine's CPU,
//! memory and load beside the app's own metrics.
//!
//! It runs natively (Debian's `prometheus-node-exporter`, or `node_exporter` on `PATH`) beside
//! either backend: on Linux the Docker backend's Prometheus shares the host's network, so it
//! reaches the exporter on loopback as the native one does. It listens on a free loopback
//! port; the submitted config's targets on port 9100 (the exporter's usual one) are pointed
//! at it, and the report says so. Only a few light collectors run, so a scrape every second
//! costs little.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::lang::{Text, both};
use crate::process::Owned;

/// The Node Exporter's usual port, as a student's config names it.
pub const PORT: u16 = 9100;

#[derive(Debug)]
pub struct NodeExporter {
    /// `host:port` at which Prometheus reaches it.
    pub target: String,
    process: Owned,
}

/// The binary: `node_exporter`, else Debian's `prometheus-node-exporter`, on `PATH`.
pub fn find_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["node_exporter", "prometheus-node-exporter"]
        .iter()
        .find_map(|name| {
            std::env::split_paths(&path)
                .map(|d| d.join(name))
                .find(|p| p.is_file())
        })
}

fn failed(e: impl std::fmt::Display) -> Text {
    both(
        format!("o Node Exporter não iniciou: {e}"),
        format!("the Node Exporter did not start: {e}"),
    )
}

impl NodeExporter {
    /// Starts it on a free loopback port, its log in `dir`, and waits (at most `timeout`)
    /// until its `/metrics` answers.
    pub async fn start(dir: &Path, timeout: Duration) -> Result<Self, Text> {
        let bin = find_binary().ok_or_else(|| {
            both(
                "falta o Node Exporter: rode scripts/setup.sh (instala o prometheus-node-exporter do Debian) ou ponha o node_exporter no PATH",
                "the Node Exporter is missing: run scripts/setup.sh (installs Debian's prometheus-node-exporter) or put node_exporter on PATH",
            )
        })?;
        std::fs::create_dir_all(dir).map_err(failed)?;
        let port = crate::net::free_port().map_err(failed)?;
        let mut cmd = tokio::process::Command::new(&bin);
        cmd.arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--collector.disable-defaults")
            .args([
                "--collector.cpu",
                "--collector.meminfo",
                "--collector.loadavg",
            ])
            .current_dir(dir);
        let process = Owned::spawn(cmd, &dir.join("node-exporter.log")).map_err(failed)?;
        let mut exporter = Self {
            target: format!("127.0.0.1:{port}"),
            process,
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .no_proxy()
            .build()
            .expect("a client with no TLS and no proxy always builds");
        let url = format!("http://127.0.0.1:{port}/metrics");
        let start = Instant::now();
        loop {
            if let Some(status) = exporter.process.exited() {
                let log = exporter.process.log_tail(10);
                return Err(failed(format!("{status}\n{log}")));
            }
            if let Ok(r) = http.get(&url).send().await
                && r.status().is_success()
            {
                return Ok(exporter);
            }
            if start.elapsed() > timeout {
                let log = exporter.process.log_tail(10);
                exporter.stop().await;
                return Err(failed(format!(
                    "/metrics did not answer within {}s\n{log}",
                    timeout.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn stop(self) {
        self.process.stop(Duration::from_secs(2)).await;
    }
}
