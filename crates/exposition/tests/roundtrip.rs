//! Round trip: what the real `prometheus` crate encodes, `exposition` parses back.

use std::collections::BTreeMap;

use exposition::{MetricKind, parse};
use prometheus::{
    CounterVec, GaugeVec, HistogramOpts, HistogramVec, IntCounter, Opts, Registry, TextEncoder,
};

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn parses_what_the_prometheus_crate_encodes() {
    let registry = Registry::new();

    let requests = CounterVec::new(
        Opts::new(
            "http_requests_total",
            "Requests served, by \"route\" \\ status.\nSecond line.",
        ),
        &["route", "status"],
    )
    .unwrap();
    let in_flight = GaugeVec::new(
        Opts::new("http_requests_in_flight", "Requests being served."),
        &["route"],
    )
    .unwrap();
    let latency = HistogramVec::new(
        HistogramOpts::new("http_request_duration_seconds", "Request latency.")
            .buckets(vec![0.01, 0.1, 1.0, 2.5]),
        &["route"],
    )
    .unwrap();
    let orders = IntCounter::new("orders_created_total", "Orders created.").unwrap();
    registry.register(Box::new(requests.clone())).unwrap();
    registry.register(Box::new(in_flight.clone())).unwrap();
    registry.register(Box::new(latency.clone())).unwrap();
    registry.register(Box::new(orders.clone())).unwrap();

    requests.with_label_values(&["/", "200"]).inc_by(3.0);
    requests.with_label_values(&["/checkout", "500"]).inc();
    // A label value that needs every escape.
    requests
        .with_label_values(&["/a\"b\\c\nd", "404"])
        .inc_by(0.5);
    in_flight.with_label_values(&["/"]).set(2.0);
    in_flight.with_label_values(&["/slow"]).set(-1.25);
    for v in [0.005, 0.05, 0.5, 0.5, 3.0] {
        latency.with_label_values(&["/"]).observe(v);
    }
    latency.with_label_values(&["/checkout"]).observe(1.0);
    orders.inc_by(7);

    let mut text = String::new();
    TextEncoder::new()
        .encode_utf8(&registry.gather(), &mut text)
        .unwrap();
    let exp = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));

    let names: Vec<&str> = exp.families.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "http_request_duration_seconds",
            "http_requests_in_flight",
            "http_requests_total",
            "orders_created_total",
        ]
    );

    // Counter with escaped help and label values.
    let family = exp.family("http_requests_total").unwrap();
    assert_eq!(family.kind, MetricKind::Counter);
    assert_eq!(
        family.help.as_deref(),
        Some("Requests served, by \"route\" \\ status.\nSecond line.")
    );
    assert_eq!(family.samples.len(), 3);
    let root = exp
        .select(
            "http_requests_total",
            &owned(&[("route", "/"), ("status", "200")]),
        )
        .next()
        .unwrap();
    assert_eq!(root.value, 3.0);
    assert_eq!(root.labels, labels(&[("route", "/"), ("status", "200")]));
    assert_eq!(root.timestamp_ms, None);
    let odd = exp
        .select("http_requests_total", &owned(&[("status", "404")]))
        .next()
        .unwrap();
    assert_eq!(odd.label("route"), Some("/a\"b\\c\nd"));
    assert_eq!(odd.value, 0.5);

    // Gauge.
    let family = exp.family("http_requests_in_flight").unwrap();
    assert_eq!(family.kind, MetricKind::Gauge);
    let gauges: Vec<(Option<&str>, f64)> = family
        .samples
        .iter()
        .map(|s| (s.label("route"), s.value))
        .collect();
    assert_eq!(gauges, [(Some("/"), 2.0), (Some("/slow"), -1.25)]);

    // Histogram: buckets as recorded, +Inf added by the encoder.
    let family = exp.family("http_request_duration_seconds").unwrap();
    assert_eq!(family.kind, MetricKind::Histogram);
    assert_eq!(family.help.as_deref(), Some("Request latency."));
    let series = family.histograms();
    assert_eq!(series.len(), 2);
    assert_eq!(series[0].labels, labels(&[("route", "/")]));
    assert_eq!(
        series[0].buckets,
        [
            (0.01, 1.0),
            (0.1, 2.0),
            (1.0, 4.0),
            (2.5, 4.0),
            (f64::INFINITY, 5.0)
        ]
    );
    assert_eq!(series[0].count, Some(5.0));
    assert!((series[0].sum.unwrap() - 4.055).abs() < 1e-9);
    assert_eq!(series[1].labels, labels(&[("route", "/checkout")]));
    assert_eq!(
        series[1].buckets,
        [
            (0.01, 0.0),
            (0.1, 0.0),
            (1.0, 1.0),
            (2.5, 1.0),
            (f64::INFINITY, 1.0)
        ]
    );
    assert_eq!((series[1].sum, series[1].count), (Some(1.0), Some(1.0)));
    assert_eq!(
        exp.select(
            "http_request_duration_seconds_bucket",
            &owned(&[("le", "+Inf")])
        )
        .count(),
        2
    );

    // IntCounter.
    let family = exp.family("orders_created_total").unwrap();
    assert_eq!(family.kind, MetricKind::Counter);
    assert_eq!(family.samples.len(), 1);
    assert_eq!(family.samples[0].value, 7.0);
    assert!(family.samples[0].labels.is_empty());

    // Line numbers point into the encoded text.
    for sample in exp.samples() {
        let line = text.lines().nth(sample.line - 1).unwrap();
        assert!(line.starts_with(&sample.name), "{line} / {}", sample.name);
    }
    assert_eq!(exp.samples().count(), 3 + 2 + 2 * 7 + 1);
}

#[test]
fn parses_special_values_from_the_prometheus_crate() {
    let registry = Registry::new();
    let gauges = GaugeVec::new(Opts::new("special", "Special values."), &["case"]).unwrap();
    registry.register(Box::new(gauges.clone())).unwrap();
    gauges.with_label_values(&["inf"]).set(f64::INFINITY);
    gauges
        .with_label_values(&["neg_inf"])
        .set(f64::NEG_INFINITY);
    gauges.with_label_values(&["nan"]).set(f64::NAN);
    gauges.with_label_values(&["big"]).set(1e300);
    gauges.with_label_values(&["tiny"]).set(1e-300);

    let mut text = String::new();
    TextEncoder::new()
        .encode_utf8(&registry.gather(), &mut text)
        .unwrap();
    let exp = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let value = |case: &str| {
        exp.select("special", &owned(&[("case", case)]))
            .next()
            .unwrap()
            .value
    };
    assert_eq!(value("inf"), f64::INFINITY);
    assert_eq!(value("neg_inf"), f64::NEG_INFINITY);
    assert!(value("nan").is_nan());
    assert_eq!(value("big"), 1e300);
    assert_eq!(value("tiny"), 1e-300);
}
