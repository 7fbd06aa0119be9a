//! The series of the `promtool test rules` cases a spec asks for (`kind = "rule_test"`); the
//! test files are written by [`crate::rules`].

use crate::lang::Text;

/// Series for a generated `promtool test rules` case, in promtool's notation.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSeries {
    pub series: String,
    pub values: String,
}

/// Series whose quantity sits exactly on an alert's threshold, where the alert must stay quiet
/// (the exercises say "above"/"below"): a `>=` or `<=` written for `>` or `<` fires here.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Boundary {
    /// The threshold as the exercise states it, named in the hint.
    pub at: Text,
    /// Sampled every the boundary step of [`crate::rules`] (20 s): values whose per-second rates are sums of powers of
    /// two, so `rate`, `increase` and `histogram_quantile` land exactly on the threshold.
    pub series: Vec<InputSeries>,
    /// The threshold has no exact binary form (5 % is 0.05): a formulation the boundary series
    /// were not tuned for (`1 - ok / total`) may land a hair above it. Then an alert whose
    /// expression compares strictly is given the benefit of the doubt.
    #[serde(default)]
    pub inexact: bool,
}
