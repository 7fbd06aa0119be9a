//! The kinds that read the submitted answers file: PromQL against a reference, readings of a
//! stepped load, and predictions checked against repeated measurements.

use serde::Deserialize;

use super::{Kind, Needs};

/// The student's PromQL answer to `question` returns what `reference` returns, evaluated
/// at the same instant on the same Prometheus after the spec's load: the same series
/// (told apart by the labels `by`; one series without labels when empty) with the same
/// values (to a relative 1e-6).
#[derive(Debug, Clone, Deserialize)]
pub struct Answer {
    pub question: String,
    pub reference: String,
    #[serde(default)]
    pub by: Vec<String>,
    /// With a stepped load: evaluated at the end of every step instead of once after the
    /// load, so a query that only agrees at one moment (an instant value where a step's
    /// average is asked) does not pass by chance.
    #[serde(default)]
    pub each_step: bool,
}

impl Kind for Answer {
    fn needs(&self) -> Needs {
        Needs {
            prometheus: true,
            answers: true,
            ..Needs::NONE
        }
    }

    fn default_timeout_s(&self) -> u64 {
        // Queries at the load's end, or at the end of every step.
        60
    }
}

/// The student's reading of a stepped load (`question` in the answers file) agrees with
/// what Prometheus measured step by step (see [`Measure`]).
#[derive(Debug, Clone, Deserialize)]
pub struct Reading {
    pub question: String,
    pub measure: Measure,
}

impl Kind for Reading {
    fn needs(&self) -> Needs {
        Needs {
            prometheus: true,
            answers: true,
            ..Needs::NONE
        }
    }

    fn default_timeout_s(&self) -> u64 {
        // Readings already taken after the stepped load.
        10
    }
}

/// The student's figure for `question` agrees with what the grader measured over the
/// spec's stepped load with repetitions (`[steps]` with `repeat` above 1): within
/// `tolerance` (0.1 when not given), relative to the measured value (for a utilisation, in
/// points of the share, 0 to 1). The quantity decides the answer's form: a number, one number per step, a word,
/// or a mean with its 95 % interval (see [`Quantity`]).
#[derive(Debug, Clone, Deserialize)]
pub struct Prediction {
    pub question: String,
    pub quantity: Quantity,
    #[serde(default = "tenth")]
    pub tolerance: f64,
}

impl Kind for Prediction {
    fn needs(&self) -> Needs {
        Needs {
            prometheus: true,
            answers: true,
            repeated_steps: true,
            ..Needs::NONE
        }
    }

    fn default_timeout_s(&self) -> u64 {
        // Measurements already taken after the stepped load.
        10
    }

    fn validate(&self) -> Result<(), String> {
        tolerance(self.tolerance)
    }
}

/// The student's PromQL for N, the requests in the app, by Little's law (`question`):
/// evaluated at the end of every measured window, its mean over each step is within
/// `tolerance` (relative) of the mean requests in flight the load generator counted.
#[derive(Debug, Clone, Deserialize)]
pub struct LittleQuery {
    pub question: String,
    pub tolerance: f64,
}

impl Kind for LittleQuery {
    fn needs(&self) -> Needs {
        Needs {
            prometheus: true,
            answers: true,
            repeated_steps: true,
            ..Needs::NONE
        }
    }

    fn default_timeout_s(&self) -> u64 {
        // A query at the end of every measured window.
        60
    }

    fn validate(&self) -> Result<(), String> {
        tolerance(self.tolerance)
    }
}

fn tolerance(t: f64) -> Result<(), String> {
    if t > 0.0 && t < 1.0 {
        Ok(())
    } else {
        Err("its tolerance goes between 0 and 1".into())
    }
}

fn tenth() -> f64 {
    0.1
}

/// What a `reading` check measures over the steps of a stepped load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// How the shop's P95 moves from the first step to the last: `sobe` (up by a quarter or
    /// more), `cai` (down by a fifth or more) or `estavel`.
    LatencyTrend,
    /// The endpoint whose P95 grows the most, in seconds, from the first step to the last.
    MostAffectedEndpoint,
    /// The users of the first step where the payment gateway is saturated (its connections in
    /// use 90 % of the step or more, on average); 0 when none is.
    SaturationUsers,
}

/// What a `prediction` check compares the student's figure with, measured over a stepped
/// load with repetitions (the "last step" is the spec's last, the saturated one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// The gateway's service time S, seconds: its busy seconds over the checkouts it served.
    ServiceTime,
    /// The gateway's throughput at the last step, checkouts per second: the bottleneck's
    /// ceiling, X max = c / S.
    MaxThroughput,
    /// The users at the knee, N* = (R₀ + Z) · X max: R₀ the mean response time at the first
    /// step, Z the mean think time, X max the shop's throughput at the last step.
    KneeUsers,
    /// The mean response time at the last step, seconds (R = N / X − Z in a closed load).
    ResponseTime,
    /// The gateway's utilisation at each step, 0 to 1: one number per step.
    Utilisation,
    /// The bottleneck, a word: `gateway` when its utilisation at the last step is 90 % or
    /// more, `nenhum` otherwise.
    Bottleneck,
    /// The shop's throughput at the last step, requests per second, as a mean with its 95 %
    /// interval: `{ media = X, ic95 = [a, b] }`.
    Throughput,
    /// The P95 latency at the last step, seconds, as a mean with its 95 % interval.
    P95,
}
