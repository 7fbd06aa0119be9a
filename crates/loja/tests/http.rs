//! The shop over real HTTP on loopback: the roteiro's routes and keys, the faults it fixes,
//! the events it reports, and runtime fault injection.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use loja::{Config, Eventos, Produto};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Records every event, to check the shop reports what it did.
#[derive(Default)]
struct Gravador(Mutex<Vec<String>>);

impl Eventos for Gravador {
    fn usuarios_ativos(&self, n: u64) {
        self.0.lock().unwrap().push(format!("ativos {n}"));
    }
    fn estoque_atualizado(&self, p: &Produto) {
        self.0
            .lock()
            .unwrap()
            .push(format!("estoque {} {}", p.id, p.estoque));
    }
    fn produto_no_carrinho(&self, id: u32, q: u32) {
        self.0.lock().unwrap().push(format!("carrinho {id} {q}"));
    }
    fn itens_no_carrinho(&self, total: u64) {
        self.0.lock().unwrap().push(format!("itens {total}"));
    }
    fn venda(&self, metodo: &str, _: Duration) {
        self.0.lock().unwrap().push(format!("venda {metodo}"));
    }
    fn busca(&self, _: Duration) {
        self.0.lock().unwrap().push("busca".into());
    }
    fn termo_buscado(&self, termo: &str) {
        self.0.lock().unwrap().push(format!("termo {termo}"));
    }
}

struct Loja {
    base: String,
    http: reqwest::Client,
    eventos: Arc<Gravador>,
}

impl Loja {
    async fn start() -> Self {
        let eventos = Arc::new(Gravador::default());
        let mut config = Config::local(0);
        config.latency_scale = 0.0;
        let app = loja::app(eventos.clone(), &config);
        let base = format!("http://{}", loja::serve_on_free_port(app).await.unwrap());
        Self {
            base,
            http: reqwest::Client::new(),
            eventos,
        }
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap())
    }

    async fn post(&self, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.http.post(format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        (r.status(), r.json().await.unwrap())
    }

    fn events(&self) -> Vec<String> {
        std::mem::take(&mut *self.eventos.0.lock().unwrap())
    }
}

#[tokio::test]
async fn routes_answer_with_the_roteiros_keys() {
    let loja = Loja::start().await;
    assert_eq!(
        loja.get("/").await.1["mensagem"],
        "Bem-vindo ao E-commerce de Teste"
    );
    let (s, produtos) = loja.get("/produtos").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        produtos[0],
        json!({"id": 1, "nome": "Notebook", "preco": 2500.0, "estoque": 10})
    );
    assert_eq!(produtos.as_array().unwrap().len(), 4);
    assert_eq!(loja.get("/produto/3").await.1["nome"], "Teclado");
    let (s, v) = loja.get("/produto/9").await;
    assert_eq!(
        (s, v),
        (
            StatusCode::NOT_FOUND,
            json!({"erro": "Produto não encontrado"})
        )
    );
    assert_eq!(loja.get("/produto/abc").await.0, StatusCode::NOT_FOUND);
    let (s, v) = loja
        .post("/carrinho", Some(json!({"produto_id": 2, "quantidade": 3})))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["produto_id"], 2);
    assert_eq!(v["quantidade"], 3);
    let (s, v) = loja
        .post("/checkout", Some(json!({"metodo_pagamento": "pix"})))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["mensagem"], "Compra realizada com sucesso");
    assert!((1000..=9999).contains(&v["pedido_id"].as_u64().unwrap()));
    assert_eq!(loja.get("/logout").await.1["mensagem"], "Logout realizado");
    let (s, v) = loja.get("/busca?termo=mou").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["nome"], "Mouse");
}

#[tokio::test]
async fn bad_bodies_are_4xx_json_errors() {
    let loja = Loja::start().await;
    for path in ["/carrinho", "/checkout"] {
        let (s, v) = loja.post(path, None).await;
        assert_eq!(
            s,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{path} without a body"
        );
        assert!(v["erro"].as_str().unwrap().contains("JSON"), "{v}");
        let r = loja
            .http
            .post(format!("{}{path}", loja.base))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::BAD_REQUEST,
            "{path} with broken JSON"
        );
        assert!(r.json::<Value>().await.unwrap()["erro"].is_string());
    }
    let (s, _) = loja.post("/carrinho", Some(json!({"quantidade": 1}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = loja.post("/carrinho", Some(json!({"produto_id": 7}))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = loja
        .post("/checkout", Some(json!({"metodo_pagamento": "bitcoin"})))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["erro"].as_str().unwrap().contains("pix"));
    let (s, _) = loja.post("/checkout", Some(json!({"quantidade": 0}))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(loja.get("/busca").await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn stock_stops_at_zero_and_the_sale_is_refused() {
    let loja = Loja::start().await;
    let compra = json!({"produto_id": 1, "quantidade": 4, "metodo_pagamento": "debito"});
    assert_eq!(
        loja.post("/checkout", Some(compra.clone())).await.0,
        StatusCode::OK
    );
    assert_eq!(
        loja.post("/checkout", Some(compra.clone())).await.0,
        StatusCode::OK
    );
    let (s, v) = loja.post("/checkout", Some(compra)).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(v["erro"].as_str().unwrap().contains("restam 2"), "{v}");
    assert_eq!(loja.get("/produto/1").await.1["estoque"], 2);
}

#[tokio::test]
async fn events_report_each_business_change() {
    let loja = Loja::start().await;
    let inicial = loja.events();
    assert_eq!(
        inicial,
        [
            "estoque 1 10",
            "estoque 2 100",
            "estoque 3 50",
            "estoque 4 20"
        ]
    );
    loja.get("/").await;
    loja.get("/logout").await;
    loja.get("/logout").await;
    assert_eq!(loja.events(), ["ativos 1", "ativos 0", "ativos 0"]);
    loja.post("/carrinho", Some(json!({"produto_id": 4, "quantidade": 2})))
        .await;
    assert_eq!(loja.events(), ["carrinho 4 2", "itens 2"]);
    let compra = json!({"produto_id": 4, "quantidade": 1, "metodo_pagamento": "pix"});
    loja.post("/checkout", Some(compra)).await;
    assert_eq!(loja.events(), ["estoque 4 19", "itens 1", "venda pix"]);
    loja.get("/produtos").await;
    loja.get("/busca?termo=Qualquer%20Coisa").await;
    assert_eq!(loja.events(), ["busca", "busca", "termo Qualquer Coisa"]);
    // A refused sale reports nothing.
    let demais = json!({"produto_id": 4, "quantidade": 100});
    assert_eq!(
        loja.post("/checkout", Some(demais)).await.0,
        StatusCode::CONFLICT
    );
    assert!(loja.events().is_empty());
}

#[tokio::test]
async fn injected_faults_hit_the_shop_and_spare_the_admin_routes() {
    let loja = Loja::start().await;
    let http = &loja.http;
    let admin = format!("{}/admin/falhas", loja.base);
    let r = http
        .put(&admin)
        .json(&json!({"taxa_erro": 1.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (s, v) = loja.get("/produtos").await;
    assert_eq!(
        (s, v),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"erro": "falha injetada"})
        )
    );
    // No sale happens behind an injected error.
    let compra = json!({"produto_id": 2, "metodo_pagamento": "pix"});
    assert_eq!(
        loja.post("/checkout", Some(compra)).await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert!(loja.events().iter().all(|e| !e.starts_with("venda")));
    let estado: Value = http.get(&admin).send().await.unwrap().json().await.unwrap();
    assert_eq!(estado, json!({"taxa_erro": 1.0, "latencia_extra_ms": 0}));

    http.put(&admin)
        .json(&json!({"latencia_extra_ms": 300}))
        .send()
        .await
        .unwrap();
    let t = Instant::now();
    assert_eq!(loja.get("/").await.0, StatusCode::OK);
    assert!(t.elapsed() >= Duration::from_millis(300));

    let r = http
        .put(&admin)
        .json(&json!({"taxa_erro": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = http
        .put(&admin)
        .json(&json!({"taxa": 0.5}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown field refused"
    );

    http.delete(&admin).send().await.unwrap();
    let estado: Value = http.get(&admin).send().await.unwrap().json().await.unwrap();
    assert_eq!(estado, json!({"taxa_erro": 0.0, "latencia_extra_ms": 0}));
    let t = Instant::now();
    assert_eq!(loja.get("/").await.0, StatusCode::OK);
    assert!(t.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn a_partial_error_rate_fails_about_that_share() {
    let loja = Loja::start().await;
    let admin = format!("{}/admin/falhas", loja.base);
    loja.http
        .put(&admin)
        .json(&json!({"taxa_erro": 0.3}))
        .send()
        .await
        .unwrap();
    let mut erros = 0;
    for _ in 0..400 {
        if loja.get("/").await.0 == StatusCode::INTERNAL_SERVER_ERROR {
            erros += 1;
        }
    }
    // 400 draws at p = 0.3: mean 120, sd ~9.2; 60..180 is beyond 6 sd either side.
    assert!((60..=180).contains(&erros), "{erros} errors out of 400");
}

/// Records the payment gateway's connection counts.
#[derive(Default)]
struct Conexoes(Mutex<Vec<(usize, usize)>>);

impl Eventos for Conexoes {
    fn gateway_conexoes(&self, em_uso: usize, capacidade: usize) {
        self.0.lock().unwrap().push((em_uso, capacidade));
    }
}

/// Six checkouts at once on a gateway of two connections: never more than two in use, both
/// taken at some point (the others waited), all given back at the end; reported from 0 at
/// start so a gauge of it exists before the first sale.
#[tokio::test]
async fn checkouts_beyond_the_gateways_connections_wait_in_line() {
    let eventos = Arc::new(Conexoes::default());
    let config = Config {
        latency_scale: 0.05,
        gateway_conexoes: 2,
        ..Config::local(0)
    };
    let app = loja::app(eventos.clone(), &config);
    let base = format!("http://{}", loja::serve_on_free_port(app).await.unwrap());
    assert_eq!(*eventos.0.lock().unwrap(), [(0, 2)]);
    let http = reqwest::Client::new();
    let compra = json!({"produto_id": 2, "metodo_pagamento": "pix"});
    let mut vendas = tokio::task::JoinSet::new();
    for _ in 0..6 {
        vendas.spawn(http.post(format!("{base}/checkout")).json(&compra).send());
    }
    while let Some(r) = vendas.join_next().await {
        assert_eq!(r.unwrap().unwrap().status(), StatusCode::OK);
    }
    let vistos = eventos.0.lock().unwrap().clone();
    assert!(vistos.iter().all(|&(_, cap)| cap == 2), "{vistos:?}");
    assert_eq!(vistos.iter().map(|v| v.0).max(), Some(2), "{vistos:?}");
    assert_eq!(vistos.last(), Some(&(0, 2)), "{vistos:?}");
    // One take and one give-back per checkout, after the start-up report.
    assert_eq!(vistos.len(), 1 + 2 * 6, "{vistos:?}");
}

/// Records how long each gateway connection was held.
#[derive(Default)]
struct Ocupado(Mutex<Vec<Duration>>);

impl Eventos for Ocupado {
    fn gateway_ocupado(&self, ocupada: Duration) {
        self.0.lock().unwrap().push(ocupada);
    }
}

/// Four checkouts at once on a gateway of one connection: the connection is never idle while
/// some wait, so the busy time told (the sum a counter of seconds would hold) is about the
/// wall time of the four, and each hold is the simulated payment (0.5 to 1 s times the scale),
/// not the wait in line.
#[tokio::test]
async fn the_gateways_busy_time_is_the_time_its_connections_were_held() {
    let eventos = Arc::new(Ocupado::default());
    let config = Config {
        latency_scale: 0.2,
        gateway_conexoes: 1,
        ..Config::local(0)
    };
    let app = loja::app(eventos.clone(), &config);
    let base = format!("http://{}", loja::serve_on_free_port(app).await.unwrap());
    let http = reqwest::Client::new();
    let compra = json!({"produto_id": 1, "metodo_pagamento": "pix"});
    let inicio = Instant::now();
    let mut vendas = tokio::task::JoinSet::new();
    for _ in 0..4 {
        vendas.spawn(http.post(format!("{base}/checkout")).json(&compra).send());
    }
    while let Some(r) = vendas.join_next().await {
        assert_eq!(r.unwrap().unwrap().status(), StatusCode::OK);
    }
    let parede = inicio.elapsed();
    let vistos = eventos.0.lock().unwrap().clone();
    assert_eq!(vistos.len(), 4, "one hold per checkout: {vistos:?}");
    for d in &vistos {
        // 0.5..1.0 s scaled by 0.2; a little slack above for the timer.
        assert!(
            *d >= Duration::from_millis(100) && *d < Duration::from_millis(260),
            "{vistos:?}"
        );
    }
    let ocupado: Duration = vistos.iter().sum();
    assert!(ocupado <= parede, "busy {ocupado:?} > wall {parede:?}");
    assert!(
        ocupado.as_secs_f64() >= 0.8 * parede.as_secs_f64(),
        "busy {ocupado:?} against wall {parede:?}: one connection, always in use"
    );
}
