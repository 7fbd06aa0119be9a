//! Every valid construct of the text format, hand-written.

use std::collections::BTreeMap;

use exposition::{Exposition, MetricKind, parse};

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

fn ok(text: &str) -> Exposition {
    parse(text).unwrap_or_else(|e| panic!("{e}\n  {}", e.text))
}

const ALL: &str = r#"# A free comment, then a blank line.

#comment without a space
# HELPER is not a HELP line
# HELP escapes Help with \\ backslash and \n newline.
# TYPE escapes counter
escapes{path="C:\\dir",quote="say \"hi\"",nl="a\nb"} 1
# TYPE specials gauge
specials{v="pinf"} +Inf
specials{v="ninf"} -Inf
specials{v="inf"} Inf
specials{v="lower"} -inf
specials{v="nan"} NaN
specials{v="nan_lower"} nan
specials{v="exp"} 1.5e-3
specials{v="dot"} .5
specials{v="int"} -42
# TYPE stamped gauge
stamped 3 1700000000000
stamped{a="b"} 4	1700000000001
# TYPE spaced untyped
	  spaced  {  a = "1" ,  b="2" , }   7   
spaced{} 8
spaced{c="3",} 9
# TYPE rpc_seconds summary
# HELP rpc_seconds RPC latency.
rpc_seconds{quantile="0.5"} 0.05
rpc_seconds{quantile="0.99"} 0.3
rpc_seconds{quantile="1"} NaN
rpc_seconds_sum 12.5
rpc_seconds_count 100
rpc_seconds_created 1.7e9
# TYPE jobs_total counter
jobs_total{queue="a"} 5
jobs_total_created{queue="a"} 1.7e9
# TYPE size_bytes histogram
size_bytes_bucket{le="1"} 0
size_bytes_bucket{le="10.0"} 2
size_bytes_bucket{le="+Inf"} 3
size_bytes_sum 42
size_bytes_count 3
size_bytes_created 1.7e9
undeclared_metric{x="y"} 1
undeclared_metric{x="z"} 2
colons:are:ok 1
_leading_underscore 2
empty_label{a=""} 0
utf8{city="São Paulo ☃"} 1
"#;

#[test]
fn parses_every_valid_construct() {
    let exp = ok(ALL);
    let names: Vec<(&str, MetricKind)> = exp
        .families
        .iter()
        .map(|f| (f.name.as_str(), f.kind))
        .collect();
    assert_eq!(
        names,
        [
            ("escapes", MetricKind::Counter),
            ("specials", MetricKind::Gauge),
            ("stamped", MetricKind::Gauge),
            ("spaced", MetricKind::Untyped),
            ("rpc_seconds", MetricKind::Summary),
            ("jobs_total", MetricKind::Counter),
            ("size_bytes", MetricKind::Histogram),
            ("undeclared_metric", MetricKind::Untyped),
            ("colons:are:ok", MetricKind::Untyped),
            ("_leading_underscore", MetricKind::Untyped),
            ("empty_label", MetricKind::Untyped),
            ("utf8", MetricKind::Untyped),
        ]
    );

    let escapes = exp.family("escapes").unwrap();
    assert_eq!(
        escapes.help.as_deref(),
        Some("Help with \\ backslash and \n newline.")
    );
    assert_eq!(
        escapes.samples[0].labels,
        labels(&[("path", "C:\\dir"), ("quote", "say \"hi\""), ("nl", "a\nb")])
    );
    assert_eq!(escapes.samples[0].line, 7);

    let special = |v: &str| {
        exp.select("specials", &owned(&[("v", v)]))
            .next()
            .unwrap()
            .value
    };
    assert_eq!(special("pinf"), f64::INFINITY);
    assert_eq!(special("ninf"), f64::NEG_INFINITY);
    assert_eq!(special("inf"), f64::INFINITY);
    assert_eq!(special("lower"), f64::NEG_INFINITY);
    assert!(special("nan").is_nan());
    assert!(special("nan_lower").is_nan());
    assert_eq!(special("exp"), 1.5e-3);
    assert_eq!(special("dot"), 0.5);
    assert_eq!(special("int"), -42.0);

    let stamped = &exp.family("stamped").unwrap().samples;
    assert_eq!(stamped[0].timestamp_ms, Some(1_700_000_000_000));
    assert_eq!(stamped[1].timestamp_ms, Some(1_700_000_000_001));
    assert_eq!(stamped[1].value, 4.0);

    let spaced = &exp.family("spaced").unwrap().samples;
    assert_eq!(spaced[0].labels, labels(&[("a", "1"), ("b", "2")]));
    assert_eq!(spaced[0].value, 7.0);
    assert!(spaced[1].labels.is_empty());
    assert_eq!(spaced[2].labels, labels(&[("c", "3")]));

    let rpc = exp.family("rpc_seconds").unwrap();
    assert_eq!(rpc.help.as_deref(), Some("RPC latency."));
    let rpc_names: Vec<&str> = rpc.samples.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        rpc_names,
        [
            "rpc_seconds",
            "rpc_seconds",
            "rpc_seconds",
            "rpc_seconds_sum",
            "rpc_seconds_count",
            "rpc_seconds_created"
        ]
    );
    assert_eq!(rpc.samples[1].label("quantile"), Some("0.99"));
    assert!(rpc.samples[2].value.is_nan());

    let jobs = exp.family("jobs_total").unwrap();
    assert_eq!(jobs.samples.len(), 2);
    assert_eq!(jobs.samples[1].name, "jobs_total_created");

    let size = exp.family("size_bytes").unwrap();
    assert_eq!(size.samples.len(), 6);
    let series = size.histograms();
    assert_eq!(series.len(), 1);
    assert_eq!(
        series[0].buckets,
        [(1.0, 0.0), (10.0, 2.0), (f64::INFINITY, 3.0)]
    );

    assert_eq!(exp.family("undeclared_metric").unwrap().samples.len(), 2);
    assert_eq!(
        exp.family("empty_label").unwrap().samples[0].label("a"),
        Some("")
    );
    assert_eq!(
        exp.family("utf8").unwrap().samples[0].label("city"),
        Some("São Paulo ☃")
    );
    assert!(exp.family("nope").is_none());
}

#[test]
fn crlf_line_endings_parse_the_same() {
    let crlf = ALL.replace('\n', "\r\n");
    let a = ok(ALL);
    let b = ok(&crlf);
    // NaN != NaN, so compare the debug output.
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
}

#[test]
fn empty_and_comment_only_inputs_are_valid() {
    assert!(ok("").families.is_empty());
    assert!(ok("\n\n  \n").families.is_empty());
    assert!(ok("# just a comment\n").families.is_empty());
}

#[test]
fn last_line_may_lack_a_newline() {
    let exp = ok("# TYPE up gauge\nup 1");
    assert_eq!(exp.family("up").unwrap().samples[0].value, 1.0);
}

#[test]
fn help_only_and_type_only_families() {
    let exp = ok("# HELP a Only help.\n# TYPE b gauge\n# HELP c\n# HELP d  two spaces\n");
    let a = exp.family("a").unwrap();
    assert_eq!(
        (a.kind, a.help.as_deref()),
        (MetricKind::Untyped, Some("Only help."))
    );
    assert!(a.samples.is_empty());
    let b = exp.family("b").unwrap();
    assert_eq!((b.kind, b.help.as_deref()), (MetricKind::Gauge, None));
    assert_eq!(exp.family("c").unwrap().help.as_deref(), Some(""));
    // Like Prometheus, only the one separator is dropped.
    assert_eq!(
        exp.family("d").unwrap().help.as_deref(),
        Some(" two spaces")
    );
}

#[test]
fn help_then_type_or_type_then_help() {
    let exp = ok("# HELP a A.\n# TYPE a counter\na 1\n# TYPE b gauge\n# HELP b B.\nb 2\n");
    assert_eq!(exp.family("a").unwrap().kind, MetricKind::Counter);
    assert_eq!(exp.family("b").unwrap().help.as_deref(), Some("B."));
}

#[test]
fn a_typed_family_next_to_a_similar_name() {
    // `x_count` declared as its own gauge is its own family, even after histogram `x`.
    let exp = ok(concat!(
        "# TYPE x histogram\n",
        "x_bucket{le=\"+Inf\"} 1\n",
        "x_sum 1\n",
        "x_count 1\n",
        "# TYPE x_count_max gauge\n",
        "x_count_max 3\n",
    ));
    assert_eq!(exp.family("x").unwrap().samples.len(), 3);
    assert_eq!(exp.family("x_count_max").unwrap().samples.len(), 1);
}

#[test]
fn le_one_and_one_point_zero_are_the_same_bucket() {
    let exp = ok("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n");
    assert_eq!(
        exp.family("h").unwrap().histograms()[0].buckets[0],
        (1.0, 1.0)
    );
    let err =
        parse("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"1.0\"} 1\n").unwrap_err();
    assert_eq!(err.line, 3);
    assert!(err.message.contains("duplicate series"), "{err}");
}

#[test]
fn metric_kind_display_and_from_str() {
    for kind in [
        MetricKind::Counter,
        MetricKind::Gauge,
        MetricKind::Histogram,
        MetricKind::Summary,
        MetricKind::Untyped,
    ] {
        assert_eq!(kind.to_string().parse::<MetricKind>(), Ok(kind));
    }
    assert_eq!(MetricKind::Histogram.to_string(), "histogram");
    assert!("Counter".parse::<MetricKind>().is_err());
    assert!("unknown".parse::<MetricKind>().is_err());
}
