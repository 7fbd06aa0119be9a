//! The kinds that read the submitted answers file: PromQL against a reference, readings of a
//! stepped load, and predictions checked against repeated measurements.

use serde::Deserialize;

use super::{Kind, Needs};
use crate::lang::Text;

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
/// what Prometheus measured step by step: `measure` names a figure of the steps and the rule
/// that turns it into an answer, `asks` says what the answer must be (the report's
/// "expected", after the question).
#[derive(Debug, Clone, Deserialize)]
pub struct Reading {
    pub question: String,
    pub asks: Text,
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

    fn validate(&self) -> Result<(), String> {
        self.measure.validate()
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
    /// For `bottleneck`: the gateway's utilisation at the last step from which it is the
    /// bottleneck (0.9 when not given, ex7's line of saturation).
    pub saturated_at: Option<f64>,
}

impl Prediction {
    /// See [`Prediction::saturated_at`].
    pub fn saturated_at(&self) -> f64 {
        self.saturated_at.unwrap_or(0.9)
    }
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
        match self.saturated_at {
            Some(_) if self.quantity != Quantity::Bottleneck => {
                return Err("saturated_at is the threshold of the quantity `bottleneck`".into());
            }
            Some(u) if !(u > 0.0 && u <= 1.0) => {
                return Err("saturated_at is a utilisation, above 0 and at most 1".into());
            }
            _ => {}
        }
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

/// A figure Prometheus measures over each step of a stepped load (the columns of the steps'
/// table in `grader load --report`), read back by the grader after its stepped load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    /// Requests per second.
    Rps,
    /// The share of requests answered 5xx, 0 to 1.
    Errors,
    /// Latency quantiles of all requests, seconds.
    P50,
    P95,
    P99,
    /// The P95 of each endpoint, seconds: one value per route template.
    P95ByEndpoint,
    /// The payment gateway's connections in use over the step, on average, as a share of its
    /// capacity, 0 to 1 (absent when the app does not expose them).
    Saturation,
}

impl Figure {
    /// One value per endpoint, not one per step.
    pub fn by_endpoint(self) -> bool {
        self == Figure::P95ByEndpoint
    }
}

/// The rule a `reading` check applies to a figure of the steps to find the answer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Measure {
    /// How `figure` moves from the first step to the last, as one of three words: `up` when
    /// the last is `up_at` times the first or more, `down` when it is `down_at` times the
    /// first or less, `flat` in between (words compared without case or accents).
    Trend {
        figure: Figure,
        up_at: f64,
        down_at: f64,
        up: String,
        flat: String,
        down: String,
    },
    /// The endpoint whose `figure` (one by endpoint) grows the most, in its unit, from the
    /// first step to the last (with or without its leading `/`).
    LargestGrowth { figure: Figure },
    /// The users of the first step whose `figure` is `at_least` or more; 0 when none is.
    FirstStepAtLeast { figure: Figure, at_least: f64 },
}

impl Measure {
    fn validate(&self) -> Result<(), String> {
        match self {
            Measure::Trend {
                figure,
                up_at,
                down_at,
                up,
                flat,
                down,
            } => {
                if figure.by_endpoint() {
                    return Err("a trend needs a figure with one value per step".into());
                }
                if !(*down_at > 0.0 && down_at < up_at) {
                    return Err("a trend needs 0 < down_at < up_at".into());
                }
                let words = [up.trim(), flat.trim(), down.trim()];
                if words.iter().any(|w| w.is_empty())
                    || words[0] == words[1]
                    || words[1] == words[2]
                    || words[0] == words[2]
                {
                    return Err("a trend needs three different words: up, flat, down".into());
                }
                Ok(())
            }
            Measure::LargestGrowth { figure } if !figure.by_endpoint() => {
                Err("largest_growth needs a figure with one value per endpoint".into())
            }
            Measure::FirstStepAtLeast { figure, .. } if figure.by_endpoint() => {
                Err("first_step_at_least needs a figure with one value per step".into())
            }
            _ => Ok(()),
        }
    }
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
    /// The bottleneck, a word: `gateway` when its utilisation at the last step is
    /// `saturated_at` (90 %) or more, `nenhum` otherwise.
    Bottleneck,
    /// The shop's throughput at the last step, requests per second, as a mean with its 95 %
    /// interval: `{ media = X, ic95 = [a, b] }`.
    Throughput,
    /// The P95 latency at the last step, seconds, as a mean with its 95 % interval.
    P95,
}
