//! Exercício 8: a reconciliação noturna de estoque, um job batch da loja.
//!
//! O job roda uma vez e termina: confere o estoque de cada produto com a contagem do
//! depósito e, ao terminar, empurra as suas métricas para um Pushgateway, que as guarda até o
//! Prometheus passar para coletar. Um processo que vive menos de um segundo nunca seria
//! coletado a tempo: por isso ele empurra, em vez de esperar a coleta.
//!
//! ```sh
//! PUSHGATEWAY_URL=http://127.0.0.1:9091 cargo run -p ex8-job-batch
//! SIMULAR_FALHA=1 cargo run -p ex8-job-batch     # uma execução que falha no meio
//! ```
//!
//! - `PUSHGATEWAY_URL`: onde está o Pushgateway (padrão `http://127.0.0.1:9091`);
//! - `SIMULAR_FALHA=1`: o depósito para de responder no meio da reconciliação.
//!
//! Sai com 0 quando a reconciliação deu certo e com 1 quando falhou. Se as métricas não
//! puderem ser enviadas, o job diz isso na saída de erro, mas o código de saída continua sendo
//! o da reconciliação: o trabalho foi feito (ou não) de qualquer jeito, e o alerta de
//! "sem sucesso há muito tempo" é que avisa que as métricas pararam de chegar.

mod metricas;
mod reconciliacao;

use std::process::ExitCode;
use std::time::Instant;

// ANCHOR: main
fn main() -> ExitCode {
    let url =
        std::env::var("PUSHGATEWAY_URL").unwrap_or_else(|_| "http://127.0.0.1:9091".to_string());
    let falhar = std::env::var("SIMULAR_FALHA").is_ok_and(|v| v == "1");

    let inicio = Instant::now();
    let resultado = reconciliacao::executar(falhar);
    let duracao = inicio.elapsed();

    let codigo = match &resultado {
        Ok(resumo) => {
            for a in &resumo.ajustes {
                println!(
                    "ajuste: produto {} ({}): {} no sistema, {} na prateleira",
                    a.produto_id, a.produto_nome, a.no_sistema, a.contado
                );
            }
            println!(
                "reconciliação concluída: {} produtos em {:.2}s",
                resumo.itens,
                duracao.as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(falha) => {
            eprintln!(
                "reconciliação falhou depois de {} produtos: {}",
                falha.itens, falha.motivo
            );
            ExitCode::FAILURE
        }
    };
    if let Err(erro) = metricas::enviar(&url, &resultado, duracao) {
        eprintln!("as métricas não foram enviadas a {url}: {erro}");
    }
    codigo
}
// ANCHOR_END: main
