//! A loja do curso: o `app_teste.py` do roteiro reescrito em axum 0.8.
//!
//! Every exercise crate builds on this shop. It has the roteiro's routes, products, JSON keys
//! and simulated latencies, with the roteiro's faults fixed (stock never goes below zero, a bad
//! body is a 4xx JSON error, the active-users number never goes negative). It knows nothing
//! about Prometheus: the exercises add the metrics, either around it (a middleware, ex1) or by
//! implementing [`Eventos`], the business events the shop reports where the roteiro updates its
//! metrics (ex2).
//!
//! Fault injection for the grader and the alert lessons lives under `/admin/falhas`
//! (see [`falhas`]).
//!
//! One thing the roteiro's app lacks: a bounded resource. A checkout's payment takes one of
//! the payment gateway's few connections ([`Config::gateway_conexoes`], reported through
//! [`Eventos::gateway_conexoes`]); beyond them, checkouts wait in line. That gives the load
//! lesson (Exercício 3) a real saturation point, where the Flask app's latency never grows.

mod catalogo;
mod config;
mod erro;
mod eventos;
pub mod falhas;
mod gateway;
mod rotas;
mod servidor;

pub use catalogo::{METODOS_PAGAMENTO, PRODUTOS, Produto};
pub use config::Config;
pub use erro::ErroApi;
pub use eventos::Eventos;
pub use rotas::app;
pub use servidor::{serve, serve_on_free_port};
