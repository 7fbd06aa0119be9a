//! Child processes the grader owns: the student's app and Prometheus.
//!
//! Each runs in its own process group, with its output in a log file, and is stopped when its
//! [`Owned`] handle is stopped or dropped: on success, on failure, on Ctrl-C (the runtime drops
//! everything on the way out) and, on Linux, even when the grader itself is killed (the kernel
//! sends the child SIGKILL when its parent dies).
#![allow(unsafe_code)] // libc calls, each with its reason below.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::process::{Child, Command};

/// Resource limits for an untrusted program (the student's app), set in the child before it
/// runs: its address space, its CPU time, and the size of any file it writes — its log
/// (stdout and stderr) included, so an app that floods its output is stopped (SIGXFSZ) rather
/// than filling the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub memory_bytes: u64,
    pub cpu_seconds: u64,
    pub file_bytes: u64,
}

impl Limits {
    /// For the student's app: far above what the shop needs (tens of MiB, a few CPU seconds
    /// per grading), far below what would hurt the machine.
    pub const APP: Limits = Limits {
        memory_bytes: 4 << 30,
        cpu_seconds: 600,
        file_bytes: 64 << 20,
    };
}

#[derive(Debug)]
pub struct Owned {
    child: Child,
    pid: Option<i32>,
    log: PathBuf,
}

impl Owned {
    /// Spawns `cmd` with stdout and stderr appended to `log`.
    pub fn spawn(cmd: Command, log: &Path) -> std::io::Result<Self> {
        Self::spawn_limited(cmd, log, None)
    }

    /// [`Owned::spawn`], within `limits` where the system has them (Unix).
    pub fn spawn_limited(
        mut cmd: Command,
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
            // SAFETY: setrlimit is async-signal-safe and touches only the child's own limits.
            unsafe {
                cmd.pre_exec(move || {
                    for (resource, value) in [
                        (libc::RLIMIT_AS, l.memory_bytes),
                        (libc::RLIMIT_CPU, l.cpu_seconds),
                        (libc::RLIMIT_FSIZE, l.file_bytes),
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
        let _ = limits;
        let child = cmd.spawn()?;
        let pid = child.id().and_then(|p| i32::try_from(p).ok());
        Ok(Self {
            child,
            pid,
            log: log.to_path_buf(),
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

    /// SIGTERM to the whole group, up to `grace` to exit, then SIGKILL; always reaps.
    pub async fn stop(mut self, grace: Duration) {
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
            self.signal(libc::SIGKILL);
            let _ = self.child.start_kill();
            let _ = self.child.try_wait();
        }
    }
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
