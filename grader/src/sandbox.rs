//! A Prometheus of its own evaluating a rule file, scraping an app the grader started: the
//! ground each alert scenario and the final project's Black Friday run on, in a folder of
//! their own so that no two phases see each other's samples or alerts.

use std::path::Path;
use std::time::Duration;

use crate::app::App;
use crate::isolation::Isolation;
use crate::lang::{Text, both};
use crate::prometheus::{Backend, Prometheus};

/// How the app is started (the grading run's settings).
#[derive(Debug, Clone, Copy)]
pub struct AppSettings {
    pub latency_scale: f64,
    pub startup_timeout: Duration,
    pub isolation: Isolation,
}

/// Why a sandbox did not come up, by whose fault.
#[derive(Debug)]
pub enum SandboxError {
    /// The grader's side: the folder, a port, Prometheus itself.
    Environment(Text),
    /// Prometheus did not accept the rule file.
    Rules(Text),
    /// The app did not start (its own verdict).
    App(Text),
}

impl SandboxError {
    pub fn text(self) -> Text {
        match self {
            SandboxError::Environment(t) | SandboxError::Rules(t) | SandboxError::App(t) => t,
        }
    }
}

/// Prometheus and the app; dropping it stops both.
#[derive(Debug)]
pub struct Sandbox {
    pub prom: Prometheus,
    pub app: App,
}

impl Sandbox {
    /// Starts Prometheus in `dir` with `rules` loaded (sending alerts to `alertmanager`,
    /// `host:port`, when given), then the app `exe` on the port Prometheus scrapes.
    pub async fn start(
        backend: &Backend,
        dir: &Path,
        rules: &str,
        alertmanager: Option<&str>,
        exe: &Path,
        app: AppSettings,
    ) -> Result<Self, SandboxError> {
        let io = |e: std::io::Error| SandboxError::Environment(both(e.to_string(), e.to_string()));
        std::fs::create_dir_all(dir).map_err(io)?;
        let port = crate::net::free_port().map_err(io)?;
        let prom = Prometheus::start(
            backend,
            crate::net::loopback(port),
            true,
            dir,
            Duration::from_secs(30),
        )
        .await
        .map_err(SandboxError::Environment)?;
        let loaded = async {
            prom.write_file("regras.yml", rules)?;
            prom.reload(&prom.base_config(&[prom.seen_path("regras.yml")], alertmanager))
                .await
        }
        .await;
        if let Err(why) = loaded {
            prom.stop().await;
            return Err(SandboxError::Rules(why));
        }
        let started = App::start(
            exe,
            &dir.join("app.log"),
            port,
            app.latency_scale,
            app.startup_timeout,
            app.isolation,
        )
        .await;
        match started {
            Ok(app) => Ok(Sandbox { prom, app }),
            Err(e) => {
                prom.stop().await;
                Err(SandboxError::App(e.describe()))
            }
        }
    }

    /// Stops both, Prometheus first (its last scrapes no longer matter).
    pub async fn stop(self) {
        self.prom.stop().await;
        self.app.process.stop(Duration::from_secs(2)).await;
    }
}
