//! Starting the student's app and talking to it over HTTP.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::isolation::{AppContainer, Isolation, Running};
use crate::lang::{Text, both};
use crate::process::{Limits, Owned, Untrusted};

/// The app, running on loopback (in a container, its port forwarded there).
#[derive(Debug)]
pub struct App {
    pub process: Running,
    pub addr: SocketAddr,
}

/// Why the app could not be brought up: each is a verdict of its own.
#[derive(Debug)]
pub enum StartError {
    Spawn(String),
    Exited {
        status: String,
        output: String,
    },
    NeverListened {
        after: Duration,
        output: String,
    },
    /// In a container, it listens on `port` on the container's own loopback only: nothing
    /// outside the container can reach it.
    LoopbackOnly {
        port: u16,
        output: String,
    },
    /// Not the submission's fault: the isolation it was to run in failed (no engine).
    Environment(Text),
}

impl StartError {
    pub fn describe(&self) -> Text {
        match self {
            StartError::Environment(t) => t.clone(),
            StartError::Spawn(e) => both(
                format!("o app não pôde ser iniciado: {e}"),
                format!("the app could not be started: {e}"),
            ),
            StartError::Exited { status, output } => {
                let (pt, en) = limit_hit(status);
                both(
                    format!("o app terminou logo ao iniciar ({status}){pt}. Saída:\n{output}"),
                    format!(
                        "the app exited right after starting ({status}){en}. Output:\n{output}"
                    ),
                )
            }
            StartError::LoopbackOnly { port, output } => both(
                format!(
                    "o app abriu a porta {port} só no 127.0.0.1 de dentro do contêiner, onde ninguém de fora o alcança: escute no endereço da variável BIND (0.0.0.0 no contêiner), não em 127.0.0.1 fixo. Saída:\n{output}"
                ),
                format!(
                    "the app opened port {port} on the container's own 127.0.0.1 only, where nothing outside reaches it: listen on the address in the BIND variable (0.0.0.0 in the container), not a fixed 127.0.0.1. Output:\n{output}"
                ),
            ),
            StartError::NeverListened { after, output } => both(
                format!(
                    "o app não abriu a porta em {}s (ele lê a porta de PORT ou --port?). Saída:\n{output}",
                    after.as_secs()
                ),
                format!(
                    "the app did not open its port within {}s (does it read the port from PORT or --port?). Output:\n{output}",
                    after.as_secs()
                ),
            ),
        }
    }
}

/// Which of the grader's limits (see [`crate::process::Limits`]) stopped the app, if one did.
fn limit_hit(status: &str) -> (&'static str, &'static str) {
    if status.contains("SIGXFSZ") {
        (
            ": escreveu mais de 64 MiB de saída, o limite do avaliador",
            ": it wrote more than 64 MiB of output, the grader's limit",
        )
    } else if status.contains("SIGXCPU") {
        (
            ": passou de 10 minutos de CPU, o limite do avaliador",
            ": it used more than 10 minutes of CPU, the grader's limit",
        )
    } else {
        ("", "")
    }
}

/// `http://HOST:PORT` of an app already running on this machine (`--url`): its base URL for
/// requests and its port for Prometheus; anything but loopback is refused, like everything the
/// grader sends.
pub fn parse_loopback_url(url: &str) -> Result<(String, SocketAddr), String> {
    let rest = url
        .trim()
        .trim_end_matches('/')
        .strip_prefix("http://")
        .ok_or_else(|| format!("`{url}`: expected http://127.0.0.1:PORT"))?;
    let (host, port) = rest
        .rsplit_once(':')
        .ok_or_else(|| format!("`{url}`: the port is missing (http://127.0.0.1:PORT)"))?;
    let port: u16 = port
        .parse()
        .map_err(|_| format!("`{url}`: `{port}` is not a port"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let ip: std::net::IpAddr = match host {
        "localhost" => Ipv4Addr::LOCALHOST.into(),
        h => h
            .parse()
            .map_err(|_| format!("`{url}`: `{h}` is not 127.0.0.1, ::1 or localhost"))?,
    };
    if !ip.is_loopback() {
        return Err(format!(
            "`{url}`: only an app on this machine can be graded (127.0.0.1, ::1, localhost)"
        ));
    }
    let addr = SocketAddr::new(ip, port);
    Ok((format!("http://{addr}"), addr))
}

/// A free TCP port on 127.0.0.1 (free when asked; the app binds it right after).
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

pub fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

impl App {
    /// Starts `exe` listening on loopback `port` (see [`free_port`]), isolated as `isolation`
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
