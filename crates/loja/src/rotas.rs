//! The shop's routes: the roteiro's `app_teste.py`, route by route, plus `/busca`
//! (Exercício 2) and the fault-injection admin routes.

use std::ops::Range;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router, middleware};
use rand::Rng;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::catalogo::{Catalogo, Recusa};
use crate::falhas::{self, Injetor};
use crate::gateway::Gateway;
use crate::{Config, ErroApi, Eventos, METODOS_PAGAMENTO, Produto};

#[derive(Clone)]
struct Loja {
    catalogo: Arc<Mutex<Catalogo>>,
    eventos: Arc<dyn Eventos>,
    escala_latencia: f64,
    gateway: Arc<Gateway>,
}

impl Loja {
    fn catalogo(&self) -> MutexGuard<'_, Catalogo> {
        // A panic elsewhere must not take the shop down with it.
        self.catalogo.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The roteiro's `time.sleep(random.uniform(a, b))`, without blocking the runtime.
    async fn latencia(&self, segundos: Range<f64>) {
        let s = rand::rng().random_range(segundos) * self.escala_latencia;
        if s > 0.0 {
            tokio::time::sleep(Duration::from_secs_f64(s)).await;
        }
    }
}

/// The whole shop as an axum [`Router`]: its routes, with fault injection around them, and the
/// `/admin/falhas` routes. `eventos` hears every business event; pass `Arc::new(())` to
/// measure nothing. Add `/metrics` and any metrics middleware to the router this returns.
pub fn app(eventos: Arc<dyn Eventos>, config: &Config) -> Router {
    let catalogo = Catalogo::default();
    for p in catalogo.produtos() {
        eventos.estoque_atualizado(p);
    }
    let gateway = Arc::new(Gateway::new(config.gateway_conexoes, &*eventos));
    let loja = Loja {
        catalogo: Arc::new(Mutex::new(catalogo)),
        eventos,
        escala_latencia: config.latency_scale.max(0.0),
        gateway,
    };
    let injetor = Injetor::default();
    Router::new()
        .route("/", get(inicio))
        .route("/produtos", get(listar_produtos))
        .route("/produto/{produto_id}", get(detalhes_produto))
        .route("/busca", get(buscar))
        .route("/carrinho", post(adicionar_ao_carrinho))
        .route("/checkout", post(checkout))
        .route("/logout", get(logout))
        .with_state(loja)
        .route_layer(middleware::from_fn_with_state(
            injetor.clone(),
            falhas::aplicar,
        ))
        .merge(falhas::rotas(injetor))
}

async fn inicio(State(loja): State<Loja>) -> Json<Value> {
    let ativos = loja.catalogo().entrar();
    loja.eventos.usuarios_ativos(ativos);
    Json(json!({ "mensagem": "Bem-vindo ao E-commerce de Teste" }))
}

async fn listar_produtos(State(loja): State<Loja>) -> Json<Vec<Produto>> {
    let inicio = Instant::now();
    loja.latencia(0.1..0.3).await;
    let produtos = loja.catalogo().produtos().to_vec();
    loja.eventos.busca(inicio.elapsed());
    Json(produtos)
}

async fn detalhes_produto(
    State(loja): State<Loja>,
    Path(produto_id): Path<String>,
) -> Result<Json<Produto>, ErroApi> {
    let inicio = Instant::now();
    loja.latencia(0.05..0.15).await;
    let produto = produto_id
        .parse()
        .ok()
        .and_then(|id| loja.catalogo().produto(id).cloned());
    loja.eventos.busca(inicio.elapsed());
    produto
        .map(Json)
        .ok_or_else(|| ErroApi::new(StatusCode::NOT_FOUND, "Produto não encontrado"))
}

#[derive(Deserialize)]
struct Busca {
    termo: Option<String>,
}

// ANCHOR: busca
async fn buscar(
    State(loja): State<Loja>,
    Query(busca): Query<Busca>,
) -> Result<Json<Vec<Produto>>, ErroApi> {
    let termo = busca.termo.unwrap_or_default();
    if termo.trim().is_empty() {
        return Err(ErroApi::new(StatusCode::BAD_REQUEST, "informe ?termo=..."));
    }
    let inicio = Instant::now();
    loja.latencia(0.05..0.15).await;
    let procurado = termo.trim().to_lowercase();
    let achados = loja
        .catalogo()
        .produtos()
        .iter()
        .filter(|p| p.nome.to_lowercase().contains(&procurado))
        .cloned()
        .collect();
    loja.eventos.busca(inicio.elapsed());
    loja.eventos.termo_buscado(&termo);
    Ok(Json(achados))
}
// ANCHOR_END: busca

#[derive(Deserialize)]
struct ItemCarrinho {
    produto_id: Option<u32>,
    quantidade: Option<u32>,
}

async fn adicionar_ao_carrinho(
    State(loja): State<Loja>,
    corpo: Result<Json<ItemCarrinho>, JsonRejection>,
) -> Result<Json<Value>, ErroApi> {
    let Json(item) = corpo?;
    let produto_id = item
        .produto_id
        .ok_or_else(|| ErroApi::new(StatusCode::UNPROCESSABLE_ENTITY, "informe produto_id"))?;
    let quantidade = quantidade_valida(item.quantidade)?;
    loja.latencia(0.2..0.4).await;
    let total = {
        let mut catalogo = loja.catalogo();
        if catalogo.produto(produto_id).is_none() {
            return Err(ErroApi::new(
                StatusCode::NOT_FOUND,
                "Produto não encontrado",
            ));
        }
        catalogo.adicionar_ao_carrinho(quantidade)
    };
    loja.eventos.produto_no_carrinho(produto_id, quantidade);
    loja.eventos.itens_no_carrinho(total);
    Ok(Json(json!({
        "mensagem": "Produto adicionado ao carrinho",
        "produto_id": produto_id,
        "quantidade": quantidade,
    })))
}

#[derive(Deserialize)]
struct Pedido {
    produto_id: Option<u32>,
    quantidade: Option<u32>,
    metodo_pagamento: Option<String>,
}

// ANCHOR: checkout
async fn checkout(
    State(loja): State<Loja>,
    corpo: Result<Json<Pedido>, JsonRejection>,
) -> Result<Json<Value>, ErroApi> {
    let inicio = Instant::now();
    let Json(pedido) = corpo?;
    let metodo = pedido.metodo_pagamento.as_deref().unwrap_or("credito");
    // A closed list: a label value never comes straight from the client.
    let Some(metodo) = METODOS_PAGAMENTO.into_iter().find(|m| *m == metodo) else {
        let aceitos = METODOS_PAGAMENTO.join(", ");
        let msg = format!("metodo_pagamento deve ser um de: {aceitos}");
        return Err(ErroApi::new(StatusCode::UNPROCESSABLE_ENTITY, msg));
    };
    let quantidade = quantidade_valida(pedido.quantidade)?;
    let produto_id = pedido.produto_id.unwrap_or(1);

    // Simulated payment processing, on one of the gateway's few connections: when they are
    // all taken, this checkout waits in line first.
    let conexao = loja.gateway.conectar(&*loja.eventos).await;
    loja.latencia(0.5..1.0).await;
    drop(conexao);

    let venda = loja.catalogo().comprar(produto_id, quantidade);
    let (produto, itens) = match venda {
        Ok(v) => v,
        Err(Recusa::ProdutoInexistente) => {
            return Err(ErroApi::new(
                StatusCode::NOT_FOUND,
                "Produto não encontrado",
            ));
        }
        Err(Recusa::EstoqueInsuficiente { disponivel }) => {
            let msg = format!("Estoque insuficiente: restam {disponivel}");
            return Err(ErroApi::new(StatusCode::CONFLICT, msg));
        }
    };
    loja.eventos.estoque_atualizado(&produto);
    loja.eventos.itens_no_carrinho(itens);
    loja.eventos.venda(metodo, inicio.elapsed());
    Ok(Json(json!({
        "mensagem": "Compra realizada com sucesso",
        "pedido_id": rand::rng().random_range(1000..=9999),
    })))
}
// ANCHOR_END: checkout

async fn logout(State(loja): State<Loja>) -> Json<Value> {
    let ativos = loja.catalogo().sair();
    loja.eventos.usuarios_ativos(ativos);
    Json(json!({ "mensagem": "Logout realizado" }))
}

/// 1 when left out; 1 to 100 otherwise.
fn quantidade_valida(q: Option<u32>) -> Result<u32, ErroApi> {
    match q.unwrap_or(1) {
        q @ 1..=100 => Ok(q),
        _ => Err(ErroApi::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "quantidade vai de 1 a 100",
        )),
    }
}
