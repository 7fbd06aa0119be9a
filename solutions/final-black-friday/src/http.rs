//! O que o exercício acrescenta à loja: um middleware que mede cada requisição e a rota
//! `GET /metrics`, que o Prometheus vai raspar (scrape).

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{Encoder, TextEncoder};

use crate::metricas::Metricas;

/// Valor do rótulo `endpoint` quando a requisição não casou com nenhuma rota.
pub const ENDPOINT_DESCONHECIDO: &str = "desconhecido";

// ANCHOR: middleware
/// Mede toda requisição: conta em `http_requests_total` e observa a duração em
/// `http_request_duration_seconds`, com os mesmos rótulos nas duas métricas.
///
/// Entra com `Router::layer`, por fora das rotas, para contar também os 404.
pub async fn registrar_requisicao(
    State(metricas): State<Metricas>,
    req: Request,
    next: Next,
) -> Response {
    let inicio = Instant::now();
    let metodo = req.method().as_str().to_owned();
    // O molde da rota (`/produto/{produto_id}`), nunca o caminho cru (`/produto/2`): uma série
    // por rota, não uma por produto. Um caminho que não casou com rota nenhuma vira
    // "desconhecido"; senão qualquer um criaria séries novas só inventando URLs.
    let endpoint = req
        .extensions()
        .get::<MatchedPath>()
        .map_or(ENDPOINT_DESCONHECIDO, MatchedPath::as_str)
        .to_owned();

    let resposta = next.run(req).await;

    let status = resposta.status().as_u16().to_string();
    let rotulos = [metodo.as_str(), endpoint.as_str(), status.as_str()];
    metricas.requisicoes.with_label_values(&rotulos).inc();
    metricas
        .duracao
        .with_label_values(&rotulos)
        .observe(inicio.elapsed().as_secs_f64());
    resposta
}
// ANCHOR_END: middleware

// ANCHOR: expor
/// `GET /metrics`: tudo o que está no registro, no formato de texto do Prometheus.
pub async fn expor(State(metricas): State<Metricas>) -> Response {
    let encoder = TextEncoder::new();
    let mut corpo = String::new();
    match encoder.encode_utf8(&metricas.registry.gather(), &mut corpo) {
        Ok(()) => {
            let tipo = format!("{}; charset=utf-8", encoder.format_type());
            ([(header::CONTENT_TYPE, tipo)], corpo).into_response()
        }
        Err(erro) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("não consegui gerar as métricas: {erro}"),
        )
            .into_response(),
    }
}
// ANCHOR_END: expor
