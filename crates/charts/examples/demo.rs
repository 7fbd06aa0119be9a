//! Draws a sample chart to the file given as the first argument (default `demo.png`), to see
//! what the grader's charts look like: `cargo run -p charts --example demo -- /tmp/demo.png`.

fn main() -> std::io::Result<()> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "demo.png".into());
    let wave = |k: f64| -> Vec<(f64, f64)> {
        (0..=60)
            .map(|i| {
                let t = f64::from(i);
                (t, 0.05 + k * (t / 60.0) + 0.01 * (t / 3.0).sin())
            })
            .collect()
    };
    let chart = charts::Chart {
        title: "Latência P95 por endpoint".into(),
        x_label: "tempo (s)".into(),
        y_label: "segundos".into(),
        series: vec![
            charts::Series::line("/produtos", wave(0.2)),
            charts::Series::line("/checkout", wave(0.9)),
            charts::Series::line("/carrinho", wave(0.4)),
        ],
        no_data: "sem dados".into(),
    };
    std::fs::write(&out, chart.png(640, 360))
}
