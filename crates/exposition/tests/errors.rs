//! One test per error: the line number and a distinctive part of the message.

use exposition::parse;

/// `$name`: parsing `$input` fails on line `$line` with a message containing `$part`.
macro_rules! rejects {
    ($($name:ident: $input:expr, $line:expr, $part:expr;)*) => {$(
        #[test]
        fn $name() {
            let input: &str = $input;
            let err = match parse(input) {
                Ok(exp) => panic!("accepted:\n{input}\n{exp:#?}"),
                Err(err) => err,
            };
            assert_eq!(err.line, $line, "wrong line for: {err}");
            assert!(err.message.contains($part), "message {:?} lacks {:?}", err.message, $part);
            let line = input.split('\n').nth($line - 1).unwrap();
            let line = line.strip_suffix('\r').unwrap_or(line);
            assert_eq!(err.text, line);
            assert_eq!(err.to_string(), format!("line {}: {}", $line, err.message));
        }
    )*};
}

rejects! {
    // TYPE and HELP lines.
    type_twice:
        "# TYPE a counter\n# TYPE a counter\na 1\n", 2,
        "second TYPE line for 'a' (the first is on line 1)";
    type_after_samples:
        "a 1\n# TYPE a counter\n", 2,
        "TYPE line for 'a' comes after its samples (first sample on line 1)";
    type_after_suffixed_samples:
        "h_bucket{le=\"+Inf\"} 1\n# TYPE h histogram\n", 2,
        "TYPE line for 'h' comes after its samples ('h_bucket' on line 1)";
    unknown_type:
        "# TYPE a countr\n", 1,
        "unknown metric type 'countr'; expected counter, gauge, histogram, summary or untyped";
    uppercase_type:
        "# TYPE a Counter\n", 1,
        "the type must be lowercase: 'counter', not 'Counter'";
    missing_type:
        "# TYPE a\n", 1,
        "missing type after '# TYPE a'";
    extra_space_before_type:
        "# TYPE a  counter\n", 1,
        "more than one space between 'a' and its type";
    trailing_space_after_type:
        "# TYPE a counter \n", 1,
        "trailing whitespace after the type 'counter'";
    text_after_type:
        "# TYPE a counter gauge\n", 1,
        "unexpected text after the type 'counter': 'gauge'";
    help_twice:
        "# HELP a One.\n# HELP a Two.\n", 2,
        "second HELP line for 'a' (the first is on line 1)";
    help_after_samples:
        "# TYPE a gauge\na 1\n# HELP a Late.\n", 3,
        "HELP line for 'a' comes after its samples (first sample on line 2)";
    help_without_name:
        "# HELP\n", 1,
        "expected a metric name after HELP, found end of line";
    invalid_name_in_type:
        "# TYPE http-requests counter\n", 1,
        "invalid character '-' in metric name 'http-'";
    invalid_help_escape:
        "# HELP a Path C:\\temp\n", 1,
        "invalid escape sequence '\\t' in HELP text";
    help_without_hash:
        "HELP a Something.\n", 1,
        "HELP lines must start with '# HELP '";

    // Names.
    metric_name_starts_with_digit:
        "# TYPE a gauge\na 1\n2xx_total 1\n", 3,
        "a metric name cannot start with a digit ('2')";
    invalid_char_in_metric_name:
        "http.requests 1\n", 1,
        "invalid character '.' in metric name 'http.'";
    missing_metric_name:
        "up 1\n{job=\"x\"} 1\n", 2,
        "expected a metric name at the start of the line, found '{'";
    missing_label_name:
        "\n\nup{=\"x\"} 1\n", 3,
        "expected a label name after '{', found '='";
    missing_label_name_after_comma:
        "up{a=\"1\",,} 1\n", 1,
        "expected a label name after ',', found ','";
    invalid_char_in_label_name:
        "up{job-name=\"x\"} 1\n", 1,
        "invalid character '-' in label name 'job-'";
    label_name_starts_with_digit:
        "up{1a=\"x\"} 1\n", 1,
        "a label name cannot start with a digit ('1')";
    reserved_label_name:
        "up{__name__=\"x\"} 1\n", 1,
        "the label name '__name__' is reserved";

    // Label sets.
    missing_equals:
        "up{job \"x\"} 1\n", 1,
        "expected '=' after label name 'job', found '\"'";
    unquoted_label_value:
        "up{job=x} 1\n", 1,
        "expected a double-quoted value for label 'job', found 'x'";
    single_quoted_label_value:
        "up{job='x'} 1\n", 1,
        "the value of label 'job' must be in double quotes";
    unterminated_label_value:
        "up 1\nup{job=\"x} 1\n", 2,
        "unterminated value of label 'job': missing closing '\"'";
    missing_closing_brace:
        "up{job=\"x\"\n", 1,
        "missing '}' to close the labels of 'up'";
    missing_comma:
        "up{a=\"1\" b=\"2\"} 1\n", 1,
        "expected ',' or '}' after the value of label 'a', found 'b'";
    bad_label_escape:
        "up{path=\"C:\\temp\"} 1\n", 1,
        "invalid escape sequence '\\t' in the value of label 'path'";
    duplicate_label:
        "up{a=\"1\",b=\"2\",a=\"3\"} 1\n", 1,
        "duplicate label 'a' in 'up'";

    // Values and timestamps.
    missing_value:
        "# TYPE up gauge\nup\n", 2,
        "missing value after 'up'";
    missing_value_after_labels:
        "up{job=\"x\"}   \n", 1,
        "missing value after 'up'";
    invalid_value:
        "up one\n", 1,
        "invalid value 'one' for 'up': expected a number such as 42, -1.5, 3e-4, +Inf or NaN";
    comma_decimal_value:
        "up 1,5\n", 1,
        "use '.' as the decimal separator";
    quoted_value:
        "up \"1\"\n", 1,
        "values must not be quoted";
    hex_value:
        "up 0x10\n", 1,
        "invalid value '0x10'";
    out_of_range_value:
        "up 1e999\n", 1,
        "out of the range of a 64-bit float";
    invalid_timestamp:
        "up 1 soon\n", 1,
        "invalid timestamp 'soon'; expected an integer number of milliseconds";
    float_timestamp:
        "up 1 1.7e12\n", 1,
        "invalid timestamp '1.7e12'; a timestamp is an integer number of milliseconds";
    negative_timestamp:
        "up 1 -5\n", 1,
        "invalid timestamp '-5'";
    timestamp_out_of_range:
        "up 1 99999999999999999999\n", 1,
        "timestamp '99999999999999999999' is out of range";
    comment_after_value:
        "up 1 # the value\n", 1,
        "comments must be on their own line";
    garbage_after_timestamp:
        "up 1 1700000000000 extra\n", 1,
        "unexpected text after the timestamp: 'extra'";

    // Histograms and summaries.
    bucket_without_le:
        "# TYPE h histogram\nh_bucket{route=\"/\"} 1\n", 2,
        "histogram bucket 'h_bucket' has no 'le' label";
    le_not_a_number:
        "# TYPE h histogram\nh_bucket{le=\"big\"} 1\n", 2,
        "'le' label of 'h_bucket' must be a number (like \"0.5\" or \"+Inf\"), found le=\"big\"";
    le_on_sum:
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum{le=\"+Inf\"} 1\n", 3,
        "the 'le' label belongs only on h_bucket samples, not on 'h_sum'";
    quantile_sample_without_quantile:
        "# TYPE s summary\ns_sum 1\ns 0.5\n", 3,
        "summary quantile sample 's' has no 'quantile' label";
    quantile_on_count:
        "# TYPE s summary\ns_count{quantile=\"0.5\"} 1\n", 2,
        "the 'quantile' label belongs only on s samples, not on 's_count'";
    histogram_bare_name:
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh 1\n", 3,
        "histogram 'h' cannot have a sample named 'h'";
    histogram_wrong_suffix:
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_total 1\n", 3,
        "'h_total' is not a sample of histogram 'h' (TYPE on line 1); expected h_bucket, h_sum, h_count or h_created";
    summary_with_buckets:
        "# TYPE s summary\ns_bucket{le=\"1\"} 1\n", 2,
        "'s_bucket' is not a sample of summary 's' (TYPE on line 1)";
    counter_type_without_total:
        "# TYPE http_requests counter\nhttp_requests_total 1\n", 2,
        "'http_requests_total' does not match '# TYPE http_requests counter' (line 1)";

    // Structure.
    duplicate_series:
        "# TYPE a gauge\na{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 2\n", 3,
        "duplicate series a{x=\"1\",y=\"2\"} (already on line 2)";
    duplicate_series_without_labels:
        "a 1\na{} 2\n", 2,
        "duplicate series a (already on line 1)";
    family_split_by_another:
        "# TYPE a gauge\na{x=\"1\"} 1\n# TYPE b gauge\nb 1\na{x=\"2\"} 2\n", 5,
        "'a' appears again after other metrics (last seen on line 2)";
    type_separated_from_samples:
        "# TYPE a gauge\n# TYPE b gauge\na 1\n", 3,
        "'a' appears again after other metrics (last seen on line 1)";

    // Not the text format at all.
    html_page:
        "\n<!DOCTYPE html>\n<html><body>Not found</body></html>\n", 2,
        "this looks like HTML, not the Prometheus text format";
    json_object:
        "{\"http_requests_total\": 3}\n", 1,
        "this looks like JSON, not the Prometheus text format";
    json_array:
        "[1, 2]", 1,
        "this looks like JSON";
    label_set_without_metric_name_first:
        "{job=\"x\"} 1\n", 1,
        "expected a metric name at the start of the line, found '{'";
    stray_carriage_return:
        "up 1\r\r\n", 1,
        "invalid value '1\\r' for 'up'";
    byte_order_mark:
        "\u{feff}up 1\n", 1,
        "byte order mark";
}

#[test]
fn crlf_errors_report_the_line_without_the_carriage_return() {
    let err = parse("# TYPE up gauge\r\nup{job=x} 1\r\n").unwrap_err();
    assert_eq!(err.line, 2);
    assert_eq!(err.text, "up{job=x} 1");
    assert_eq!(
        err.to_string(),
        "line 2: expected a double-quoted value for label 'job', found 'x'"
    );
}

#[test]
fn long_lines_are_cut_in_the_error_text() {
    let line = format!("up{{job=\"{}\"}} x", "a".repeat(300));
    let err = parse(&line).unwrap_err();
    assert_eq!(err.line, 1);
    assert_eq!(err.text.chars().count(), 120);
    assert!(err.text.ends_with("..."));
}
