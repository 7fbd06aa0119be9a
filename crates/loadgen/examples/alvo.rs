//! The benchmark's target: the smallest axum server there is, answering `hello` to every path
//! on 127.0.0.1, so a load generator's own speed is what gets measured
//! (`scripts/bench-load.sh`).
//!
//! `cargo run --release -p loadgen --example alvo -- [PORT] [WORKER_THREADS]` (port 0, or none,
//! picks a free one); prints `http://127.0.0.1:PORT` once listening, and serves until killed.

use std::io::Write;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().map_or(Ok(0), |p| p.parse()).map_err(invalid)?;
    let threads: usize = args.next().map_or(Ok(1), |t| t.parse()).map_err(invalid)?;
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()?
        .block_on(async move {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
            let mut out = std::io::stdout();
            writeln!(out, "http://{}", listener.local_addr()?)?;
            out.flush()?;
            let app = axum::Router::new().fallback(|| async { "hello" });
            axum::serve(listener, app).await
        })
}

fn invalid(e: std::num::ParseIntError) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, e)
}
