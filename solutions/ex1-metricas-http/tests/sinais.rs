//! The app stops cleanly on SIGTERM (how the grader, Docker and systemd stop it) and on Ctrl-C.

use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn stops_cleanly_on(signal: &str) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut app = Command::new(env!("CARGO_BIN_EXE_ex1-metricas-http-solucao"))
        .env("PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the app never listened"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Command::new("kill")
        .args([signal, &app.id().to_string()])
        .status()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = app.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(5) {
            app.kill().unwrap();
            panic!("still running 5 s after {signal}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{signal}: {status}");
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the port is closed"
    );
}

#[test]
fn sigterm_stops_the_app_cleanly() {
    stops_cleanly_on("-TERM");
}

#[test]
fn ctrl_c_stops_the_app_cleanly() {
    stops_cleanly_on("-INT");
}
