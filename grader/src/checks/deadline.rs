//! Every check runs within a time of its own: its spec's `timeout_s`, or its kind's default. A
//! check that runs over fails with "did not finish within X s" and what it was waiting on, and
//! grading goes on with the next check: one slow answer costs that check, not the submission.
//!
//! The bound cuts a check at its next wait (a request, a query, a tool it runs). The checks that
//! wait on nothing (a file already read and parsed) finish long before any bound.

use std::time::Duration;

use super::{Context, Outcome};
use crate::lang::{Text, both};
use crate::spec::kinds::WaitsOn;
use crate::spec::{Check, CheckKind};

/// How long a check of this kind may take when its spec gives no `timeout_s` (see
/// [`crate::spec::kinds::Kind::default_timeout_s`]).
pub fn default_timeout(kind: &CheckKind) -> Duration {
    Duration::from_secs(kind.props().default_timeout_s())
}

/// The time `check` gets.
pub fn timeout_of(check: &Check) -> Duration {
    check
        .timeout_s
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .unwrap_or_else(|| default_timeout(&check.kind))
}

/// Runs `check` within its time; past it, a failed verdict saying so.
pub async fn run_within(check: &Check, cx: &mut Context<'_>) -> Outcome {
    let limit = timeout_of(check);
    match tokio::time::timeout(limit, super::run(&check.kind, cx)).await {
        Ok(outcome) => outcome,
        Err(_) => over_time(check, limit),
    }
}

fn over_time(check: &Check, limit: Duration) -> Outcome {
    let secs = limit.as_secs_f64();
    let (waiting, cause) = waits_on(&check.kind);
    Outcome::fail(
        check.title.clone(),
        both(
            format!("não terminou em {secs} s; esperava {}", waiting.pt),
            format!(
                "did not finish within {secs} s; it was waiting on {}",
                waiting.en
            ),
        ),
        Some(cause),
    )
}

/// What a check of this kind waits on, and the likely reason it waited too long.
fn waits_on(kind: &CheckKind) -> (Text, Text) {
    match kind.props().waits_on() {
        WaitsOn::App => (
            both(
                "as respostas do app (GET /metrics e as requisições da verificação)",
                "the app's answers (GET /metrics and the check's requests)",
            ),
            both(
                "o app responde devagar: um handler que dorme ou segura uma trava por muito tempo, ou um /metrics que faz trabalho demais a cada leitura",
                "the app answers slowly: a handler that sleeps or holds a lock too long, or a /metrics that does too much work on every read",
            ),
        ),
        WaitsOn::Tools => (
            both(
                "o promtool e o Prometheus carregando o arquivo",
                "promtool and Prometheus loading the file",
            ),
            both(
                "o arquivo dá trabalho demais ao promtool ou ao Prometheus (regras ou targets em excesso?)",
                "the file gives promtool or Prometheus too much work (too many rules or targets?)",
            ),
        ),
        WaitsOn::Scenario => (
            both("o cenário do alerta", "the alert's scenario"),
            both(
                "o cenário passou da sua janela",
                "the scenario went past its window",
            ),
        ),
        WaitsOn::Prometheus => (
            both(
                "o Prometheus (targets e consultas)",
                "Prometheus (its targets and queries)",
            ),
            both(
                "uma consulta pesada demais, ou um target que não responde: rode a consulta na interface do Prometheus e veja quanto ela leva",
                "a query that is too heavy, or a target that does not answer: run the query in Prometheus's UI and see how long it takes",
            ),
        ),
    }
}
