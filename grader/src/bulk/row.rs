//! A student's line in the class's gradebook, and how every document of the class is written.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

/// One line of the gradebook, as read back from a student's `results.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub student: String,
    pub score: f64,
    pub max_score: f64,
    /// `graded`, `ungradable` or `error`.
    pub status: String,
    pub reason: Option<String>,
    /// Check id → its score.
    pub checks: BTreeMap<String, f64>,
}

pub(crate) const GRADED: &str = "graded";
pub(crate) const UNGRADABLE: &str = "ungradable";
pub(crate) const ERROR: &str = "error";

/// Writes `path` through a temporary file in the same folder and a rename, so the file is
/// either absent or complete.
pub(super) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".partial-")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
