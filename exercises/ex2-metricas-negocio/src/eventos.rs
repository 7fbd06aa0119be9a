//! As métricas de negócio: a loja avisa cada evento (uma venda, uma busca...) e aqui ele
//! vira número. Cada método é chamado no ponto em que o roteiro atualiza a métrica.

use std::time::Duration;

use loja::{Eventos, Produto};

use crate::metricas::Metricas;

// ANCHOR: todo_eventos
impl Eventos for Metricas {
    // Exemplo pronto: o estoque de um produto mudou.
    fn estoque_atualizado(&self, produto: &Produto) {
        let id = produto.id.to_string();
        self.estoque
            .with_label_values(&[id.as_str(), produto.nome])
            .set(i64::from(produto.estoque));
    }

    // Nos TODOs abaixo, tire o `_` do nome do parâmetro quando for usá-lo.

    fn usuarios_ativos(&self, _ativos: u64) {
        // TODO(Parte 4): `ecommerce_usuarios_ativos` passa a valer `ativos`.
    }

    fn produto_no_carrinho(&self, _produto_id: u32, _quantidade: u32) {
        // TODO(Parte 4): some 1 em `ecommerce_produtos_carrinho_total{produto_id}`, como o
        // roteiro faz (uma adição conta 1, seja qual for a quantidade).
    }

    fn itens_no_carrinho(&self, _total: u64) {
        // TODO(Exercício 2): `ecommerce_itens_carrinho` passa a valer `total`.
    }

    fn venda(&self, _metodo_pagamento: &str, _duracao: Duration) {
        // TODO(Parte 4): some 1 em `ecommerce_vendas_total{metodo_pagamento}` e observe a
        // duração (em segundos: `duracao.as_secs_f64()`) em
        // `ecommerce_checkout_duracao_seconds`.
    }

    fn busca(&self, _duracao: Duration) {
        // TODO(Parte 4): observe a duração, em segundos, em `ecommerce_busca_duracao_seconds`.
    }

    fn termo_buscado(&self, _termo: &str) {
        // TODO(Exercício 2): some 1 em `ecommerce_buscas_total{termo}`. O termo vem do
        // cliente e pode ser qualquer texto: não o use como veio. Tire os espaços das pontas,
        // passe para minúsculas e use-o como rótulo só se for o nome de um produto
        // ("notebook", "mouse", "teclado", "monitor"); qualquer outro termo conta como
        // "outro". Explique num comentário por que essa guarda é necessária.
    }
}
// ANCHOR_END: todo_eventos
