//! Reading the app's `/metrics`, and making the requests a check asks for.

use std::time::Duration;

use exposition::Exposition;

use crate::lang::{Text, both};
use crate::spec::Request;

/// The grader's HTTP side. Once `/metrics` has failed to answer in time, later scrapes fail
/// at once with the same reason, so a hanging app costs one timeout, not one per check.
#[derive(Debug)]
pub struct Scraper {
    http: reqwest::Client,
    metrics_url: String,
    base: String,
    stuck: Option<Text>,
    last_error: Option<Text>,
}

/// A scrape that worked: the parsed body and the Content-Type it came with.
#[derive(Debug)]
pub struct Scrape {
    pub exposition: Exposition,
    pub content_type: Option<String>,
}

impl Scraper {
    pub fn new(base: String, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .no_proxy()
            .build()
            .expect("a client with no TLS and no proxy always builds");
        Self {
            http,
            metrics_url: format!("{base}/metrics"),
            base,
            stuck: None,
            last_error: None,
        }
    }

    /// Reads `/metrics`. An error already reported by the previous scrape comes back short
    /// ("the same error, see above"), so a report does not repeat it under every check.
    pub async fn scrape(&mut self) -> Result<Scrape, Text> {
        let result = self.scrape_once().await;
        match &result {
            Err(e) if self.last_error.as_ref() == Some(e) => {
                return Err(both(
                    "o mesmo erro de /metrics da verificação acima",
                    "the same /metrics error as in the check above",
                ));
            }
            Err(e) => self.last_error = Some(e.clone()),
            Ok(_) => self.last_error = None,
        }
        result
    }

    async fn scrape_once(&mut self) -> Result<Scrape, Text> {
        if let Some(reason) = &self.stuck {
            return Err(reason.clone());
        }
        let response = match self.http.get(&self.metrics_url).send().await {
            Ok(r) => r,
            Err(e) => {
                let reason = if e.is_timeout() {
                    both(
                        "GET /metrics não respondeu a tempo (o handler trava ou espera algo que nunca chega?)",
                        "GET /metrics did not answer in time (does the handler block or wait for something that never comes?)",
                    )
                } else {
                    both(
                        format!("GET /metrics falhou: {e}"),
                        format!("GET /metrics failed: {e}"),
                    )
                };
                self.stuck = Some(reason.clone());
                return Err(reason);
            }
        };
        let status = response.status();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = read_capped(response).await?;
        if !status.is_success() {
            let first = body.lines().next().unwrap_or_default();
            return Err(both(
                format!("GET /metrics respondeu {status}: {first}"),
                format!("GET /metrics answered {status}: {first}"),
            ));
        }
        let exposition = exposition::parse(&body).map_err(|e| {
            both(
                format!(
                    "/metrics não está no formato de exposição do Prometheus: linha {}: {}\n  {}",
                    e.line, e.message, e.text
                ),
                format!(
                    "/metrics is not in Prometheus's exposition format: line {}: {}\n  {}",
                    e.line, e.message, e.text
                ),
            )
        })?;
        Ok(Scrape {
            exposition,
            content_type,
        })
    }

    /// Makes `req` (all `times` of it, concurrently) and checks each answer's status.
    pub async fn request(&self, req: &Request) -> Result<(), Text> {
        let one = || async {
            let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|_| {
                both(
                    format!("método inválido {}", req.method),
                    format!("invalid method {}", req.method),
                )
            })?;
            let mut r = self
                .http
                .request(method, format!("{}{}", self.base, req.path));
            if let Some(json) = &req.json {
                r = r
                    .header("content-type", "application/json")
                    .body(json.clone());
            }
            let what = format!("{} {}", req.method, req.path);
            let answer = r
                .send()
                .await
                .map_err(|e| both(format!("{what} falhou: {e}"), format!("{what} failed: {e}")))?;
            match req.status {
                Some(want) if answer.status().as_u16() != want => Err(both(
                    format!(
                        "{what} respondeu {} (esperado {want})",
                        answer.status().as_u16()
                    ),
                    format!(
                        "{what} answered {} (expected {want})",
                        answer.status().as_u16()
                    ),
                )),
                _ => Ok(()),
            }
        };
        let all = (0..req.times).map(|_| one());
        for r in futures_util::future::join_all(all).await {
            r?;
        }
        Ok(())
    }
}

/// The most of `/metrics` the grader reads: far above any real app's, and small enough that a
/// broken one streaming without end cannot exhaust the grader's memory.
const MAX_BODY: usize = 16 * 1024 * 1024;

async fn read_capped(mut response: reqwest::Response) -> Result<String, Text> {
    let unreadable = |e: reqwest::Error| {
        both(
            format!("o corpo de /metrics não pôde ser lido: {e}"),
            format!("the /metrics body could not be read: {e}"),
        )
    };
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(unreadable)? {
        if body.len() + chunk.len() > MAX_BODY {
            let mib = MAX_BODY / 1024 / 1024;
            return Err(both(
                format!(
                    "/metrics passou de {mib} MiB sem terminar: algo gera séries sem limite (cardinalidade?)"
                ),
                format!(
                    "/metrics went past {mib} MiB without ending: something makes series without bound (cardinality?)"
                ),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}
