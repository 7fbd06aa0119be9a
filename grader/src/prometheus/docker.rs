//! Prometheus in a container, through testcontainers.
//!
//! On Linux the container shares the host's network, so Prometheus scrapes the app on
//! 127.0.0.1 and listens on 127.0.0.1 itself: nothing leaves loopback. Docker Desktop (macOS,
//! Windows) has no host network: there the container reaches the app through
//! `host.docker.internal` and its port is published on the host's loopback.
//!
//! testcontainers removes a container when its handle is dropped, which covers returning,
//! failing and Ctrl-C. A grader killed outright cannot; its containers carry the grader's pid
//! in a label and the next run removes those whose grader is gone ([`remove_orphans`]).

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use futures_util::StreamExt;
use testcontainers::bollard::exec::{CreateExecOptions, StartExecResults};
use testcontainers::core::{IntoContainerPort, Mount, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

use super::{ToolRun, failed};
use crate::lang::Text;

/// The official image the grader uses unless told otherwise: pinned, so every student is
/// graded by the same Prometheus.
pub const DEFAULT_IMAGE: &str = "prom/prometheus:v3.5.0";

pub(super) use crate::docker::{ENGINE_CALL, LABEL, PID_LABEL};

/// Where the container sees the run's config folder.
pub(super) const CONF_MOUNT: &str = "/etc/prometheus/avaliador";

/// How Prometheus in the container reaches the app and itself: on loopback with the host's
/// network; through `host.docker.internal` and its own port 9090 elsewhere.
pub(super) fn targets(app: SocketAddr, port: u16) -> (String, String) {
    if cfg!(target_os = "linux") {
        (app.to_string(), format!("127.0.0.1:{port}"))
    } else {
        (
            format!("host.docker.internal:{}", app.port()),
            "localhost:9090".to_string(),
        )
    }
}

pub(super) async fn start(
    image: &str,
    conf: &Path,
    config: &str,
    port: u16,
    timeout: Duration,
) -> Result<ContainerAsync<GenericImage>, Text> {
    let (name, tag) = split_image(image);
    let host_network = cfg!(target_os = "linux");
    let listen = if host_network {
        format!("127.0.0.1:{port}")
    } else {
        "0.0.0.0:9090".to_string()
    };
    let request = GenericImage::new(name, tag)
        .with_wait_for(WaitFor::Nothing)
        .with_cmd([
            format!("--config.file={config}"),
            "--storage.tsdb.path=/prometheus".to_string(),
            format!("--web.listen-address={listen}"),
            "--web.enable-lifecycle".to_string(),
            // A kept server forgets the last grading's samples (see `Kept`).
            "--web.enable-admin-api".to_string(),
        ])
        // A mount, not a copy: the grader rewrites files there and reloads Prometheus.
        .with_mount(Mount::bind_mount(
            conf.display().to_string(),
            CONF_MOUNT.to_string(),
        ))
        .with_label(LABEL, "1")
        .with_label(PID_LABEL, std::process::id().to_string())
        .with_startup_timeout(timeout);
    let request = if host_network {
        request.with_network("host")
    } else {
        request.with_mapped_port(port, 9090.tcp()).with_host(
            "host.docker.internal",
            testcontainers::core::Host::HostGateway,
        )
    };
    request.start().await.map_err(failed)
}

/// Runs the image's own `promtool` inside the running container.
pub(super) async fn promtool(
    c: &ContainerAsync<GenericImage>,
    args: &[String],
) -> Result<ToolRun, String> {
    // Through the engine's API directly: testcontainers' exec handle cannot be awaited on
    // from a task that moves between threads.
    let docker = crate::docker::engine().await.map_err(|e| e.en)?;
    let id = c.id().to_string();
    let run = async move {
        let cmd = std::iter::once("/bin/promtool".to_string())
            .chain(args.iter().cloned())
            .collect();
        let options = CreateExecOptions {
            cmd: Some(cmd),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            ..Default::default()
        };
        let exec = docker
            .create_exec(&id, options)
            .await
            .map_err(|e| e.to_string())?;
        let mut output = String::new();
        if let StartExecResults::Attached {
            output: mut out, ..
        } = docker
            .start_exec(&exec.id, None)
            .await
            .map_err(|e| e.to_string())?
        {
            while let Some(chunk) = out.next().await {
                let chunk = chunk.map_err(|e| e.to_string())?;
                output.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
            }
        }
        // The exit code is set a moment after the output ends.
        let mut inspect = docker
            .inspect_exec(&exec.id)
            .await
            .map_err(|e| e.to_string())?;
        for _ in 0..50 {
            if inspect.running != Some(true) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            inspect = docker
                .inspect_exec(&exec.id)
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(ToolRun {
            success: inspect.exit_code == Some(0),
            output,
        })
    };
    tokio::time::timeout(super::native::PROMTOOL_TIMEOUT, run)
        .await
        .map_err(|_| "no answer from promtool in the container".to_string())?
}

/// `name:tag` (a digest or no tag is left to Docker: tag "latest" only when none is given).
pub(super) fn split_image(image: &str) -> (&str, &str) {
    match image.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name, tag),
        _ => (image, "latest"),
    }
}

pub(super) async fn logs(c: &ContainerAsync<GenericImage>) -> String {
    let out = c.stderr_to_vec().await.unwrap_or_default();
    let text = String::from_utf8_lossy(&out);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(10)..].join("\n")
}
