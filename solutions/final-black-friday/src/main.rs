//! Projeto final (roteiro, Projeto Final): a loja monitorada para a Black Friday.
//!
//! `cargo run -p final-black-friday` sobe a loja em http://127.0.0.1:5000 (ou `PORT`,
//! `--port`) com `GET /metrics`: desempenho (as métricas HTTP), negócio (vendas, carrinho,
//! estoque, unidades vendidas, receita, saturação do gateway) e infraestrutura (CPU, memória
//! e descritores do processo). A arquitetura do monitoramento está em `README.md`, cada
//! métrica em `METRICAS.md`, cada alerta em `RUNBOOK.md`.

mod eventos;
mod http;
mod metricas;

use std::process::ExitCode;
use std::sync::Arc;

use axum::routing::get;
use axum::{Router, middleware};
use clap::Parser;

use crate::http::{expor, registrar_requisicao};
use crate::metricas::Metricas;

#[tokio::main]
async fn main() -> ExitCode {
    let config = loja::Config::parse();
    let app = match app(&config) {
        Ok(app) => app,
        Err(erro) => {
            eprintln!("erro ao criar as métricas: {erro}");
            return ExitCode::FAILURE;
        }
    };
    match loja::serve(app, &config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(erro) => {
            eprintln!("erro: {erro}");
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: app
/// A loja, com `/metrics`, o middleware HTTP e as métricas ouvindo os eventos da loja.
fn app(config: &loja::Config) -> prometheus::Result<Router> {
    let metricas = Metricas::new()?;
    // A loja chama os métodos de `loja::Eventos` que `Metricas` implementa (`eventos.rs`).
    let app = loja::app(Arc::new(metricas.clone()), config)
        .route("/metrics", get(expor).with_state(metricas.clone()))
        // `layer` (e não `route_layer`): o middleware vê também as requisições que não
        // casaram com rota nenhuma, e conta os 404.
        .layer(middleware::from_fn_with_state(
            metricas,
            registrar_requisicao,
        ));
    Ok(app)
}
// ANCHOR_END: app

#[cfg(test)]
mod testes {
    //! A loja de verdade, servida em 127.0.0.1 numa porta livre, sem latência simulada,
    //! com requisições HTTP de verdade e `/metrics` lido por um parser estrito.

    use exposition::Exposition;
    use reqwest::StatusCode;
    use serde_json::{Value, json};

    use super::*;

    /// O catálogo de métricas do projeto, o mesmo arquivo que o avaliador lê.
    const CATALOGO: &str = include_str!("../METRICAS.md");

    struct Loja {
        base: String,
        http: reqwest::Client,
    }

    impl Loja {
        async fn iniciar() -> Self {
            let config = loja::Config {
                latency_scale: 0.0,
                ..loja::Config::local(0)
            };
            let app = app(&config).expect("as métricas são válidas");
            let base = format!("http://{}", loja::serve_on_free_port(app).await.unwrap());
            Self {
                base,
                http: reqwest::Client::new(),
            }
        }

        async fn post(&self, caminho: &str, corpo: Value) -> StatusCode {
            let url = format!("{}{caminho}", self.base);
            self.http
                .post(url)
                .json(&corpo)
                .send()
                .await
                .unwrap()
                .status()
        }

        async fn metricas(&self) -> Exposition {
            let url = format!("{}/metrics", self.base);
            let texto = self
                .http
                .get(url)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            exposition::parse(&texto).unwrap_or_else(|e| panic!("{e}\n{texto}"))
        }
    }

    fn valor(exp: &Exposition, nome: &str, pares: &[(&str, &str)]) -> Option<f64> {
        let rotulos: Vec<(String, String)> = pares
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let amostras: Vec<f64> = exp.select(nome, &rotulos).map(|s| s.value).collect();
        assert!(amostras.len() <= 1, "{nome} {pares:?}: {amostras:?}");
        amostras.first().copied()
    }

    /// Os nomes da primeira coluna das linhas de tabela de `METRICAS.md`.
    fn documentadas() -> Vec<String> {
        CATALOGO
            .lines()
            .filter_map(|l| l.trim().strip_prefix("| `"))
            .filter_map(|l| l.split('`').next())
            .map(String::from)
            .collect()
    }

    #[tokio::test]
    async fn o_catalogo_e_o_que_metrics_expoe() {
        let loja = Loja::iniciar().await;
        // As métricas HTTP só aparecem depois da primeira requisição (um vetor sem filhos).
        let url = format!("{}/", loja.base);
        assert!(
            loja.http
                .get(url)
                .send()
                .await
                .unwrap()
                .status()
                .is_success()
        );
        let m = loja.metricas().await;
        let expostas: Vec<&str> = m.families.iter().map(|f| f.name.as_str()).collect();
        let doc = documentadas();
        assert!(doc.len() >= 14, "{doc:?}");
        for nome in &doc {
            assert!(
                expostas.contains(&nome.as_str()),
                "{nome} documentada, não exposta"
            );
        }
        for nome in &expostas {
            assert!(
                doc.iter().any(|d| d == nome),
                "{nome} exposta, não documentada"
            );
        }
        // O coletor de processo está lá (o projeto roda no Linux).
        assert!(valor(&m, "process_open_fds", &[]).unwrap() > 0.0);
        assert!(valor(&m, "process_resident_memory_bytes", &[]).unwrap() > 0.0);
    }

    #[tokio::test]
    async fn a_venda_relampago_conta_unidades_e_receita() {
        let loja = Loja::iniciar().await;
        let m = loja.metricas().await;
        assert_eq!(
            valor(&m, "ecommerce_itens_vendidos_total", &[("produto_id", "4")]),
            Some(0.0)
        );
        assert_eq!(valor(&m, "ecommerce_receita_reais_total", &[]), Some(0.0));
        // 3 monitores (R$ 800) e depois 17: o estoque de 20 acaba; o 21º é recusado.
        let pedido = json!({"produto_id": 4, "quantidade": 3, "metodo_pagamento": "pix"});
        assert_eq!(loja.post("/checkout", pedido).await, StatusCode::OK);
        let pedido = json!({"produto_id": 4, "quantidade": 17, "metodo_pagamento": "credito"});
        assert_eq!(loja.post("/checkout", pedido).await, StatusCode::OK);
        let pedido = json!({"produto_id": 4, "metodo_pagamento": "pix"});
        assert_eq!(loja.post("/checkout", pedido).await, StatusCode::CONFLICT);

        let m = loja.metricas().await;
        let monitor = [("produto_id", "4")];
        assert_eq!(
            valor(&m, "ecommerce_itens_vendidos_total", &monitor),
            Some(20.0)
        );
        assert_eq!(
            valor(&m, "ecommerce_itens_vendidos_total", &[("produto_id", "1")]),
            Some(0.0)
        );
        assert_eq!(
            valor(&m, "ecommerce_receita_reais_total", &[]),
            Some(16000.0)
        );
        let vendas: f64 = m
            .select("ecommerce_vendas_total", &[])
            .map(|s| s.value)
            .sum();
        assert_eq!(vendas, 2.0, "duas vendas; a recusada não conta");
        let monitor = [("produto_id", "4"), ("produto_nome", "Monitor")];
        assert_eq!(valor(&m, "ecommerce_estoque_produto", &monitor), Some(0.0));
    }

    #[tokio::test]
    async fn vendas_simultaneas_contam_cada_unidade_uma_vez() {
        let loja = std::sync::Arc::new(Loja::iniciar().await);
        let pedidos = (0..30).map(|_| {
            let loja = loja.clone();
            tokio::spawn(async move {
                let pedido = json!({"produto_id": 2, "metodo_pagamento": "debito"});
                loja.post("/checkout", pedido).await
            })
        });
        for p in pedidos {
            assert_eq!(p.await.unwrap(), StatusCode::OK);
        }
        let m = loja.metricas().await;
        assert_eq!(
            valor(&m, "ecommerce_itens_vendidos_total", &[("produto_id", "2")]),
            Some(30.0)
        );
        assert_eq!(
            valor(&m, "ecommerce_receita_reais_total", &[]),
            Some(1500.0)
        );
    }
}
