//! The payment gateway's connections: the shop's bounded resource, and so its saturation
//! point (the fourth golden signal, Exercício 3 of the roteiro).
//!
//! A checkout holds one connection while the payment is processed. With more checkouts at once
//! than connections, the others wait in line, and the wait is part of their latency: the more
//! users, the slower the checkout, while the other routes keep their speed.
//!
//! Besides the connections in use at each moment (a gauge, [`Eventos::gateway_conexoes`]),
//! each connection reports how long it was held when it is given back
//! ([`Eventos::gateway_ocupado`]). Summed into a counter of seconds, that is the gateway's
//! busy time: its `rate()` over a window, divided by the capacity, is the utilisation over
//! that window, which the operational laws need (U = X·S). A gauge sampled at each scrape
//! only shows the moments the scrape happened to see; the counter misses nothing between.

use std::time::Instant;

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::Eventos;

pub(crate) struct Gateway {
    vagas: Semaphore,
    capacidade: usize,
}

/// A connection in use; dropping it gives it back and reports how long it was held and the
/// new count.
pub(crate) struct Conexao<'a> {
    vaga: Option<SemaphorePermit<'a>>,
    /// When the connection was taken (after any wait in line: waiting is not busy time).
    desde: Instant,
    gateway: &'a Gateway,
    eventos: &'a dyn Eventos,
}

impl Gateway {
    pub(crate) fn new(capacidade: usize, eventos: &dyn Eventos) -> Self {
        let capacidade = capacidade.max(1);
        eventos.gateway_conexoes(0, capacidade);
        Gateway {
            vagas: Semaphore::new(capacidade),
            capacidade,
        }
    }

    /// Waits for a free connection.
    pub(crate) async fn conectar<'a>(&'a self, eventos: &'a dyn Eventos) -> Conexao<'a> {
        let vaga = self
            .vagas
            .acquire()
            .await
            .expect("the semaphore is never closed");
        eventos.gateway_conexoes(self.em_uso(), self.capacidade);
        Conexao {
            vaga: Some(vaga),
            desde: Instant::now(),
            gateway: self,
            eventos,
        }
    }

    fn em_uso(&self) -> usize {
        self.capacidade - self.vagas.available_permits()
    }
}

impl Drop for Conexao<'_> {
    fn drop(&mut self) {
        // The busy time is told once, when the connection is given back: a counter built on
        // it lags by at most one payment, small against any rate() window worth reading.
        self.eventos.gateway_ocupado(self.desde.elapsed());
        // Give the connection back first, so the count reported is the one after.
        drop(self.vaga.take());
        let g = self.gateway;
        self.eventos.gateway_conexoes(g.em_uso(), g.capacidade);
    }
}
