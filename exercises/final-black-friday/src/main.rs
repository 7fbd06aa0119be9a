//! Projeto final (roteiro, Projeto Final): a loja monitorada para a Black Friday.
//!
//! `cargo run -p final-black-friday` sobe a loja em http://127.0.0.1:5000 (ou `PORT`,
//! `--port`) com `GET /metrics`: desempenho (as métricas HTTP), negócio (vendas, carrinho,
//! estoque, unidades vendidas, receita, saturação do gateway) e infraestrutura (CPU, memória
//! e descritores do processo). A arquitetura do monitoramento está em `README.md`, cada
//! métrica em `METRICAS.md`, cada alerta em `RUNBOOK.md`.

mod eventos;
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
/// A loja, com `/metrics`, o middleware HTTP e as métricas ouvindo os eventos da loja.
fn app(config: &loja::Config) -> prometheus::Result<Router> {
    let metricas = Metricas::new()?;
    // A loja chama os métodos de `loja::Eventos` que `Metricas` implementa (`eventos.rs`).
    let app = loja::app(Arc::new(metricas.clone()), config)
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
