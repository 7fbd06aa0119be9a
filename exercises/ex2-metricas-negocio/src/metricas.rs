//! As métricas do exercício 2 e o `Registry` onde elas ficam: as HTTP do exercício 1 e as
//! de negócio da Parte 4 do roteiro (mais as duas do Exercício 2).
//!
//! Quem as atualiza: as HTTP, o middleware de `http.rs`; as de negócio, a própria loja,
//! pelos eventos que ela emite (`impl loja::Eventos for Metricas`, em `eventos.rs`).

use prometheus::core::Collector;
use prometheus::{
    HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
};

/// Rótulos das duas métricas HTTP, nesta ordem: `with_label_values` recebe os valores na
/// mesma ordem.
pub const ROTULOS_HTTP: [&str; 3] = ["method", "endpoint", "status"];

/// Baldes (buckets) da duração das requisições, em segundos: os mesmos que o
/// `prometheus-flask-exporter` usa por padrão, de 5 ms a 10 s.
pub const BALDES_DURACAO: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// Tudo o que o app mede. Clonar é barato: os clones apontam para as mesmas métricas.
#[derive(Clone)]
pub struct Metricas {
    /// Um registro nosso (não o global do crate `prometheus`): `/metrics` expõe exatamente
    /// o que foi registrado aqui.
    pub registry: Registry,

    // Exercício 1
    /// `http_requests_total{method, endpoint, status}`
    pub requisicoes: IntCounterVec,
    /// `http_request_duration_seconds{method, endpoint, status}`
    pub duracao: HistogramVec,

    // Parte 4
    /// `ecommerce_estoque_produto{produto_id, produto_nome}`
    pub estoque: IntGaugeVec,
    // ANCHOR: todo_campos
    // TODO(Parte 4): um campo para cada métrica nova (veja o TODO em `Metricas::new`).
    // ANCHOR_END: todo_campos
}

impl Metricas {
    pub fn new() -> prometheus::Result<Self> {
        let registry = Registry::new();

        // Exercício 1 (pronto).
        let app_info = IntGauge::with_opts(
            Opts::new("app_info", "Informações da aplicação")
                .const_label("version", env!("CARGO_PKG_VERSION"))
                .const_label("app_name", "ecommerce_teste"),
        )?;
        app_info.set(1);
        registrar(&registry, app_info)?;
        let requisicoes = registrar(
            &registry,
            IntCounterVec::new(
                Opts::new("http_requests_total", "Total de requisições HTTP"),
                &ROTULOS_HTTP,
            )?,
        )?;
        let duracao = registrar(
            &registry,
            HistogramVec::new(
                HistogramOpts::new(
                    "http_request_duration_seconds",
                    "Duração das requisições HTTP, em segundos",
                )
                .buckets(BALDES_DURACAO.to_vec()),
                &ROTULOS_HTTP,
            )?,
        )?;

        // Exemplo pronto: um Gauge (sobe e desce) com dois rótulos. A loja informa o estoque
        // de cada produto na partida e depois de cada venda (veja `eventos.rs`).
        let estoque = registrar(
            &registry,
            IntGaugeVec::new(
                Opts::new(
                    "ecommerce_estoque_produto",
                    "Quantidade em estoque por produto",
                ),
                &["produto_id", "produto_nome"],
            )?,
        )?;

        // ANCHOR: todo_metricas
        // TODO(Parte 4): crie e registre, como o `estoque` acima:
        //   - `ecommerce_vendas_total`: Counter (`IntCounterVec`), rótulo `metodo_pagamento`;
        //   - `ecommerce_produtos_carrinho_total`: Counter, rótulo `produto_id`;
        //   - `ecommerce_usuarios_ativos`: Gauge (`IntGauge`), sem rótulos;
        //   - `ecommerce_checkout_duracao_seconds`: Histogram (`prometheus::Histogram`), sem
        //     rótulos, baldes 0.1, 0.25, 0.5, 0.75, 1, 2 e 5;
        //   - `ecommerce_busca_duracao_seconds`: Summary com os quantis 0.5, 0.9 e 0.99.
        //     O crate `prometheus` não tem Summary; use o do curso:
        //     `summary::Summary::new(nome, ajuda, &[0.5, 0.9, 0.99], janela)`, com uma
        //     janela (`std::time::Duration`) de 60 s. Escreva num comentário por que 60 s.
        // TODO(Exercício 2): crie e registre também:
        //   - `ecommerce_buscas_total`: Counter, rótulo `termo` (cuidado com a cardinalidade:
        //     veja o TODO de `termo_buscado` em `eventos.rs`);
        //   - `ecommerce_itens_carrinho`: Gauge, sem rótulos.
        // Dica: rótulos com valores conhecidos de antemão (os métodos de pagamento em
        // `loja::METODOS_PAGAMENTO`, os produtos em `loja::PRODUTOS`) podem começar em 0:
        // `vendas.with_label_values(&["pix"]).reset();`.
        // ANCHOR_END: todo_metricas

        Ok(Self {
            registry,
            requisicoes,
            duracao,
            estoque,
        })
    }
}

/// Registra `metrica` em `registry` e a devolve, para guardá-la num campo.
fn registrar<M: Collector + Clone + 'static>(
    registry: &Registry,
    metrica: M,
) -> prometheus::Result<M> {
    registry.register(Box::new(metrica.clone()))?;
    Ok(metrica)
}
