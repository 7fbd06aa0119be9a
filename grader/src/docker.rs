//! The Docker engine, shared by everything the grader runs in containers (Prometheus and its
//! companions, and the app under `--isolation container`): the connection to it, the labels
//! every container and network of the grader carries, and the removal of what graders left.

use std::time::Duration;

use testcontainers::bollard::Docker;
use testcontainers::bollard::query_parameters::{
    ListContainersOptions, ListNetworksOptions, RemoveContainerOptions,
};

use crate::lang::{Text, both};

/// The labels every container and network of the grader carries: the first marks it the
/// grader's, the second names the grader process that owns it (see [`remove_orphans`]).
pub const LABEL: &str = "course.grader";
pub const PID_LABEL: &str = "course.grader.pid";

/// How long one call to the engine may take before the grader stops waiting for it.
pub const ENGINE_CALL: Duration = Duration::from_secs(30);

/// A client of the local engine that has answered a ping.
pub async fn engine() -> Result<Docker, Text> {
    let no_engine = |e: String| {
        both(
            format!("nenhum Docker respondeu: {e}"),
            format!("no Docker engine answered: {e}"),
        )
    };
    let docker = testcontainers::core::client::docker_client_instance()
        .await
        .map_err(|e| no_engine(e.to_string()))?;
    match tokio::time::timeout(Duration::from_secs(3), docker.ping()).await {
        Ok(Ok(_)) => Ok(docker),
        Ok(Err(e)) => Err(no_engine(e.to_string())),
        Err(_) => Err(no_engine("timeout".into())),
    }
}

/// Removes the containers of graders that are no longer running (killed before they could
/// clean up). Returns how many it removed.
pub async fn remove_orphans(docker: &Docker) -> usize {
    let gone = |owner: Option<u32>| !owner.is_some_and(crate::process::is_alive);
    let removed = remove_where(docker, LABEL.to_string(), gone).await;
    // The app containers' networks (`--isolation container`), once their containers are gone.
    remove_networks(docker, LABEL.to_string(), gone).await;
    removed
}

/// Removes the containers this grader started, including one whose start was cut short (an
/// interrupted start drops the future before testcontainers hands over the handle that would
/// remove it). For Ctrl-C; does nothing when no engine answers.
pub async fn remove_own_containers() {
    let Ok(docker) = engine().await else {
        return;
    };
    let own = format!("{PID_LABEL}={}", std::process::id());
    remove_where(&docker, own.clone(), |_| true).await;
    remove_networks(&docker, own, |_| true).await;
}

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

/// Removes the networks of the grader's app containers that `label` selects (`course.grader`,
/// or one grader's pid label) and whose grader `remove` says is gone; after their containers.
pub async fn remove_networks(docker: &Docker, label: String, remove: impl Fn(Option<u32>) -> bool) {
    let filters = [("label".to_string(), vec![label])].into_iter().collect();
    let options = ListNetworksOptions {
        filters: Some(filters),
    };
    let Ok(Ok(networks)) =
        tokio::time::timeout(ENGINE_CALL, docker.list_networks(Some(options))).await
    else {
        return;
    };
    for n in networks {
        let owner = n
            .labels
            .as_ref()
            .and_then(|l| l.get(PID_LABEL))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(id) = n.id.filter(|_| remove(owner)) {
            let _ = tokio::time::timeout(ENGINE_CALL, docker.remove_network(&id)).await;
        }
    }
}
