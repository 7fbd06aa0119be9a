//! Starting the student's app and talking to it over HTTP.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

pub use crate::isolation::StartError;
use crate::isolation::{AppContainer, Isolation, Running};
use crate::net::loopback;
use crate::process::{Limits, Owned, Untrusted};

/// The app, running on loopback (in a container, its port forwarded there).
#[derive(Debug)]
pub struct App {
    pub process: Running,
    pub addr: SocketAddr,
}

impl App {
    /// Starts `exe` listening on loopback `port` (see [`crate::net::free_port`]), isolated as `isolation`
    /// says, and waits, at most `timeout`, until the port accepts connections.
    pub async fn start(
        exe: &Path,
        log: &Path,
        port: u16,
        latency_scale: f64,
        timeout: Duration,
        isolation: Isolation,
    ) -> Result<Self, StartError> {
        if isolation == Isolation::Container {
            let env = [("LATENCY_SCALE", latency_scale.to_string())];
            let c = AppContainer::start(exe, log, port, &env, timeout).await?;
            return Ok(Self {
                process: Running::Container(c),
                addr: loopback(port),
            });
        }
        let mut program = Untrusted::new(exe).map_err(|e| StartError::Spawn(e.to_string()))?;
        program
            .cmd
            .env("PORT", port.to_string())
            .env("BIND", "127.0.0.1")
            .env("LATENCY_SCALE", latency_scale.to_string())
            .env_remove("RUST_LOG");
        let process = Owned::spawn_untrusted(program, log, Limits::APP)
            .map_err(|e| StartError::Spawn(e.to_string()))?;
        Self::wait_listening(process, port, timeout).await
    }

    /// Starts `program` (the command of a start manifest), which must listen on loopback
    /// `port`, as a Rust app starts: within the app's limits, as `nobody` when the grader is
    /// root, in a process group of its own; and waits, at most `timeout`, until the port
    /// accepts connections.
    pub async fn start_command(
        program: Untrusted,
        log: &Path,
        port: u16,
        timeout: Duration,
    ) -> Result<Self, StartError> {
        let process = Owned::spawn_untrusted(program, log, Limits::APP)
            .map_err(|e| StartError::Spawn(e.to_string()))?;
        Self::wait_listening(process, port, timeout).await
    }

    /// Waits, at most `timeout`, until `process` accepts connections on loopback `port`.
    async fn wait_listening(
        process: Owned,
        port: u16,
        timeout: Duration,
    ) -> Result<Self, StartError> {
        let mut process = Running::Process(process);
        let addr = loopback(port);
        let start = Instant::now();
        loop {
            if let Some(status) = process.exited().await {
                return Err(StartError::Exited {
                    status,
                    output: process.log_tail(15),
                });
            }
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                return Ok(Self { process, addr });
            }
            if start.elapsed() > timeout {
                let output = process.log_tail(15);
                process.stop(Duration::from_secs(1)).await;
                return Err(StartError::NeverListened {
                    after: timeout,
                    output,
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}
