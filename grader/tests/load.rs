//! `grader load` end to end: the real binary puts load on the real shop over loopback and
//! prints Locust's table; wrong arguments and a URL off this machine are usage errors.

mod common;

use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use axum::extract::Request;
use axum::middleware::{self, Next};
use common::grader;

/// The shop on a free loopback port, served by its own runtime for the whole test binary, and
/// how many shop requests it has answered.
fn shop() -> &'static (String, Arc<AtomicU64>) {
    static SHOP: OnceLock<(String, Arc<AtomicU64>)> = OnceLock::new();
    SHOP.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let mut config = loja::Config::local(0);
                config.latency_scale = 0.0;
                let seen = Arc::new(AtomicU64::new(0));
                let count = seen.clone();
                let app = loja::app(Arc::new(()), &config).route_layer(middleware::from_fn(
                    move |req: Request, next: Next| {
                        if !req.uri().path().starts_with("/admin") {
                            count.fetch_add(1, Ordering::SeqCst);
                        }
                        next.run(req)
                    },
                ));
                let addr = loja::serve_on_free_port(app).await.unwrap();
                tx.send((format!("http://{addr}"), seen)).unwrap();
                std::future::pending::<()>().await;
            });
        });
        rx.recv().unwrap()
    })
}

#[test]
fn load_prints_locusts_table_with_every_route_of_the_mix() {
    let (url, seen) = shop();
    let before = seen.load(Ordering::SeqCst);
    let run = grader(&[
        "load",
        "--url",
        url,
        // One user: its seeded sequence alone decides which routes the 60 requests reach.
        "--users",
        "1",
        "--spawn-rate",
        "100",
        "--think",
        "0",
        "--max-requests",
        "60",
        "--seed",
        "5",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(seen.load(Ordering::SeqCst) - before, 60, "the app saw 60");
    let header = run.stdout.lines().next().unwrap();
    for column in [
        "Type", "Name", "# reqs", "# fails", "Avg", "Med", "p95", "p99", "req/s",
    ] {
        assert!(header.contains(column), "{header}");
    }
    for route in [
        "GET      / ",
        "GET      /produtos ",
        "GET      /produto/{produto_id} ",
        "GET      /busca ",
        "POST     /carrinho ",
        "POST     /checkout ",
        "GET      /logout ",
        "         Aggregated ",
    ] {
        assert!(run.stdout.contains(route), "{route}: {}", run.stdout);
    }
    let aggregated = run
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("Aggregated"))
        .unwrap();
    assert!(
        aggregated.contains(" 60 ") && aggregated.contains("0(0.00%)"),
        "{aggregated}"
    );
    assert!(
        run.stdout
            .contains("Load stopped: reached --max-requests, after "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(" users started. 60 requests, 0 failures. Seed 5 (repeat with --seed 5)."),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("load on http://127.0.0.1:"),
        "{}",
        run.stderr
    );
}

#[test]
fn load_speaks_portuguese_and_pins_a_product() {
    let (url, _) = shop();
    let out = Command::new(env!("CARGO_BIN_EXE_grader"))
        .args([
            "load",
            "--url",
            url,
            "--rate",
            "500",
            "--max-requests",
            "20",
        ])
        .args(["--mix", "produto:3=1", "--lang", "pt"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stderr.contains("carga em http://127.0.0.1:"), "{stderr}");
    assert!(stderr.contains("mix produto:3=1"), "{stderr}");
    assert!(
        stdout.contains("Carga parou: atingiu --max-requests")
            && stdout.contains("20 requisições, 0 falhas"),
        "{stdout}"
    );
    assert!(
        stdout.contains("GET      /produto/{produto_id}     200: 20"),
        "{stdout}"
    );
}

#[test]
fn load_refuses_a_host_that_is_not_this_machine() {
    let run = grader(&[
        "load",
        "--url",
        "http://192.0.2.10:5000",
        "--duration",
        "1s",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("`192.0.2.10` is not this machine"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
fn load_says_what_is_wrong_with_its_arguments() {
    let (url, _) = shop();
    let run = grader(&["load", "--url", url, "--mix", "navegar=5,voar=1"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown action `voar`"),
        "{}",
        run.stderr
    );
    let run = grader(&["load", "--url", url, "--users", "0"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("at least 1"), "{}", run.stderr);
    let run = grader(&["load", "--url", url, "--duration", "soon"]);
    assert_eq!(run.code, 2);
    let run = grader(&["load", "--url", url, "--rate", "10", "--users", "3"]);
    assert_eq!(run.code, 2);
}

#[test]
fn load_with_nothing_listening_says_to_start_the_app() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let run = grader(&["load", "--url", &format!("http://127.0.0.1:{port}")]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("nothing answers at") && run.stderr.contains("--port 5000"),
        "{}",
        run.stderr
    );
    // The app it suggests is the student's own shop, which the student edition has too.
    assert!(
        run.stderr
            .contains("cargo run -p ex2-metricas-negocio -- --port 5000"),
        "{}",
        run.stderr
    );
}
