//! Axis ticks at round numbers (steps of 1, 2 or 5 times a power of ten) and their labels.

/// A range of values and the round steps that cover it.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub min: f64,
    pub max: f64,
    pub step: f64,
}

impl Axis {
    /// The smallest round range holding `lo..=hi` with at most about `ticks` steps. An empty
    /// or flat range is widened so the data sits in the middle of a readable axis.
    pub fn covering(lo: f64, hi: f64, ticks: u32) -> Axis {
        let (lo, hi) = if !(lo.is_finite() && hi.is_finite()) {
            (0.0, 1.0)
        } else if (hi - lo).abs() < f64::EPSILON * lo.abs().max(1.0) {
            let pad = if lo == 0.0 { 1.0 } else { lo.abs() / 2.0 };
            (lo - pad, hi + pad)
        } else {
            (lo, hi)
        };
        let raw = (hi - lo) / f64::from(ticks.max(1));
        let magnitude = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * magnitude)
            .find(|s| *s >= raw)
            .unwrap_or(10.0 * magnitude);
        // A thousandth of a step of slack, so that 0 - 0.0005 (a timestamp rounded to the
        // millisecond) does not open a whole step below 0.
        Axis {
            min: (lo / step + 1e-3).floor() * step,
            max: (hi / step - 1e-3).ceil() * step,
            step,
        }
    }

    /// The tick values from `min` to `max`.
    pub fn ticks(&self) -> Vec<f64> {
        let n = ((self.max - self.min) / self.step).round() as i64;
        (0..=n).map(|i| self.min + i as f64 * self.step).collect()
    }

    /// Where `v` falls on the axis, from 0 (min) to 1 (max).
    pub fn fraction(&self, v: f64) -> f64 {
        (v - self.min) / (self.max - self.min)
    }

    /// A tick's label: as many decimals as the step needs, large numbers shortened with k/M.
    pub fn label(&self, v: f64) -> String {
        let (v, step, suffix) = if self.max.abs().max(self.min.abs()) >= 1e6 {
            (v / 1e6, self.step / 1e6, "M")
        } else if self.max.abs().max(self.min.abs()) >= 1e4 {
            (v / 1e3, self.step / 1e3, "k")
        } else {
            (v, self.step, "")
        };
        let decimals = if step >= 1.0 {
            0
        } else {
            (-step.log10()).ceil() as usize
        };
        // Avoid "-0".
        let v = if v.abs() < step / 2.0 { 0.0 } else { v };
        format!("{v:.decimals$}{suffix}")
    }
}

#[cfg(test)]
mod tests {
    use super::Axis;

    #[test]
    fn steps_are_round_and_cover_the_data() {
        let a = Axis::covering(0.0, 0.87, 5);
        assert_eq!((a.min, a.step), (0.0, 0.2));
        assert!((a.max - 1.0).abs() < 1e-9);
        assert_eq!(a.label(0.4), "0.4");
        let b = Axis::covering(3.0, 1234.0, 5);
        assert_eq!((b.min, b.max, b.step), (0.0, 1500.0, 500.0));
        assert_eq!(b.label(1000.0), "1000");
        let c = Axis::covering(0.0, 52_000.0, 4);
        assert_eq!(c.label(20_000.0), "20k");
    }

    #[test]
    fn a_flat_or_empty_range_still_has_an_axis() {
        let flat = Axis::covering(5.0, 5.0, 4);
        assert!(flat.min < 5.0 && flat.max > 5.0, "{flat:?}");
        let zero = Axis::covering(0.0, 0.0, 4);
        assert!(zero.min <= 0.0 && zero.max >= 1.0, "{zero:?}");
        let rounded = Axis::covering(-0.0005, 24.3, 5);
        assert_eq!(rounded.min, 0.0);
        let none = Axis::covering(f64::INFINITY, f64::NEG_INFINITY, 4);
        assert_eq!((none.min, none.max), (0.0, 1.0));
    }
}
