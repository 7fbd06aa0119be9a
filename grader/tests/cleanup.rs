//! Whatever way a grading run ends, the app and Prometheus it started end with it.
//!
//! Each run gets its own TMPDIR, so every process it starts (the app copied into its work
//! folder, Prometheus with its config there) carries that path on its command line.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn start_grading(tmp: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(["ex1", "--solution", "--lang", "en", "--backend", "native"])
        .env("COURSE_ROOT", common::course_root())
        .env("TMPDIR", tmp)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn processes_under(tmp: &std::path::Path) -> String {
    let out = Command::new("pgrep")
        .args(["-af", &tmp.display().to_string()])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Waits until both the app and Prometheus of this run are up (bounded).
fn wait_for_children(tmp: &std::path::Path) {
    let start = Instant::now();
    loop {
        let ps = processes_under(tmp);
        if ps.contains("prometheus") && ps.contains("grader-ex1-") {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "children never started: {ps}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn assert_gone(tmp: &std::path::Path) {
    let start = Instant::now();
    loop {
        let ps = processes_under(tmp);
        if ps.trim().is_empty() {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "left running: {ps}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn ctrl_c_stops_the_app_and_prometheus() {
    let tmp = tempfile::tempdir().unwrap();
    let mut grader = start_grading(tmp.path());
    wait_for_children(tmp.path());
    Command::new("kill")
        .args(["-INT", &grader.id().to_string()])
        .status()
        .unwrap();
    let status = grader.wait().unwrap();
    assert_eq!(status.code(), Some(130), "Ctrl-C exits with 130");
    assert_gone(tmp.path());
}

#[test]
fn killing_the_grader_takes_its_children_with_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut grader = start_grading(tmp.path());
    wait_for_children(tmp.path());
    grader.kill().unwrap(); // SIGKILL: no chance to clean up by itself
    grader.wait().unwrap();
    assert_gone(tmp.path());
}
