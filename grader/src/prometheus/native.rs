//! Prometheus as a process of this machine.

use std::path::Path;
use std::time::Duration;

use tokio::process::Command;

use super::{ToolRun, failed};
use crate::lang::Text;
use crate::process::Owned;

pub(super) fn spawn(bin: &Path, config: &str, port: u16, dir: &Path) -> Result<Owned, Text> {
    let mut cmd = Command::new(bin);
    cmd.arg(format!("--config.file={config}"))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--web.enable-lifecycle")
        // A kept server forgets the last grading's samples (see `Kept`); loopback only.
        .arg("--web.enable-admin-api")
        .current_dir(dir);
    Owned::spawn(cmd, &dir.join("prometheus.log")).map_err(failed)
}

/// How long one `promtool` run may take (a rules unit test evaluates for a while).
pub(super) const PROMTOOL_TIMEOUT: Duration = Duration::from_secs(60);

pub(super) async fn promtool(bin: &Path, args: &[String]) -> Result<ToolRun, String> {
    let mut cmd = Command::new(bin);
    cmd.args(args).kill_on_drop(true);
    let out = tokio::time::timeout(PROMTOOL_TIMEOUT, cmd.output())
        .await
        .map_err(|_| format!("no answer after {}s", PROMTOOL_TIMEOUT.as_secs()))?
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    Ok(ToolRun {
        success: out.status.success(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    })
}
