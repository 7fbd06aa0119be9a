//! As métricas do exercício 1 e o `Registry` onde elas ficam.
//!
//! No roteiro (Parte 3), o `prometheus-flask-exporter` cria tudo sozinho. Em Rust criamos
//! cada métrica à mão, com o mesmo nome, tipo e rótulos que o resto do curso usa.

use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry};

/// Rótulos das duas métricas HTTP, nesta ordem: `with_label_values` recebe os valores na
/// mesma ordem.
pub const ROTULOS_HTTP: [&str; 3] = ["method", "endpoint", "status"];

/// Baldes (buckets) da duração das requisições, em segundos: os mesmos que o
/// `prometheus-flask-exporter` usa por padrão, de 5 ms a 10 s.
pub const BALDES_DURACAO: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

// ANCHOR: metricas
/// Tudo o que o app mede. Clonar é barato: os clones apontam para as mesmas métricas.
#[derive(Clone)]
pub struct Metricas {
    /// Um registro nosso (não o global do crate `prometheus`): `/metrics` expõe exatamente
    /// o que foi registrado aqui.
    pub registry: Registry,
    /// `http_requests_total{method, endpoint, status}`
    pub requisicoes: IntCounterVec,
    /// `http_request_duration_seconds{method, endpoint, status}`
    pub duracao: HistogramVec,
}

impl Metricas {
    pub fn new() -> prometheus::Result<Self> {
        let registry = Registry::new();

        // Um gauge que vale sempre 1: a informação está nos rótulos.
        let app_info = IntGauge::with_opts(
            Opts::new("app_info", "Informações da aplicação")
                .const_label("version", env!("CARGO_PKG_VERSION"))
                .const_label("app_name", "ecommerce_teste"),
        )?;
        app_info.set(1);
        registry.register(Box::new(app_info))?;

        let requisicoes = IntCounterVec::new(
            Opts::new("http_requests_total", "Total de requisições HTTP"),
            &ROTULOS_HTTP,
        )?;
        registry.register(Box::new(requisicoes.clone()))?;

        let duracao = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Duração das requisições HTTP, em segundos",
            )
            .buckets(BALDES_DURACAO.to_vec()),
            &ROTULOS_HTTP,
        )?;
        registry.register(Box::new(duracao.clone()))?;

        Ok(Self {
            registry,
            requisicoes,
            duracao,
        })
    }
}
// ANCHOR_END: metricas
