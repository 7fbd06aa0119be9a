//! Prometheus as a process of this machine.

use std::net::SocketAddr;
use std::path::Path;

use tokio::process::Command;

use super::{config_for, failed};
use crate::lang::Text;
use crate::process::Owned;

pub(super) fn spawn(bin: &Path, app: SocketAddr, port: u16, dir: &Path) -> Result<Owned, Text> {
    let config = dir.join("prometheus.yml");
    std::fs::write(&config, config_for(&app.to_string())).map_err(failed)?;
    let mut cmd = Command::new(bin);
    cmd.arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .current_dir(dir);
    Owned::spawn(cmd, &dir.join("prometheus.log")).map_err(failed)
}
