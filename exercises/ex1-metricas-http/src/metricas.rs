//! As métricas do exercício 1 e o `Registry` onde elas ficam.
//!
//! No roteiro (Parte 3), o `prometheus-flask-exporter` cria tudo sozinho. Em Rust criamos
//! cada métrica à mão, com o mesmo nome, tipo e rótulos que o resto do curso usa.

use prometheus::{IntGauge, Opts, Registry};

// ANCHOR: todo_metricas
// TODO(Parte 3): crie as duas métricas HTTP, ambas com os rótulos
// `method`, `endpoint` e `status` (nesta ordem):
//   - `http_requests_total`: um contador (`prometheus::IntCounterVec`);
//   - `http_request_duration_seconds`: um histograma (`prometheus::HistogramVec`) com os
//     baldes 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5 e 10
//     (`HistogramOpts::new(...).buckets(vec![...])`).
// Guarde as duas em campos de `Metricas` (o middleware vai precisar delas) e registre
// cada uma no `registry`, como o `app_info` abaixo.
// ANCHOR_END: todo_metricas

/// Tudo o que o app mede. Clonar é barato: os clones apontam para as mesmas métricas.
#[derive(Clone)]
pub struct Metricas {
    /// Um registro nosso (não o global do crate `prometheus`): `/metrics` expõe exatamente
    /// o que foi registrado aqui.
    pub registry: Registry,
}

impl Metricas {
    pub fn new() -> prometheus::Result<Self> {
        let registry = Registry::new();

        // Exemplo pronto: um gauge que vale sempre 1; a informação está nos rótulos.
        let app_info = IntGauge::with_opts(
            Opts::new("app_info", "Informações da aplicação")
                .const_label("version", env!("CARGO_PKG_VERSION"))
                .const_label("app_name", "ecommerce_teste"),
        )?;
        app_info.set(1);
        registry.register(Box::new(app_info))?;

        Ok(Self { registry })
    }
}
