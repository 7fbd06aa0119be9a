//! As métricas do job, empurradas para o Pushgateway quando a execução termina.
//!
//! Cada execução é um processo novo: um contador começaria do zero a cada noite e não diria
//! nada. Por isso as quatro métricas são gauges que descrevem **a última execução**; a
//! história fica no Prometheus, que as coleta do Pushgateway de tempos em tempos.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use prometheus::{Gauge, Opts, Registry};

use crate::reconciliacao::{Falha, Resumo};

// ANCHOR: identidade
/// O rótulo `job` de todo envio. O Pushgateway guarda um grupo de métricas por `job` e
/// chave de agrupamento, e cada envio substitui o que o grupo tinha.
pub const JOB: &str = "reconciliacao_estoque";

/// A chave de agrupamento ao lado do `job`: qual depósito esta execução reconciliou. Sem
/// `instance`: um job batch não tem instância que valha distinguir, e uma chave por máquina
/// deixaria para trás um grupo de cada máquina em que o job já rodou.
fn agrupamento() -> HashMap<String, String> {
    HashMap::from([("deposito".to_string(), "central".to_string())])
}
// ANCHOR_END: identidade

// ANCHOR: enviar
/// Empurra as métricas da execução que terminou com `resultado`, depois de `duracao`.
pub fn enviar(
    url: &str,
    resultado: &Result<Resumo, Falha>,
    duracao: Duration,
) -> prometheus::Result<()> {
    let registro = Registry::new();
    let duracao_segundos = gauge(
        &registro,
        "reconciliacao_duracao_seconds",
        "Quanto durou a última execução da reconciliação, em segundos.",
    )?;
    let itens = gauge(
        &registro,
        "reconciliacao_itens_processados",
        "Produtos reconciliados na última execução.",
    )?;
    let falhou = gauge(
        &registro,
        "reconciliacao_falhou",
        "1 se a última execução falhou, 0 se deu certo.",
    )?;
    duracao_segundos.set(duracao.as_secs_f64());

    match resultado {
        Ok(resumo) => {
            // Só uma execução que deu certo registra o horário do sucesso.
            let ultimo_sucesso = gauge(
                &registro,
                "reconciliacao_ultimo_sucesso_timestamp_seconds",
                "Quando a reconciliação terminou com sucesso pela última vez (Unix, em segundos).",
            )?;
            ultimo_sucesso.set(agora());
            itens.set(f64::from(resumo.itens));
            falhou.set(0.0);
            // PUT: o grupo inteiro passa a ser o retrato desta execução.
            prometheus::push_metrics(JOB, agrupamento(), url, registro.gather(), None)
        }
        Err(falha) => {
            itens.set(f64::from(falha.itens));
            falhou.set(1.0);
            // POST: troca só as métricas enviadas. O horário do último sucesso, que esta
            // execução não tem, continua no grupo; um PUT o apagaria.
            prometheus::push_add_metrics(JOB, agrupamento(), url, registro.gather(), None)
        }
    }
}
// ANCHOR_END: enviar

/// Um gauge novo, já registrado em `registro`.
fn gauge(registro: &Registry, nome: &str, ajuda: &str) -> prometheus::Result<Gauge> {
    let g = Gauge::with_opts(Opts::new(nome, ajuda))?;
    registro.register(Box::new(g.clone()))?;
    Ok(g)
}

/// Agora, em segundos desde 1970 (o que o Prometheus chama de Unix timestamp).
fn agora() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}
