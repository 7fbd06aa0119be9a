use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error answer: always JSON `{"erro": "..."}`, never a bare text or a 500 from a panic.
#[derive(Debug, Clone, PartialEq)]
pub struct ErroApi {
    pub status: StatusCode,
    pub mensagem: String,
}

impl ErroApi {
    pub fn new(status: StatusCode, mensagem: impl Into<String>) -> Self {
        Self {
            status,
            mensagem: mensagem.into(),
        }
    }
}

impl IntoResponse for ErroApi {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "erro": self.mensagem }))).into_response()
    }
}

/// A missing, malformed or mistyped body is the client's fault: 415 without a JSON
/// `Content-Type`, 400 for broken JSON, 422 for the wrong fields, always with the reason in
/// JSON. The roteiro's Flask app raises instead.
impl From<JsonRejection> for ErroApi {
    fn from(r: JsonRejection) -> Self {
        Self::new(
            r.status(),
            format!("corpo JSON inválido: {}", r.body_text()),
        )
    }
}
