//! A timeline of traffic on a sandbox's app, with one log of the alerts across it. The alert
//! scenarios (the spec's load without a fault, then with the fault until the alert fires) and
//! the final project's Black Friday (a surge in steps, a flash sale, a payment fault until
//! every expected alert fires) are timelines. The segments run one after the other; one that
//! waits on the alerts ends as soon as the log shows what it waits for, or when its traffic
//! does. A segment whose traffic fails ends the timeline there.

use std::future::Future;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::lang::{Text, both};
use crate::prometheus::{ActiveAlert, Prometheus};
use crate::spec::LoadSpec;
use crate::workload::InFlight;

/// The flash sale's purchases at most: more than any product's stock, so it always sells out.
const MAX_SELL_OUT_PURCHASES: u32 = 200;
/// How often the alerts are read.
const ALERT_POLL: Duration = Duration::from_millis(500);

/// Each alert's first appearance in each state (`pending`, `firing`), with when since the
/// timeline began, in the order they appeared.
pub type AlertLog = Vec<(Duration, ActiveAlert)>;

/// What a segment puts on the app.
#[derive(Debug, Clone)]
pub enum Traffic {
    /// The load generator with this load (its faults set through `/admin/falhas` before and
    /// cleared after), its requests in flight sampled.
    Load(LoadSpec),
    /// One product bought a unit at a time until the shop answers 409 (sold out).
    SellOut(u32),
}

/// When a segment may end before its traffic does: shown the alerts' log (times since the
/// timeline began) and when the segment began, it says whether what the segment waits for
/// has happened.
pub type Until = Box<dyn Fn(&AlertLog, Duration) -> bool + Send + Sync>;

/// One segment of a timeline.
pub struct Segment {
    pub traffic: Traffic,
    pub until: Option<Until>,
}

impl std::fmt::Debug for Segment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segment")
            .field("traffic", &self.traffic)
            .field("until", &self.until.is_some())
            .finish()
    }
}

impl Segment {
    /// Traffic that runs to its end.
    pub fn run(traffic: Traffic) -> Self {
        Self {
            traffic,
            until: None,
        }
    }

    /// Traffic that ends once `until` holds.
    pub fn until(
        traffic: Traffic,
        until: impl Fn(&AlertLog, Duration) -> bool + Send + Sync + 'static,
    ) -> Self {
        Self {
            traffic,
            until: Some(Box::new(until)),
        }
    }
}

/// What one segment did.
#[derive(Debug)]
pub struct Ran {
    /// When it began, since the timeline began.
    pub began: Duration,
    /// Its span, Unix seconds.
    pub from: f64,
    pub end: f64,
    /// What its traffic did: the load generator's report, or the units a sell-out sold.
    pub outcome: Result<Done, Text>,
    /// The load generator's requests in flight (empty for a sell-out).
    pub in_flight: InFlight,
}

/// What a segment's traffic did, when it went through.
#[derive(Debug)]
pub enum Done {
    Load(Box<loadgen::Report>),
    Sold(u64),
}

/// A timeline as it ran: when it began, the alerts' log across it, and each segment run (up
/// to the first whose traffic failed).
#[derive(Debug)]
pub struct Timeline {
    pub start: Instant,
    pub log: AlertLog,
    pub ran: Vec<Ran>,
}

/// Runs `segments` on the app at `base`, reading `prom`'s alerts throughout.
pub async fn run(prom: &Prometheus, base: &str, segments: &[Segment]) -> Timeline {
    let start = Instant::now();
    // The segment running now and when it began; the segment whose wait is over; the end.
    let running = std::sync::Mutex::new(None::<(usize, Duration)>);
    let (over_tx, over_rx) = watch::channel(None::<usize>);
    let (end_tx, mut end_rx) = watch::channel(false);
    let ended = async move {
        let _ = end_rx.wait_for(|e| *e).await;
    };
    let watcher = watch_alerts(prom, start, ended, |log| {
        let now = *running.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((i, began)) = now
            && segments[i].until.as_ref().is_some_and(|u| u(log, began))
        {
            let _ = over_tx.send(Some(i));
        }
    });
    let driver = async {
        let mut ran = Vec::new();
        for (i, segment) in segments.iter().enumerate() {
            let began = start.elapsed();
            *running.lock().unwrap_or_else(|e| e.into_inner()) = Some((i, began));
            let mut over = over_rx.clone();
            let cancel = async move {
                let _ = over.wait_for(|o| *o == Some(i)).await;
            };
            let from = crate::prometheus::unix_now();
            let (outcome, in_flight) = match &segment.traffic {
                Traffic::Load(load) => {
                    let (report, in_flight) =
                        crate::workload::apply_sampled(base, load, cancel).await;
                    (report.map(|r| Done::Load(Box::new(r))), in_flight)
                }
                Traffic::SellOut(product) => (
                    sell_out(base, *product).await.map(Done::Sold),
                    InFlight::new(),
                ),
            };
            let failed = outcome.is_err();
            ran.push(Ran {
                began,
                from,
                end: crate::prometheus::unix_now(),
                outcome,
                in_flight,
            });
            if failed {
                break;
            }
        }
        let _ = end_tx.send(true);
        ran
    };
    let (log, ran) = tokio::join!(watcher, driver);
    Timeline { start, log, ran }
}

/// Reads `prom`'s active alerts every half second from `start` until `stop` resolves,
/// logging each alert's first time in each state; `after_read` sees the log after each read.
async fn watch_alerts(
    prom: &Prometheus,
    start: Instant,
    stop: impl Future<Output = ()>,
    mut after_read: impl FnMut(&AlertLog),
) -> AlertLog {
    let mut log = AlertLog::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        if let Ok(alerts) = prom.alerts().await {
            let at = start.elapsed();
            for a in alerts {
                if !log
                    .iter()
                    .any(|(_, s)| s.name == a.name && s.state == a.state)
                {
                    log.push((at, a));
                }
            }
        }
        after_read(&log);
        tokio::select! {
            _ = tokio::time::sleep(ALERT_POLL) => {}
            _ = &mut stop => break,
        }
    }
    log
}

/// Buys `product` one unit at a time until the shop answers 409 (sold out); the sales made.
async fn sell_out(base: &str, product: u32) -> Result<u64, Text> {
    let http = crate::net::client();
    let body =
        serde_json::json!({"produto_id": product, "quantidade": 1, "metodo_pagamento": "pix"});
    let mut sold = 0;
    for _ in 0..MAX_SELL_OUT_PURCHASES {
        let r = http
            .post(format!("{base}/checkout"))
            .json(&body)
            .send()
            .await
            .map_err(|e| {
                both(
                    format!("POST /checkout falhou na venda relâmpago: {e}"),
                    format!("POST /checkout failed in the flash sale: {e}"),
                )
            })?;
        match r.status().as_u16() {
            200 => sold += 1,
            409 => return Ok(sold),
            s => {
                return Err(both(
                    format!("POST /checkout respondeu {s} na venda relâmpago"),
                    format!("POST /checkout answered {s} in the flash sale"),
                ));
            }
        }
    }
    Err(both(
        format!("o produto {product} não esgotou em {MAX_SELL_OUT_PURCHASES} compras"),
        format!("product {product} did not sell out in {MAX_SELL_OUT_PURCHASES} purchases"),
    ))
}
