//! Exercício 2 (roteiro, Parte 4 e Exercício 2): a loja com métricas de negócio.
//!
//! `cargo run -p ex2-metricas-negocio` sobe a loja em http://127.0.0.1:5000 (ou `PORT`,
//! `--port`) com `GET /metrics`: as métricas HTTP do exercício 1 e as de negócio (vendas,
//! carrinho, usuários, estoque, checkout, busca).

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

    use std::hash::{BuildHasher, RandomState};

    use exposition::{Exposition, MetricKind};
    use reqwest::StatusCode;
    use serde_json::{Value, json};

    use super::*;
    use crate::metricas::BALDES_CHECKOUT;

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

        async fn get(&self, caminho: &str) -> StatusCode {
            let url = format!("{}{caminho}", self.base);
            self.http.get(url).send().await.unwrap().status()
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

        async fn buscar(&self, termo: &str) -> StatusCode {
            let url = format!("{}/busca", self.base);
            self.http
                .get(url)
                .query(&[("termo", termo)])
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

    fn rotulos(pares: &[(&str, &str)]) -> Vec<(String, String)> {
        pares
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// O valor da única amostra `nome` com esses rótulos; `None` se não houver nenhuma.
    fn valor(exp: &Exposition, nome: &str, pares: &[(&str, &str)]) -> Option<f64> {
        let rotulos = rotulos(pares);
        let amostras: Vec<f64> = exp.select(nome, &rotulos).map(|s| s.value).collect();
        assert!(
            amostras.len() <= 1,
            "{nome} {pares:?}: mais de uma série: {amostras:?}"
        );
        amostras.first().copied()
    }

    fn tipo(exp: &Exposition, familia: &str) -> MetricKind {
        exp.family(familia)
            .unwrap_or_else(|| panic!("{familia} não está em /metrics"))
            .kind
    }

    #[tokio::test]
    async fn todas_as_metricas_existem_desde_o_inicio() {
        let loja = Loja::iniciar().await;
        let m = loja.metricas().await;
        for (familia, esperado) in [
            ("app_info", MetricKind::Gauge),
            ("ecommerce_vendas_total", MetricKind::Counter),
            ("ecommerce_produtos_carrinho_total", MetricKind::Counter),
            ("ecommerce_usuarios_ativos", MetricKind::Gauge),
            ("ecommerce_estoque_produto", MetricKind::Gauge),
            ("ecommerce_checkout_duracao_seconds", MetricKind::Histogram),
            ("ecommerce_busca_duracao_seconds", MetricKind::Summary),
            ("ecommerce_buscas_total", MetricKind::Counter),
            ("ecommerce_itens_carrinho", MetricKind::Gauge),
        ] {
            assert_eq!(tipo(&m, familia), esperado, "{familia}");
        }
        for p in &loja::PRODUTOS {
            let id = p.id.to_string();
            let r = [("produto_id", id.as_str()), ("produto_nome", p.nome)];
            assert_eq!(
                valor(&m, "ecommerce_estoque_produto", &r),
                Some(f64::from(p.estoque))
            );
        }
        assert_eq!(m.select("ecommerce_estoque_produto", &[]).count(), 4);
        for metodo in loja::METODOS_PAGAMENTO {
            let r = [("metodo_pagamento", metodo)];
            assert_eq!(
                valor(&m, "ecommerce_vendas_total", &r),
                Some(0.0),
                "{metodo}"
            );
        }
        assert_eq!(valor(&m, "ecommerce_usuarios_ativos", &[]), Some(0.0));
        assert_eq!(valor(&m, "ecommerce_itens_carrinho", &[]), Some(0.0));
        assert_eq!(
            valor(&m, "ecommerce_checkout_duracao_seconds_count", &[]),
            Some(0.0)
        );
    }

    #[tokio::test]
    async fn checkout_pix_conta_venda_baixa_estoque_e_mede_duracao() {
        let loja = Loja::iniciar().await;
        let pedido = json!({"produto_id": 1, "metodo_pagamento": "pix"});
        assert_eq!(loja.post("/checkout", pedido).await, StatusCode::OK);

        let m = loja.metricas().await;
        assert_eq!(
            valor(&m, "ecommerce_vendas_total", &[("metodo_pagamento", "pix")]),
            Some(1.0)
        );
        let outros = ["credito", "debito", "boleto"];
        for metodo in outros {
            let r = [("metodo_pagamento", metodo)];
            assert_eq!(
                valor(&m, "ecommerce_vendas_total", &r),
                Some(0.0),
                "{metodo}"
            );
        }
        let notebook = [("produto_id", "1"), ("produto_nome", "Notebook")];
        assert_eq!(valor(&m, "ecommerce_estoque_produto", &notebook), Some(9.0));
        let mouse = [("produto_id", "2"), ("produto_nome", "Mouse")];
        assert_eq!(valor(&m, "ecommerce_estoque_produto", &mouse), Some(100.0));

        let familia = m.family("ecommerce_checkout_duracao_seconds").unwrap();
        let series = familia.histograms();
        assert_eq!(series.len(), 1);
        let les: Vec<f64> = series[0].buckets.iter().map(|(le, _)| *le).collect();
        let mut esperados = BALDES_CHECKOUT.to_vec();
        esperados.push(f64::INFINITY);
        assert_eq!(les, esperados);
        assert_eq!(series[0].count, Some(1.0));

        // O checkout também passou pelo middleware do exercício 1.
        let http = [
            ("method", "POST"),
            ("endpoint", "/checkout"),
            ("status", "200"),
        ];
        assert_eq!(valor(&m, "http_requests_total", &http), Some(1.0));
    }

    #[tokio::test]
    async fn checkout_recusado_nao_conta_venda() {
        let loja = Loja::iniciar().await;
        // Só há 20 monitores: pedir 21 é recusado (409), sem venda nem baixa de estoque.
        let pedido = json!({"produto_id": 4, "quantidade": 21, "metodo_pagamento": "boleto"});
        assert_eq!(loja.post("/checkout", pedido).await, StatusCode::CONFLICT);
        let pedido = json!({"produto_id": 4, "metodo_pagamento": "cheque"});
        assert_eq!(
            loja.post("/checkout", pedido).await,
            StatusCode::UNPROCESSABLE_ENTITY
        );

        let m = loja.metricas().await;
        assert_eq!(
            m.select("ecommerce_vendas_total", &[])
                .map(|s| s.value)
                .sum::<f64>(),
            0.0
        );
        assert_eq!(
            m.select("ecommerce_vendas_total", &[]).count(),
            4,
            "nenhum método novo"
        );
        let monitor = [("produto_id", "4"), ("produto_nome", "Monitor")];
        assert_eq!(valor(&m, "ecommerce_estoque_produto", &monitor), Some(20.0));
        assert_eq!(
            valor(&m, "ecommerce_checkout_duracao_seconds_count", &[]),
            Some(0.0)
        );
    }

    #[tokio::test]
    async fn carrinho_conta_adicoes_e_itens() {
        let loja = Loja::iniciar().await;
        let mouse = json!({"produto_id": 2, "quantidade": 3});
        assert_eq!(loja.post("/carrinho", mouse.clone()).await, StatusCode::OK);
        assert_eq!(loja.post("/carrinho", mouse).await, StatusCode::OK);
        assert_eq!(
            loja.post("/carrinho", json!({"produto_id": 4})).await,
            StatusCode::OK
        );
        assert_eq!(
            loja.post("/carrinho", json!({"produto_id": 99})).await,
            StatusCode::NOT_FOUND
        );

        let m = loja.metricas().await;
        let por_id = |id| {
            valor(
                &m,
                "ecommerce_produtos_carrinho_total",
                &[("produto_id", id)],
            )
        };
        assert_eq!(
            por_id("2"),
            Some(2.0),
            "uma por adição, seja qual for a quantidade"
        );
        assert_eq!(por_id("4"), Some(1.0));
        assert_eq!(por_id("1"), Some(0.0));
        assert_eq!(por_id("99"), None);
        assert_eq!(valor(&m, "ecommerce_itens_carrinho", &[]), Some(7.0));

        // Uma venda tira os itens do carrinho.
        let pedido = json!({"produto_id": 2, "quantidade": 2, "metodo_pagamento": "debito"});
        assert_eq!(loja.post("/checkout", pedido).await, StatusCode::OK);
        let m = loja.metricas().await;
        assert_eq!(valor(&m, "ecommerce_itens_carrinho", &[]), Some(5.0));
        let mouse = [("produto_id", "2"), ("produto_nome", "Mouse")];
        assert_eq!(valor(&m, "ecommerce_estoque_produto", &mouse), Some(98.0));
    }

    #[tokio::test]
    async fn usuarios_ativos_nunca_ficam_negativos() {
        let loja = Loja::iniciar().await;
        loja.get("/").await;
        loja.get("/").await;
        let m = loja.metricas().await;
        assert_eq!(valor(&m, "ecommerce_usuarios_ativos", &[]), Some(2.0));
        for _ in 0..3 {
            assert_eq!(loja.get("/logout").await, StatusCode::OK);
        }
        let m = loja.metricas().await;
        assert_eq!(valor(&m, "ecommerce_usuarios_ativos", &[]), Some(0.0));
        loja.get("/").await;
        let m = loja.metricas().await;
        assert_eq!(valor(&m, "ecommerce_usuarios_ativos", &[]), Some(1.0));
    }

    #[tokio::test]
    async fn termos_buscados_tem_cardinalidade_limitada() {
        let loja = Loja::iniciar().await;
        // 20 termos diferentes, quase todos inventados, como um cliente qualquer mandaria.
        let aleatorio = RandomState::new();
        let mut termos: Vec<String> = (0..16)
            .map(|i| format!("{:x}", aleatorio.hash_one(i)))
            .collect();
        termos.extend(["  NoteBook ", "mouse", "monitor 4k", "açaí"].map(String::from));
        for termo in &termos {
            assert_eq!(loja.buscar(termo).await, StatusCode::OK, "{termo}");
        }

        let m = loja.metricas().await;
        let series: Vec<_> = m.select("ecommerce_buscas_total", &[]).collect();
        assert!(series.len() <= 5, "{series:?}");
        assert_eq!(series.iter().map(|s| s.value).sum::<f64>(), 20.0);
        let por_termo = |t| valor(&m, "ecommerce_buscas_total", &[("termo", t)]);
        assert_eq!(por_termo("notebook"), Some(1.0));
        assert_eq!(por_termo("mouse"), Some(1.0));
        assert_eq!(por_termo("teclado"), Some(0.0));
        assert_eq!(por_termo("outro"), Some(18.0));
    }

    #[tokio::test]
    async fn summary_da_busca_expoe_quantis() {
        let loja = Loja::iniciar().await;
        // Cada uma é uma consulta ao catálogo.
        loja.get("/produtos").await;
        loja.get("/produto/3").await;
        loja.get("/produto/42").await;
        loja.buscar("teclado").await;

        let m = loja.metricas().await;
        assert_eq!(
            tipo(&m, "ecommerce_busca_duracao_seconds"),
            MetricKind::Summary
        );
        for q in ["0.5", "0.9", "0.99"] {
            let v = valor(&m, "ecommerce_busca_duracao_seconds", &[("quantile", q)]);
            let v = v.unwrap_or_else(|| panic!("falta o quantil {q}"));
            assert!(v.is_finite() && v >= 0.0, "quantil {q} = {v}");
        }
        assert_eq!(
            valor(&m, "ecommerce_busca_duracao_seconds_count", &[]),
            Some(4.0)
        );
        assert!(valor(&m, "ecommerce_busca_duracao_seconds_sum", &[]).unwrap() >= 0.0);
    }
}
