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
use std::time::Duration;

use testcontainers::bollard::Docker;
use testcontainers::bollard::query_parameters::{ListContainersOptions, RemoveContainerOptions};
use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

use super::{config_for, failed};
use crate::lang::Text;

/// The official image the grader uses unless told otherwise: pinned, so every student is
/// graded by the same Prometheus.
pub const DEFAULT_IMAGE: &str = "prom/prometheus:v3.5.0";

const LABEL: &str = "course.grader";
const PID_LABEL: &str = "course.grader.pid";

pub(super) async fn start(
    image: &str,
    app: SocketAddr,
    port: u16,
    timeout: Duration,
) -> Result<ContainerAsync<GenericImage>, Text> {
    let (name, tag) = split_image(image);
    let host_network = cfg!(target_os = "linux");
    let (target, listen) = if host_network {
        (app.to_string(), format!("127.0.0.1:{port}"))
    } else {
        (
            format!("host.docker.internal:{}", app.port()),
            "0.0.0.0:9090".to_string(),
        )
    };
    let request = GenericImage::new(name, tag)
        .with_wait_for(WaitFor::Nothing)
        .with_cmd([
            "--config.file=/etc/prometheus/prometheus.yml".to_string(),
            "--storage.tsdb.path=/prometheus".to_string(),
            format!("--web.listen-address={listen}"),
            "--web.enable-lifecycle".to_string(),
        ])
        .with_copy_to(
            "/etc/prometheus/prometheus.yml",
            config_for(&target).into_bytes(),
        )
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

/// `name:tag` (a digest or no tag is left to Docker: tag "latest" only when none is given).
fn split_image(image: &str) -> (&str, &str) {
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

/// Removes the containers of graders that are no longer running (killed before they could
/// clean up). Returns how many it removed.
pub async fn remove_orphans(docker: &Docker) -> usize {
    let gone = |owner: Option<u32>| !owner.is_some_and(crate::process::is_alive);
    remove_where(docker, LABEL.to_string(), gone).await
}

/// Removes the containers this grader started, including one whose start was cut short (an
/// interrupted start drops the future before testcontainers hands over the handle that would
/// remove it). For Ctrl-C; does nothing when no engine answers.
pub async fn remove_own_containers() {
    let Ok(docker) = super::engine().await else {
        return;
    };
    let own = format!("{PID_LABEL}={}", std::process::id());
    remove_where(&docker, own, |_| true).await;
}

/// How long one call to the engine may take before the grader stops waiting for it.
pub(super) const ENGINE_CALL: Duration = Duration::from_secs(30);

async fn remove_where(
    docker: &Docker,
    label: String,
    remove: impl Fn(Option<u32>) -> bool,
) -> usize {
    let filters = [("label".to_string(), vec![label])].into_iter().collect();
    let options = ListContainersOptions {
        all: true,
        filters: Some(filters),
        ..Default::default()
    };
    let listed = tokio::time::timeout(ENGINE_CALL, docker.list_containers(Some(options))).await;
    let Ok(Ok(containers)) = listed else {
        return 0;
    };
    let mut removed = 0;
    for c in containers {
        let owner = c
            .labels
            .as_ref()
            .and_then(|l| l.get(PID_LABEL))
            .and_then(|p| p.parse::<u32>().ok());
        let Some(id) = c.id.filter(|_| remove(owner)) else {
            continue;
        };
        let force = RemoveContainerOptions {
            force: true,
            ..Default::default()
        };
        let removal = tokio::time::timeout(ENGINE_CALL, docker.remove_container(&id, Some(force)));
        if matches!(removal.await, Ok(Ok(()))) {
            removed += 1;
        }
    }
    removed
}
