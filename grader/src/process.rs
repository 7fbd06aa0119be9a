//! Child processes the grader owns: the student's app and Prometheus.
//!
//! Each runs in its own process group, with its output in a log file, and is stopped when its
//! [`Owned`] handle is stopped or dropped: on success, on failure, on Ctrl-C (the runtime drops
//! everything on the way out) and, on Linux, even when the grader itself is killed (the kernel
//! sends the child SIGKILL when its parent dies).
//!
//! # Fork bombs (an untrusted program, with [`Limits`])
//!
//! Two things must hold: the program cannot exhaust the machine's processes, and nothing it
//! started outlives it. Without root, and on any Linux (no cgroup delegation, no systemd
//! assumed), the grader gets both from the kernel:
//!
//! - **A bound**: `RLIMIT_NPROC` makes `fork`/`clone` fail once the *real user* owns that many
//!   tasks (processes and threads, counted over the whole machine, not per process). So the
//!   limit is the number of tasks the user owns right now plus a margin ([`Limits::tasks`]):
//!   the program may add at most that many, whatever the user already runs. The kernel never
//!   applies it to root, so when the grader runs as root an untrusted executable runs as
//!   `nobody` instead ([`Untrusted`]), which also keeps it from writing the grader's files.
//! - **The whole tree**: the program is made a *child subreaper*, so everything it starts stays
//!   below it even when it leaves its process group or session (a `setsid`, a double fork), as
//!   long as it lives. Stopping it stops (SIGSTOP) it and then every process found below it in
//!   `/proc`, round after round until a round finds none new, and only then kills them all: a
//!   stopped process cannot fork, so the freeze catches up with any bomb. Each signal goes
//!   through a pidfd opened while the process was seen in the tree, so a pid reused meanwhile
//!   is never hit. Finally the process group is killed, for what its own exit left behind.
//!
//! What this does not cover: descendants that left the process group *and* whose program
//! exited on its own before the grader stopped it (they go to init); they are still bound by
//! the task limit and their CPU limit. `--isolation container` has none of these gaps: the
//! container's pids cgroup bounds the count, and removing the container kills all of it.
#![allow(unsafe_code)] // libc calls, each with its reason below.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::process::{Child, Command};

/// Resource limits for an untrusted program (the student's app), set in the child before it
/// runs: its address space, its CPU time, the size of any file it writes — its log (stdout
/// and stderr) included, so an app that floods its output is stopped (SIGXFSZ) rather than
/// filling the disk — and how many tasks it may add (see the module's notes on fork bombs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub memory_bytes: u64,
    pub cpu_seconds: u64,
    pub file_bytes: u64,
    /// Processes and threads the program may add to those its user already has.
    pub tasks: u64,
}

impl Limits {
    /// For the student's app: far above what the shop needs (tens of MiB, a few CPU seconds
    /// per grading), far below what would hurt the machine.
    pub const APP: Limits = Limits {
        memory_bytes: 4 << 30,
        cpu_seconds: 600,
        file_bytes: 64 << 20,
        // The shop needs a few dozen threads (tokio's workers and blocking pool).
        tasks: 256,
    };
}

/// `nobody`'s uid and gid on Linux distributions.
const NOBODY: u32 = 65534;

/// A command for an untrusted executable. When the grader is root, it runs as `nobody` (root is
/// exempt from the task limit, and should not run a student's code); then it is started through
/// a descriptor the grader opened (`/proc/self/fd/N`), so it needs no access to the grader's
/// folders, with its real path as `argv[0]` so `ps` still names it.
#[derive(Debug)]
pub struct Untrusted {
    pub cmd: Command,
    /// The user it runs as, when not the grader's.
    uid: Option<u32>,
    /// Open until the program has started (it is executed through it).
    _exe: Option<File>,
}

impl Untrusted {
    pub fn new(exe: &Path) -> std::io::Result<Self> {
        #[cfg(target_os = "linux")]
        // SAFETY: getuid has no preconditions.
        if unsafe { libc::getuid() } == 0 {
            use std::os::fd::AsRawFd;
            let file = File::open(exe)?;
            let mut cmd = Command::new(format!("/proc/self/fd/{}", file.as_raw_fd()));
            cmd.arg0(exe).uid(NOBODY).gid(NOBODY);
            return Ok(Self {
                cmd,
                uid: Some(NOBODY),
                _exe: Some(file),
            });
        }
        Ok(Self {
            cmd: Command::new(exe),
            uid: None,
            _exe: None,
        })
    }

    /// A command run by its path, not through a descriptor (a start manifest's interpreter or
    /// script, which opens files of its own), as `nobody` too when the grader is root: then
    /// the program and its working folder must be readable by every user.
    pub fn command(mut cmd: Command) -> Self {
        #[cfg(target_os = "linux")]
        // SAFETY: getuid has no preconditions.
        if unsafe { libc::getuid() } == 0 {
            cmd.uid(NOBODY).gid(NOBODY);
            return Self {
                cmd,
                uid: Some(NOBODY),
                _exe: None,
            };
        }
        Self {
            cmd,
            uid: None,
            _exe: None,
        }
    }

    /// Whether it runs as another user than the grader's (`nobody`).
    pub fn as_other_user(&self) -> bool {
        self.uid.is_some()
    }
}

#[derive(Debug)]
pub struct Owned {
    child: Child,
    pid: Option<i32>,
    log: PathBuf,
    /// A subreaper whose whole tree is frozen and killed on stop (an untrusted program).
    tree: bool,
}

impl Owned {
    /// Spawns `cmd` with stdout and stderr appended to `log`.
    pub fn spawn(cmd: Command, log: &Path) -> std::io::Result<Self> {
        Self::spawn_limited(cmd, log, None)
    }

    /// [`Owned::spawn`], within `limits` where the system has them (Unix).
    pub fn spawn_limited(
        cmd: Command,
        log: &Path,
        limits: Option<Limits>,
    ) -> std::io::Result<Self> {
        Self::spawn_as(cmd, None, log, limits)
    }

    /// An untrusted executable (see [`Untrusted`]), within `limits`.
    pub fn spawn_untrusted(
        program: Untrusted,
        log: &Path,
        limits: Limits,
    ) -> std::io::Result<Self> {
        let owned = Self::spawn_as(program.cmd, program.uid, log, Some(limits));
        drop(program._exe); // the program has been executed (or failed to be)
        owned
    }

    fn spawn_as(
        mut cmd: Command,
        uid: Option<u32>,
        log: &Path,
        limits: Option<Limits>,
    ) -> std::io::Result<Self> {
        let out = File::create(log)?;
        cmd.stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .process_group(0)
            .kill_on_drop(true);
        #[cfg(target_os = "linux")]
        // SAFETY: prctl is async-signal-safe and touches only the child's own attributes.
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        #[cfg(unix)]
        if let Some(l) = limits {
            // Counted now, in the grader: the child may only make async-signal-safe calls.
            // SAFETY: getuid has no preconditions.
            let user = uid.unwrap_or_else(|| unsafe { libc::getuid() });
            let tasks = task_limit(user, l.tasks);
            // SAFETY: setrlimit and prctl are async-signal-safe and touch only the child's own
            // limits and attributes; they run after the switch to `uid`, so the limits bind it.
            unsafe {
                cmd.pre_exec(move || {
                    #[cfg(target_os = "linux")]
                    if libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    for (resource, value) in [
                        (libc::RLIMIT_AS, l.memory_bytes),
                        (libc::RLIMIT_CPU, l.cpu_seconds),
                        (libc::RLIMIT_FSIZE, l.file_bytes),
                        (libc::RLIMIT_NPROC, tasks),
                    ] {
                        let limit = libc::rlimit {
                            rlim_cur: value as libc::rlim_t,
                            rlim_max: value as libc::rlim_t,
                        };
                        if libc::setrlimit(resource, &limit) != 0 {
                            return Err(std::io::Error::last_os_error());
                        }
                    }
                    Ok(())
                });
            }
        }
        #[cfg(not(unix))]
        let _ = (limits, uid);
        let child = cmd.spawn()?;
        let pid = child.id().and_then(|p| i32::try_from(p).ok());
        Ok(Self {
            child,
            pid,
            log: log.to_path_buf(),
            tree: limits.is_some(),
        })
    }

    /// `Some(status)` once the process has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// The last `max_lines` lines the process printed.
    pub fn log_tail(&self, max_lines: usize) -> String {
        tail(&self.log, max_lines)
    }

    /// SIGTERM to the whole group, up to `grace` to exit, then SIGKILL; always reaps. An
    /// untrusted program gets no grace: its whole tree is frozen and killed at once (a polite
    /// stop would let it fork while it exits, and its orphans leave the tree).
    pub async fn stop(mut self, grace: Duration) {
        if self.tree {
            self.kill_all();
            let _ = self.child.wait().await;
            self.pid = None;
            return;
        }
        self.signal(libc::SIGTERM);
        if tokio::time::timeout(grace, self.child.wait())
            .await
            .is_err()
        {
            self.signal(libc::SIGKILL);
            let _ = self.child.wait().await;
        }
        self.pid = None;
    }

    /// Freezes and kills the program's whole tree, then its process group.
    fn kill_all(&mut self) {
        if let Some(pid) = self.pid {
            #[cfg(target_os = "linux")]
            if self.tree {
                kill_tree(pid);
            }
            self.signal(libc::SIGKILL);
            let _ = self.child.start_kill();
        }
    }

    fn signal(&self, sig: i32) {
        if let Some(pid) = self.pid {
            // SAFETY: killpg only sends a signal; the group id is our child's own, made for it
            // by process_group(0), so nothing else is hit.
            unsafe {
                libc::killpg(pid, sig);
            }
        }
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        // Not stopped politely: kill the group now, and reap so no zombie is left.
        if self.pid.is_some() {
            self.kill_all();
            let _ = self.child.try_wait();
        }
    }
}

/// The `RLIMIT_NPROC` that lets `uid` add `margin` tasks to those it owns now (the kernel counts
/// every task of the real user), within the grader's own hard limit, which a child cannot raise.
#[cfg(unix)]
fn task_limit(uid: u32, margin: u64) -> u64 {
    let mut own = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given.
    #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 on every Unix
    let hard = if unsafe { libc::getrlimit(libc::RLIMIT_NPROC, &mut own) } == 0 {
        own.rlim_max as u64
    } else {
        u64::MAX
    };
    (tasks_of(uid) + margin).min(hard)
}

/// How many tasks (threads included) the processes whose real user is `uid` have now.
#[cfg(unix)]
fn tasks_of(uid: u32) -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut total = 0;
    for entry in entries.flatten() {
        if !entry
            .file_name()
            .to_string_lossy()
            .bytes()
            .all(|b| b.is_ascii_digit())
        {
            continue;
        }
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue; // gone meanwhile
        };
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse::<u64>().ok())
        };
        if field("Uid:") == Some(u64::from(uid)) {
            total += field("Threads:").unwrap_or(1);
        }
    }
    total
}

/// Rounds of the freeze before the grader gives up on catching more (a round takes a scan of
/// `/proc`; a bomb bounded by its task limit is caught in a handful).
#[cfg(target_os = "linux")]
const FREEZE_ROUNDS: usize = 200;

/// Stops `root` and every process below it (SIGSTOP, round after round until none is new),
/// then kills them all. See the module's notes.
#[cfg(target_os = "linux")]
fn kill_tree(root: i32) {
    let Some(root_fd) = Pidfd::open(root) else {
        return;
    };
    root_fd.signal(libc::SIGSTOP);
    let mut frozen = vec![root_fd];
    let mut seen = std::collections::HashSet::from([root]);
    for _ in 0..FREEZE_ROUNDS {
        let mut new = 0;
        for pid in descendants(root) {
            if !seen.insert(pid) {
                continue;
            }
            // Opened first, checked after: if the pid is still below `root` once the pidfd
            // holds it, the pidfd is that process, not one that reused the pid.
            if let Some(fd) = Pidfd::open(pid)
                && parent_of(pid).is_some_and(|p| seen.contains(&p))
            {
                fd.signal(libc::SIGSTOP);
                frozen.push(fd);
                new += 1;
            }
        }
        if new == 0 {
            break;
        }
    }
    for fd in frozen.iter().rev() {
        fd.signal(libc::SIGKILL);
    }
}

/// A process handle that cannot be confused with a later process given the same pid.
#[cfg(target_os = "linux")]
struct Pidfd(std::os::fd::OwnedFd);

#[cfg(target_os = "linux")]
impl Pidfd {
    fn open(pid: i32) -> Option<Self> {
        use std::os::fd::FromRawFd;
        // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor, which is then
        // owned here (closed on drop).
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        let fd = i32::try_from(fd).ok().filter(|fd| *fd >= 0)?;
        Some(Self(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) }))
    }

    fn signal(&self, sig: i32) {
        use std::os::fd::AsRawFd;
        // SAFETY: only sends a signal to the process this descriptor refers to.
        unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                self.0.as_raw_fd(),
                sig,
                std::ptr::null::<libc::siginfo_t>(),
                0,
            );
        }
    }
}

/// The processes below `root`, from the parent links in `/proc`.
#[cfg(target_os = "linux")]
fn descendants(root: i32) -> Vec<i32> {
    let mut children: std::collections::HashMap<i32, Vec<i32>> = Default::default();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            if let Some(parent) = parent_of(pid) {
                children.entry(parent).or_default().push(pid);
            }
        }
    }
    let mut found = Vec::new();
    let mut todo = vec![root];
    while let Some(p) = todo.pop() {
        for &c in children.get(&p).map(Vec::as_slice).unwrap_or_default() {
            found.push(c);
            todo.push(c);
        }
    }
    found
}

/// The parent of `pid` (`/proc/PID/stat`'s fourth field, read after the command name, which
/// may hold spaces and parentheses).
#[cfg(target_os = "linux")]
fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Whether process `pid` exists on this machine.
pub fn is_alive(pid: u32) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 sends nothing; it only asks whether the process exists.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// The last `max_lines` lines of a file (reading at most its last 64 KiB).
pub fn tail(path: &Path, max_lines: usize) -> String {
    let Ok(mut f) = File::open(path) else {
        return String::new();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(64 * 1024)));
    let mut bytes = Vec::new();
    let _ = f.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(max_lines)..]
        .iter()
        .map(|l| shorten_line(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A line of at most 300 characters, for a report.
fn shorten_line(line: &str) -> String {
    const MAX: usize = 300;
    match line.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    }
}

/// Kills a process group when dropped, unless [`GroupKill::disarm`]ed first: for a child that
/// runs its own children and is abandoned mid-work (a build cancelled by `grader watch` or
/// Ctrl-C). cargo killed alone leaves its rustc and linker running to the end.
#[derive(Debug)]
pub struct GroupKill(Option<i32>);

impl GroupKill {
    /// For the group led by `pid` (a child spawned with `process_group(0)`).
    pub fn new(pid: Option<u32>) -> Self {
        Self(pid.and_then(|p| i32::try_from(p).ok()))
    }

    /// The group ended on its own: nothing to kill (and its id may be reused).
    pub fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for GroupKill {
    fn drop(&mut self) {
        if let Some(pgid) = self.0 {
            // SAFETY: killpg only sends a signal, to a group our own child leads.
            unsafe {
                libc::killpg(pgid, libc::SIGKILL);
            }
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// Alive and not a zombie waiting to be reaped.
    fn running(pid: i32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| {
                let rest = &s[s.rfind(')')? + 1..];
                rest.split_whitespace().next().map(|st| st != "Z")
            })
            .unwrap_or(false)
    }

    fn sh(script: &str) -> Command {
        let mut cmd = Command::new("/bin/sh");
        cmd.args(["-c", script]);
        cmd
    }

    #[tokio::test]
    async fn stopping_kills_what_left_the_process_group_too() {
        let dir = tempfile::tempdir().unwrap();
        // One child in a session of its own, one double-forked (orphaned at once), one plain.
        let script = "setsid sleep 301 & (sleep 302 &) ; sleep 303 & wait";
        let p =
            Owned::spawn_limited(sh(script), &dir.path().join("log"), Some(Limits::APP)).unwrap();
        let root = p.pid.unwrap();
        let mut below = Vec::new();
        // Up to 10 s: on a loaded machine (the suite runs beside builds) a shell's forks lag.
        for _ in 0..500 {
            below = descendants(root);
            if below.len() >= 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(below.len() >= 3, "the script started its sleeps: {below:?}");
        let escaped = below.iter().filter(|&&c| {
            // SAFETY: getpgid only reads.
            let group = unsafe { libc::getpgid(c) };
            group != root
        });
        assert!(escaped.count() >= 1, "one left the group: {below:?}");
        p.stop(Duration::from_secs(1)).await;
        // Killed processes vanish once reaped, which a loaded machine may take a moment to do.
        let mut left = Vec::new();
        for _ in 0..40 {
            left = below.iter().copied().filter(|&c| running(c)).collect();
            if left.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(left.is_empty(), "still running: {left:?}");
    }

    #[tokio::test]
    async fn the_task_limit_bounds_a_fork_bomb() {
        let dir = tempfile::tempdir().unwrap();
        let mut program = Untrusted::new(Path::new("/usr/bin/perl")).unwrap();
        // 600 children if nothing stops it; a fork past the limit fails and the loop goes on.
        program.cmd.args([
            "-e",
            "for (1..600) { my $p = fork; if (defined $p && $p == 0) { sleep 60; exit } } sleep 60",
        ]);
        let p = Owned::spawn_untrusted(program, &dir.path().join("log"), Limits::APP).unwrap();
        let root = p.pid.unwrap();
        // SAFETY: getuid has no preconditions.
        if unsafe { libc::getuid() } == 0 {
            let status = std::fs::read_to_string(format!("/proc/{root}/status")).unwrap();
            assert!(
                status.lines().any(|l| l.starts_with("Uid:\t65534")),
                "root runs it as nobody: {status}"
            );
        }
        // Until the count stops growing (the loop is done, or stuck at the limit).
        let mut count = 0;
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let now = descendants(root).len();
            if now == count && now > 0 {
                break;
            }
            count = now;
        }
        let below = descendants(root);
        p.stop(Duration::from_secs(1)).await;
        assert!(below.len() > 100, "it did fork: {}", below.len());
        assert!(
            below.len() as u64 <= Limits::APP.tasks,
            "no more than the margin: {}",
            below.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!below.iter().any(|&c| running(c)), "all killed");
    }
}
