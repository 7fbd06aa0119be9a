//! `grader watch`, driven as a student runs it: in a pseudo-terminal, on a copy of ex1, with a
//! real build and app each time, beside one real Prometheus kept for the session. A save
//! re-grades; a save during a grading cancels it and leaves none of its processes but the kept
//! Prometheus, which the next grading uses; `h` opens the hints in order; `q` quits, leaving
//! nothing running.
#![cfg(unix)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::course_root;
use grader::spec::Spec;
use rexpect::process::WaitStatus;
use rexpect::reader::Options;

/// Seconds of work for rustc: an anonymous constant is always evaluated.
const SLOW_TO_COMPILE: &str = "
#[allow(long_running_const_eval)]
const _: () = {
    let mut i = 0u64;
    while i < 20_000_000 {
        i += 1;
    }
};
";

/// The processes below `root`, from the parent links in `/proc` (zombies excluded: they
/// have ended and only wait to be reaped).
fn descendants(root: i32) -> BTreeSet<i32> {
    let mut parent_of = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next().unwrap_or_default();
        if let Some(ppid) = fields.next().and_then(|p| p.parse::<i32>().ok())
            && state != "Z"
        {
            parent_of.push((pid, ppid));
        }
    }
    let mut found = BTreeSet::from([root]);
    loop {
        let before = found.len();
        for (pid, ppid) in &parent_of {
            if found.contains(ppid) {
                found.insert(*pid);
            }
        }
        if found.len() == before {
            break;
        }
    }
    found.remove(&root);
    found
}

/// The command name of a process.
fn name(pid: i32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Which of `pids` still run after `grace`.
fn left_after(pids: &BTreeSet<i32>, grace: Duration) -> Vec<String> {
    let deadline = Instant::now() + grace;
    loop {
        let left = still_running(pids);
        if left.is_empty() || Instant::now() > deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Which of `pids` still run (zombies aside).
fn still_running(pids: &BTreeSet<i32>) -> Vec<String> {
    pids.iter()
        .filter_map(|p| {
            let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).ok()?;
            let state = stat[stat.rfind(')')? + 1..].split_whitespace().next()?;
            (state != "Z").then(|| stat.trim().to_string())
        })
        .collect()
}

/// The hints opened, as the course's state file records them.
fn hints_opened(state_file: &Path) -> Option<String> {
    let text = std::fs::read_to_string(state_file).ok()?;
    let state: serde_json::Value = serde_json::from_str(&text).ok()?;
    Some(state.get("hints")?.to_string())
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", file.display());
    std::fs::write(file, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn watch_regrades_on_save_cancels_a_running_grading_opens_hints_in_order_and_quits_clean() {
    let copy = common::mutated_solution("solutions/ex1-metricas-http", &[]);
    let http = copy.path().join("src/http.rs");
    let spec = Spec::builtin("ex1").unwrap();
    let max = spec.max_score();
    let state_file = course_root().join(".grader/estado.json");
    let hints_before = hints_opened(&state_file);

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grader"));
    cmd.args(["watch", "ex1", "--path"])
        .arg(copy.path())
        .args(["--backend", "native", "--lang", "en"])
        .env("COURSE_ROOT", course_root());
    // Every wait is bounded by this; the first build of the day may take minutes.
    let options = Options::new()
        .timeout_ms(Some(600_000))
        .strip_ansi_escape_codes(true);
    let mut p = rexpect::session::spawn_with_options(cmd, options).unwrap();
    let mut seen = BTreeSet::new();

    // The solution: full marks.
    p.exp_string("Watching").unwrap();
    // The grader is this test's one child (nextest runs each test in a process of its own).
    let me = i32::try_from(std::process::id()).unwrap();
    let grader = *descendants(me)
        .iter()
        .find(|pid| {
            std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe.ends_with("grader"))
        })
        .expect("the grader runs");
    p.exp_string(&format!("Score: {max}/{max}")).unwrap();

    // A save re-grades: unknown paths no longer fold into "desconhecido", one check fails.
    edit(&http, "= \"desconhecido\"", "= \"nao-casou\"");
    p.exp_string("Changed: http.rs").unwrap();
    let graded = p.exp_string(&format!("Score: {}/{max}", max - 1)).unwrap();
    assert!(graded.contains("unknown paths fold into"), "{graded}");

    // A save while a grading runs cancels it: wait until it compiles (Prometheus started
    // first; cargo runs rustc, then the linker), then save again.
    // The build is made to last (seconds of constant evaluation in rustc), so that the cancel
    // finds the compiler at work.
    let solved = std::fs::read_to_string(&http)
        .unwrap()
        .replace("= \"nao-casou\"", "= \"desconhecido\"");
    std::fs::write(&http, format!("{solved}{SLOW_TO_COMPILE}")).unwrap();
    p.exp_string("Changed: http.rs").unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let running = loop {
        let now = descendants(grader);
        if now.iter().any(|pid| name(*pid) == "rustc") || Instant::now() > deadline {
            break now;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let names: Vec<String> = running.iter().map(|p| name(*p)).collect();
    assert!(
        names.iter().any(|n| n == "rustc"),
        "no build seen: {names:?}"
    );
    assert!(
        names.iter().any(|n| n == "prometheus"),
        "no Prometheus seen: {names:?}"
    );
    // One Prometheus for the whole session (see `prometheus::Kept`): it outlives the
    // cancelled grading and serves the next one. Every other process of the grading is
    // sampled until it is cancelled (rustc and the linker come and go under cargo), which
    // kills its cargo.
    let kept: Vec<i32> = running
        .iter()
        .copied()
        .filter(|p| name(*p) == "prometheus")
        .collect();
    assert_eq!(kept.len(), 1, "one kept Prometheus: {names:?}");
    let cargo = *running
        .iter()
        .find(|p| name(**p) == "cargo")
        .expect("the build runs under cargo");
    let ours = |pid: &i32| !kept.contains(pid);
    let sampled = std::sync::Mutex::new(
        running
            .iter()
            .copied()
            .filter(ours)
            .collect::<BTreeSet<_>>(),
    );
    let cancelled = std::thread::scope(|scope| {
        scope.spawn(|| {
            let alive = || !still_running(&BTreeSet::from([cargo])).is_empty();
            let deadline = Instant::now() + Duration::from_secs(120);
            while alive() && Instant::now() < deadline {
                let now = descendants(grader);
                sampled.lock().unwrap().extend(now.into_iter().filter(ours));
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        std::fs::write(&http, &solved).unwrap();
        p.exp_string("Changed: http.rs").unwrap()
    });
    let running = sampled.into_inner().unwrap();
    seen.extend(&running);
    seen.extend(&kept);
    assert!(
        !cancelled.contains("Score:"),
        "the grading in progress finished instead of being cancelled:\n{cancelled}"
    );
    // Killed at once: gone well before a compiler would have ended on its own.
    let left = left_after(&running, Duration::from_millis(500));
    assert!(left.is_empty(), "the cancelled grading left: {left:?}");
    assert!(
        !still_running(&BTreeSet::from([kept[0]])).is_empty(),
        "the kept Prometheus went with the cancelled grading"
    );
    p.exp_string(&format!("Score: {max}/{max}")).unwrap();
    let prometheus_now: Vec<i32> = descendants(grader)
        .into_iter()
        .filter(|p| name(*p) == "prometheus")
        .collect();
    assert_eq!(
        prometheus_now, kept,
        "the next grading used the kept Prometheus"
    );

    // Hints open one at a time, in the spec's order, each on a key press.
    let first_line = |n: usize| spec.hints[n].en.lines().next().unwrap().to_string();
    p.send("h").unwrap();
    p.flush().unwrap();
    p.exp_string(&format!("Hint 1 of {}", spec.hints.len()))
        .unwrap();
    p.exp_string(&first_line(0)).unwrap();
    p.send("h").unwrap();
    p.flush().unwrap();
    let redrawn = p
        .exp_string(&format!("Hint 2 of {}", spec.hints.len()))
        .unwrap();
    assert!(
        redrawn.contains("Hint 1 of"),
        "hint 1 comes before 2: {redrawn}"
    );
    p.exp_string(&first_line(1)).unwrap();
    p.exp_string("Book: book/src/instrumentando.md#").unwrap();

    // Between gradings nothing of the grader's runs; `q` quits with 0.
    seen.extend(descendants(grader));
    p.send("q").unwrap();
    p.flush().unwrap();
    assert!(matches!(
        p.process().wait().unwrap(),
        WaitStatus::Exited(_, 0)
    ));
    let left = left_after(&seen, Duration::from_secs(2));
    assert!(left.is_empty(), "left running after quitting: {left:?}");
    // A copy graded with --path is not the student's own: no hint recorded (other tests may
    // record progress in the course meanwhile).
    assert_eq!(hints_opened(&state_file), hints_before);
}
