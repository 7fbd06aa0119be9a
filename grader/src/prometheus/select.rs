//! Which Prometheus to grade with.
//!
//! `auto` takes Docker when an engine answers and the image is there or can be pulled, else a
//! `prometheus` binary, else says how to get either. A failed pull (offline) falls back with a
//! note in the report, not an error.

use std::path::Path;
use std::time::Duration;

use futures_util::StreamExt;
use testcontainers::bollard::query_parameters::CreateImageOptions;

use super::{Backend, find_binary, how_to_install};
use crate::lang::{Text, both};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendChoice {
    /// Docker when an engine answers, else the binary.
    Auto,
    /// The official image through Docker (`--prometheus-image`).
    Docker,
    /// A `prometheus` binary (`--prometheus-bin`, else PATH).
    Native,
}

/// How long a pull may take before the grader gives up on it.
const PULL_TIMEOUT: Duration = Duration::from_secs(300);

/// The backend to use, and a note for the report when `auto` had to fall back.
pub async fn choose(
    choice: BackendChoice,
    image: &str,
    bin: Option<&Path>,
) -> Result<(Backend, Option<Text>), Text> {
    let native = || find_binary(bin).map(Backend::Native);
    match choice {
        BackendChoice::Native => native().map(|b| (b, None)).ok_or_else(how_to_install),
        BackendChoice::Docker => docker_with_image(image)
            .await
            .map(|()| (Backend::Docker(image.to_string()), None)),
        BackendChoice::Auto => match docker_with_image(image).await {
            Ok(()) => Ok((Backend::Docker(image.to_string()), None)),
            Err(why_not) => match native() {
                Some(b) => {
                    let note = both(
                        format!(
                            "Docker não foi usado ({}); usei o binário local.",
                            why_not.pt
                        ),
                        format!(
                            "Docker was not used ({}); used the local binary.",
                            why_not.en
                        ),
                    );
                    Ok((b, Some(note)))
                }
                None => Err(both(
                    format!("{}\n({})", how_to_install().pt, why_not.pt),
                    format!("{}\n({})", how_to_install().en, why_not.en),
                )),
            },
        },
    }
}

/// The engine answers and has `image`, pulling it when missing.
async fn docker_with_image(image: &str) -> Result<(), Text> {
    let docker = crate::docker::engine().await?;
    crate::docker::remove_orphans(&docker).await;
    let present =
        tokio::time::timeout(crate::docker::ENGINE_CALL, docker.inspect_image(image)).await;
    if matches!(present, Ok(Ok(_))) {
        return Ok(());
    }
    eprintln!("grader: pulling {image} ...");
    let options = CreateImageOptions {
        from_image: Some(image.to_string()),
        ..Default::default()
    };
    let pull = async {
        let mut stream = docker.create_image(Some(options), None, None);
        while let Some(step) = stream.next().await {
            step?;
        }
        Ok::<(), testcontainers::bollard::errors::Error>(())
    };
    match tokio::time::timeout(PULL_TIMEOUT, pull).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(both(
            format!("não consegui baixar {image}: {e}"),
            format!("could not pull {image}: {e}"),
        )),
        Err(_) => Err(both(
            format!("baixar {image} passou de {PULL_TIMEOUT:?}"),
            format!("pulling {image} took over {PULL_TIMEOUT:?}"),
        )),
    }
}
