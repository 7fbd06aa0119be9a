//! As métricas do exercício 2 e o `Registry` onde elas ficam: as HTTP do exercício 1 e as
//! de negócio da Parte 4 do roteiro (mais as duas do Exercício 2).
//!
//! Quem as atualiza: as HTTP, o middleware de `http.rs`; as de negócio, a própria loja,
//! pelos eventos que ela emite (`impl loja::Eventos for Metricas`, em `eventos.rs`).

use std::time::Duration;

use prometheus::core::Collector;
use prometheus::{
    Counter, Histogram, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry,
};
use summary::Summary;

/// Rótulos das duas métricas HTTP, nesta ordem: `with_label_values` recebe os valores na
/// mesma ordem.
pub const ROTULOS_HTTP: [&str; 3] = ["method", "endpoint", "status"];

/// Baldes (buckets) da duração das requisições, em segundos: os mesmos que o
/// `prometheus-flask-exporter` usa por padrão, de 5 ms a 10 s.
pub const BALDES_DURACAO: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// Baldes da duração do checkout, em segundos (os do roteiro): o pagamento simulado leva
/// de 0,5 s a 1 s, então os baldes se concentram nessa faixa.
pub const BALDES_CHECKOUT: [f64; 7] = [0.1, 0.25, 0.5, 0.75, 1.0, 2.0, 5.0];

/// Quantis que o Summary da busca calcula.
pub const QUANTIS_BUSCA: [f64; 3] = [0.5, 0.9, 0.99];

/// A janela dos quantis da busca. Os quantis descrevem só as buscas do último minuto (as
/// antigas vão saindo da janela); `_count` e `_sum` continuam acumulando para sempre. Um
/// minuto é o mesmo horizonte das consultas `rate(...[1m])` do curso: curto o bastante para
/// mostrar uma lentidão de agora, longo o bastante para o P99 ter amostras.
pub const JANELA_BUSCA: Duration = Duration::from_secs(60);

/// Valor do rótulo `termo` para tudo o que não é o nome de um produto.
pub const TERMO_OUTRO: &str = "outro";

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

    // ANCHOR: campos
    // Parte 4
    /// `ecommerce_vendas_total{metodo_pagamento}`
    pub vendas: IntCounterVec,
    /// `ecommerce_produtos_carrinho_total{produto_id}`
    pub produtos_carrinho: IntCounterVec,
    /// `ecommerce_usuarios_ativos`
    pub usuarios_ativos: IntGauge,
    /// `ecommerce_estoque_produto{produto_id, produto_nome}`
    pub estoque: IntGaugeVec,
    /// `ecommerce_checkout_duracao_seconds`
    pub checkout_duracao: Histogram,
    /// `ecommerce_busca_duracao_seconds`
    pub busca_duracao: Summary,

    // Exercício 2
    /// `ecommerce_buscas_total{termo}`
    pub buscas: IntCounterVec,
    /// `ecommerce_itens_carrinho`
    pub itens_carrinho: IntGauge,
    // ANCHOR_END: campos

    // ANCHOR: campos_saturacao
    // Exercício 7: a saturação do gateway de pagamento.
    /// `ecommerce_gateway_conexoes_em_uso`
    pub gateway_em_uso: IntGauge,
    /// `ecommerce_gateway_conexoes_capacidade`
    pub gateway_capacidade: IntGauge,
    // ANCHOR_END: campos_saturacao
    // ANCHOR: campo_ocupado
    /// `ecommerce_gateway_ocupado_seconds_total`: o tempo de uso das conexões do gateway.
    pub gateway_ocupado: Counter,
    // ANCHOR_END: campo_ocupado
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

        // ANCHOR: metricas
        // Counter: só sobe.
        let vendas = registrar(
            &registry,
            IntCounterVec::new(
                Opts::new("ecommerce_vendas_total", "Total de vendas realizadas"),
                &["metodo_pagamento"],
            )?,
        )?;
        let produtos_carrinho = registrar(
            &registry,
            IntCounterVec::new(
                Opts::new(
                    "ecommerce_produtos_carrinho_total",
                    "Total de produtos adicionados ao carrinho",
                ),
                &["produto_id"],
            )?,
        )?;

        // Gauge: sobe e desce.
        let usuarios_ativos = registrar(
            &registry,
            IntGauge::new(
                "ecommerce_usuarios_ativos",
                "Número de usuários ativos no momento",
            )?,
        )?;
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

        // Histogram: conta as observações em baldes; os percentis saem depois, no PromQL.
        let checkout_duracao = registrar(
            &registry,
            Histogram::with_opts(
                HistogramOpts::new(
                    "ecommerce_checkout_duracao_seconds",
                    "Tempo de processamento do checkout, em segundos",
                )
                .buckets(BALDES_CHECKOUT.to_vec()),
            )?,
        )?;

        // Summary: os percentis saem prontos do app (calculados sobre `JANELA_BUSCA`).
        let busca_duracao = registrar(
            &registry,
            Summary::new(
                "ecommerce_busca_duracao_seconds",
                "Tempo de busca de produtos, em segundos",
                &QUANTIS_BUSCA,
                JANELA_BUSCA,
            )?,
        )?;

        // Exercício 2.
        let buscas = registrar(
            &registry,
            IntCounterVec::new(
                Opts::new(
                    "ecommerce_buscas_total",
                    "Total de buscas, por termo buscado",
                ),
                &["termo"],
            )?,
        )?;
        let itens_carrinho = registrar(
            &registry,
            IntGauge::new("ecommerce_itens_carrinho", "Itens nos carrinhos no momento")?,
        )?;

        // Séries com valores conhecidos de antemão começam em 0: assim a primeira venda já
        // aparece em `increase()`/`rate()`, que não enxergam o salto de "sem série" para 1.
        for metodo in loja::METODOS_PAGAMENTO {
            vendas.with_label_values(&[metodo]).reset();
        }
        for produto in &loja::PRODUTOS {
            produtos_carrinho
                .with_label_values(&[produto.id.to_string()])
                .reset();
            buscas
                .with_label_values(&[produto.nome.to_lowercase()])
                .reset();
        }
        buscas.with_label_values(&[TERMO_OUTRO]).reset();
        // ANCHOR_END: metricas

        // ANCHOR: metricas_saturacao
        // Exercício 7: duas séries cruas, o uso e o limite; a divisão fica para o PromQL,
        // que também pode somar várias instâncias antes de dividir.
        let gateway_em_uso = registrar(
            &registry,
            IntGauge::new(
                "ecommerce_gateway_conexoes_em_uso",
                "Conexões com o gateway de pagamento em uso agora",
            )?,
        )?;
        let gateway_capacidade = registrar(
            &registry,
            IntGauge::new(
                "ecommerce_gateway_conexoes_capacidade",
                "Conexões com o gateway de pagamento que a loja pode abrir",
            )?,
        )?;
        // ANCHOR_END: metricas_saturacao
        // ANCHOR: metricas_ocupado
        // O tempo ocupado do gateway: segundos de conexão em uso, somados sobre as conexões
        // (duas conexões ocupadas por 1 s somam 2 s). Por que um counter, além do gauge de
        // conexões em uso: `rate()` dele numa janela é a média de conexões ocupadas nela,
        // sem depender do que cada coleta viu; dividido pela capacidade, é a utilização U
        // das leis operacionais (U = X·S). O gauge só mostra o instante de cada coleta.
        let gateway_ocupado = registrar(
            &registry,
            Counter::new(
                "ecommerce_gateway_ocupado_seconds_total",
                "Segundos de conexão com o gateway de pagamento em uso, somados sobre as conexões",
            )?,
        )?;
        // ANCHOR_END: metricas_ocupado

        Ok(Self {
            registry,
            requisicoes,
            duracao,
            vendas,
            produtos_carrinho,
            usuarios_ativos,
            estoque,
            checkout_duracao,
            busca_duracao,
            buscas,
            itens_carrinho,
            gateway_em_uso,
            gateway_capacidade,
            gateway_ocupado,
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
