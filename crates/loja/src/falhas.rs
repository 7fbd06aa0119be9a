//! Runtime fault injection: make the shop fail or slow down without restarting it.
//!
//! The same in every exercise crate, because it lives here:
//!
//! | request | effect |
//! |---|---|
//! | `GET /admin/falhas` | the faults in force, as JSON |
//! | `PUT /admin/falhas` with `{"taxa_erro": 0.2, "latencia_extra_ms": 300}` | from now on, each shop request fails with a 500 with probability `taxa_erro` (0 to 1) and waits `latencia_extra_ms` more; a field left out is 0 |
//! | `DELETE /admin/falhas` | back to no faults |
//!
//! Faults touch the shop's routes only, never `/admin/falhas` itself nor the `/metrics` an
//! exercise adds, so Prometheus keeps scraping while the shop misbehaves. An injected error
//! happens before the handler runs: no sale is made, no stock moves.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::ErroApi;

/// The faults in force.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Falhas {
    /// Share of shop requests answered 500, from 0 to 1.
    pub taxa_erro: f64,
    /// Extra wait before every shop request, in milliseconds.
    pub latencia_extra_ms: u64,
}

/// Shared, switchable faults.
#[derive(Debug, Clone, Default)]
pub struct Injetor(Arc<RwLock<Falhas>>);

impl Injetor {
    pub fn atuais(&self) -> Falhas {
        *self.0.read().unwrap_or_else(|e| e.into_inner())
    }

    fn definir(&self, f: Falhas) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = f;
    }
}

/// The middleware that applies the faults to the routes it wraps.
pub(crate) async fn aplicar(State(injetor): State<Injetor>, req: Request, next: Next) -> Response {
    let f = injetor.atuais();
    if f.latencia_extra_ms > 0 {
        tokio::time::sleep(Duration::from_millis(f.latencia_extra_ms)).await;
    }
    if f.taxa_erro > 0.0 && rand::rng().random_bool(f.taxa_erro) {
        return ErroApi::new(StatusCode::INTERNAL_SERVER_ERROR, "falha injetada").into_response();
    }
    next.run(req).await
}

/// The `/admin/falhas` routes.
pub(crate) fn rotas(injetor: Injetor) -> Router {
    Router::new()
        .route("/admin/falhas", get(consultar).put(definir).delete(zerar))
        .with_state(injetor)
}

async fn consultar(State(i): State<Injetor>) -> Json<Falhas> {
    Json(i.atuais())
}

async fn definir(
    State(i): State<Injetor>,
    corpo: Result<Json<Falhas>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Falhas>, ErroApi> {
    let Json(f) = corpo?;
    if !(0.0..=1.0).contains(&f.taxa_erro) {
        return Err(ErroApi::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "taxa_erro vai de 0 a 1 (0.05 = 5% das requisições)",
        ));
    }
    i.definir(f);
    Ok(Json(f))
}

async fn zerar(State(i): State<Injetor>) -> Json<Falhas> {
    i.definir(Falhas::default());
    Json(Falhas::default())
}
