//! `Exposition::select` and `Family::histograms`.

use std::collections::BTreeMap;

use exposition::{HistogramSeries, parse};

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const TEXT: &str = r#"# HELP http_request_duration_seconds Latency.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{method="GET",route="/",le="0.1"} 3
http_request_duration_seconds_bucket{method="GET",route="/",le="+Inf"} 4
http_request_duration_seconds_bucket{method="GET",route="/",le="1.0"} 4
http_request_duration_seconds_sum{method="GET",route="/"} 1.25
http_request_duration_seconds_count{method="GET",route="/"} 4
http_request_duration_seconds_bucket{method="POST",route="/checkout",le="0.1"} 0
http_request_duration_seconds_bucket{method="POST",route="/checkout",le="1"} 1
http_request_duration_seconds_bucket{method="POST",route="/checkout",le="+Inf"} 2
http_request_duration_seconds_sum{method="POST",route="/checkout"} 3.5
http_request_duration_seconds_count{method="POST",route="/checkout"} 2
# TYPE http_requests_total counter
http_requests_total{method="GET",route="/",status="200"} 10
http_requests_total{method="GET",route="/",status="500"} 1
http_requests_total{method="POST",route="/checkout",status="200"} 5
"#;

#[test]
fn select_matches_name_and_label_subsets() {
    let exp = parse(TEXT).unwrap();
    let values = |name: &str, labels: &[(&str, &str)]| -> Vec<f64> {
        exp.select(name, &owned(labels)).map(|s| s.value).collect()
    };
    assert_eq!(values("http_requests_total", &[]), [10.0, 1.0, 5.0]);
    assert_eq!(
        values("http_requests_total", &[("method", "GET")]),
        [10.0, 1.0]
    );
    assert_eq!(
        values(
            "http_requests_total",
            &[("status", "500"), ("method", "GET")]
        ),
        [1.0]
    );
    assert_eq!(
        values(
            "http_requests_total",
            &[("method", "GET"), ("status", "404")]
        ),
        [] as [f64; 0]
    );
    // A label the samples do not have never matches, not even with an empty value.
    assert_eq!(
        values("http_requests_total", &[("code", "")]),
        [] as [f64; 0]
    );
    // The sample name, not the family name.
    assert_eq!(
        values(
            "http_request_duration_seconds_count",
            &[("route", "/checkout")]
        ),
        [2.0]
    );
    assert_eq!(values("http_request_duration_seconds", &[]), [] as [f64; 0]);
    assert_eq!(
        values(
            "http_request_duration_seconds_bucket",
            &[("method", "GET"), ("le", "+Inf")]
        ),
        [4.0]
    );
    // Every sample of every family.
    assert_eq!(exp.samples().count(), 13);
    let lines: Vec<usize> = exp
        .select("http_requests_total", &owned(&[("route", "/")]))
        .map(|s| s.line)
        .collect();
    assert_eq!(lines, [14, 15]);
}

#[test]
fn histograms_group_buckets_by_label_set() {
    let exp = parse(TEXT).unwrap();
    let family = exp.family("http_request_duration_seconds").unwrap();
    let labels =
        |pairs: &[(&str, &str)]| -> BTreeMap<String, String> { owned(pairs).into_iter().collect() };
    assert_eq!(
        family.histograms(),
        [
            HistogramSeries {
                labels: labels(&[("method", "GET"), ("route", "/")]),
                buckets: vec![(0.1, 3.0), (1.0, 4.0), (f64::INFINITY, 4.0)],
                sum: Some(1.25),
                count: Some(4.0),
            },
            HistogramSeries {
                labels: labels(&[("method", "POST"), ("route", "/checkout")]),
                buckets: vec![(0.1, 0.0), (1.0, 1.0), (f64::INFINITY, 2.0)],
                sum: Some(3.5),
                count: Some(2.0),
            },
        ]
    );
    // Not a histogram: nothing.
    assert!(
        exp.family("http_requests_total")
            .unwrap()
            .histograms()
            .is_empty()
    );
}

#[test]
fn histograms_without_sum_or_count() {
    let exp = parse("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\n").unwrap();
    let series = exp.family("h").unwrap().histograms();
    assert_eq!(series.len(), 1);
    assert!(series[0].labels.is_empty());
    assert_eq!(series[0].buckets, [(f64::INFINITY, 1.0)]);
    assert_eq!((series[0].sum, series[0].count), (None, None));
}
