//! As métricas de negócio: a loja avisa cada evento (uma venda, uma busca...) e aqui ele
//! vira número. Cada método é chamado no ponto em que o roteiro atualiza a métrica.

use std::time::Duration;

use loja::{Eventos, Produto};

use crate::metricas::{Metricas, TERMO_OUTRO};

// ANCHOR: eventos
impl Eventos for Metricas {
    fn usuarios_ativos(&self, ativos: u64) {
        // A loja já não deixa o número ficar negativo: basta copiar o valor.
        self.usuarios_ativos.set(para_i64(ativos));
    }

    fn estoque_atualizado(&self, produto: &Produto) {
        let id = produto.id.to_string();
        self.estoque
            .with_label_values(&[id.as_str(), produto.nome])
            .set(i64::from(produto.estoque));
    }

    fn produto_no_carrinho(&self, produto_id: u32, _quantidade: u32) {
        // Como no roteiro: cada adição ao carrinho conta 1, seja qual for a quantidade.
        // O id é seguro como rótulo: a loja só chega aqui com um produto que existe.
        self.produtos_carrinho
            .with_label_values(&[produto_id.to_string()])
            .inc();
    }

    fn itens_no_carrinho(&self, total: u64) {
        self.itens_carrinho.set(para_i64(total));
    }

    fn venda(&self, metodo_pagamento: &str, duracao: Duration) {
        // `metodo_pagamento` vem de uma lista fechada (`loja::METODOS_PAGAMENTO`).
        self.vendas.with_label_values(&[metodo_pagamento]).inc();
        self.checkout_duracao.observe(duracao.as_secs_f64());
    }

    fn busca(&self, duracao: Duration) {
        self.busca_duracao.observe(duracao.as_secs_f64());
    }

    fn termo_buscado(&self, termo: &str) {
        self.buscas
            .with_label_values(&[rotulo_do_termo(termo)])
            .inc();
    }

    // ANCHOR: gateway
    fn gateway_conexoes(&self, em_uso: usize, capacidade: usize) {
        // Exercício 7. A loja avisa já ao iniciar (0 em uso), então as duas séries existem
        // antes do primeiro checkout.
        self.gateway_em_uso.set(para_i64(em_uso as u64));
        self.gateway_capacidade.set(para_i64(capacidade as u64));
    }
    // ANCHOR_END: gateway

    // ANCHOR: gateway_ocupado
    fn gateway_ocupado(&self, ocupada: Duration) {
        // A loja avisa ao devolver cada conexão, com o tempo que o pagamento a segurou.
        self.gateway_ocupado.inc_by(ocupada.as_secs_f64());
    }
    // ANCHOR_END: gateway_ocupado
}
// ANCHOR_END: eventos

// ANCHOR: guarda_cardinalidade
/// O valor do rótulo `termo` para uma busca: o nome do produto, se o termo (sem espaços nas
/// pontas, em minúsculas) for exatamente o nome de um; senão, "outro".
///
/// Por que não usar o termo como veio? Cada valor diferente de um rótulo cria uma série
/// temporal nova, que o Prometheus guarda na memória (e o app também). O termo vem do
/// cliente: quem quiser manda um termo diferente por requisição, sem fim, e derruba os dois.
/// Com esta guarda, `ecommerce_buscas_total` tem no máximo 5 séries.
fn rotulo_do_termo(termo: &str) -> String {
    let termo = termo.trim().to_lowercase();
    if loja::PRODUTOS
        .iter()
        .any(|p| p.nome.to_lowercase() == termo)
    {
        termo
    } else {
        TERMO_OUTRO.to_owned()
    }
}
// ANCHOR_END: guarda_cardinalidade

/// Os contadores da loja são `u64`; os gauges inteiros do Prometheus, `i64`.
fn para_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod testes {
    use super::rotulo_do_termo;

    #[test]
    fn so_nomes_de_produto_viram_rotulo() {
        assert_eq!(rotulo_do_termo("notebook"), "notebook");
        assert_eq!(rotulo_do_termo("  MoUsE \n"), "mouse");
        assert_eq!(rotulo_do_termo("Teclado"), "teclado");
        assert_eq!(rotulo_do_termo("monitor 4k"), "outro");
        assert_eq!(rotulo_do_termo("note"), "outro");
        assert_eq!(rotulo_do_termo(""), "outro");
        assert_eq!(rotulo_do_termo("{}\"\\"), "outro");
    }
}
