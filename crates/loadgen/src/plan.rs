//! What load to apply: [`Plan`] and [`Mode`].

use std::time::Duration;

use crate::mix::Mix;

/// How requests are generated.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// Closed loop, like Locust: `users` virtual users, started `spawn_rate` per second (the
    /// first at once, user `i` at `i / spawn_rate` seconds). Each one picks an action from the
    /// mix, sends it, waits for the answer, then thinks for a random time between
    /// `think_time.0` and `think_time.1` (Locust's `wait_time = between(a, b)`), and again.
    /// The slower the app, the fewer requests: the load adapts to it.
    Users {
        users: u32,
        spawn_rate: f64,
        think_time: (Duration, Duration),
    },
    /// Open loop: `per_second` requests a second at a constant pace, whatever the app does.
    /// When `max_in_flight` requests are already waiting for an answer, an arrival is not
    /// sent but counted in [`Report::dropped`](crate::Report::dropped): a slow app shows as
    /// drops, never as an ever-growing queue.
    Rate { per_second: f64, max_in_flight: u32 },
}

/// Ten users, two started a second, thinking one to three seconds: the roteiro's Locust run.
impl Default for Mode {
    fn default() -> Self {
        Mode::Users {
            users: 10,
            spawn_rate: 2.0,
            think_time: (Duration::from_secs(1), Duration::from_secs(3)),
        }
    }
}

/// A load to apply: how ([`Mode`]), for how long, how many requests at most, what requests
/// ([`Mix`]) and from which seed.
///
/// ```
/// use std::time::Duration;
/// use loadgen::{Action, Mix, Mode, Plan};
///
/// // 96 purchases of product 2, one at a time and as fast as the shop answers.
/// let plan = Plan {
///     mode: Mode::Users { users: 1, spawn_rate: 1.0, think_time: (Duration::ZERO, Duration::ZERO) },
///     duration: Duration::from_secs(60),
///     max_requests: Some(96),
///     mix: Mix::only(Action::Checkout { produto_id: Some(2) }),
///     ..Plan::default()
/// };
/// assert!(plan.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub mode: Mode,
    /// The run stops issuing requests after this long (requests in flight then finish, within
    /// `request_timeout`).
    pub duration: Duration,
    /// The run stops after sending exactly this many requests, if its duration is not over
    /// first.
    pub max_requests: Option<u64>,
    /// Seeds every random choice: the same seed and mix give each user the same sequence of
    /// requests (see [`user_steps`](crate::user_steps)).
    pub seed: u64,
    pub mix: Mix,
    /// How long one request may take, answer body included; past it, it is a failure
    /// (`timeout`).
    pub request_timeout: Duration,
}

/// [`Mode::default`], 30 s, no request limit, seed 0, [`Mix::default`], 10 s per request.
impl Default for Plan {
    fn default() -> Self {
        Self {
            mode: Mode::default(),
            duration: Duration::from_secs(30),
            max_requests: None,
            seed: 0,
            mix: Mix::default(),
            request_timeout: Duration::from_secs(10),
        }
    }
}

/// What is wrong with a [`Plan`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("the number of users must be at least 1")]
    NoUsers,
    #[error("the spawn rate must be a number of users per second above 0")]
    SpawnRate,
    #[error("the think time must go from a minimum to a maximum at least as long")]
    ThinkTime,
    #[error("the rate must be a number of requests per second above 0")]
    Rate,
    #[error("max_in_flight must be at least 1")]
    MaxInFlight,
    #[error("the duration must be above 0")]
    Duration,
    #[error("the request timeout must be above 0")]
    RequestTimeout,
}

impl Plan {
    /// Checks the numbers make sense; [`run`](crate::run) does it too.
    pub fn validate(&self) -> Result<(), PlanError> {
        match self.mode {
            Mode::Users {
                users,
                spawn_rate,
                think_time: (min, max),
            } => {
                if users == 0 {
                    return Err(PlanError::NoUsers);
                }
                if !(spawn_rate.is_finite() && spawn_rate > 0.0) {
                    return Err(PlanError::SpawnRate);
                }
                if min > max {
                    return Err(PlanError::ThinkTime);
                }
            }
            Mode::Rate {
                per_second,
                max_in_flight,
            } => {
                if !(per_second.is_finite() && per_second > 0.0) {
                    return Err(PlanError::Rate);
                }
                if max_in_flight == 0 {
                    return Err(PlanError::MaxInFlight);
                }
            }
        }
        if self.duration.is_zero() {
            return Err(PlanError::Duration);
        }
        if self.request_timeout.is_zero() {
            return Err(PlanError::RequestTimeout);
        }
        Ok(())
    }
}
