//! What the metrics middleware costs, measured against the bare shop in the same run:
//! - `uma_requisicao`: one `GET /` through the router, in process (no network);
//! - `carga_loopback`: 256 requests, 32 at a time, over real TCP on 127.0.0.1.
//!
//! `cargo bench -p ex1-metricas-http-solucao --bench middleware` (numbers in BENCHMARKS.md).

// The solution is a binary crate: the bench compiles its modules directly.
#[path = "../src/http.rs"]
#[allow(dead_code)]
mod http;
#[path = "../src/metricas.rs"]
#[allow(dead_code)]
mod metricas;

use std::hint::black_box;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tower::ServiceExt;

fn config() -> loja::Config {
    loja::Config {
        latency_scale: 0.0,
        ..loja::Config::local(0)
    }
}

fn bare() -> Router {
    loja::app(Arc::new(()), &config())
}

fn measured() -> Router {
    let m = metricas::Metricas::new().expect("metrics register");
    bare()
        .route("/metrics", get(http::expor).with_state(m.clone()))
        .layer(axum::middleware::from_fn_with_state(
            m,
            http::registrar_requisicao,
        ))
}

fn one_request(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut g = c.benchmark_group("uma_requisicao");
    for (name, app) in [("sem_middleware", bare()), ("com_middleware", measured())] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let req = Request::get("/").body(Body::empty()).unwrap();
                let resp = rt.block_on(app.clone().oneshot(req)).unwrap();
                black_box(resp.status())
            })
        });
    }
    g.finish();
}

const REQUESTS: usize = 256;
const CONCURRENCY: usize = 32;

fn loopback_load(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut g = c.benchmark_group("carga_loopback");
    g.throughput(Throughput::Elements(REQUESTS as u64));
    for (name, app) in [("sem_middleware", bare()), ("com_middleware", measured())] {
        let url = format!(
            "http://{}/",
            rt.block_on(loja::serve_on_free_port(app)).unwrap()
        );
        let client = reqwest::Client::new();
        g.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(async {
                    let per_task = REQUESTS / CONCURRENCY;
                    let tasks: Vec<_> = (0..CONCURRENCY)
                        .map(|_| {
                            let (client, url) = (client.clone(), url.clone());
                            tokio::spawn(async move {
                                for _ in 0..per_task {
                                    let r = client.get(&url).send().await.unwrap();
                                    assert!(r.status().is_success());
                                }
                            })
                        })
                        .collect();
                    for t in tasks {
                        t.await.unwrap();
                    }
                })
            })
        });
    }
    g.finish();
}

criterion_group!(benches, one_request, loopback_load);
criterion_main!(benches);
