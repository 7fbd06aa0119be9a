//! Programs a test starts itself and the grader did not: a solution's app, a Prometheus that
//! scrapes it. Each is killed when its handle is dropped, also when the test fails.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::course_root;

/// A running program and the loopback port it listens on; killed when dropped.
pub struct Running(pub Child, pub u16);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_listening(what: &str, port: u16) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{what} never listened"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A solution's binary (built first), on a free loopback port, with the shop's latencies at a
/// tenth and `env` on top.
pub fn run_solution_with(package: &str, env: &[(&str, &str)]) -> Running {
    let built = Command::new("cargo")
        .args(["build", "-q", "-p", package])
        .current_dir(course_root())
        .status()
        .unwrap();
    assert!(built.success(), "cargo build -p {package}");
    let port = free_port();
    let child = Command::new(course_root().join("target/debug").join(package))
        .env("PORT", port.to_string())
        .env("LATENCY_SCALE", "0.1")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let running = Running(child, port);
    wait_listening(package, port);
    running
}

pub fn run_solution(package: &str) -> Running {
    run_solution_with(package, &[])
}

/// Debian's Prometheus (from `PATH`), scraping the app on `app_port` every second, its data
/// in `dir`; ready when this returns.
pub fn run_prometheus(app_port: u16, dir: &std::path::Path) -> Running {
    let port = free_port();
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: loja\n    static_configs:\n      - targets: ['127.0.0.1:{app_port}']\n"
        ),
    )
    .unwrap();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Debian's prometheus is installed (scripts/setup.sh)");
    let running = Running(child, port);
    wait_listening("prometheus", port);
    let start = Instant::now();
    while !ready(port) {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "prometheus not ready"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    running
}

/// Whether `GET /-/ready` answers 200 (plain HTTP/1.0 over a socket: no client needed).
fn ready(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /-/ready HTTP/1.0\r\n\r\n").is_err() {
        return false;
    }
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200")
}
