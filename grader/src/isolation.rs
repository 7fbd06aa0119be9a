//! Where the student's app runs: `--isolation process` (the default) or `container`.
//!
//! **process**: a child process of the grader, in its own process group, within
//! [`Limits::APP`] (memory, CPU time, file size, tasks); see [`crate::process`] for how a fork
//! bomb is bounded and killed. It runs as the grader's user (as `nobody` when the grader is
//! root), so it can read whatever that user can.
//!
//! **container**: the app runs in a container made for it, on Docker Engine (Linux):
//! - the image is `FROM scratch` plus the shared libraries the executable links, copied from
//!   this machine (as `scripts/build-images.sh` builds Prometheus's image), built locally
//!   through the engine's API and reused while those libraries are the same: nothing is
//!   pulled, so it works offline;
//! - the executable is bind-mounted read-only at `/app/loja`, the only thing mounted: the
//!   container cannot see the course, the specs, the other submissions or the results;
//! - the root filesystem is read-only, every capability is dropped, `no-new-privileges`, user
//!   `nobody`; 1 GiB of memory (no swap), one CPU, 256 tasks (the pids cgroup: a fork bomb stops
//!   there), and the same CPU-time limit as a process;
//! - its network is one of its own, `internal` (no route out of the machine, no other
//!   container on it). Prometheus and the checks reach it on loopback as with a process: the
//!   grader listens on the app's `127.0.0.1` port and forwards each connection to the
//!   container's address on that network (the app listens on `BIND=0.0.0.0` there);
//! - its output goes to the same log file as a process's, through the engine's attach stream,
//!   with the same 64 MiB bound (past it the container is killed, as SIGXFSZ kills a process);
//! - stopping removes the container, its network and everything running in it, at once.
//!   Containers and networks carry the grader's labels (with its pid), so Ctrl-C removes them
//!   and a later run removes those of a grader that was killed outright.
//!
//! Building is not containerized: it runs on this machine, as the grader's user, with the
//! course's manifest (see [`crate::compile`]). A submission's code can therefore read files at
//! compile time (`include_str!("/an/absolute/path")`), and the build's working copy holds only
//! that student's sources; see docs/manual.md ("Isolation") and docs/instrutor/isolamento.md.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use testcontainers::bollard::Docker;
use testcontainers::bollard::models::{
    ContainerCreateBody, HostConfig, HostConfigLogConfig, NetworkCreateRequest, ResourcesUlimits,
};
use testcontainers::bollard::query_parameters::{
    AttachContainerOptions, CreateContainerOptions, CreateImageOptions, KillContainerOptions,
    RemoveContainerOptions,
};
use tokio::task::JoinHandle;

use crate::docker::{ENGINE_CALL, LABEL, PID_LABEL};
use crate::lang::{Text, both};
use crate::process::{Limits, Owned};

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

/// How the student's app is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Isolation {
    /// A process of the grader's, within resource limits.
    #[default]
    Process,
    /// A container of its own: no network but loopback through the grader, nothing mounted
    /// but the executable (Docker Engine on Linux).
    Container,
}

/// Where the executable is mounted in the container.
const APP_PATH: &str = "/app/loja";
const IMAGE_REPO: &str = "course-grader/app-runtime";
const MEMORY_BYTES: i64 = 1 << 30;

/// A running app, however it is isolated.
#[derive(Debug)]
pub enum Running {
    Process(Owned),
    Container(AppContainer),
}

impl Running {
    /// `Some(status)` once the app has exited.
    pub async fn exited(&mut self) -> Option<String> {
        match self {
            Running::Process(p) => p.exited().map(|s| s.to_string()),
            Running::Container(c) => c.exited().await,
        }
    }

    /// The last `max_lines` lines the app printed.
    pub fn log_tail(&self, max_lines: usize) -> String {
        match self {
            Running::Process(p) => p.log_tail(max_lines),
            Running::Container(c) => crate::process::tail(&c.log, max_lines),
        }
    }

    /// Stops the app and everything it started.
    pub async fn stop(self, grace: Duration) {
        match self {
            Running::Process(p) => p.stop(grace).await,
            Running::Container(c) => c.stop().await,
        }
    }
}

/// The app in its container, and what the grader runs for it: the task copying its output
/// to the log, and the loopback port forwarding to it.
#[derive(Debug)]
pub struct AppContainer {
    docker: Docker,
    id: String,
    network: String,
    log: PathBuf,
    /// Set when its output passed the limit and the grader killed it.
    flooded: Arc<AtomicBool>,
    tasks: Vec<JoinHandle<()>>,
    removed: bool,
}

/// `Err` is the grader's environment's fault (no engine, no image), not the submission's.
fn env_failed(e: impl std::fmt::Display) -> StartError {
    StartError::Environment(both(
        format!("o isolamento em contêiner falhou: {e}"),
        format!("container isolation failed: {e}"),
    ))
}

impl AppContainer {
    /// Starts `exe` in a container (see the module's notes) and waits, at most `timeout`, until
    /// it listens on `port`; the grader then serves that port on 127.0.0.1.
    pub async fn start(
        exe: &Path,
        log: &Path,
        port: u16,
        env: &[(&str, String)],
        timeout: Duration,
    ) -> Result<Self, StartError> {
        let docker = ready().await.map_err(StartError::Environment)?;
        let image = runtime_image(&docker, exe).await?;
        // Bound first: the port is the app's from now on, and Prometheus may scrape it.
        let listener = tokio::net::TcpListener::bind(crate::net::loopback(port))
            .await
            .map_err(env_failed)?;
        let name = next_name();
        let labels: HashMap<String, String> = [
            (LABEL.to_string(), "1".to_string()),
            (PID_LABEL.to_string(), std::process::id().to_string()),
        ]
        .into();
        let network = NetworkCreateRequest {
            name: name.clone(),
            driver: Some("bridge".into()),
            internal: Some(true),
            labels: Some(labels.clone()),
            ..Default::default()
        };
        engine_call(docker.create_network(network)).await?;
        let mut me = Self {
            docker: docker.clone(),
            id: String::new(),
            network: name.clone(),
            log: log.to_path_buf(),
            flooded: Arc::new(AtomicBool::new(false)),
            tasks: Vec::new(),
            removed: false,
        };
        // From here on, dropping `me` removes what was made.
        let mut vars: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        vars.push(format!("PORT={port}"));
        vars.push("BIND=0.0.0.0".into());
        let limits = Limits::APP;
        let ulimit = |name: &str, value: u64| ResourcesUlimits {
            name: Some(name.into()),
            soft: Some(value as i64),
            hard: Some(value as i64),
        };
        let host = HostConfig {
            binds: Some(vec![format!("{}:{APP_PATH}:ro", exe.display())]),
            network_mode: Some(name.clone()),
            readonly_rootfs: Some(true),
            cap_drop: Some(vec!["ALL".into()]),
            security_opt: Some(vec!["no-new-privileges".into()]),
            memory: Some(MEMORY_BYTES),
            memory_swap: Some(MEMORY_BYTES),
            nano_cpus: Some(1_000_000_000),
            pids_limit: Some(limits.tasks as i64),
            ulimits: Some(vec![
                ulimit("cpu", limits.cpu_seconds),
                ulimit("fsize", limits.file_bytes),
            ]),
            // The output comes through the attach stream, bounded there: the engine keeps none.
            log_config: Some(HostConfigLogConfig {
                typ: Some("none".into()),
                config: None,
            }),
            ..Default::default()
        };
        let body = ContainerCreateBody {
            image: Some(image),
            cmd: Some(vec![APP_PATH.into()]),
            env: Some(vars),
            user: Some("65534:65534".into()),
            labels: Some(labels),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            network_disabled: Some(false),
            host_config: Some(host),
            ..Default::default()
        };
        let options = CreateContainerOptions {
            name: Some(name.clone()),
            ..Default::default()
        };
        me.id = engine_call(docker.create_container(Some(options), body))
            .await?
            .id;
        let attach = AttachContainerOptions {
            stream: true,
            stdout: true,
            stderr: true,
            ..Default::default()
        };
        let attached = engine_call(docker.attach_container(&me.id, Some(attach))).await?;
        me.tasks.push(tokio::spawn(copy_output(
            attached.output,
            me.log.clone(),
            limits.file_bytes,
            docker.clone(),
            me.id.clone(),
            Arc::clone(&me.flooded),
        )));
        engine_call(docker.start_container(&me.id, None)).await?;
        let info = engine_call(docker.inspect_container(&me.id, None)).await?;
        // The app's process as this machine sees it: its sockets say where it listens.
        let pid = info.state.as_ref().and_then(|s| s.pid).filter(|p| *p > 0);
        let ip = info
            .network_settings
            .and_then(|s| s.networks)
            .and_then(|n| n.get(&name).and_then(|e| e.ip_address.clone()))
            .and_then(|ip| ip.parse::<std::net::IpAddr>().ok());
        // None when it has exited already: its status says why, below.
        let inside = ip.map(|ip| SocketAddr::new(ip, port));

        let start = Instant::now();
        loop {
            // Its output ends when it exits: only then is the engine asked how.
            let status = match me.tasks.first() {
                Some(copy) if copy.is_finished() => me.exited().await,
                _ => None,
            };
            if let Some(status) = status {
                let output = crate::process::tail(&me.log, 15);
                me.stop().await;
                return Err(StartError::Exited { status, output });
            }
            let Some(inside) = inside else {
                me.stop().await;
                return Err(env_failed("the container has no address on its network"));
            };
            let probe = tokio::time::timeout(
                Duration::from_secs(1),
                tokio::net::TcpStream::connect(inside),
            );
            if matches!(probe.await, Ok(Ok(_))) {
                break;
            }
            // Listening on the container's loopback only, where nothing outside reaches it:
            // said without waiting for the timeout (after a second, in case the app opens the
            // right address too).
            let loopback_only = pid.is_some_and(|p| listens_on_loopback_only(p, port));
            let waited = start.elapsed();
            if (loopback_only && waited > Duration::from_secs(1)) || waited > timeout {
                let output = crate::process::tail(&me.log, 15);
                me.stop().await;
                return Err(if loopback_only {
                    StartError::LoopbackOnly { port, output }
                } else {
                    StartError::NeverListened {
                        after: timeout,
                        output,
                    }
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if let Some(inside) = inside {
            me.tasks.push(tokio::spawn(forward(listener, inside)));
        }
        Ok(me)
    }

    /// How the container ended, once it has, worded like a process's exit status.
    async fn exited(&self) -> Option<String> {
        let info = engine_call(self.docker.inspect_container(&self.id, None))
            .await
            .ok()?;
        let state = info.state?;
        if state.running == Some(true) {
            return None;
        }
        if self.flooded.load(Ordering::SeqCst) {
            return Some("signal: 25 (SIGXFSZ)".into());
        }
        if state.oom_killed == Some(true) {
            return Some(format!(
                "killed: out of memory (the container's {} MiB)",
                MEMORY_BYTES >> 20
            ));
        }
        Some(match state.exit_code.unwrap_or(-1) {
            code @ 129..=159 => {
                let sig = (code - 128) as i32;
                format!("signal: {sig} ({})", signal_name(sig))
            }
            code => format!("exit status: {code}"),
        })
    }

    /// Removes the container and its network (whatever runs in it dies with it).
    pub async fn stop(mut self) {
        // The output keeps being read meanwhile: the engine does not let a container whose
        // output nobody reads finish dying.
        remove(&self.docker, &self.id, &self.network).await;
        self.removed = true;
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Drop for AppContainer {
    fn drop(&mut self) {
        if self.removed {
            return;
        }
        // Not stopped politely (a grading cut short): removed now, from a thread of its own,
        // as a drop cannot wait on the runtime it may be running on.
        let (docker, id, network) = (self.docker.clone(), self.id.clone(), self.network.clone());
        let (done, wait) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(remove(&docker, &id, &network));
            }
            let _ = done.send(());
        });
        let _ = wait.recv_timeout(ENGINE_CALL * 2);
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Kills the container first (at once, whatever it is doing: flooding its output keeps the
/// engine busy), then removes it and its network, which the engine refuses while the
/// container is still being torn down: tried a few times.
async fn remove(docker: &Docker, id: &str, network: &str) {
    if !id.is_empty() {
        let _ = tokio::time::timeout(
            ENGINE_CALL,
            docker.kill_container(id, None::<KillContainerOptions>),
        )
        .await;
        let force = RemoveContainerOptions {
            force: true,
            ..Default::default()
        };
        let _ = tokio::time::timeout(ENGINE_CALL, docker.remove_container(id, Some(force))).await;
    }
    for _ in 0..5 {
        match tokio::time::timeout(ENGINE_CALL, docker.remove_network(network)).await {
            Ok(Ok(())) => return,
            Ok(Err(testcontainers::bollard::errors::Error::DockerResponseServerError {
                status_code: 404,
                ..
            })) => return,
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
}

/// Whether the process `pid` (a container's, seen from this machine) has a listening TCP
/// socket on `port` bound to a loopback address only (127.0.0.0/8 or ::1), and none on
/// another address: read from its network namespace's `/proc/PID/net/tcp` and `tcp6`.
fn listens_on_loopback_only(pid: i64, port: u16) -> bool {
    let read =
        |f: &str| std::fs::read_to_string(format!("/proc/{pid}/net/{f}")).unwrap_or_default();
    let addrs: Vec<String> = [read("tcp"), read("tcp6")]
        .iter()
        .flat_map(|t| listening_on(t, port))
        .collect();
    !addrs.is_empty() && addrs.iter().all(|a| is_loopback_hex(a))
}

/// The local addresses (hex, as the kernel writes them) of the sockets listening on `port`
/// in a `/proc/net/tcp` or `tcp6` table.
fn listening_on(table: &str, port: u16) -> Vec<String> {
    const LISTEN: &str = "0A";
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.split_whitespace().skip(1);
            let local = fields.next()?;
            let state = fields.nth(1)?;
            let (addr, p) = local.split_once(':')?;
            (state == LISTEN && u16::from_str_radix(p, 16).ok()? == port).then(|| addr.to_string())
        })
        .collect()
}

/// 127.0.0.0/8 (`0100007F` is 127.0.0.1, little-endian), ::1, or 127.x mapped into IPv6.
fn is_loopback_hex(addr: &str) -> bool {
    match addr.len() {
        8 => addr.ends_with("7F"),
        32 => {
            addr == "00000000000000000000000001000000"
                || (addr.starts_with("0000000000000000FFFF0000") && addr.ends_with("7F"))
        }
        _ => false,
    }
}

/// A name of its own for each container and its network: the grader's pid and a count.
fn next_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "course-grader-app-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

/// An engine call that gives up after [`ENGINE_CALL`].
async fn engine_call<T, E: std::fmt::Display>(
    call: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, StartError> {
    match tokio::time::timeout(ENGINE_CALL, call).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(env_failed(e)),
        Err(_) => Err(env_failed("no answer from the Docker engine")),
    }
}

/// The engine, when this machine can run the app in a container: Linux (the executable is
/// built here and must run there) and an engine that answers. The first time, removes what
/// killed graders left behind.
pub async fn ready() -> Result<Docker, Text> {
    if !cfg!(target_os = "linux") {
        return Err(both(
            "--isolation container precisa de Linux com o Docker Engine: o app compilado aqui roda no contêiner",
            "--isolation container needs Linux with Docker Engine: the app built here runs in the container",
        ));
    }
    let docker = crate::docker::engine().await?;
    static SWEPT: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    SWEPT
        .get_or_init(|| async {
            crate::docker::remove_orphans(&docker).await;
        })
        .await;
    Ok(docker)
}

/// Copies the container's output to `log`, up to `limit` bytes; past it, kills the container,
/// and reads on (discarding) until the output ends: the engine cannot finish killing a
/// container whose output nobody reads.
async fn copy_output(
    mut output: std::pin::Pin<
        Box<
            dyn futures_util::Stream<
                    Item = Result<
                        testcontainers::bollard::container::LogOutput,
                        testcontainers::bollard::errors::Error,
                    >,
                > + Send,
        >,
    >,
    log: PathBuf,
    limit: u64,
    docker: Docker,
    id: String,
    flooded: Arc<AtomicBool>,
) {
    let Ok(mut file) = std::fs::File::create(&log) else {
        return;
    };
    let mut written = 0u64;
    while let Some(Ok(chunk)) = output.next().await {
        let bytes = chunk.into_bytes();
        let room = limit.saturating_sub(written) as usize;
        let _ = file.write_all(&bytes[..bytes.len().min(room)]);
        written += bytes.len() as u64;
        if written > limit && !flooded.swap(true, Ordering::SeqCst) {
            let (docker, id) = (docker.clone(), id.clone());
            tokio::spawn(async move {
                let kill = docker.kill_container(&id, None::<KillContainerOptions>);
                let _ = tokio::time::timeout(ENGINE_CALL, kill).await;
            });
        }
    }
}

/// Serves `listener` (the app's loopback port) by forwarding each connection to `to`, until
/// aborted (then every open connection is dropped with it).
async fn forward(listener: tokio::net::TcpListener, to: SocketAddr) {
    let mut open = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((mut inbound, _)) = accepted else { continue };
                open.spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(to).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
            Some(_) = open.join_next(), if !open.is_empty() => {}
        }
    }
}

/// The image the app runs on: `FROM scratch` with the libraries `exe` links, at the paths it
/// links them from, made once per set of libraries (its tag is their hash).
async fn runtime_image(docker: &Docker, exe: &Path) -> Result<String, StartError> {
    let libraries = linked_libraries(exe).await?;
    let mut files = Vec::new();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for lib in &libraries {
        // The file itself, not a link to it (`cp -L`).
        let bytes =
            std::fs::read(lib).map_err(|e| env_failed(format!("{}: {e}", lib.display())))?;
        lib.hash(&mut hasher);
        bytes.hash(&mut hasher);
        files.push((lib.clone(), bytes));
    }
    let image = format!("{IMAGE_REPO}:{:016x}", hasher.finish());
    if engine_call(docker.inspect_image(&image)).await.is_ok() {
        return Ok(image);
    }
    let rootfs = rootfs_tar(&files).map_err(env_failed)?;
    let (repo, tag) = image.rsplit_once(':').unwrap_or((IMAGE_REPO, "latest"));
    let options = CreateImageOptions {
        from_src: Some("-".into()),
        repo: Some(repo.into()),
        tag: Some(tag.into()),
        changes: vec![format!("LABEL {LABEL}.runtime=1")],
        ..Default::default()
    };
    let import = async {
        let mut steps = docker.create_image(
            Some(options),
            Some(testcontainers::bollard::body_full(rootfs.into())),
            None,
        );
        while let Some(step) = steps.next().await {
            step?;
        }
        Ok::<(), testcontainers::bollard::errors::Error>(())
    };
    engine_call(import).await?;
    Ok(image)
}

/// The shared libraries `exe` loads (the dynamic loader included), as `ldd` lists them: none
/// for a static executable. `ldd` asks the system's loader to list them; it does not run `exe`.
async fn linked_libraries(exe: &Path) -> Result<Vec<PathBuf>, StartError> {
    let out = tokio::process::Command::new("ldd")
        .arg(exe)
        .kill_on_drop(true)
        .output();
    let out = match tokio::time::timeout(ENGINE_CALL, out).await {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => return Err(env_failed(format!("ldd: {e}"))),
        Err(_) => return Err(env_failed("ldd did not answer")),
    };
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let all = format!("{text}{}", String::from_utf8_lossy(&out.stderr));
        if all.contains("not a dynamic executable") || all.contains("statically linked") {
            return Ok(Vec::new());
        }
        return Err(env_failed(format!("ldd {}: {all}", exe.display())));
    }
    let mut libs: Vec<PathBuf> = text
        .split_whitespace()
        .filter(|w| w.starts_with('/'))
        .map(PathBuf::from)
        .collect();
    libs.sort();
    libs.dedup();
    Ok(libs)
}

/// A root filesystem as a tar archive: `files` at their paths, and the empty mount point of
/// the executable.
fn rootfs_tar(files: &[(PathBuf, Vec<u8>)]) -> std::io::Result<Vec<u8>> {
    let mut tar = tar::Builder::new(Vec::new());
    let mut dirs = std::collections::BTreeSet::new();
    let app = Path::new(APP_PATH);
    let all = files
        .iter()
        .map(|(p, b)| (p.as_path(), b.as_slice()))
        .chain(std::iter::once((app, &[][..])));
    for (path, bytes) in all {
        let rel = path.strip_prefix("/").unwrap_or(path);
        for dir in rel.ancestors().skip(1) {
            if !dir.as_os_str().is_empty() && dirs.insert(dir.to_path_buf()) {
                let mut h = tar::Header::new_gnu();
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_size(0);
                tar.append_data(&mut h, dir, std::io::empty())?;
            }
        }
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o755);
        h.set_size(bytes.len() as u64);
        tar.append_data(&mut h, rel, bytes)?;
    }
    tar.into_inner()
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGILL => "SIGILL",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGTERM => "SIGTERM",
        libc::SIGXCPU => "SIGXCPU",
        libc::SIGXFSZ => "SIGXFSZ",
        _ => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `/proc/net/tcp` table as the kernel writes it (columns shortened after `st`).
    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000
   1: 00000000:0050 00000000:0000 0A 00000000:00000000
   2: 0100007F:1F90 0100007F:C350 01 00000000:00000000
";

    #[test]
    fn listening_sockets_are_read_from_the_kernels_table() {
        assert_eq!(listening_on(TCP, 8080), ["0100007F"]);
        assert_eq!(listening_on(TCP, 80), ["00000000"]);
        assert!(listening_on(TCP, 5000).is_empty());
        assert!(is_loopback_hex("0100007F"));
        assert!(!is_loopback_hex("00000000"));
        assert!(is_loopback_hex("00000000000000000000000001000000"));
        assert!(!is_loopback_hex("00000000000000000000000000000000"));
        assert!(is_loopback_hex("0000000000000000FFFF00000100007F"));
    }
}
