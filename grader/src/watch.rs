//! `grader watch exN`: grades the exercise, then again each time one of its files is saved,
//! and opens the next hint on a key press, like rustlings' watch mode.
//!
//! - **What is watched** is what the grader reads of the submission: the crate's `src/` (its
//!   manifest is never used, see [`crate::compile`]), or the exercise's files.
//! - **How**: the files' sizes and modification times are read every [`POLL`] and compared.
//!   Polling a few dozen files costs nothing, works the same on every system and file system
//!   (network mounts, containers, WSL, where change notifications are unreliable) and needs
//!   no dependency; a change shows within a third of a second, far below a grading's time.
//! - **Debounced**: editors save in several steps (a temporary file, a rename, a second
//!   write); grading starts once the files have stayed the same for one more poll.
//! - **Cancelled** when a file changes mid-grading: the grading future is dropped, which
//!   stops everything it started (the app, Prometheus and cargo are killed with their process
//!   groups, containers are removed by their handles; a container whose start was cut short is
//!   found by its label, as on Ctrl-C), and a new grading starts with the new files.
//! - **The screen** is cleared and redrawn on every change of state: the exercise, the keys,
//!   the last report, and the hints opened so far.
//! - **Keys**: `h` opens the next hint, `r` grades again now, `q` quits (Ctrl-C too). The
//!   terminal reads single keys without echo while watching, and is put back on the way out.
//!
//! The student's own copy records its scores and opened hints in the progress state file,
//! as `grader exN` and `grader hint exN` do; a copy watched with `--path` is someone else's,
//! and its hints are counted for this session only.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::course::{Course, Which};
use crate::exit;
use crate::lang::Lang;
use crate::prometheus::BackendChoice;
use crate::report::Report;
use crate::run_args::RunArgs;
use crate::spec::Spec;

/// How often the files are looked at.
pub const POLL: Duration = Duration::from_millis(300);

/// A bound on the files looked at (a submission has at most 200 source files).
const MAX_FILES: usize = 1000;

#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// The exercise to watch (ex1, ex2, ...; see `grader list`).
    pub exercise: String,

    /// Watch the exercise found in DIR instead of yours: a copy of the course, or the
    /// exercise itself. Its scores and hints are not recorded as your progress.
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,

    /// Start a new Prometheus for every grading, as a single `grader EXERCISE` does, instead
    /// of keeping one between gradings (each grading then waits about 5 s more for
    /// Prometheus's first target update).
    #[arg(long)]
    pub fresh_prometheus: bool,

    #[command(flatten)]
    pub run: RunArgs,
}

/// Runs the watch loop until `q` or Ctrl-C.
pub async fn run(args: WatchArgs) -> Result<u8, crate::Error> {
    let lang = args.run.lang();
    let spec = Spec::builtin(&args.exercise)?;
    let course = Course::locate(args.run.course.as_deref())?;
    let which = match &args.path {
        Some(p) => Which::Path(p.clone()),
        None => Which::Starter,
    };
    let dir = course
        .submission(&spec, &which)
        .map_err(crate::Error::usage_as_is)?;
    let own = matches!(which, Which::Starter);
    let mut opts = args.run.options(which);
    // One Prometheus for the whole session: a re-grade does not wait for a new one to
    // discover the app (see `prometheus::Kept`).
    if !args.fresh_prometheus {
        opts.kept = Some(Default::default());
    }
    let files = Watched::of(&spec, &dir);
    let mut screen = Screen {
        spec: &spec,
        lang,
        watched: files.describe(&course),
        hints: if own {
            crate::hints::opened(&course, &spec)
        } else {
            0
        },
        state: State::Grading(None),
        last: None,
        message: None,
    };
    let _keys_mode = terminal::SingleKeys::enable();
    let mut keys = key_presses();
    let mut keys_open = true;
    let mut ticker = tokio::time::interval(POLL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seen = files.snapshot();

    loop {
        screen.draw();
        let outcome = {
            let grading = crate::grade::grade(&course, &spec, &opts);
            tokio::pin!(grading);
            loop {
                tokio::select! {
                    r = &mut grading => break Wake::Graded(Box::new(r)),
                    _ = ticker.tick() => {
                        if let Some(change) = files.changed(&mut seen).await {
                            break Wake::Changed(change);
                        }
                    }
                    k = keys.recv(), if keys_open => match k {
                        None => keys_open = false,
                        Some(k) => match screen.key(k, &course, own) {
                            Some(wake) => break wake,
                            None => screen.draw(),
                        },
                    },
                    _ = tokio::signal::ctrl_c() => break Wake::Interrupted,
                }
            }
            // Leaving this block drops the grading: everything it started is stopped.
        };
        if !matches!(outcome, Wake::Graded(_)) && opts.backend != BackendChoice::Native {
            let _ = tokio::time::timeout(
                Duration::from_secs(10),
                crate::docker::remove_own_containers(),
            )
            .await;
        }
        let mut next = match outcome {
            Wake::Graded(r) => {
                screen.last = Some(match *r {
                    Ok(report) => {
                        if own && let Err(e) = crate::progress::State::record(&course, &report) {
                            screen.message = Some(format!("{}: {e}", crate::progress::STATE_FILE));
                        }
                        Ok(report)
                    }
                    Err(e) => Err(e.describe().get(lang).to_string()),
                });
                screen.state = State::Idle;
                screen.draw();
                None
            }
            other => Some(other),
        };
        // Between gradings: wait for a change or a key.
        while next.is_none() {
            tokio::select! {
                _ = ticker.tick() => next = files.changed(&mut seen).await.map(Wake::Changed),
                k = keys.recv(), if keys_open => match k {
                    None => keys_open = false,
                    Some(k) => match screen.key(k, &course, own) {
                        Some(wake) => next = Some(wake),
                        None => screen.draw(),
                    },
                },
                _ = tokio::signal::ctrl_c() => next = Some(Wake::Interrupted),
            }
        }
        let end = match next {
            Some(Wake::Changed(change)) => {
                screen.state = State::Grading(Some(change));
                continue;
            }
            Some(Wake::Again) => {
                screen.state = State::Grading(None);
                continue;
            }
            Some(Wake::Quit) => Ok(exit::FULL_MARKS),
            _ => Err(crate::Error::Interrupted),
        };
        println!();
        // The kept Prometheus stops here, its container removed while the runtime still runs.
        if let Some(kept) = &opts.kept {
            kept.stop().await;
        }
        return end;
    }
}

/// What ends a wait.
enum Wake {
    Graded(Box<Result<Report, crate::grade::EnvError>>),
    /// A watched file changed (its path, for the screen).
    Changed(String),
    /// `r`: grade again now.
    Again,
    Quit,
    Interrupted,
}

#[derive(Debug)]
enum State {
    /// Grading, after a change to this file (None: the first grading, or `r`).
    Grading(Option<String>),
    Idle,
}

/// What the screen shows; [`Screen::draw`] clears the terminal and draws it again.
struct Screen<'a> {
    spec: &'a Spec,
    lang: Lang,
    watched: String,
    /// How many hints are open.
    hints: usize,
    state: State,
    /// The last grading's report, or why the grader could not grade.
    last: Option<Result<Report, String>>,
    /// A line about the last key press (no more hints, the state file not saved).
    message: Option<String>,
}

impl Screen<'_> {
    /// Handles a key press: what it wakes, or None when it only changes the screen.
    fn key(&mut self, key: u8, course: &Course, own: bool) -> Option<Wake> {
        let t = |pt, en| self.lang.t(pt, en).to_string();
        match key.to_ascii_lowercase() {
            b'q' => return Some(Wake::Quit),
            b'r' => return Some(Wake::Again),
            b'h' => {
                self.message = None;
                if self.spec.hints.is_empty() {
                    self.message = Some(t(
                        "Este exercício não tem dicas.",
                        "This exercise has no hints.",
                    ));
                } else if self.hints >= self.spec.hints.len() {
                    self.message = Some(t(
                        "Essas são todas as dicas deste exercício.",
                        "Those are all the hints of this exercise.",
                    ));
                } else if own {
                    let (now, saved) = crate::hints::open_next(course, self.spec);
                    self.hints = now;
                    if let Err(e) = saved {
                        self.message = Some(format!("{}: {e}", crate::progress::STATE_FILE));
                    }
                } else {
                    self.hints += 1;
                }
            }
            _ => {}
        }
        None
    }

    fn draw(&self) {
        let t = |pt, en| self.lang.t(pt, en);
        let rule = "─".repeat(60);
        // Clear the screen and go to its top left corner.
        let mut out = String::from("\x1b[2J\x1b[H");
        out.push_str(&format!(
            "grader watch {} — {} ({})\n{} {}\n{}\n{rule}\n",
            self.spec.id,
            self.spec.title.get(self.lang),
            self.spec.guide_part,
            t("Vigiando", "Watching"),
            self.watched,
            t(
                "h: próxima dica   r: avaliar de novo   q: sair",
                "h: next hint   r: grade again   q: quit"
            ),
        ));
        match &self.state {
            State::Grading(change) => {
                if let Some(file) = change {
                    out.push_str(&format!("{} {file}\n", t("Mudou:", "Changed:")));
                }
                out.push_str(t(
                    "Avaliando (compila, inicia o app e um Prometheus)...\n",
                    "Grading (builds, starts the app and a Prometheus)...\n",
                ));
                if let Some(Ok(r)) = &self.last {
                    out.push_str(&format!(
                        "{} {}/{}\n",
                        t("Nota anterior:", "Previous score:"),
                        r.score(),
                        r.max_score()
                    ));
                }
            }
            State::Idle => match &self.last {
                Some(Ok(report)) => {
                    out.push_str(&report.render_text(self.lang));
                    out.push_str(if report.full_marks() {
                        t(
                            "\nNota máxima! O próximo exercício: cargo run -p grader\n",
                            "\nFull marks! The next exercise: cargo run -p grader\n",
                        )
                    } else {
                        t(
                            "\nSalve um arquivo para avaliar de novo.\n",
                            "\nSave a file to grade again.\n",
                        )
                    });
                }
                Some(Err(e)) => out.push_str(&format!("grader: {e}\n")),
                None => {}
            },
        }
        if self.hints > 0 {
            out.push_str(&format!(
                "{rule}\n{}",
                crate::hints::render_opened(self.spec, self.hints, self.lang)
            ));
        }
        if let Some(m) = &self.message {
            out.push_str(&format!("{rule}\n{m}\n"));
        }
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(out.as_bytes());
        let _ = stdout.flush();
    }
}

/// The files of a submission the grader reads.
#[derive(Debug)]
struct Watched {
    /// Folders walked (a crate's `src/`) and files looked at (a submission of files).
    roots: Vec<PathBuf>,
}

/// Size and modification time of each file (None: not there).
type Snapshot = BTreeMap<PathBuf, Option<(u64, SystemTime)>>;

impl Watched {
    fn of(spec: &Spec, dir: &Path) -> Self {
        let roots = if spec.is_files() {
            spec.files.iter().map(|f| dir.join(f)).collect()
        } else {
            std::iter::once(dir.join("src"))
                .chain(spec.files_beside_crate().into_iter().map(|f| dir.join(f)))
                .collect()
        };
        Self { roots }
    }

    fn describe(&self, course: &Course) -> String {
        self.roots
            .iter()
            .map(|r| {
                r.strip_prefix(&course.root)
                    .unwrap_or(r)
                    .display()
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn snapshot(&self) -> Snapshot {
        let mut out = Snapshot::new();
        for root in &self.roots {
            if root.is_dir() {
                walk(root, 0, &mut out);
            } else {
                out.insert(root.clone(), stamp(root));
            }
        }
        out
    }

    /// Whether a file changed since `seen`; if so, waits for the files to settle (the same
    /// for one more poll, at most 3 s of saving), updates `seen`, and names a changed file.
    async fn changed(&self, seen: &mut Snapshot) -> Option<String> {
        let mut now = self.snapshot();
        if now == *seen {
            return None;
        }
        let file = now
            .iter()
            .find(|(p, s)| seen.get(*p) != Some(*s))
            .or_else(|| seen.iter().find(|(p, _)| !now.contains_key(*p)))
            .map(|(p, _)| p.clone());
        for _ in 0..10 {
            tokio::time::sleep(POLL).await;
            let again = self.snapshot();
            if again == now {
                break;
            }
            now = again;
        }
        *seen = now;
        file.map(|f| {
            f.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
    }
}

fn stamp(path: &Path) -> Option<(u64, SystemTime)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok()?))
}

/// The files under `dir`, leaving out editors' leftovers (hidden files, `name~`, swap
/// files), which change while one types and are never compiled.
fn walk(dir: &Path, depth: usize, out: &mut Snapshot) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if out.len() >= MAX_FILES {
            return;
        }
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") {
            continue;
        }
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() && depth < 8 => walk(&path, depth + 1, out),
            Ok(t) if t.is_file() => {
                let s = stamp(&path);
                out.insert(path, s);
            }
            _ => {}
        }
    }
}

/// Bytes typed on stdin, read by a thread of their own (a read from a terminal cannot be
/// cancelled; the thread ends with the process). The channel closes at end of input.
fn key_presses() -> tokio::sync::mpsc::UnboundedReceiver<u8> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        use std::io::Read;
        let mut stdin = std::io::stdin().lock();
        let mut byte = [0u8];
        while let Ok(1) = stdin.read(&mut byte) {
            if tx.send(byte[0]).is_err() {
                break;
            }
        }
    });
    rx
}

/// The terminal in single-key mode: each key press reaches the grader at once, without
/// Enter and without echo. Ctrl-C still interrupts (signals stay on).
#[allow(unsafe_code)] // termios calls, each with its reason below.
mod terminal {
    #[cfg(unix)]
    pub struct SingleKeys {
        saved: libc::termios,
    }

    #[cfg(unix)]
    impl std::fmt::Debug for SingleKeys {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("SingleKeys")
        }
    }

    #[cfg(unix)]
    impl SingleKeys {
        /// None when stdin is not a terminal (keys then arrive line by line, if at all).
        pub fn enable() -> Option<Self> {
            use std::io::IsTerminal;
            if !std::io::stdin().is_terminal() {
                return None;
            }
            // SAFETY: termios is plain data, filled in by tcgetattr before it is read; fd 0
            // is stdin, a terminal (checked above).
            unsafe {
                let mut t: libc::termios = std::mem::zeroed();
                if libc::tcgetattr(0, &mut t) != 0 {
                    return None;
                }
                let saved = t;
                t.c_lflag &= !(libc::ICANON | libc::ECHO);
                t.c_cc[libc::VMIN] = 1;
                t.c_cc[libc::VTIME] = 0;
                if libc::tcsetattr(0, libc::TCSANOW, &t) != 0 {
                    return None;
                }
                Some(Self { saved })
            }
        }
    }

    #[cfg(unix)]
    impl Drop for SingleKeys {
        fn drop(&mut self) {
            // SAFETY: puts back the settings tcgetattr returned for the same fd.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, &self.saved);
            }
        }
    }

    #[cfg(not(unix))]
    #[derive(Debug)]
    pub struct SingleKeys;

    #[cfg(not(unix))]
    impl SingleKeys {
        pub fn enable() -> Option<Self> {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_saved_file_is_seen_once_it_settles_and_editor_leftovers_are_not() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/main.rs"), "fn main() {}\n").unwrap();
        let spec = Spec::builtin("ex1").unwrap();
        let files = Watched::of(&spec, dir.path());
        let mut seen = files.snapshot();
        assert_eq!(files.changed(&mut seen).await, None);

        std::fs::write(dir.path().join("src/.main.rs.swp"), "x").unwrap();
        std::fs::write(dir.path().join("src/main.rs~"), "x").unwrap();
        assert_eq!(files.changed(&mut seen).await, None);

        std::fs::write(dir.path().join("src/main.rs"), "fn main() { }\n").unwrap();
        assert_eq!(files.changed(&mut seen).await.as_deref(), Some("main.rs"));
        assert_eq!(files.changed(&mut seen).await, None);

        std::fs::remove_file(dir.path().join("src/main.rs")).unwrap();
        assert_eq!(files.changed(&mut seen).await.as_deref(), Some("main.rs"));
    }
}
