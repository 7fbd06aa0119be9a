//! A class of fifteen ex2 submissions, one of each kind an instructor meets (solved, partly
//! solved two ways, a whole-course copy, empty, not compiling, crashing, hanging, invalid and
//! endless `/metrics`, never listening, flooding its output, a fork bomb, a neighbour reader
//! at run time and one at compile time),
//! graded by `grader bulk --isolation container`, two at a time: every student gets the score
//! and status expected of them, the run stays within its bounds, the fork bomb stays within
//! its task limit, the reader sees neither its neighbour's file nor the machine's loopback,
//! and nothing is left running. Then the fork bomb and the reader in process isolation: the
//! bomb is bounded and killed just the same, and the reader does see what the grader's user
//! can (which is what container isolation is for). Last, Ctrl-C leaves no container behind,
//! and the containers of a grader killed outright are removed by the next run.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{copy_dir, course_root, fixture};
use serde_json::Value;

const SOLUTION: &str = "solutions/ex2-metricas-negocio";

/// ex2's solution in `dir/src`, with `edits` (file, from, to) applied, each `from` present.
fn solution_with(dir: &Path, edits: &[(&str, &str, &str)]) {
    copy_dir(&course_root().join(SOLUTION).join("src"), &dir.join("src"));
    for (file, from, to) in edits {
        let path = dir.join("src").join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} no longer holds {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }
}

/// The solution with the fork bomb of `fixtures/bomba-de-processos` going off at start.
fn fork_bomb(dir: &Path) {
    solution_with(
        dir,
        &[
            ("main.rs", "mod eventos;", "mod bomba;\nmod eventos;"),
            (
                "main.rs",
                "    let config = loja::Config::parse();",
                "    bomba::detonar();\n    let config = loja::Config::parse();",
            ),
        ],
    );
    std::fs::copy(
        fixture("bomba-de-processos/src/bomba.rs"),
        dir.join("src/bomba.rs"),
    )
    .unwrap();
}

/// `fixtures/le-o-vizinho`, set to read `file` and connect to loopback `port`.
fn reader(dir: &Path, file: &Path, port: u16) {
    let text = std::fs::read_to_string(fixture("le-o-vizinho/src/main.rs")).unwrap();
    let text = text
        .replace("\"VIZINHO\"", &format!("{:?}", file.display().to_string()))
        .replace("\"PORTA_DO_HOST\"", &format!("\"{port}\""));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/main.rs"), text).unwrap();
}

/// `fixtures/le-na-compilacao`, set to compile `file` into the program.
fn compile_time_reader(dir: &Path, file: &Path) {
    let text = std::fs::read_to_string(fixture("le-na-compilacao/src/main.rs")).unwrap();
    let text = text.replace("\"VIZINHO\"", &format!("{:?}", file.display().to_string()));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/main.rs"), text).unwrap();
}

/// The secret in ana's folder that the reader is after, and a port on the machine's loopback
/// it tries (held open for the run).
struct Bait {
    secret: String,
    file: PathBuf,
    listener: TcpListener,
}

fn bait(class: &Path) -> Bait {
    let secret = format!("segredo-da-ana-{}", std::process::id());
    let file = class.join("ana/segredo.txt");
    std::fs::create_dir_all(class.join("ana")).unwrap();
    std::fs::write(&file, &secret).unwrap();
    Bait {
        secret,
        file,
        listener: TcpListener::bind("127.0.0.1:0").unwrap(),
    }
}

/// Processes (any user's) started by the fork bomb.
fn bomb_processes() -> usize {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter(|e| {
            std::fs::read(e.path().join("environ")).is_ok_and(|env| {
                env.split(|b| *b == 0)
                    .any(|v| v.starts_with(b"BOMBA_NIVEL="))
            })
        })
        .count()
}

struct Run {
    code: i32,
    stderr: String,
    took: Duration,
    pid: u32,
    /// The most fork-bomb processes seen at once during the run.
    bomb_peak: usize,
}

/// `grader bulk CLASS --exercise ex2 ARGS`, sampling the fork bomb's processes meanwhile.
fn bulk(class: &Path, tmp: &Path, args: &[&str]) -> Run {
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(["bulk", class.to_str().unwrap(), "--exercise", "ex2"])
        .args(["--lang", "en", "--backend", "native", "--jobs", "2"])
        .args(["--request-timeout", "2", "--startup-timeout", "5"])
        .args(args)
        .env("COURSE_ROOT", course_root())
        .env("TMPDIR", tmp)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the grader runs");
    let pid = child.id();
    let done = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicUsize::new(0));
    let sampler = {
        let (done, peak) = (Arc::clone(&done), Arc::clone(&peak));
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                peak.fetch_max(bomb_processes(), Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    let out = child.wait_with_output().unwrap();
    done.store(true, Ordering::SeqCst);
    sampler.join().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: started.elapsed(),
        pid,
        bomb_peak: peak.load(Ordering::SeqCst),
    }
}

/// Each student's entry of `summary.json`, and their per-check scores from `results.json`.
fn results(out: &Path, student: &str) -> (Value, Value) {
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let entry = summary["students"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["student"] == student)
        .unwrap_or_else(|| panic!("{student} is not in {summary:#}"))
        .clone();
    let results: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join(student).join("results.json")).unwrap(),
    )
    .unwrap();
    (entry, results["extra_data"]["checks"].clone())
}

fn points(check: &str) -> u32 {
    let spec = grader::spec::Spec::builtin("ex2").unwrap();
    spec.checks.iter().find(|c| c.id == check).unwrap().points
}

fn max_score() -> u32 {
    grader::spec::Spec::builtin("ex2").unwrap().max_score()
}

/// Nothing of the run is left: no process under its TMPDIR, none of the fork bomb, no
/// container or network carrying the grader's pid.
fn assert_nothing_left(tmp: &Path, grader_pid: u32) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let under = Command::new("pgrep")
            .args(["-af", &tmp.display().to_string()])
            .output()
            .unwrap();
        let under = String::from_utf8_lossy(&under.stdout).trim().to_string();
        let bombs = bomb_processes();
        if under.is_empty() && bombs == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "left running: {under}; fork bomb processes: {bombs}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let label = format!("course.grader.pid={grader_pid}");
    let containers = common::containers_with_label(&label);
    assert!(containers.is_empty(), "containers left: {containers:?}");
    let networks = Command::new("docker")
        .args(["network", "ls", "-q", "--filter", &format!("label={label}")])
        .output()
        .expect("docker CLI");
    let networks = String::from_utf8_lossy(&networks.stdout);
    assert!(networks.trim().is_empty(), "networks left: {networks}");
}

#[test]
fn a_class_of_fifteen_in_containers_grades_as_expected_and_leaves_nothing() {
    let root = tempfile::tempdir().unwrap();
    let tmp = root.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let class = root.path().join("turma");
    let bait = bait(&class);
    let max = max_score();

    // ana: the solution (beside the secret); bruno: a whole-course copy holding it.
    solution_with(&class.join("ana"), &[]);
    copy_dir(
        &course_root().join(SOLUTION).join("src"),
        &class.join("bruno/exercises/ex2-metricas-negocio/src"),
    );
    // carla: no cardinality guard; davi: the cart counter counts units, not additions.
    solution_with(
        &class.join("carla"),
        &[(
            "eventos.rs",
            ".with_label_values(&[rotulo_do_termo(termo)])",
            ".with_label_values(&[termo.trim().to_lowercase()])",
        )],
    );
    solution_with(
        &class.join("davi"),
        &[
            (
                "eventos.rs",
                "fn produto_no_carrinho(&self, produto_id: u32, _quantidade: u32) {",
                "fn produto_no_carrinho(&self, produto_id: u32, quantidade: u32) {",
            ),
            (
                "eventos.rs",
                "            .inc();\n    }\n\n    fn itens_no_carrinho",
                "            .inc_by(u64::from(quantidade));\n    }\n\n    fn itens_no_carrinho",
            ),
        ],
    );
    std::fs::create_dir_all(class.join("eva")).unwrap();
    for (student, kind) in [
        ("fabio", "nao-compila"),
        ("gabi", "sai-ao-iniciar"),
        ("heitor", "metrics-trava"),
        ("iris", "metrics-invalido"),
        ("joao", "metrics-sem-fim"),
        ("karina", "nunca-abre-a-porta"),
        ("lara", "inunda-a-saida"),
    ] {
        copy_dir(&fixture(kind).join("src"), &class.join(student).join("src"));
    }
    reader(
        &class.join("mallory"),
        &bait.file,
        bait.listener.local_addr().unwrap().port(),
    );
    fork_bomb(&class.join("nico"));
    compile_time_reader(&class.join("olga"), &bait.file);

    let run = bulk(&class, &tmp, &["--isolation", "container"]);
    let out = root.path().join("ex2-results");
    assert_eq!(run.code, 3, "some are ungradable:\n{}", run.stderr);
    eprintln!(
        "graded 15 in {:.1}s; the fork bomb peaked at {} processes",
        run.took.as_secs_f64(),
        run.bomb_peak
    );
    for student in std::fs::read_dir(&class).unwrap() {
        let student = student.unwrap().file_name().to_string_lossy().into_owned();
        let results: Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(&student).join("results.json")).unwrap(),
        )
        .unwrap();
        eprintln!("  {student}: {}s", results["execution_time"]);
    }

    let expect = |student: &str, score: u32, status: &str, reason: &str| {
        let (entry, _) = results(&out, student);
        assert_eq!(entry["score"], score, "{student}: {entry:#}");
        assert_eq!(entry["max_score"], max, "{student}: {entry:#}");
        assert_eq!(entry["status"], status, "{student}: {entry:#}");
        let said = entry["reason"].as_str().unwrap_or_default();
        assert!(said.contains(reason), "{student}: {reason:?} in {entry:#}");
    };
    for full in ["ana", "bruno", "nico"] {
        expect(full, max, "graded", "");
    }
    expect("carla", max - points("cardinalidade"), "graded", "");
    expect("davi", max - points("carrinho"), "graded", "");
    // The partly solved lose exactly the check their mistake breaks.
    for (student, broken) in [("carla", "cardinalidade"), ("davi", "carrinho")] {
        let (_, checks) = results(&out, student);
        let lost: Vec<&String> = checks
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, score)| score.as_f64() == Some(0.0))
            .map(|(id, _)| id)
            .collect();
        assert_eq!(lost, [broken], "{student}: {checks:#}");
    }
    for hopeless in ["heitor", "iris", "joao"] {
        expect(hopeless, 0, "graded", "");
    }
    expect("eva", 0, "ungradable", "no exercise crate");
    expect("fabio", 0, "ungradable", "does not compile");
    expect("gabi", 0, "ungradable", "configuração inválida");
    expect("karina", 0, "ungradable", "did not open its port within 5s");
    // Its flood is cut at 64 MiB; whether that or the startup timeout comes first depends on
    // how fast the engine relays a container's output (a process hits the limit at once).
    expect("lara", 0, "ungradable", "xxxxxxxxxxxxxxxx");
    let (lara, _) = results(&out, "lara");
    let said = lara["reason"].as_str().unwrap();
    assert!(
        said.contains("more than 64 MiB of output") || said.contains("did not open its port"),
        "{said:.300}"
    );

    // The reader got nothing: neither the file (not in its container) nor the port (the
    // container's loopback is its own).
    expect("mallory", 0, "ungradable", "não li o arquivo do vizinho");
    let (mallory, _) = results(&out, "mallory");
    let said = mallory["reason"].as_str().unwrap();
    assert!(!said.contains(&bait.secret), "the secret leaked: {said}");
    assert!(said.contains("não conectei à porta"), "{said}");
    // Reading it at compile time is refused before the program runs.
    expect(
        "olga",
        0,
        "ungradable",
        "reads files that are not its own while it compiles",
    );
    let (olga, _) = results(&out, "olga");
    let said = olga["reason"].as_str().unwrap();
    assert!(said.contains(&bait.file.display().to_string()), "{said}");
    assert!(!said.contains(&bait.secret), "the secret leaked: {said}");

    // The fork bomb went off and stopped at the container's task limit.
    let tasks = grader::process::Limits::APP.tasks as usize;
    assert!(run.bomb_peak >= 20, "the bomb went off: {}", run.bomb_peak);
    assert!(
        run.bomb_peak <= tasks,
        "within the limit: {}",
        run.bomb_peak
    );

    // Bounds: the hanging ones cost their timeouts, not the class's patience.
    assert!(run.took < Duration::from_secs(300), "{:?}", run.took);
    assert_nothing_left(&tmp, run.pid);
}

#[test]
fn in_process_isolation_a_fork_bomb_is_bounded_and_a_reader_reads_what_the_user_can() {
    let root = tempfile::tempdir().unwrap();
    let tmp = root.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let class = root.path().join("turma");
    let bait = bait(&class);
    // A class folder others may read, as one unpacked in a home folder usually is: the app
    // runs as the grader's user, or as `nobody` when the grader is root.
    #[cfg(unix)]
    for dir in [root.path(), &class, &class.join("ana")] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    reader(
        &class.join("mallory"),
        &bait.file,
        bait.listener.local_addr().unwrap().port(),
    );
    fork_bomb(&class.join("nico"));

    let run = bulk(&class, &tmp, &[]);
    let out = root.path().join("ex2-results");
    // ana holds only the secret: no crate, ungradable.
    assert_eq!(run.code, 3, "{}", run.stderr);

    let (nico, _) = results(&out, "nico");
    assert_eq!(nico["score"], max_score(), "{nico:#}");
    let tasks = grader::process::Limits::APP.tasks as usize;
    assert!(run.bomb_peak >= 20, "the bomb went off: {}", run.bomb_peak);
    assert!(
        run.bomb_peak <= tasks,
        "within the limit: {}",
        run.bomb_peak
    );

    let (mallory, _) = results(&out, "mallory");
    let said = mallory["reason"].as_str().unwrap();
    assert!(
        said.contains(&format!("li do vizinho: {}", bait.secret)),
        "a process reads what its user can: {said}"
    );
    assert!(said.contains("conectei à porta"), "{said}");
    assert_nothing_left(&tmp, run.pid);
}

/// `grader bulk CLASS --exercise ex2 --isolation container --force`, running.
fn spawn_bulk(class: &Path, tmp: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_grader"))
        .args(["bulk", class.to_str().unwrap(), "--exercise", "ex2"])
        .args([
            "--lang",
            "en",
            "--backend",
            "native",
            "--isolation",
            "container",
        ])
        .arg("--force")
        .env("COURSE_ROOT", course_root())
        .env("TMPDIR", tmp)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the grader runs")
}

/// Waits until the grader `pid` runs an app container, and returns its id.
fn wait_for_container(pid: u32) -> String {
    let start = Instant::now();
    loop {
        if let Some(id) = common::containers_with_label(&format!("course.grader.pid={pid}")).pop() {
            return id;
        }
        assert!(start.elapsed() < Duration::from_secs(180), "no container");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn ctrl_c_leaves_no_container_and_the_next_run_removes_a_killed_graders() {
    let root = tempfile::tempdir().unwrap();
    let tmp = root.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let class = root.path().join("turma");
    solution_with(&class.join("ana"), &[]);

    // Ctrl-C: the grading stops, its container and network go with it.
    let mut child = spawn_bulk(&class, &tmp);
    wait_for_container(child.id());
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130));
    assert_nothing_left(&tmp, child.id());

    // Killed outright, it cannot clean up: its container stays until the next run.
    let mut killed = spawn_bulk(&class, &tmp);
    let container = wait_for_container(killed.id());
    killed.kill().unwrap();
    killed.wait().unwrap();
    let label = format!("course.grader.pid={}", killed.id());
    assert_eq!(common::containers_with_label(&label), [container]);
    let next = spawn_bulk(&class, &tmp).wait_with_output().unwrap();
    assert_eq!(next.status.code(), Some(0));
    assert_nothing_left(&tmp, killed.id());
}
