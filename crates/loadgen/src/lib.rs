//! The course's load generator: what Locust does in the roteiro's Exercício 3, in Rust, for
//! the grader (exercises 4, 5 and 7 put load on the student's app with it) and for `grader
//! load`.
//!
//! A [`Plan`] says how ([`Mode::Users`]: closed-loop virtual users with think time, like
//! Locust; [`Mode::Rate`]: a constant arrival rate), for how long, how many requests at most,
//! and which requests ([`Mix`]: weighted actions over the shop's routes, every request one the
//! shop accepts). [`run`] (or [`Load`], with a progress callback and cancellation) applies it
//! and returns a [`Report`]: per route (named by its template, `GET /produto/{produto_id}`,
//! as Locust names its rows) and in total, requests, failures, requests per second, average
//! and p50/p95/p99 latency, and counts per HTTP status; [`Report::table`] prints it the way
//! Locust does.
//!
//! Rules it keeps:
//! - **Loopback only.** A base URL whose host is not 127.0.0.0/8, `::1` or `localhost` is
//!   refused ([`Error::NotLoopback`]); no proxy, no redirects. No traffic leaves the machine.
//! - **Bounded.** It stops at the duration or after exactly `max_requests` requests; each
//!   request has a timeout; nothing it started runs after [`run`] returns.
//! - **Reproducible.** Each user draws its requests from its own generator, seeded from the
//!   plan's seed and the user's number: [`user_steps`] gives the sequence without running
//!   anything.
//! - **Failures** are requests with no answer or a status other than 2xx, except the 409 a
//!   checkout gets when the product is sold out (the shop's documented answer; it is in the
//!   status counts). Latency figures cover the requests that got an answer.
//!
//! ```no_run
//! # async fn f() -> Result<(), loadgen::Error> {
//! use std::time::Duration;
//! use loadgen::{Mix, Mode, Plan};
//!
//! let plan = Plan {
//!     mode: Mode::Users { users: 10, spawn_rate: 2.0, think_time: (Duration::from_secs(1), Duration::from_secs(3)) },
//!     duration: Duration::from_secs(30),
//!     mix: "navegar=5,produto=3,busca=1,carrinho=2,checkout=1".parse().unwrap(),
//!     ..Plan::default()
//! };
//! let report = loadgen::run("http://127.0.0.1:5000", &plan).await?;
//! print!("{}", report.table());
//! # Ok(()) }
//! ```

mod mix;
mod plan;
mod run;
mod stats;

pub use mix::{
    Action, Endpoint, METODOS_PAGAMENTO, Mix, MixError, PRODUTO_IDS, Step, Steps, TERMOS_BUSCA,
    user_steps,
};
pub use plan::{Mode, Plan, PlanError};
pub use run::{Error, Load, Snapshot, run};
pub use stats::{EndpointStats, Failure, Latency, Report, Stop};
