//! The final project's Black Friday as data (run by `crate::black_friday`): the day's
//! traffic, its phases one after the other, how the steady ones are measured, and the
//! business totals read back after it.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::LoadSpec;
use crate::lang::Text;

/// The day: `phases` run one after the other on the same traffic (`think_ms`, `seed`, `mix`),
/// which buys only product `everyday`, one unit a checkout (`checkout:N` in `mix`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlackFridaySpec {
    #[serde(default)]
    pub think_ms: [u64; 2],
    #[serde(default)]
    pub seed: u64,
    pub mix: BTreeMap<String, u32>,
    pub everyday: u32,
    #[serde(default)]
    pub phases: Vec<DayPhase>,
    /// How the `measured` phases are cut into windows for the report's intervals and law
    /// checks.
    pub windows: Option<Windows>,
    /// What the business metrics must read through Prometheus after the day: each a query
    /// and the figure of the day's own ledger it must equal.
    pub totals: Vec<Total>,
}

/// One phase of the day: the day's traffic with `users` users for `seconds`, a share
/// `error_rate` of the requests answered 500; or, with `sell_out`, that product bought one
/// unit at a time until the shop answers 409 (one buyer, as long as it takes).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DayPhase {
    /// A named phase is listed in the alerts' report with when it began.
    pub name: Option<Text>,
    #[serde(default)]
    pub users: u32,
    #[serde(default)]
    pub seconds: f64,
    #[serde(default)]
    pub error_rate: f64,
    pub sell_out: Option<u32>,
    /// Ends the phase before its `seconds` once this holds.
    pub until: Option<DayUntil>,
    /// Measured in [`BlackFridaySpec::windows`] for the report (a steady load only).
    #[serde(default)]
    pub measured: bool,
}

/// What a phase may wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayUntil {
    /// Every alert the day's `black_friday_alerts` checks expect is firing.
    AlertsFiring,
}

/// A measured phase's windows: the first `warmup_s` seconds left out, then `count`
/// consecutive windows of `seconds`, each one repetition of the step's figures.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Windows {
    pub warmup_s: f64,
    pub count: u32,
    pub seconds: f64,
}

/// A business total read after the Black Friday: `query` (one series) must equal `equals`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Total {
    pub query: String,
    pub equals: DayFigure,
}

/// A figure of the day's ledger, kept by the grader from what its load did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayFigure {
    /// Checkouts answered 200, each one sale.
    Sales,
    /// Units sold of the product the `sell_out` phase sells.
    FlashUnits,
    /// Units sold of the everyday product.
    EverydayUnits,
    /// The sold-out product's stock after the day: 0.
    FlashStock,
    /// The units sold of each product at its catalogue price.
    Revenue,
}

impl BlackFridaySpec {
    /// The product the flash sale (the `sell_out` phase) sells out, when the day has one.
    pub fn flash(&self) -> Option<u32> {
        self.phases.iter().find_map(|p| p.sell_out)
    }

    /// The phases measured for the report (the final's surge steps), in order.
    pub fn measured(&self) -> impl Iterator<Item = &DayPhase> {
        self.phases.iter().filter(|p| p.measured)
    }

    /// The load of a phase that is not a sell-out.
    pub fn load(&self, phase: &DayPhase) -> LoadSpec {
        LoadSpec {
            users: phase.users,
            think_ms: self.think_ms,
            seconds: phase.seconds,
            max_requests: None,
            seed: self.seed,
            mix: self.mix.clone(),
            error_rate: phase.error_rate,
            extra_latency_ms: 0,
        }
    }

    pub(super) fn validate(&self) -> Result<(), String> {
        let everyday = format!("checkout:{}", self.everyday);
        if self
            .mix
            .keys()
            .any(|k| k.starts_with("checkout") && *k != everyday)
        {
            return Err(format!(
                "its mix buys only `{everyday}` (the `everyday` product)"
            ));
        }
        if self.phases.is_empty() {
            return Err("`phases` lists at least one phase".into());
        }
        if self.phases.iter().filter(|p| p.sell_out.is_some()).count() > 1 {
            return Err("at most one phase sells a product out".into());
        }
        if self.totals.is_empty() {
            return Err("`totals` names at least one business total to read after the day".into());
        }
        let flash_figure = self
            .totals
            .iter()
            .any(|t| matches!(t.equals, DayFigure::FlashUnits | DayFigure::FlashStock));
        if flash_figure && self.flash().is_none() {
            return Err("`flash_units` and `flash_stock` read the product a `sell_out` phase sells: the day has none".into());
        }
        for (i, p) in self.phases.iter().enumerate() {
            self.validate_phase(p)
                .map_err(|e| format!("phase {}: {e}", i + 1))?;
        }
        Ok(())
    }

    fn validate_phase(&self, p: &DayPhase) -> Result<(), String> {
        if p.sell_out.is_some() {
            if p.users != 0 || p.seconds != 0.0 || p.error_rate != 0.0 {
                return Err("a `sell_out` phase has one buyer until the product sells out: no users, seconds or error_rate".into());
            }
            if p.until.is_some() || p.measured {
                return Err("a `sell_out` phase ends when the product sells out, and is no steady load to measure".into());
            }
            return Ok(());
        }
        if !(0.0..=1.0).contains(&p.error_rate) {
            return Err("error_rate goes from 0 to 1".into());
        }
        self.load(p).plan()?;
        if p.measured {
            // The injected 500s are answered before any handler: they would bias the service
            // time the utilisation law pools over the windows.
            if p.error_rate > 0.0 {
                return Err("a measured phase injects no errors".into());
            }
            let Some(w) = self.windows else {
                return Err("a measured phase needs the day's `windows`".into());
            };
            if w.count < 2 || w.seconds <= 0.0 || w.warmup_s < 0.0 {
                return Err(
                    "`windows`: at least 2 windows of some seconds, after a warm-up of 0 s or more"
                        .into(),
                );
            }
            if w.warmup_s + f64::from(w.count) * w.seconds >= p.seconds {
                return Err(format!(
                    "its {} s do not hold the warm-up and {} windows of {} s, with a margin before its end",
                    p.seconds, w.count, w.seconds
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Spec;

    fn with_day(day: &str) -> Result<Spec, String> {
        let final_ = include_str!("../../specs/final.toml");
        let start = final_.find("\n[black_friday]\n").unwrap();
        let end = start + final_[start..].find("\n# 1. ").unwrap();
        let spec = format!("{}\n{day}\n{}", &final_[..start], &final_[end..]);
        Spec::from_toml("final", &spec).map_err(|e| e.to_string())
    }

    const DAY: &str = r#"
[black_friday]
mix = { navegar = 1, "checkout:2" = 1 }
everyday = 2
windows = { warmup_s = 1, count = 2, seconds = 2 }
totals = [{ query = 'sum(ecommerce_vendas_total)', equals = "sales" }]
"#;

    #[test]
    fn the_final_s_day_and_totals_are_read() {
        let spec = Spec::builtin("final").unwrap();
        let bf = spec.black_friday.unwrap();
        let figures: Vec<DayFigure> = bf.totals.iter().map(|t| t.equals).collect();
        assert_eq!(
            figures,
            [
                DayFigure::Sales,
                DayFigure::FlashUnits,
                DayFigure::EverydayUnits,
                DayFigure::FlashStock,
                DayFigure::Revenue
            ]
        );
        let surge: Vec<u32> = bf.measured().map(|p| p.users).collect();
        assert_eq!(surge, [2, 4, 8]);
        assert_eq!(bf.flash(), Some(1));
        let last = bf.phases.last().unwrap();
        assert_eq!(last.until, Some(DayUntil::AlertsFiring));
        assert!(last.error_rate > 0.0);
    }

    #[test]
    fn a_day_that_could_not_run_as_written_is_refused() {
        let phase = |p: &str| format!("{DAY}\n[[black_friday.phases]]\n{p}\n");
        assert!(with_day(&phase("users = 2\nseconds = 6\nmeasured = true")).is_ok());
        for (day, why) in [
            (DAY.to_string(), "at least one phase"),
            (
                DAY.replace("equals = \"sales\"", "equals = \"flash_units\"")
                    + "[[black_friday.phases]]\nusers = 1\nseconds = 5\n",
                "the day has none",
            ),
            (
                phase("users = 2\nseconds = 5\nmeasured = true"),
                "do not hold the warm-up",
            ),
            (
                phase("users = 2\nseconds = 9\nmeasured = true\nerror_rate = 0.5"),
                "injects no errors",
            ),
            (phase("sell_out = 1\nusers = 3"), "one buyer"),
            (
                phase("sell_out = 1\nuntil = \"alerts_firing\""),
                "sells out",
            ),
            (
                phase("users = 2\nseconds = 5\nerror_rate = 2"),
                "from 0 to 1",
            ),
            (
                phase("sell_out = 1") + "[[black_friday.phases]]\nsell_out = 3\n",
                "at most one",
            ),
            (
                DAY.replace("\"checkout:2\"", "\"checkout:3\"")
                    + "[[black_friday.phases]]\nusers = 1\nseconds = 5\n",
                "buys only",
            ),
            (
                DAY.replace(
                    "totals = [{ query = 'sum(ecommerce_vendas_total)', equals = \"sales\" }]",
                    "totals = []",
                ) + "[[black_friday.phases]]\nusers = 1\nseconds = 5\n",
                "`totals` names at least one",
            ),
        ] {
            let err = with_day(&day).unwrap_err();
            assert!(err.contains(why), "{why}: {err}");
        }
    }
}
