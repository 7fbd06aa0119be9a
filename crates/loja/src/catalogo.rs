//! The shop's state: the four products of the roteiro, their stock, the active users and the
//! items waiting in carts. Every number here has a floor of zero: the roteiro's app lets stock
//! and active users go negative, ours refuses instead.

use serde::Serialize;

/// A product as the API shows it (the roteiro's JSON keys).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Produto {
    pub id: u32,
    pub nome: &'static str,
    pub preco: f64,
    pub estoque: u32,
}

/// The catalogue at start-up, as in the roteiro.
pub const PRODUTOS: [Produto; 4] = [
    Produto {
        id: 1,
        nome: "Notebook",
        preco: 2500.00,
        estoque: 10,
    },
    Produto {
        id: 2,
        nome: "Mouse",
        preco: 50.00,
        estoque: 100,
    },
    Produto {
        id: 3,
        nome: "Teclado",
        preco: 150.00,
        estoque: 50,
    },
    Produto {
        id: 4,
        nome: "Monitor",
        preco: 800.00,
        estoque: 20,
    },
];

/// Payment methods the checkout accepts. A closed list, so `metodo_pagamento` stays a label
/// of bounded cardinality whatever a client sends.
pub const METODOS_PAGAMENTO: [&str; 4] = ["pix", "credito", "debito", "boleto"];

/// Why a purchase was refused.
#[derive(Debug, PartialEq)]
pub(crate) enum Recusa {
    ProdutoInexistente,
    EstoqueInsuficiente { disponivel: u32 },
}

#[derive(Debug)]
pub(crate) struct Catalogo {
    produtos: Vec<Produto>,
    usuarios_ativos: u64,
    itens_no_carrinho: u64,
}

impl Default for Catalogo {
    fn default() -> Self {
        Self {
            produtos: PRODUTOS.to_vec(),
            usuarios_ativos: 0,
            itens_no_carrinho: 0,
        }
    }
}

impl Catalogo {
    pub(crate) fn produtos(&self) -> &[Produto] {
        &self.produtos
    }

    pub(crate) fn produto(&self, id: u32) -> Option<&Produto> {
        self.produtos.iter().find(|p| p.id == id)
    }

    pub(crate) fn entrar(&mut self) -> u64 {
        self.usuarios_ativos += 1;
        self.usuarios_ativos
    }

    /// A logout with nobody logged in leaves the count at zero.
    pub(crate) fn sair(&mut self) -> u64 {
        self.usuarios_ativos = self.usuarios_ativos.saturating_sub(1);
        self.usuarios_ativos
    }

    pub(crate) fn adicionar_ao_carrinho(&mut self, quantidade: u32) -> u64 {
        self.itens_no_carrinho += u64::from(quantidade);
        self.itens_no_carrinho
    }

    /// Takes `quantidade` units out of stock, or refuses without changing anything.
    /// Returns the product as it is after the sale and the items left in carts.
    pub(crate) fn comprar(&mut self, id: u32, quantidade: u32) -> Result<(Produto, u64), Recusa> {
        let produto = self
            .produtos
            .iter_mut()
            .find(|p| p.id == id)
            .ok_or(Recusa::ProdutoInexistente)?;
        if produto.estoque < quantidade {
            return Err(Recusa::EstoqueInsuficiente {
                disponivel: produto.estoque,
            });
        }
        produto.estoque -= quantidade;
        self.itens_no_carrinho = self.itens_no_carrinho.saturating_sub(u64::from(quantidade));
        Ok((produto.clone(), self.itens_no_carrinho))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stock_never_goes_below_zero() {
        let mut c = Catalogo::default();
        for _ in 0..10 {
            c.comprar(1, 1).unwrap();
        }
        assert_eq!(
            c.comprar(1, 1),
            Err(Recusa::EstoqueInsuficiente { disponivel: 0 })
        );
        assert_eq!(c.produto(1).unwrap().estoque, 0);
    }

    #[test]
    fn a_refused_purchase_changes_nothing() {
        let mut c = Catalogo::default();
        assert_eq!(
            c.comprar(4, 21),
            Err(Recusa::EstoqueInsuficiente { disponivel: 20 })
        );
        assert_eq!(c.produto(4).unwrap().estoque, 20);
        assert_eq!(c.comprar(9, 1), Err(Recusa::ProdutoInexistente));
    }

    #[test]
    fn active_users_never_go_negative() {
        let mut c = Catalogo::default();
        assert_eq!(c.sair(), 0);
        assert_eq!(c.entrar(), 1);
        assert_eq!(c.sair(), 0);
        assert_eq!(c.sair(), 0);
    }

    #[test]
    fn a_sale_takes_its_items_out_of_the_carts() {
        let mut c = Catalogo::default();
        assert_eq!(c.adicionar_ao_carrinho(3), 3);
        assert_eq!(c.comprar(2, 2).unwrap().1, 1);
        assert_eq!(c.comprar(2, 5).unwrap().1, 0);
    }
}
