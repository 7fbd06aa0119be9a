//! Running a [`Plan`] against the shop.

use std::fmt;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Url;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use reqwest::redirect::Policy;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, MissedTickBehavior, interval_at, sleep_until};

use crate::mix::{Step, Steps, THINK_STREAM, derive_seed, user_steps};
use crate::plan::{Mode, Plan, PlanError};
use crate::stats::{Outcome, Recorder, Report, Stop};

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The base URL does not parse, is not `http://`, or has a query or fragment.
    #[error("`{url}` is not a base URL the load can go to: {reason}")]
    BadUrl { url: String, reason: String },
    /// The base URL's host is not this machine. A course rule: the load generator only sends
    /// to loopback (127.0.0.0/8, ::1, `localhost`), so no traffic leaves the machine.
    #[error(
        "`{host}` is not this machine: the load only goes to loopback (127.0.0.1, ::1, localhost)"
    )]
    NotLoopback { url: String, host: String },
    #[error("invalid plan: {0}")]
    Plan(#[from] PlanError),
    #[error("the HTTP client could not be built: {0}")]
    Client(String),
}

/// The base URL, checked: `http://` on a loopback host, no query, no trailing `/`.
pub(crate) fn loopback_base(url: &str) -> Result<String, Error> {
    let bad = |reason: &str| Error::BadUrl {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let parsed = Url::parse(url).map_err(|e| bad(&e.to_string()))?;
    if parsed.scheme() != "http" {
        return Err(bad("only http:// (the shop has no TLS)"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(bad("a base URL has no query nor fragment"));
    }
    let host = parsed.host_str().ok_or_else(|| bad("no host"))?;
    let ip = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>();
    let loopback = match ip {
        Ok(IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    };
    if !loopback {
        return Err(Error::NotLoopback {
            url: url.to_string(),
            host: host.to_string(),
        });
    }
    Ok(parsed.as_str().trim_end_matches('/').to_string())
}

/// Where a run is, every [`Load::on_progress`] period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snapshot {
    /// Since the start.
    pub elapsed: Duration,
    /// Users running ([`Mode::Users`]), or requests in flight ([`Mode::Rate`]).
    pub users: u64,
    /// Requests finished so far.
    pub requests: u64,
    /// Failures so far (see [`EndpointStats::failures`](crate::EndpointStats::failures)).
    pub failures: u64,
    /// Arrivals dropped so far ([`Mode::Rate`]).
    pub dropped: u64,
    /// Requests finished per second since the previous snapshot.
    pub rps: f64,
    /// Requests sent and not yet answered, now.
    pub in_flight: u64,
    /// Since the start, the time integral of [`in_flight`](Self::in_flight), in
    /// request-seconds: its increase between two snapshots, divided by the seconds between
    /// them, is the mean number of requests in the system over that span (the N of Little's
    /// law, as the client sees it), however short the requests.
    pub in_flight_seconds: f64,
}

/// Requests in flight, and the time integral of their count, kept exact at every change.
#[derive(Debug)]
struct InFlight {
    count: u64,
    /// When `count` last changed.
    since: Instant,
    /// Request-seconds up to `since`.
    area: f64,
}

impl InFlight {
    fn new(start: Instant) -> Self {
        Self {
            count: 0,
            since: start,
            area: 0.0,
        }
    }

    fn change(&mut self, up: bool) {
        let now = Instant::now();
        self.area += self.count as f64 * (now - self.since).as_secs_f64();
        self.since = now;
        if up {
            self.count += 1;
        } else {
            self.count = self.count.saturating_sub(1);
        }
    }

    /// (requests in flight, request-seconds up to `now`).
    fn read(&self, now: Instant) -> (u64, f64) {
        let extra = self.count as f64 * now.saturating_duration_since(self.since).as_secs_f64();
        (self.count, self.area + extra)
    }
}

type Callback<'a> = Box<dyn FnMut(&Snapshot) + Send + 'a>;

/// A run being prepared: the checked base URL and plan, and optionally a progress callback
/// and a cancellation. [`run`] is the short way when neither is needed.
///
/// ```no_run
/// # async fn f() -> Result<(), loadgen::Error> {
/// use std::time::Duration;
/// let report = loadgen::Load::new("http://127.0.0.1:5000", loadgen::Plan::default())?
///     .on_progress(Duration::from_secs(1), |s| eprintln!("{} req, {:.0} req/s", s.requests, s.rps))
///     .cancel_when(async { let _ = tokio::signal::ctrl_c().await; })
///     .run()
///     .await?;
/// print!("{}", report.table());
/// # Ok(()) }
/// ```
pub struct Load<'a> {
    base: String,
    plan: Plan,
    progress: Option<(Duration, Callback<'a>)>,
    cancel: Option<Pin<Box<dyn Future<Output = ()> + Send + 'a>>>,
}

impl fmt::Debug for Load<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Load")
            .field("base", &self.base)
            .field("plan", &self.plan)
            .field("progress", &self.progress.as_ref().map(|(every, _)| every))
            .field("cancellable", &self.cancel.is_some())
            .finish()
    }
}

impl<'a> Load<'a> {
    /// Checks the base URL (`http://` on loopback only: [`Error::NotLoopback`] otherwise) and
    /// the plan ([`Error::Plan`]).
    pub fn new(base_url: &str, plan: Plan) -> Result<Self, Error> {
        let base = loopback_base(base_url)?;
        plan.validate()?;
        Ok(Self {
            base,
            plan,
            progress: None,
            cancel: None,
        })
    }

    /// Calls `f` every `every` (at least 10 ms) while the run lasts, from the task awaiting
    /// [`run`](Self::run).
    pub fn on_progress(mut self, every: Duration, f: impl FnMut(&Snapshot) + Send + 'a) -> Self {
        self.progress = Some((every.max(Duration::from_millis(10)), Box::new(f)));
        self
    }

    /// Stops the run early when `cancel` completes (a Ctrl-C, a `watch` that changes, a
    /// timer...): no new request is sent, those in flight finish, and the report says
    /// [`Stop::Cancelled`].
    pub fn cancel_when(mut self, cancel: impl Future<Output = ()> + Send + 'a) -> Self {
        self.cancel = Some(Box::pin(cancel));
        self
    }

    /// Runs the plan and returns what happened.
    ///
    /// Stops at the plan's duration, after exactly `max_requests` requests, or on
    /// cancellation, whichever comes first; then waits for the requests in flight (each is
    /// bounded by `request_timeout`). When it returns, every task it started is finished;
    /// if the future is dropped instead, they are aborted.
    pub async fn run(self) -> Result<Report, Error> {
        let Load {
            base,
            plan,
            mut progress,
            cancel,
        } = self;
        let mut cancel = cancel.unwrap_or_else(|| Box::pin(std::future::pending()));
        let client = client(&plan)?;
        let shared = Arc::new(Shared {
            client,
            base,
            rec: Recorder::new(),
            remaining: plan.max_requests.map(AtomicU64::new),
            exhausted: Notify::new(),
            timeout: plan.request_timeout,
            active: AtomicU64::new(0),
            in_flight: std::sync::Mutex::new(InFlight::new(Instant::now())),
        });
        let start = Instant::now();
        shared.flight().since = start;
        if plan.max_requests == Some(0) {
            return Ok(shared.rec.report(start.elapsed(), Stop::MaxRequests, 0));
        }
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut tasks = JoinSet::new();
        let deadline = sleep_until(after(start, plan.duration));
        tokio::pin!(deadline);
        let every = progress.as_ref().map_or(Duration::from_secs(1), |p| p.0);
        let mut ticker = interval_at(after(start, every), every);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut last = (start, 0u64);

        let mut started: u64 = 0;
        let mut next_at = start;
        let mut rate_steps = user_steps(&plan.mix, plan.seed, 0);
        let stop = loop {
            let more = match plan.mode {
                Mode::Users { users, .. } => started < u64::from(users),
                Mode::Rate { .. } => true,
            };
            tokio::select! {
                biased;
                () = &mut cancel => break Stop::Cancelled,
                () = &mut deadline => break Stop::Duration,
                () = shared.exhausted.notified() => break Stop::MaxRequests,
                () = sleep_until(next_at), if more => match plan.mode {
                    Mode::Users { spawn_rate, think_time, .. } => {
                        let steps = user_steps(&plan.mix, plan.seed, started);
                        let think = StdRng::seed_from_u64(derive_seed(plan.seed, started, THINK_STREAM));
                        tasks.spawn(user(shared.clone(), steps, think, think_time, stop_rx.clone()));
                        started += 1;
                        next_at = after_secs(start, started as f64 / spawn_rate);
                    }
                    Mode::Rate { per_second, max_in_flight } => {
                        let now = Instant::now();
                        while next_at <= now && !shared.exhausted_now() {
                            if shared.active.load(Ordering::Relaxed) >= u64::from(max_in_flight) {
                                shared.rec.dropped();
                            } else if shared.claim() {
                                let step = rate_steps.next().expect("endless");
                                let s = shared.clone();
                                s.active.fetch_add(1, Ordering::Relaxed);
                                tasks.spawn(async move {
                                    s.send(step).await;
                                    s.active.fetch_sub(1, Ordering::Relaxed);
                                });
                            }
                            started += 1;
                            next_at = after_secs(start, started as f64 / per_second);
                        }
                    }
                },
                _ = ticker.tick(), if progress.is_some() => {
                    if let Some((_, f)) = progress.as_mut() {
                        let now = Instant::now();
                        let (requests, failures, dropped) = shared.rec.totals();
                        let (in_flight, in_flight_seconds) = shared.flight().read(now);
                        let secs = (now - last.0).as_secs_f64().max(1e-9);
                        f(&Snapshot {
                            elapsed: now - start,
                            users: shared.active.load(Ordering::Relaxed),
                            requests,
                            failures,
                            dropped,
                            rps: requests.saturating_sub(last.1) as f64 / secs,
                            in_flight,
                            in_flight_seconds,
                        });
                        last = (now, requests);
                    }
                }
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            }
        };
        stop_tx.send_replace(true);
        let grace = plan.request_timeout.saturating_add(Duration::from_secs(1));
        let drained =
            tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            tasks.abort_all();
            while tasks.join_next().await.is_some() {}
        }
        let users_started = match plan.mode {
            Mode::Users { .. } => started,
            Mode::Rate { .. } => 0,
        };
        Ok(shared.rec.report(start.elapsed(), stop, users_started))
    }
}

/// `start + d`, or a century later when `d` is too long to add (a plan may say "forever").
fn after(start: Instant, d: Duration) -> Instant {
    start
        .checked_add(d)
        .unwrap_or_else(|| start + Duration::from_secs(100 * 365 * 86_400))
}

/// `start` plus `secs` seconds, whatever `secs` is (a tiny rate makes it huge).
fn after_secs(start: Instant, secs: f64) -> Instant {
    after(
        start,
        Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX),
    )
}

/// Runs `plan` against the shop at `base_url` (loopback only), with no progress callback and
/// no cancellation. See [`Load::run`].
pub async fn run(base_url: &str, plan: &Plan) -> Result<Report, Error> {
    Load::new(base_url, plan.clone())?.run().await
}

/// One client for the whole run: keep-alive connections reused by every user. No proxy and
/// no redirects, so a request cannot leave the machine; `localhost` always means loopback,
/// whatever the resolver says.
fn client(plan: &Plan) -> Result<reqwest::Client, Error> {
    let loopback = [
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
        SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 0),
    ];
    reqwest::Client::builder()
        .no_proxy()
        .redirect(Policy::none())
        .resolve_to_addrs("localhost", &loopback)
        .connect_timeout(plan.request_timeout)
        .tcp_nodelay(true)
        .build()
        .map_err(|e| Error::Client(e.to_string()))
}

struct Shared {
    client: reqwest::Client,
    base: String,
    rec: Recorder,
    /// Requests still allowed, when the plan has a maximum.
    remaining: Option<AtomicU64>,
    /// Told once, when the last allowed request is claimed.
    exhausted: Notify,
    timeout: Duration,
    /// Users running, or requests in flight.
    active: AtomicU64,
    /// Requests sent and not answered yet, with their time integral.
    in_flight: std::sync::Mutex<InFlight>,
}

impl Shared {
    /// Takes the right to send one request; false when `max_requests` are all taken. A
    /// request claimed is always sent, so exactly `max_requests` go out.
    fn claim(&self) -> bool {
        let Some(remaining) = &self.remaining else {
            return true;
        };
        match remaining.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1)) {
            Ok(1) => {
                self.exhausted.notify_one();
                true
            }
            Ok(_) => true,
            Err(_) => false,
        }
    }

    fn flight(&self) -> std::sync::MutexGuard<'_, InFlight> {
        self.in_flight.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn exhausted_now(&self) -> bool {
        self.remaining
            .as_ref()
            .is_some_and(|r| r.load(Ordering::Acquire) == 0)
    }

    async fn send(&self, step: Step) {
        let url = format!("{}{}", self.base, step.path);
        let request = match step.body {
            Some(body) => self
                .client
                .post(url)
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body),
            None => self.client.get(url),
        };
        let start = Instant::now();
        self.flight().change(true);
        let answered = Landed(self);
        let outcome = match tokio::time::timeout(self.timeout, exchange(request)).await {
            Ok(Ok(status)) => Outcome::Status(status),
            Ok(Err(e)) if e.is_timeout() => Outcome::Timeout,
            Ok(Err(e)) => Outcome::Transport(describe(&e)),
            Err(_) => Outcome::Timeout,
        };
        drop(answered);
        self.rec.record(step.endpoint, outcome, start.elapsed());
    }
}

/// Takes a request off the in-flight count when dropped: when it is answered, or when its
/// task is aborted.
struct Landed<'a>(&'a Shared);

impl Drop for Landed<'_> {
    fn drop(&mut self) {
        self.0.flight().change(false);
    }
}

/// Sends the request and reads the whole answer (so the connection can be reused).
async fn exchange(request: reqwest::RequestBuilder) -> reqwest::Result<u16> {
    let mut response = request.send().await?;
    let status = response.status().as_u16();
    while response.chunk().await?.is_some() {}
    Ok(status)
}

/// `connect: Connection refused (os error 111)`: the kind, and the innermost cause (which
/// has no URL in it, so failures of every path fold into one line).
fn describe(e: &reqwest::Error) -> String {
    let mut inner: &dyn std::error::Error = e;
    while let Some(source) = inner.source() {
        inner = source;
    }
    let kind = if e.is_connect() {
        "connect"
    } else if e.is_body() || e.is_decode() {
        "body"
    } else {
        "request"
    };
    format!("{kind}: {inner}")
}

/// One virtual user: claim, send, think, until the run stops.
async fn user(
    shared: Arc<Shared>,
    mut steps: Steps,
    mut think: StdRng,
    (min, max): (Duration, Duration),
    mut stop: watch::Receiver<bool>,
) {
    shared.active.fetch_add(1, Ordering::Relaxed);
    loop {
        if *stop.borrow() || !shared.claim() {
            break;
        }
        shared.send(steps.next().expect("endless")).await;
        let pause = if max > min {
            think.random_range(min..=max)
        } else {
            min
        };
        if !pause.is_zero() {
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                _ = stop.wait_for(|s| *s) => break,
            }
        }
    }
    shared.active.fetch_sub(1, Ordering::Relaxed);
}
