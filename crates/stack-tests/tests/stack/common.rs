//! What the tests of the stack share: where the files are, commands run with a time bound,
//! `docker-compose` (or `docker compose`), and reading YAML and JSON.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The uid of the provisioned Prometheus data source, which every dashboard panel names (the
/// grader's ex6 holds students' dashboards to the same).
pub const DATASOURCE_UID: &str = grader::dashboard::DATASOURCE_UID;

/// The course's workspace root (where `docker-compose.yml` is).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace root")
}

pub fn yaml(path: &Path) -> serde_yaml::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: invalid YAML: {e}", path.display()))
}

pub fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: invalid JSON: {e}", path.display()))
}

/// The files of `dir` whose name ends with `ext`, sorted.
pub fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.to_string_lossy().ends_with(ext))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no *{ext} in {}", dir.display());
    v
}

/// Runs `cmd` to its end, or kills it once `limit` has passed. Err: it could not start, or
/// it ran out of time (with what it printed so far).
pub fn run(cmd: &mut Command, limit: Duration) -> Result<Output, String> {
    let what = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{what}: {e}"))?;
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let out = thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let err = thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                let err = err.join().unwrap_or_default();
                return Err(format!(
                    "{what} did not finish in {limit:?}; it printed:\n{}",
                    String::from_utf8_lossy(&err)
                ));
            }
            Err(e) => return Err(format!("{what}: {e}")),
        }
    };
    Ok(Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

/// Runs `cmd` (bounded by `limit`) and returns its stdout; panics with its stderr if it fails.
pub fn run_ok(cmd: &mut Command, limit: Duration) -> String {
    let what = format!("{cmd:?}");
    let out = run(cmd, limit).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A TCP port free on loopback right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// The variables docker-compose.yml and docker-compose.local.yml read. The tests set the ones
/// they need and clear the others, so the caller's environment cannot change what is tested.
const COMPOSE_VARS: [&str; 16] = [
    "APP",
    "LATENCY_SCALE",
    "APP_PORT",
    "PROMETHEUS_PORT",
    "ALERTMANAGER_PORT",
    "GRAFANA_PORT",
    "NODE_EXPORTER_PORT",
    "GRAFANA_ADMIN_PASSWORD",
    "GRAFANA_ANONYMOUS",
    "LOCAL_APP_IMAGE",
    "LOCAL_PROMETHEUS_IMAGE",
    "LOCAL_ALERTMANAGER_IMAGE",
    "LOCAL_NODE_EXPORTER_IMAGE",
    "COMPOSE_FILE",
    "COMPOSE_PROJECT_NAME",
    "COMPOSE_PROFILES",
];

/// Placeholders for the local override's images, for commands that only read the files.
pub fn placeholder_images() -> Vec<(String, String)> {
    [
        ("LOCAL_APP_IMAGE", "course-local/loja:teste"),
        (
            "LOCAL_PROMETHEUS_IMAGE",
            "course-local/prometheus-stack:teste",
        ),
        (
            "LOCAL_ALERTMANAGER_IMAGE",
            "course-local/alertmanager:teste",
        ),
        (
            "LOCAL_NODE_EXPORTER_IMAGE",
            "course-local/node-exporter:teste",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// How this machine runs Compose: `docker-compose` (v1, the Debian package) or the
/// `docker compose` plugin (v2).
#[derive(Debug, Clone)]
pub struct Compose {
    program: Vec<String>,
}

impl Compose {
    pub fn find() -> Self {
        for program in [vec!["docker-compose"], vec!["docker", "compose"]] {
            let mut cmd = Command::new(program[0]);
            cmd.args(&program[1..]).arg("version");
            if run(&mut cmd, Duration::from_secs(30)).is_ok_and(|o| o.status.success()) {
                return Self {
                    program: program.into_iter().map(String::from).collect(),
                };
            }
        }
        panic!(
            "neither `docker-compose` nor `docker compose` works here: install Debian's \
             docker-compose package (or Docker's compose plugin)"
        );
    }

    /// `compose -f <root>/<file>... [-p project] ...`, run from the workspace root, with
    /// exactly the variables of `env` among those the compose files read.
    pub fn cmd(&self, files: &[&str], project: Option<&str>, env: &[(String, String)]) -> Command {
        let root = root();
        let mut cmd = Command::new(&self.program[0]);
        cmd.args(&self.program[1..]).current_dir(&root);
        for f in files {
            cmd.arg("-f").arg(root.join(f));
        }
        if let Some(p) = project {
            cmd.args(["-p", p]);
        }
        for v in COMPOSE_VARS {
            cmd.env_remove(v);
        }
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
        cmd
    }
}

/// The files of the base stack, and with the local override.
pub const BASE: &[&str] = &["docker-compose.yml"];
pub const LOCAL: &[&str] = &["docker-compose.yml", "docker-compose.local.yml"];

/// `compose config` of `files`, parsed.
pub fn compose_config(
    compose: &Compose,
    files: &[&str],
    env: &[(String, String)],
) -> serde_yaml::Value {
    let out = run_ok(
        compose.cmd(files, None, env).arg("config"),
        Duration::from_secs(60),
    );
    serde_yaml::from_str(&out)
        .unwrap_or_else(|e| panic!("compose config printed invalid YAML: {e}\n{out}"))
}

/// A service's bind mounts and volumes as (source, target, read_only), from `compose config`
/// in either spelling: v1's `source:target:mode` strings, v2's long form.
pub fn mounts(service: &serde_yaml::Value) -> Vec<(String, String, bool)> {
    let Some(list) = service["volumes"].as_sequence() else {
        return Vec::new();
    };
    list.iter()
        .map(|v| match v.as_str() {
            Some(s) => {
                let parts: Vec<&str> = s.split(':').collect();
                let ro = parts
                    .get(2)
                    .is_some_and(|m| m.split(',').any(|m| m == "ro"));
                (
                    parts[0].to_string(),
                    parts.get(1).unwrap_or(&"").to_string(),
                    ro,
                )
            }
            None => (
                v["source"].as_str().unwrap_or_default().to_string(),
                v["target"].as_str().unwrap_or_default().to_string(),
                v["read_only"].as_bool().unwrap_or(false),
            ),
        })
        .collect()
}

/// A service's published ports as (host_ip, host port, container port), from `compose config`
/// in either spelling.
pub fn ports(service: &serde_yaml::Value) -> Vec<(String, u16, u16)> {
    let Some(list) = service["ports"].as_sequence() else {
        return Vec::new();
    };
    let num = |v: &serde_yaml::Value| -> u16 {
        v.as_u64()
            .map(|n| n as u16)
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .unwrap_or_else(|| panic!("not a port: {v:?}"))
    };
    list.iter()
        .map(|p| match p.as_str() {
            Some(s) => {
                let s = s.trim_end_matches("/tcp");
                let parts: Vec<&str> = s.split(':').collect();
                assert_eq!(parts.len(), 3, "a port without its host address: {s}");
                (
                    parts[0].to_string(),
                    parts[1].parse().expect("host port"),
                    parts[2].parse().expect("container port"),
                )
            }
            None => (
                p["host_ip"].as_str().unwrap_or_default().to_string(),
                num(&p["published"]),
                num(&p["target"]),
            ),
        })
        .collect()
}
