//! As métricas do job, empurradas para o Pushgateway quando a execução termina.
//!
//! Cada execução é um processo novo: um contador começaria do zero a cada noite e não diria
//! nada. Por isso as quatro métricas são gauges que descrevem **a última execução**; a
//! história fica no Prometheus, que as coleta do Pushgateway de tempos em tempos.

use std::time::Duration;

use prometheus::{Gauge, Opts, Registry};

use crate::reconciliacao::{Falha, Resumo};

// ANCHOR: todo_identidade
// TODO: todo envio deste job leva o rótulo `job="reconciliacao_estoque"` e a chave de
// agrupamento `deposito="central"` (um `HashMap<String, String>` com esse único par). É por
// eles que o Pushgateway separa os grupos de métricas, e é com eles que o Prometheus e o
// alerta encontram as séries. Não ponha `instance` na chave.
// ANCHOR_END: todo_identidade

/// Empurra as métricas da execução que terminou com `resultado`, depois de `duracao`.
pub fn enviar(
    _url: &str,
    _resultado: &Result<Resumo, Falha>,
    duracao: Duration,
) -> prometheus::Result<()> {
    let registro = Registry::new();
    // Exemplo pronto: a duração vale para toda execução, dê certo ou não.
    let duracao_segundos = gauge(
        &registro,
        "reconciliacao_duracao_seconds",
        "Quanto durou a última execução da reconciliação, em segundos.",
    )?;
    duracao_segundos.set(duracao.as_secs_f64());

    // ANCHOR: todo_metricas
    // TODO: crie mais três gauges no `registro`, como a duração acima:
    //   - `reconciliacao_itens_processados`: os produtos reconciliados (`Resumo::itens`
    //     quando deu certo, `Falha::itens` quando falhou);
    //   - `reconciliacao_falhou`: 1 quando a execução falhou, 0 quando deu certo;
    //   - `reconciliacao_ultimo_sucesso_timestamp_seconds`: quando a execução terminou, em
    //     segundos Unix (`SystemTime::now().duration_since(UNIX_EPOCH)`). Só uma execução
    //     que deu certo tem esse horário para enviar: crie-o só nesse caso.
    // ANCHOR_END: todo_metricas

    // ANCHOR: todo_enviar
    // TODO: empurre `registro.gather()` para o Pushgateway em `url`, com o `job` e a chave
    // de agrupamento do TODO lá em cima:
    //   - quando deu certo, `prometheus::push_metrics(job, agrupamento, url, familias, None)`
    //     (um PUT: o grupo inteiro passa a ser o desta execução);
    //   - quando falhou, `prometheus::push_add_metrics(...)`, com os mesmos argumentos (um
    //     POST: troca só as métricas enviadas). Pense no que um PUT faria com o horário do
    //     último sucesso, que uma execução com falha não envia.
    // Devolva o resultado do envio. Tire o `_` de `_url` e de `_resultado` ao usá-los.
    // ANCHOR_END: todo_enviar
    Ok(())
}

/// Um gauge novo, já registrado em `registro`.
fn gauge(registro: &Registry, nome: &str, ajuda: &str) -> prometheus::Result<Gauge> {
    let g = Gauge::with_opts(Opts::new(nome, ajuda))?;
    registro.register(Box::new(g.clone()))?;
    Ok(g)
}
