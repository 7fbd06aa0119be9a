//! O que o exercício acrescenta à loja: um middleware que mede cada requisição e a rota
//! `GET /metrics`, que o Prometheus vai raspar (scrape).

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{Encoder, TextEncoder};

use crate::metricas::Metricas;

// ANCHOR: todo_middleware
/// Mede toda requisição: conta em `http_requests_total` e observa a duração em
/// `http_request_duration_seconds`, com os mesmos rótulos nas duas métricas.
///
/// Entra com `Router::layer`, por fora das rotas, para contar também os 404.
pub async fn registrar_requisicao(
    State(_metricas): State<Metricas>,
    req: Request,
    next: Next,
) -> Response {
    // TODO(Parte 3): medir a requisição (e renomear `_metricas` para `metricas`).
    //   1. Antes de `next.run`: marque o início (`std::time::Instant::now()`) e guarde o
    //      método (`req.method()`) e o endpoint: o molde da rota, que está nas extensões da
    //      requisição (`req.extensions().get::<axum::extract::MatchedPath>()`), por exemplo
    //      `/produto/{produto_id}`. Nunca use o caminho cru (`/produto/2`). Sem rota casada
    //      (um 404), use "desconhecido".
    //   2. Depois de `next.run`: o `status` é o código numérico como texto ("200").
    //   3. Some 1 em `http_requests_total` e observe os segundos passados em
    //      `http_request_duration_seconds`, com os mesmos rótulos (`with_label_values`).
    next.run(req).await
}
// ANCHOR_END: todo_middleware

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
