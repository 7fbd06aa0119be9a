//! A Prometheus kept between gradings (`grader watch`, `grader bulk`): one server for many
//! gradings, and no sample of a grading ever reaches the next one's queries.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::course_root;
use grader::course::{Course, Which};
use grader::grade::{Options, grade};
use grader::prometheus::{Backend, Kept, find_binary, unix_now};
use grader::spec::Spec;

/// A `/metrics` that always answers `body`, on `addr`, until dropped.
struct Exporter {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Exporter {
    fn serve(addr: SocketAddr, body: &'static str) -> Self {
        let listener = TcpListener::bind(addr).expect("the kept server's app port is free");
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                let Ok((mut conn, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                conn.set_nonblocking(false).unwrap();
                conn.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
                let mut request = [0u8; 4096];
                let _ = conn.read(&mut request);
                let _ = write!(
                    conn,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Exporter {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn native() -> Backend {
    Backend::Native(find_binary(None).expect("Prometheus on PATH (scripts/setup.sh)"))
}

#[test]
fn a_kept_prometheus_forgets_every_sample_of_the_grading_before() {
    runtime().block_on(forgets_the_grading_before(native()));
}

/// The same on the Docker backend, the one students get: the image's Prometheus has the
/// admin API the kept server needs.
#[test]
fn a_kept_prometheus_in_a_container_forgets_too() {
    let image = common::local_prometheus_image();
    runtime().block_on(forgets_the_grading_before(Backend::Docker(image)));
}

async fn forgets_the_grading_before(backend: Backend) {
    let pool = Arc::new(Kept::default());
    let timeout = Duration::from_secs(30);

    // The first grading: its app reports a large count under a label of its own.
    let first = pool.lease(&backend, timeout).await.unwrap();
    let app = first.app();
    let exporter = Exporter::serve(app, "marca_total{corrida=\"primeira\"} 1000\n");
    let prom = first.prometheus();
    prom.wait_target_up(Duration::from_secs(20)).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while prom.query("marca_total").await.unwrap() == 0 {
        assert!(Instant::now() < deadline, "the first app was never scraped");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(exporter);
    drop(first);

    // The next grading gets the same server, scraping the same port.
    let mut second = pool.lease(&backend, timeout).await.unwrap();
    assert_eq!(pool.started(), 1, "the server was not kept");
    assert_eq!(second.app(), app);
    // Nothing listens yet: the first app's `up` is not this grading's.
    let prom = second.prometheus_mut();
    assert!(
        prom.wait_target_up(Duration::from_secs(3)).await.is_err(),
        "the target counted as up with no app listening"
    );
    let _exporter = Exporter::serve(app, "marca_total{corrida=\"segunda\"} 1\n");
    prom.wait_target_up(Duration::from_secs(10)).await.unwrap();

    // Every query of the second grading, however wide its window, sees its own app only.
    for query in [
        "marca_total{corrida=\"primeira\"}",
        "count_over_time(marca_total{corrida=\"primeira\"}[1h])",
        "max_over_time(marca_total[1h]) > 1",
    ] {
        let seen = prom.query_at(query, unix_now()).await.unwrap();
        assert!(seen.is_empty(), "`{query}` saw the first grading: {seen:?}");
    }
    let own = prom
        .query_at("max_over_time(marca_total[1h])", unix_now())
        .await
        .unwrap();
    assert_eq!(own.len(), 1, "{own:?}");
    assert_eq!(own[0].labels["corrida"], "segunda");
    assert_eq!(own[0].value, 1.0);
    drop(second);
    pool.stop().await;
}

#[test]
fn a_kept_server_whose_app_port_was_taken_is_replaced() {
    runtime().block_on(async {
        let pool = Arc::new(Kept::default());
        let backend = native();
        let first = pool.lease(&backend, Duration::from_secs(30)).await.unwrap();
        let taken = first.app();
        drop(first);
        // Another program listens on the kept server's app port between two gradings.
        let squatter = TcpListener::bind(taken).unwrap();
        let next = pool.lease(&backend, Duration::from_secs(30)).await.unwrap();
        assert_ne!(
            next.app(),
            taken,
            "the app would not be able to start there"
        );
        assert_eq!(pool.started(), 2);
        drop(squatter);
        drop(next);
        pool.stop().await;
    });
}

/// Each check's id and whether it passed, in the spec's order.
fn verdicts(report: &grader::report::Report) -> Vec<(String, bool)> {
    report
        .checks
        .iter()
        .map(|c| (c.id.clone(), c.passed))
        .collect()
}

#[test]
fn gradings_on_a_kept_prometheus_give_the_verdicts_of_a_fresh_one() {
    runtime().block_on(async {
        let course = Course::locate(Some(&course_root())).unwrap();
        let spec = Spec::builtin("ex1").unwrap();
        let fresh = |which| Options {
            which,
            backend: grader::prometheus::BackendChoice::Native,
            ..Options::default()
        };
        let starter_alone = grade(&course, &spec, &fresh(Which::Starter)).await.unwrap();
        assert!(starter_alone.score() < spec.max_score());

        let pool = Arc::new(Kept::default());
        let kept = |which| Options {
            kept: Some(Arc::clone(&pool)),
            ..fresh(which)
        };
        // The solution fills the server with every series ex1 asks for; the starter after it
        // must still miss those it misses alone, and the solution after that pass again.
        for (which, expected) in [
            (Which::Solution, None),
            (Which::Starter, Some(&starter_alone)),
            (Which::Solution, None),
        ] {
            let report = grade(&course, &spec, &kept(which)).await.unwrap();
            match expected {
                None => assert_eq!(
                    report.score(),
                    spec.max_score(),
                    "{}",
                    report.render_text(grader::lang::Lang::En)
                ),
                Some(alone) => assert_eq!(
                    verdicts(&report),
                    verdicts(alone),
                    "{}",
                    report.render_text(grader::lang::Lang::En)
                ),
            }
        }
        assert_eq!(pool.started(), 1, "one server for the three gradings");
        pool.stop().await;
    });
}
