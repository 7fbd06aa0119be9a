//! The load generator against the real shop over loopback HTTP: what it says it sent is what
//! the app saw, its bounds hold, and it refuses to leave the machine.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Shop, eager};
use loadgen::{Action, Endpoint, Error, Load, Mix, Mode, Plan, Stop, user_steps};
use serde_json::json;

fn plan(mode: Mode, max_requests: Option<u64>) -> Plan {
    Plan {
        mode,
        duration: Duration::from_secs(60),
        max_requests,
        seed: 42,
        ..Plan::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_max_requests_are_sent_and_each_route_counts_what_the_app_saw() {
    let shop = Shop::start(0.0).await;
    let report = loadgen::run(&shop.base, &plan(eager(8), Some(500)))
        .await
        .unwrap();
    assert_eq!(report.stop, Stop::MaxRequests);
    assert_eq!(report.total.requests, 500);
    assert_eq!(shop.seen.len(), 500, "the app saw exactly max_requests");
    assert_eq!(report.requests_by_endpoint(), shop.seen.by_endpoint());
    // The default mix reaches every route, and every request is one the shop accepts.
    assert_eq!(report.endpoints.len(), Endpoint::ALL.len(), "{report:?}");
    assert_eq!(report.total.failures, 0, "{}", report.table());
    let sum: u64 = report.endpoints.iter().map(|e| e.requests).sum();
    assert_eq!(sum, 500);
    let statuses: u64 = report.total.statuses.values().sum();
    assert_eq!(statuses, 500);
    let table = report.table();
    for e in Endpoint::ALL {
        assert!(
            table.contains(e.method()) && table.contains(e.route()),
            "{table}"
        );
    }
    assert!(table.contains("Aggregated"), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_sends_exactly_max_requests_too() {
    let shop = Shop::start(0.0).await;
    let mode = Mode::Rate {
        per_second: 400.0,
        max_in_flight: 50,
    };
    let report = loadgen::run(&shop.base, &plan(mode, Some(120)))
        .await
        .unwrap();
    assert_eq!(report.stop, Stop::MaxRequests);
    assert_eq!(report.total.requests, 120);
    assert_eq!(report.requests_by_endpoint(), shop.seen.by_endpoint());
    assert_eq!(report.users_started, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_sends_its_seeded_sequence_in_order() {
    let shop = Shop::start(0.0).await;
    let mix = Mix::default();
    let report = loadgen::run(
        &shop.base,
        &Plan {
            mix: mix.clone(),
            seed: 7,
            ..plan(eager(1), Some(40))
        },
    )
    .await
    .unwrap();
    assert_eq!(report.total.requests, 40);
    let expected: Vec<String> = user_steps(&mix, 7, 0).take(40).map(|s| s.path).collect();
    assert_eq!(shop.seen.paths(), expected);
}

#[test]
fn the_same_seed_gives_the_same_sequence_and_another_seed_another() {
    let mix = Mix::default();
    let a: Vec<_> = user_steps(&mix, 1, 0).take(100).collect();
    let b: Vec<_> = user_steps(&mix, 1, 0).take(100).collect();
    let other_seed: Vec<_> = user_steps(&mix, 2, 0).take(100).collect();
    let other_user: Vec<_> = user_steps(&mix, 1, 1).take(100).collect();
    assert_eq!(a, b);
    assert_ne!(a, other_seed);
    assert_ne!(a, other_user);
}

#[tokio::test]
async fn a_host_that_is_not_this_machine_is_refused() {
    for url in [
        "http://10.0.0.1:5000",
        "http://192.168.0.10",
        "http://example.com",
        "http://localhost.example.com:5000",
        "http://[2001:db8::1]:5000",
        "http://0.0.0.0:5000",
    ] {
        let err = loadgen::run(url, &Plan::default()).await.unwrap_err();
        assert!(matches!(err, Error::NotLoopback { .. }), "{url}: {err}");
        assert!(err.to_string().contains("loopback"), "{err}");
    }
    for url in [
        "https://127.0.0.1:5000",
        "ftp://localhost",
        "não é url",
        "http://127.0.0.1/?x=1",
    ] {
        let err = Load::new(url, Plan::default()).unwrap_err();
        assert!(matches!(err, Error::BadUrl { .. }), "{url}: {err}");
    }
    for url in [
        "http://127.0.0.1:5000",
        "http://127.1.2.3:5000/",
        "http://localhost:5000",
        "http://LOCALHOST",
        "http://[::1]:5000",
    ] {
        assert!(Load::new(url, Plan::default()).is_ok(), "{url}");
    }
}

#[tokio::test]
async fn a_plan_that_makes_no_sense_is_refused() {
    let bad = Plan {
        mode: Mode::Users {
            users: 0,
            spawn_rate: 1.0,
            think_time: (Duration::ZERO, Duration::ZERO),
        },
        ..Plan::default()
    };
    let err = loadgen::run("http://127.0.0.1:1", &bad).await.unwrap_err();
    assert!(
        matches!(err, Error::Plan(loadgen::PlanError::NoUsers)),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_with_no_end_stops_at_max_requests() {
    let shop = Shop::start(0.0).await;
    let p = Plan {
        mode: Mode::Users {
            users: 1000,
            spawn_rate: 1e-30,
            think_time: (Duration::ZERO, Duration::ZERO),
        },
        duration: Duration::MAX,
        request_timeout: Duration::MAX,
        ..plan(eager(1), Some(5))
    };
    let report = loadgen::run(&shop.base, &p).await.unwrap();
    assert_eq!(report.stop, Stop::MaxRequests);
    assert_eq!((report.users_started, report.total.requests), (1, 5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_errors_are_failures() {
    let shop = Shop::start(0.0).await;
    shop.faults(json!({ "taxa_erro": 1.0 })).await;
    let report = loadgen::run(&shop.base, &plan(eager(4), Some(60)))
        .await
        .unwrap();
    assert_eq!(report.total.requests, 60);
    assert_eq!(report.total.failures, 60);
    assert_eq!(report.total.statuses.get(&500), Some(&60));
    assert!(
        report.failures.iter().all(|f| f.error == "HTTP 500"),
        "{:?}",
        report.failures
    );
    let table = report.table();
    assert!(table.contains("60(100.00%)"), "{table}");
    assert!(table.contains("HTTP 500"), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sold_out_checkout_is_a_409_and_not_a_failure() {
    let shop = Shop::start(0.0).await;
    // Product 2 has 100 in stock.
    let p = Plan {
        mix: Mix::only(Action::Checkout {
            produto_id: Some(2),
        }),
        ..plan(eager(3), Some(103))
    };
    let report = loadgen::run(&shop.base, &p).await.unwrap();
    let checkout = report.endpoint(Endpoint::Checkout).unwrap();
    assert_eq!(checkout.statuses.get(&200), Some(&100));
    assert_eq!(checkout.statuses.get(&409), Some(&3));
    assert_eq!(checkout.failures, 0);
    assert_eq!(report.endpoints.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_start_no_faster_than_the_spawn_rate() {
    let shop = Shop::start(0.0).await;
    let p = Plan {
        mode: Mode::Users {
            users: 10,
            spawn_rate: 2.0,
            think_time: (Duration::from_millis(100), Duration::from_millis(200)),
        },
        duration: Duration::from_millis(1200),
        ..Plan::default()
    };
    let report = loadgen::run(&shop.base, &p).await.unwrap();
    assert_eq!(report.stop, Stop::Duration);
    // At 0 s, 0.5 s and 1 s: three users, never the ten asked for.
    assert!(
        (1..=3).contains(&report.users_started),
        "{}",
        report.users_started
    );
    assert_eq!(report.requests_by_endpoint(), shop.seen.by_endpoint());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_run_returns_nothing_it_started_is_left() {
    let shop = Shop::start(0.01).await;
    let metrics = tokio::runtime::Handle::current().metrics();
    let before = metrics.num_alive_tasks();
    let p = Plan {
        duration: Duration::from_millis(800),
        ..plan(eager(20), None)
    };
    let report = loadgen::run(&shop.base, &p).await.unwrap();
    assert_eq!(report.stop, Stop::Duration);
    let seen_at_return = shop.seen.len();
    assert_eq!(report.total.requests as usize, seen_at_return);
    // Connections close once the client is gone; the server's tasks for them end with them.
    let mut waited = Duration::ZERO;
    while metrics.num_alive_tasks() > before && waited < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += Duration::from_millis(20);
    }
    assert!(
        metrics.num_alive_tasks() <= before,
        "{} tasks alive, {before} before the run",
        metrics.num_alive_tasks()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        shop.seen.len(),
        seen_at_return,
        "no request after run returned"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_run_stops_sending() {
    let shop = Shop::start(0.01).await;
    let p = Plan {
        duration: Duration::from_secs(60),
        ..plan(eager(10), None)
    };
    let cut = tokio::time::timeout(Duration::from_millis(500), loadgen::run(&shop.base, &p)).await;
    assert!(cut.is_err(), "still running when dropped");
    // Requests in flight when the future was dropped may still land, once.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen = shop.seen.len();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(shop.seen.len(), seen, "the users were aborted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_run_returns_its_report() {
    let shop = Shop::start(0.01).await;
    let (tx, mut rx) = tokio::sync::watch::channel(false);
    let snapshots = Arc::new(Mutex::new(Vec::new()));
    let log = snapshots.clone();
    let load = Load::new(&shop.base, plan(eager(4), None))
        .unwrap()
        .on_progress(Duration::from_millis(100), move |s| {
            log.lock().unwrap().push(*s)
        })
        .cancel_when(async move {
            let _ = rx.wait_for(|c| *c).await;
        });
    let cancel = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(700)).await;
        tx.send_replace(true);
    });
    let report = load.run().await.unwrap();
    cancel.await.unwrap();
    assert_eq!(report.stop, Stop::Cancelled);
    assert!(report.total.requests > 0);
    assert_eq!(report.requests_by_endpoint(), shop.seen.by_endpoint());
    let snapshots = snapshots.lock().unwrap();
    assert!(!snapshots.is_empty());
    assert!(
        snapshots.windows(2).all(|w| w[0].requests <= w[1].requests),
        "{snapshots:?}"
    );
    assert!(snapshots.iter().all(|s| s.users <= 4), "{snapshots:?}");
    assert!(snapshots.last().unwrap().requests <= report.total.requests);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_drops_arrivals_rather_than_queueing_them() {
    let shop = Shop::start(0.0).await;
    shop.faults(json!({ "latencia_extra_ms": 300 })).await;
    let p = Plan {
        mode: Mode::Rate {
            per_second: 100.0,
            max_in_flight: 2,
        },
        duration: Duration::from_millis(1000),
        ..plan(eager(1), None)
    };
    let report = loadgen::run(&shop.base, &p).await.unwrap();
    assert!(report.dropped > 0, "{report:?}");
    // With at most 2 in flight and 300 ms each, far fewer than the 100 arrivals were sent.
    assert!(report.total.requests < 30, "{}", report.total.requests);
    assert_eq!(report.requests_by_endpoint(), shop.seen.by_endpoint());
}

#[tokio::test]
async fn nothing_listening_is_counted_as_connection_failures() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let report = loadgen::run(
        &format!("http://127.0.0.1:{port}"),
        &plan(eager(2), Some(10)),
    )
    .await
    .unwrap();
    assert_eq!(report.total.requests, 10);
    assert_eq!(report.total.failures, 10);
    assert_eq!(report.total.transport_errors, 10);
    assert!(report.total.latency.is_none());
    assert!(
        report
            .failures
            .iter()
            .all(|f| f.error.starts_with("connect:")),
        "{:?}",
        report.failures
    );
    assert!(report.table().contains("no answer: "), "{}", report.table());
}

#[test]
fn a_spec_writes_the_mix_as_a_table_of_weights() {
    #[derive(serde::Deserialize)]
    struct Spec {
        mix: Mix,
    }
    let spec: Spec = toml::from_str(
        r#"mix = { navegar = 5, produto = 3, busca = 1, carrinho = 2, checkout = 1 }"#,
    )
    .unwrap();
    assert_eq!(
        spec.mix.to_string(),
        "navegar=5,produto=3,busca=1,carrinho=2,checkout=1"
    );
    let pinned: Spec = toml::from_str(r#"mix = { "checkout:2" = 1 }"#).unwrap();
    assert_eq!(
        pinned.mix,
        Mix::only(Action::Checkout {
            produto_id: Some(2)
        })
    );
    let err = toml::from_str::<Spec>(r#"mix = { comprar = 1 }"#)
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("unknown action `comprar`"),
        "{err}"
    );
}

#[test]
fn the_catalogue_and_payment_methods_are_the_shops() {
    let ids: Vec<u32> = loja::PRODUTOS.iter().map(|p| p.id).collect();
    assert_eq!(ids, loadgen::PRODUTO_IDS);
    assert_eq!(loja::METODOS_PAGAMENTO, loadgen::METODOS_PAGAMENTO);
}

/// Three users that never think always have a request in the shop: the mean of requests in
/// flight between two snapshots (the N of Little's law) is about 3; with a think time a few
/// times as long as the requests, well under 3.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_are_integrated_over_time() {
    // Requests of 5 to 30 ms: the client's own time between two is small beside them.
    let shop = Shop::start(0.1).await;
    let mean_in_flight = |think: Duration| {
        let base = shop.base.clone();
        async move {
            let snapshots = Arc::new(Mutex::new(Vec::new()));
            let log = snapshots.clone();
            let mode = Mode::Users {
                users: 3,
                spawn_rate: 1000.0,
                think_time: (think, think),
            };
            let plan = Plan {
                duration: Duration::from_millis(1500),
                mix: "produto=1,navegar=1".parse().unwrap(),
                ..plan(mode, None)
            };
            Load::new(&base, plan)
                .unwrap()
                .on_progress(Duration::from_millis(100), move |s| {
                    log.lock().unwrap().push(*s)
                })
                .run()
                .await
                .unwrap();
            let s = snapshots.lock().unwrap().clone();
            assert!(s.len() >= 10, "{s:?}");
            assert!(s.iter().all(|s| s.in_flight <= 3), "{s:?}");
            assert!(
                s.windows(2)
                    .all(|w| w[0].in_flight_seconds <= w[1].in_flight_seconds),
                "{s:?}"
            );
            // From the second snapshot on: the users are all started by then.
            let (a, b) = (&s[1], s.last().unwrap());
            (b.in_flight_seconds - a.in_flight_seconds) / (b.elapsed - a.elapsed).as_secs_f64()
        }
    };
    let busy = mean_in_flight(Duration::ZERO).await;
    assert!((2.6..=3.0001).contains(&busy), "mean in flight {busy}");
    let thinking = mean_in_flight(Duration::from_millis(60)).await;
    assert!(thinking < 2.5, "mean in flight with think time {thinking}");
}
