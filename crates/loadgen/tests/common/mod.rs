//! The real shop on a free loopback port, with a layer that writes down every request it
//! routes, to compare what the load generator says it sent with what the app saw.
#![allow(dead_code)] // each test file uses part of this

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::middleware::{self, Next};
use loja::Config;

/// What the app saw, in order: `(METHOD route-template, path?query)`, admin requests left out.
#[derive(Clone, Default)]
pub struct Seen(Arc<Mutex<Vec<(String, String)>>>);

impl Seen {
    pub fn all(&self) -> Vec<(String, String)> {
        self.0.lock().unwrap().clone()
    }

    pub fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// Requests per `METHOD route-template`, as the report names its rows.
    pub fn by_endpoint(&self) -> BTreeMap<String, u64> {
        let mut counts = BTreeMap::new();
        for (endpoint, _) in self.all() {
            *counts.entry(endpoint).or_insert(0) += 1;
        }
        counts
    }

    /// The paths (with their query) in the order they came.
    pub fn paths(&self) -> Vec<String> {
        self.all().into_iter().map(|(_, p)| p).collect()
    }
}

pub struct Shop {
    pub base: String,
    pub seen: Seen,
}

impl Shop {
    /// The shop with its simulated latencies multiplied by `latency_scale` (0 = none).
    pub async fn start(latency_scale: f64) -> Self {
        let mut config = Config::local(0);
        config.latency_scale = latency_scale;
        let seen = Seen::default();
        let log = seen.clone();
        let app = loja::app(Arc::new(()), &config).route_layer(middleware::from_fn(
            move |req: Request, next: Next| {
                let log = log.clone();
                async move {
                    let template = req
                        .extensions()
                        .get::<MatchedPath>()
                        .map(|m| m.as_str().to_string())
                        .unwrap_or_default();
                    if !template.starts_with("/admin") {
                        let path = req
                            .uri()
                            .path_and_query()
                            .map(|p| p.as_str().to_string())
                            .unwrap_or_default();
                        log.0
                            .lock()
                            .unwrap()
                            .push((format!("{} {template}", req.method()), path));
                    }
                    next.run(req).await
                }
            },
        ));
        let addr = loja::serve_on_free_port(app).await.unwrap();
        Self {
            base: format!("http://{addr}"),
            seen,
        }
    }

    /// `PUT /admin/falhas` with this body.
    pub async fn faults(&self, body: serde_json::Value) {
        let r = reqwest::Client::new()
            .put(format!("{}/admin/falhas", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
    }
}

/// `users` users, all started at once, no think time.
pub fn eager(users: u32) -> loadgen::Mode {
    loadgen::Mode::Users {
        users,
        spawn_rate: 1000.0,
        think_time: (Duration::ZERO, Duration::ZERO),
    }
}
