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
    run(base, load, cancel, None).await
}

/// The request-seconds the load generator had in flight, sampled every 100 ms while a load
/// ran: (Unix seconds, request-seconds in flight so far). Their slope over a window is the
/// mean number of requests inside the app, N in Little's law (see [`mean_in_flight`]).
pub type InFlight = Vec<(f64, f64)>;

/// [`apply_until`], with the samples of its requests in flight.
pub async fn apply_sampled(
    base: &str,
    load: &LoadSpec,
    cancel: impl Future<Output = ()> + Send,
) -> (Result<loadgen::Report, Text>, InFlight) {
    let samples = std::sync::Arc::new(std::sync::Mutex::new(InFlight::new()));
    let report = run(base, load, cancel, Some(std::sync::Arc::clone(&samples))).await;
    let samples = samples.lock().unwrap_or_else(|e| e.into_inner()).clone();
    (report, samples)
}

async fn run(
    base: &str,
    load: &LoadSpec,
    cancel: impl Future<Output = ()> + Send,
    samples: Option<std::sync::Arc<std::sync::Mutex<InFlight>>>,
) -> Result<loadgen::Report, Text> {
    let failed = |e: String| {
        both(
            format!("a carga não pôde ser aplicada: {e}"),
            format!("the load could not be applied: {e}"),
        )
    };
    let plan = load.plan().map_err(failed)?;
    let faults = load.error_rate > 0.0 || load.extra_latency_ms > 0;
    if faults {
        set_faults(base, load.error_rate, load.extra_latency_ms)
            .await
            .map_err(failed)?;
    }
    let report = match loadgen::Load::new(base, plan) {
        Ok(mut load) => {
            if let Some(samples) = samples {
                let start = crate::prometheus::unix_now();
                load = load.on_progress(Duration::from_millis(100), move |snap| {
                    samples
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((start + snap.elapsed.as_secs_f64(), snap.in_flight_seconds));
                });
            }
            load.cancel_when(cancel)
                .run()
                .await
                .map_err(|e| failed(e.to_string()))
        }
        Err(e) => Err(failed(e.to_string())),
    };
    if faults {
        // Best effort: the app is stopped right after grading anyway.
        let _ = clear_faults(base).await;
    }
    report
}

/// The mean of requests in flight between `from` and `to` (Unix seconds), from samples of
/// (Unix seconds, request-seconds in flight so far); the ends are interpolated, or
/// extrapolated from the last two samples (the run's last sample comes a little before its
/// end).
pub fn mean_in_flight(samples: &[(f64, f64)], from: f64, to: f64) -> Option<f64> {
    if samples.len() < 2 || to <= from {
        return None;
    }
    let at = |t: f64| -> f64 {
        let i = samples
            .windows(2)
            .position(|w| t <= w[1].0)
            .unwrap_or(samples.len() - 2);
        let (a, b) = (samples[i], samples[i + 1]);
        if b.0 <= a.0 {
            return b.1;
        }
        let v = a.1 + (b.1 - a.1) * (t - a.0) / (b.0 - a.0);
        v.max(0.0)
    };
    Some((at(to) - at(from)) / (to - from))
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

pub async fn set_faults(base: &str, error_rate: f64, extra_latency_ms: u64) -> Result<(), String> {
    let body =
        serde_json::json!({ "taxa_erro": error_rate, "latencia_extra_ms": extra_latency_ms });
    let r = crate::net::client()
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
    crate::net::client()
        .get(format!("{base}/admin/falhas"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
}

pub async fn clear_faults(base: &str) -> Result<(), String> {
    crate::net::client()
        .delete(format!("{base}/admin/falhas"))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mean_in_flight_is_the_integrals_slope_between_the_windows_edges() {
        // Two requests in flight from t = 10 to 12, then one: 0, 2, 4, 5, 6 request-seconds.
        let samples = [
            (10.0, 0.0),
            (11.0, 2.0),
            (12.0, 4.0),
            (13.0, 5.0),
            (14.0, 6.0),
        ];
        let mean = |a, b| mean_in_flight(&samples, a, b).unwrap();
        assert!((mean(10.0, 12.0) - 2.0).abs() < 1e-12);
        // Half a second of two, then a second and a half of one: 2.5 / 2.
        assert!((mean(11.5, 13.5) - 1.25).abs() < 1e-12);
        // Past the last sample, the last slope goes on.
        assert!((mean(13.0, 15.0) - 1.0).abs() < 1e-12);
        assert_eq!(mean_in_flight(&samples[..1], 10.0, 11.0), None);
        assert_eq!(mean_in_flight(&samples, 12.0, 12.0), None);
    }
}
