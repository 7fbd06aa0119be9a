//! Prometheus servers kept from one grading to the next (`grader watch`, `grader bulk`).
//!
//! A new Prometheus hands new scrape targets to its scrapers on a 5-second tick, so a fresh one
//! cannot scrape the app before about 5 s: most of a fast exercise's verdict. A kept server
//! scrapes one fixed port, where each grading starts its app, so its target never changes and
//! the tick is paid once. Before a grading uses it, it forgets every sample up to that instant
//! ([`Prometheus::forget_until_now`]): the grading's queries see only what its own app gave,
//! never a sample of the grading before (`tests/kept_prometheus.rs` proves it).
//!
//! Only the grader's own config is kept: a grading that loads rules, a submitted config or a
//! Node Exporter changes its Prometheus, so it starts one of its own as before.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{Backend, Prometheus};
use crate::lang::Text;

/// The servers not in use, ready to be lent to the next grading.
#[derive(Debug, Default)]
pub struct Kept {
    free: Mutex<Vec<Resident>>,
    /// How many servers this pool has started (a kept server is not counted again).
    started: AtomicUsize,
}

/// A kept server: the Prometheus, the app's fixed address it scrapes, and its folder.
#[derive(Debug)]
struct Resident {
    prom: Prometheus,
    app: SocketAddr,
    backend: Backend,
    // Its config and TSDB, removed with it.
    _dir: tempfile::TempDir,
}

/// A kept server lent to one grading: it goes back to the pool when the lease is dropped,
/// whether the grading ended, failed or was cancelled.
#[derive(Debug)]
pub struct Lease {
    pool: Arc<Kept>,
    resident: Option<Resident>,
}

impl Lease {
    pub fn prometheus(&self) -> &Prometheus {
        &self.resident().prom
    }

    pub fn prometheus_mut(&mut self) -> &mut Prometheus {
        &mut self
            .resident
            .as_mut()
            .expect("a lease holds its server until dropped")
            .prom
    }

    /// Where the grading must start its app: the address the server scrapes.
    pub fn app(&self) -> SocketAddr {
        self.resident().app
    }

    fn resident(&self) -> &Resident {
        self.resident
            .as_ref()
            .expect("a lease holds its server until dropped")
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let (Some(r), Ok(mut free)) = (self.resident.take(), self.pool.free.lock()) {
            free.push(r);
        }
    }
}

impl Kept {
    /// How many Prometheus servers the pool has started so far.
    pub fn started(&self) -> usize {
        self.started.load(Ordering::Relaxed)
    }

    /// A server of `backend` for one grading, its samples up to now forgotten: a free one
    /// that still answers, else a new one (ready within `timeout`).
    pub async fn lease(
        self: &Arc<Self>,
        backend: &Backend,
        timeout: Duration,
    ) -> Result<Lease, Text> {
        loop {
            let found = {
                let mut free = self.free.lock().map_err(poisoned)?;
                let at = free.iter().position(|r| &r.backend == backend);
                at.map(|i| free.swap_remove(i))
            };
            let Some(mut r) = found else { break };
            // One that died (or was removed with a cancelled grading's containers), or whose
            // app port another program took meanwhile, is stopped and the next one tried.
            if port_free(r.app) && r.prom.forget_until_now().await.is_ok() {
                return Ok(self.lent(r));
            }
            r.prom.stop().await;
        }
        let dir = tempfile::Builder::new()
            .prefix("grader-prometheus-")
            .tempdir()
            .map_err(|e| super::failed(e.to_string()))?;
        let app = crate::net::loopback(crate::net::free_port().map_err(super::failed)?);
        let prom = Prometheus::start(backend, app, true, dir.path(), timeout).await?;
        self.started.fetch_add(1, Ordering::Relaxed);
        Ok(self.lent(Resident {
            prom,
            app,
            backend: backend.clone(),
            _dir: dir,
        }))
    }

    fn lent(self: &Arc<Self>, resident: Resident) -> Lease {
        Lease {
            pool: Arc::clone(self),
            resident: Some(resident),
        }
    }

    /// Stops every free server now (each one is stopped anyway when the pool is dropped).
    pub async fn stop(&self) {
        let free = match self.free.lock() {
            Ok(mut f) => std::mem::take(&mut *f),
            Err(_) => return,
        };
        for r in free {
            r.prom.stop().await;
        }
    }
}

fn port_free(addr: SocketAddr) -> bool {
    std::net::TcpListener::bind(addr).is_ok()
}

fn poisoned<T>(_: T) -> Text {
    crate::lang::both(
        "o conjunto de Prometheus mantidos ficou inconsistente",
        "the pool of kept Prometheus servers is inconsistent",
    )
}
