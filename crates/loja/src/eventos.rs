//! The business events of the shop, reported where the roteiro updates its custom metrics.

use std::time::Duration;

use crate::Produto;

/// What the shop tells whoever is measuring it. Every method has an empty default, so an
/// exercise implements only the events it measures; `()` measures nothing.
///
/// Each call happens at the point where the roteiro's Flask app updates the matching metric,
/// and after the shop's own state changed, so the values passed are the new ones.
pub trait Eventos: Send + Sync + 'static {
    /// `GET /` (a visit) or `GET /logout`: the number of active users is now `ativos`.
    fn usuarios_ativos(&self, ativos: u64) {
        let _ = ativos;
    }

    /// A product's stock is now `produto.estoque`. Called once per product at start-up and
    /// after every sale.
    fn estoque_atualizado(&self, produto: &Produto) {
        let _ = produto;
    }

    /// `POST /carrinho` added `quantidade` units of product `produto_id`.
    fn produto_no_carrinho(&self, produto_id: u32, quantidade: u32) {
        let _ = (produto_id, quantidade);
    }

    /// The carts now hold `total` items (up on `POST /carrinho`, down on a sale).
    fn itens_no_carrinho(&self, total: u64) {
        let _ = total;
    }

    /// `POST /checkout` sold, paid with `metodo_pagamento` (one of
    /// [`METODOS_PAGAMENTO`](crate::METODOS_PAGAMENTO)); the checkout took `duracao`.
    fn venda(&self, metodo_pagamento: &str, duracao: Duration) {
        let _ = (metodo_pagamento, duracao);
    }

    /// A catalogue look-up (`/produtos`, `/produto/{produto_id}`, `/busca`) took `duracao`.
    fn busca(&self, duracao: Duration) {
        let _ = duracao;
    }

    /// `em_uso` of the payment gateway's `capacidade` connections are taken (at start-up,
    /// and whenever a checkout takes or gives back one): the shop's saturation.
    fn gateway_conexoes(&self, em_uso: usize, capacidade: usize) {
        let _ = (em_uso, capacidade);
    }

    /// A checkout gave back its payment gateway connection after holding it for `ocupada`
    /// (the payment itself; the wait in line for a free connection is not counted).
    ///
    /// Why a duration per release and not another gauge: summed into a counter of seconds
    /// (`ecommerce_gateway_ocupado_seconds_total` in the course's apps), its `rate()` is the
    /// average number of connections busy over the window, and divided by the capacity, the
    /// gateway's utilisation U. The operational laws (U = X·S) need that average over a
    /// window; a gauge read at each scrape only samples it.
    fn gateway_ocupado(&self, ocupada: Duration) {
        let _ = ocupada;
    }

    /// `GET /busca?termo=...` was asked for `termo`, exactly as the client sent it: anything
    /// at all, so think twice before making it a label value.
    fn termo_buscado(&self, termo: &str) {
        let _ = termo;
    }
}

/// Measures nothing: the shop as the roteiro's Parte 3 starts it.
impl Eventos for () {}
