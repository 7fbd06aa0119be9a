//! A reconciliação em si: para cada produto da loja, o estoque que o sistema registra é
//! comparado com a contagem física do depósito, e cada diferença vira um ajuste.
//!
//! Este arquivo é igual no exercício e na solução: o exercício é medir o job, não escrevê-lo.
//! O depósito é simulado (uma tabela fixa e uma pequena espera por consulta), para que cada
//! execução processe os mesmos itens e termine em uma fração de segundo.

use std::time::Duration;

/// O que a contagem física encontrou nas prateleiras, por `produto_id`.
const CONTAGEM: [(u32, u32); 4] = [(1, 9), (2, 100), (3, 47), (4, 20)];

/// O produto cuja contagem o depósito não entrega quando a execução é feita para falhar.
const PRODUTO_QUE_FALHA: u32 = 3;

/// Quanto demora buscar a contagem de um produto no depósito (simulado).
const CONSULTA: Duration = Duration::from_millis(50);

/// Uma diferença entre o sistema e a prateleira.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ajuste {
    pub produto_id: u32,
    pub produto_nome: &'static str,
    pub no_sistema: u32,
    pub contado: u32,
}

/// Uma execução que chegou ao fim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resumo {
    /// Produtos reconciliados.
    pub itens: u32,
    pub ajustes: Vec<Ajuste>,
}

/// Uma execução que parou no meio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Falha {
    /// Produtos reconciliados antes de parar.
    pub itens: u32,
    pub motivo: String,
}

/// Reconcilia o estoque de todos os produtos. Com `falhar`, o depósito deixa de responder no
/// meio do caminho, como num dia ruim de verdade.
pub fn executar(falhar: bool) -> Result<Resumo, Falha> {
    let mut itens = 0;
    let mut ajustes = Vec::new();
    for produto in &loja::PRODUTOS {
        std::thread::sleep(CONSULTA);
        let contado = CONTAGEM
            .iter()
            .find(|(id, _)| *id == produto.id)
            .map(|(_, n)| *n)
            .filter(|_| !(falhar && produto.id == PRODUTO_QUE_FALHA));
        let Some(contado) = contado else {
            return Err(Falha {
                itens,
                motivo: format!(
                    "o depósito não entregou a contagem do produto {} ({})",
                    produto.id, produto.nome
                ),
            });
        };
        if contado != produto.estoque {
            ajustes.push(Ajuste {
                produto_id: produto.id,
                produto_nome: produto.nome,
                no_sistema: produto.estoque,
                contado,
            });
        }
        itens += 1;
    }
    Ok(Resumo { itens, ajustes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uma_execucao_boa_reconcilia_os_quatro_produtos() {
        let resumo = executar(false).unwrap();
        assert_eq!(resumo.itens, 4);
        let ids: Vec<u32> = resumo.ajustes.iter().map(|a| a.produto_id).collect();
        assert_eq!(ids, [1, 3]);
    }

    #[test]
    fn uma_execucao_com_falha_para_no_terceiro_produto() {
        let falha = executar(true).unwrap_err();
        assert_eq!(falha.itens, 2);
        assert!(falha.motivo.contains("produto 3"), "{}", falha.motivo);
    }
}
