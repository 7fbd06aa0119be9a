//! Prometheus's HTTP query API at a base URL: PromQL evaluated at an instant or over a range.
//! The grader's own Prometheus answers through it, and so does a student's (`grader load
//! --report` reads the run from the Prometheus the student already has).

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use super::{label_map, query_failed};
use crate::lang::{Text, both};

/// One series of a range query's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeSeries {
    pub labels: BTreeMap<String, String>,
    /// (Unix seconds, value), in time order.
    pub points: Vec<(f64, f64)>,
}

/// One series of a query's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Its labels, `__name__` included when the query keeps it.
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

#[derive(Debug, Clone)]
pub struct QueryApi {
    base: String,
    http: reqwest::Client,
    /// How long one query may take (10 s unless set).
    timeout: Duration,
}

impl QueryApi {
    /// The API of the Prometheus at `base` (`http://127.0.0.1:9090`).
    pub fn new(base: &str) -> Self {
        QueryApi {
            base: base.trim_end_matches('/').to_string(),
            http: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("a client with no TLS and no proxy always builds"),
            timeout: Duration::from_secs(10),
        }
    }

    pub fn set_timeout(&mut self, limit: Duration) {
        self.timeout = limit;
    }

    /// Evaluates `query` at `time` (Unix seconds): the series it returns (a scalar is one
    /// series without labels), or Prometheus's own error. A query that takes longer than the
    /// timeout is abandoned with its own message: Prometheus 2.x does not always stop a
    /// subquery at its `timeout` parameter, so the grader keeps its own clock too.
    pub async fn query_at(&self, query: &str, time: f64) -> Result<Vec<Sample>, Text> {
        let data = self
            .get(
                "query",
                &[("query", query), ("time", &format!("{time:.3}"))],
            )
            .await?;
        let number = |x: &Value| {
            x.as_str()
                .and_then(|s| s.parse::<f64>().ok())
                .unwrap_or(f64::NAN)
        };
        match data["resultType"].as_str() {
            Some("vector") => Ok(array(&data["result"])
                .iter()
                .map(|r| Sample {
                    labels: label_map(&r["metric"]),
                    value: number(&r["value"][1]),
                })
                .collect()),
            Some("scalar") => Ok(vec![Sample {
                labels: BTreeMap::new(),
                value: number(&data["result"][1]),
            }]),
            Some("matrix") => Err(both(
                "a consulta devolve um vetor de intervalo (um seletor com [5m] sem função em volta): use rate(), increase() ou avg_over_time()",
                "the query returns a range vector (a selector with [5m] and no function around it): use rate(), increase() or avg_over_time()",
            )),
            other => Err(both(
                format!("a consulta devolve {other:?}, não números"),
                format!("the query returns {other:?}, not numbers"),
            )),
        }
    }

    /// Evaluates `query` from `start` to `end` (Unix seconds) every `step` seconds: each
    /// series with its points, for charts. Errors as [`QueryApi::query_at`].
    pub async fn query_range(
        &self,
        query: &str,
        start: f64,
        end: f64,
        step: f64,
    ) -> Result<Vec<RangeSeries>, Text> {
        let data = self
            .get(
                "query_range",
                &[
                    ("query", query),
                    ("start", &format!("{start:.3}")),
                    ("end", &format!("{end:.3}")),
                    ("step", &format!("{step}")),
                ],
            )
            .await?;
        let number = |x: &Value| x.as_str().and_then(|s| s.parse::<f64>().ok());
        Ok(array(&data["result"])
            .iter()
            .map(|r| RangeSeries {
                labels: label_map(&r["metric"]),
                points: array(&r["values"])
                    .iter()
                    .filter_map(|p| Some((p[0].as_f64()?, number(&p[1])?)))
                    .collect(),
            })
            .collect())
    }

    /// `GET /api/v1/{endpoint}` with `params` and the timeout: the answer's `data`, or why
    /// there is none.
    async fn get(&self, endpoint: &str, params: &[(&str, &str)]) -> Result<Value, Text> {
        let limit = self.timeout;
        let timeout = format!("{}ms", limit.as_millis());
        let sent = self
            .http
            .get(format!("{}/api/v1/{endpoint}", self.base))
            .query(params)
            .query(&[("timeout", timeout.as_str())])
            .timeout(limit)
            .send()
            .await;
        let v: Value = match sent {
            Ok(r) => r.json().await,
            Err(e) => Err(e),
        }
        .map_err(|e| {
            if e.is_timeout() {
                timed_out(limit)
            } else {
                query_failed(e)
            }
        })?;
        if v["errorType"] == "timeout" {
            return Err(timed_out(limit));
        }
        if v["status"] != "success" {
            let e = v["error"].as_str().unwrap_or("?");
            return Err(both(
                format!("o Prometheus recusou a consulta: {e}"),
                format!("Prometheus refused the query: {e}"),
            ));
        }
        Ok(v["data"].clone())
    }
}

fn array(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or_default()
}

fn timed_out(limit: Duration) -> Text {
    let s = limit.as_secs_f64();
    both(
        format!(
            "a consulta não terminou em {s} s: o Prometheus ainda a avaliava quando o avaliador desistiu (um subquery com passo muito fino, como [2d:10ms], ou um intervalo longo sobre muitas séries custa milhões de pontos)"
        ),
        format!(
            "the query did not finish within {s} s: Prometheus was still evaluating it when the grader gave up (a subquery with a very fine step, such as [2d:10ms], or a long range over many series costs millions of points)"
        ),
    )
}

/// Now, in Unix seconds (the unit of Prometheus's API).
pub fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}
