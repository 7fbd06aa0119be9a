//! Exercício 1 (roteiro, Parte 3): a loja com métricas HTTP.
//!
//! `cargo run -p ex1-metricas-http` sobe a loja em http://127.0.0.1:5000 (ou `PORT`,
//! `--port`) com `GET /metrics`. Veja as métricas com `curl localhost:5000/metrics`.

mod http;
mod metricas;

use std::process::ExitCode;
use std::sync::Arc;

use axum::routing::get;
use axum::{Router, middleware};
use clap::Parser;

use crate::http::{expor, registrar_requisicao};
use crate::metricas::Metricas;

#[tokio::main]
async fn main() -> ExitCode {
    let config = loja::Config::parse();
    let app = match app(&config) {
        Ok(app) => app,
        Err(erro) => {
            eprintln!("erro ao criar as métricas: {erro}");
            return ExitCode::FAILURE;
        }
    };
    match loja::serve(app, &config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(erro) => {
            eprintln!("erro: {erro}");
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: app
/// A loja, com `/metrics` e o middleware que mede cada requisição.
fn app(config: &loja::Config) -> prometheus::Result<Router> {
    let metricas = Metricas::new()?;
    let app = loja::app(Arc::new(()), config)
        .route("/metrics", get(expor).with_state(metricas.clone()))
        // `layer` (e não `route_layer`): o middleware vê também as requisições que não
        // casaram com rota nenhuma, e conta os 404.
        .layer(middleware::from_fn_with_state(
            metricas,
            registrar_requisicao,
        ));
    Ok(app)
}
// ANCHOR_END: app
