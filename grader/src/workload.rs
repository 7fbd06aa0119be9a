//! The load a spec asks for, put on the app before the checks that read Prometheus: faults
//! set through the app's `/admin/falhas`, the load generator's virtual users, the faults
//! cleared again. Loopback only (the load generator refuses anything else).

use std::time::Duration;

use crate::lang::{Text, both};
use crate::spec::LoadSpec;

/// Runs `load` against the app at `base` (`http://127.0.0.1:PORT`); what happened, for the
/// report.
pub async fn apply(base: &str, load: &LoadSpec) -> Result<loadgen::Report, Text> {
    apply_until(base, load, std::future::pending()).await
}

/// [`apply`], stopped early when `cancel` completes.
pub async fn apply_until(
    base: &str,
    load: &LoadSpec,
    cancel: impl Future<Output = ()> + Send,
) -> Result<loadgen::Report, Text> {
    let failed = |e: String| {
        both(
            format!("a carga não pôde ser aplicada: {e}"),
            format!("the load could not be applied: {e}"),
        )
    };
    let plan = load.plan().map_err(failed)?;
    let faults = load.taxa_erro > 0.0 || load.latencia_extra_ms > 0;
    if faults {
        set_faults(base, load.taxa_erro, load.latencia_extra_ms)
            .await
            .map_err(failed)?;
    }
    let report = match loadgen::Load::new(base, plan) {
        Ok(load) => load
            .cancel_when(cancel)
            .run()
            .await
            .map_err(|e| failed(e.to_string())),
        Err(e) => Err(failed(e.to_string())),
    };
    if faults {
        // Best effort: the app is stopped right after grading anyway.
        let _ = clear_faults(base).await;
    }
    report
}

/// One line for the report: how many requests, how many failed, for how long.
pub fn summary(report: &loadgen::Report) -> Text {
    let t = &report.total;
    let (n, failures, secs) = (t.requests, t.failures, report.elapsed.as_secs_f64());
    both(
        format!("Carga aplicada: {n} requisições em {secs:.1}s, {failures} com falha."),
        format!("Load applied: {n} requests in {secs:.1}s, {failures} failed."),
    )
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .no_proxy()
        .build()
        .expect("a client with no TLS and no proxy always builds")
}

pub async fn set_faults(base: &str, taxa_erro: f64, latencia_extra_ms: u64) -> Result<(), String> {
    let body =
        serde_json::json!({ "taxa_erro": taxa_erro, "latencia_extra_ms": latencia_extra_ms });
    let r = client()
        .put(format!("{base}/admin/falhas"))
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if r.status().is_success() {
        Ok(())
    } else {
        Err(format!("PUT /admin/falhas answered {}", r.status()))
    }
}

/// Whether the app at `base` has the course's fault injection (`GET /admin/falhas`).
pub async fn has_faults(base: &str) -> bool {
    client()
        .get(format!("{base}/admin/falhas"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
}

pub async fn clear_faults(base: &str) -> Result<(), String> {
    client()
        .delete(format!("{base}/admin/falhas"))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}
