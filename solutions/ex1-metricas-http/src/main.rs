//! Exercício 1 (roteiro, Parte 3): a loja com métricas HTTP.
//!
//! `cargo run -p ex1-metricas-http` sobe a loja em http://127.0.0.1:5000 (ou `PORT`,
//! `--port`) com `GET /metrics`. Veja as métricas com `curl localhost:5000/metrics`.

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
/// A loja, com `/metrics` e o middleware que mede cada requisição.
fn app(config: &loja::Config) -> prometheus::Result<Router> {
    let metricas = Metricas::new()?;
    let app = loja::app(Arc::new(()), config)
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

    use exposition::{Exposition, MetricKind};
    use reqwest::StatusCode;
    use reqwest::header::CONTENT_TYPE;

    use super::*;
    use crate::metricas::BALDES_DURACAO;

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

        async fn post_json(&self, caminho: &str, corpo: &'static str) -> StatusCode {
            let url = format!("{}{caminho}", self.base);
            let req = self
                .http
                .post(url)
                .header(CONTENT_TYPE, "application/json")
                .body(corpo);
            req.send().await.unwrap().status()
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

    fn rotulos_http(
        metodo: &'static str,
        endpoint: &'static str,
        status: &'static str,
    ) -> [(&'static str, &'static str); 3] {
        [
            ("method", metodo),
            ("endpoint", endpoint),
            ("status", status),
        ]
    }

    #[tokio::test]
    async fn conta_pelo_molde_da_rota_e_pelo_status() {
        let loja = Loja::iniciar().await;
        for _ in 0..3 {
            assert_eq!(loja.get("/produto/2").await, StatusCode::OK);
        }
        assert_eq!(loja.get("/produto/99").await, StatusCode::NOT_FOUND);

        let m = loja.metricas().await;
        let ok = rotulos_http("GET", "/produto/{produto_id}", "200");
        let nao_achou = rotulos_http("GET", "/produto/{produto_id}", "404");
        assert_eq!(valor(&m, "http_requests_total", &ok), Some(3.0));
        assert_eq!(valor(&m, "http_requests_total", &nao_achou), Some(1.0));
        // O caminho cru nunca vira rótulo.
        let cru = rotulos(&[("endpoint", "/produto/2")]);
        assert_eq!(m.select("http_requests_total", &cru).count(), 0);
        // Contador e histograma andam juntos.
        assert_eq!(
            valor(&m, "http_request_duration_seconds_count", &ok),
            Some(3.0)
        );
        assert_eq!(
            valor(&m, "http_request_duration_seconds_count", &nao_achou),
            Some(1.0)
        );
    }

    #[tokio::test]
    async fn caminho_desconhecido_vira_um_valor_so() {
        let loja = Loja::iniciar().await;
        assert_eq!(loja.get("/nao-existe").await, StatusCode::NOT_FOUND);
        assert_eq!(loja.get("/produto/2/fotos").await, StatusCode::NOT_FOUND);
        assert_eq!(loja.get("/wp-admin.php?x=1").await, StatusCode::NOT_FOUND);
        // Rota conhecida, método errado: 405, com o molde da rota.
        assert_eq!(
            loja.post_json("/produtos", "{}").await,
            StatusCode::METHOD_NOT_ALLOWED
        );

        let m = loja.metricas().await;
        let desconhecido = rotulos_http("GET", "desconhecido", "404");
        assert_eq!(valor(&m, "http_requests_total", &desconhecido), Some(3.0));
        assert_eq!(
            valor(&m, "http_request_duration_seconds_count", &desconhecido),
            Some(3.0)
        );
        let nao_permitido = rotulos_http("POST", "/produtos", "405");
        assert_eq!(valor(&m, "http_requests_total", &nao_permitido), Some(1.0));
        let endpoints: Vec<&str> = m
            .select("http_requests_total", &[])
            .filter_map(|s| s.label("endpoint"))
            .collect();
        assert_eq!(endpoints.len(), 2, "{endpoints:?}");
    }

    #[tokio::test]
    async fn todas_as_rotas_da_loja_sao_medidas() {
        let loja = Loja::iniciar().await;
        assert_eq!(loja.get("/").await, StatusCode::OK);
        assert_eq!(loja.get("/produtos").await, StatusCode::OK);
        assert_eq!(
            loja.post_json("/carrinho", r#"{"produto_id": 1}"#).await,
            StatusCode::OK
        );
        assert_eq!(
            loja.post_json("/checkout", r#"{"produto_id": 1}"#).await,
            StatusCode::OK
        );
        assert_eq!(
            loja.post_json("/checkout", "{").await,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(loja.get("/logout").await, StatusCode::OK);

        let m = loja.metricas().await;
        for (metodo, endpoint, status) in [
            ("GET", "/", "200"),
            ("GET", "/produtos", "200"),
            ("POST", "/carrinho", "200"),
            ("POST", "/checkout", "200"),
            ("POST", "/checkout", "400"),
            ("GET", "/logout", "200"),
        ] {
            let r = rotulos_http(metodo, endpoint, status);
            assert_eq!(valor(&m, "http_requests_total", &r), Some(1.0), "{r:?}");
            assert_eq!(
                valor(&m, "http_request_duration_seconds_count", &r),
                Some(1.0),
                "{r:?}"
            );
        }
        // O scrape que gerou este texto só é contado depois de responder.
        let raspagem = rotulos_http("GET", "/metrics", "200");
        assert_eq!(valor(&m, "http_requests_total", &raspagem), None);
        let m = loja.metricas().await;
        assert_eq!(valor(&m, "http_requests_total", &raspagem), Some(1.0));
    }

    #[tokio::test]
    async fn tipos_baldes_e_contagens_batem() {
        let loja = Loja::iniciar().await;
        for caminho in ["/", "/produtos", "/produto/1", "/produto/7", "/nada"] {
            loja.get(caminho).await;
        }
        let m = loja.metricas().await;
        assert_eq!(
            m.family("http_requests_total").unwrap().kind,
            MetricKind::Counter
        );
        let familia = m.family("http_request_duration_seconds").unwrap();
        assert_eq!(familia.kind, MetricKind::Histogram);

        let mut baldes_esperados = BALDES_DURACAO.to_vec();
        baldes_esperados.push(f64::INFINITY);
        let series = familia.histograms();
        assert_eq!(series.len(), 5);
        for serie in series {
            let les: Vec<f64> = serie.buckets.iter().map(|(le, _)| *le).collect();
            assert_eq!(les, baldes_esperados);
            let pares: Vec<(&str, &str)> = serie
                .labels
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let contador = valor(&m, "http_requests_total", &pares);
            assert_eq!(serie.count, contador, "{pares:?}");
            assert_eq!(
                serie.buckets.last().map(|(_, n)| *n),
                contador,
                "+Inf = _count"
            );
        }
    }

    #[tokio::test]
    async fn metrics_tem_content_type_e_app_info() {
        let loja = Loja::iniciar().await;
        let resposta = loja
            .http
            .get(format!("{}/metrics", loja.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resposta.status(), StatusCode::OK);
        assert_eq!(
            resposta.headers()[CONTENT_TYPE],
            "text/plain; version=0.0.4; charset=utf-8"
        );
        let m = exposition::parse(&resposta.text().await.unwrap()).unwrap();
        assert_eq!(m.family("app_info").unwrap().kind, MetricKind::Gauge);
        let info = [
            ("version", env!("CARGO_PKG_VERSION")),
            ("app_name", "ecommerce_teste"),
        ];
        assert_eq!(valor(&m, "app_info", &info), Some(1.0));
    }
}
