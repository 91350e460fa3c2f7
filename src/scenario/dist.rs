//! Duration distributions as written in scenario files, and whole-day sampling.

use rand::RngExt;
use rand_distr::{Distribution, Gamma, LogNormal};
use serde::{Deserialize, Serialize};

/// A distribution of a positive quantity (days), written in a scenario file as
/// `{ dist = "lognormal", mean = 5.2, sd = 2.5 }` and so on. Lognormal and gamma
/// are given by their mean and standard deviation, not by their internal
/// parameters, so a planner can read them against published figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum DistFile {
    Lognormal { mean: f64, sd: f64 },
    Gamma { mean: f64, sd: f64 },
    Uniform { min: f64, max: f64 },
    Fixed { value: f64 },
}

impl DistFile {
    /// Checks the parameters; returns the problem and its fix.
    pub fn check(&self) -> Result<(), (String, String)> {
        let bad = |what: String, fix: &str| Err((what, fix.to_string()));
        match *self {
            DistFile::Lognormal { mean, sd } | DistFile::Gamma { mean, sd } => {
                if !(mean.is_finite() && mean > 0.0) {
                    return bad(
                        format!("mean must be positive (got {mean})"),
                        "give a mean above 0, in days",
                    );
                }
                if !(sd.is_finite() && sd >= 0.0) {
                    return bad(
                        format!("sd must be zero or positive (got {sd})"),
                        "give an sd of 0 or more, in days",
                    );
                }
                Ok(())
            }
            DistFile::Uniform { min, max } => {
                if !(min.is_finite() && max.is_finite() && min >= 0.0 && max >= min) {
                    return bad(
                        format!("needs 0 <= min <= max (got min {min}, max {max})"),
                        "give 0 <= min <= max, in days",
                    );
                }
                Ok(())
            }
            DistFile::Fixed { value } => {
                if !(value.is_finite() && value >= 0.0) {
                    return bad(
                        format!("value must be zero or positive (got {value})"),
                        "give a value of 0 or more, in days",
                    );
                }
                Ok(())
            }
        }
    }

    /// The mean of the continuous distribution.
    pub fn mean(&self) -> f64 {
        match *self {
            DistFile::Lognormal { mean, .. } | DistFile::Gamma { mean, .. } => mean,
            DistFile::Uniform { min, max } => 0.5 * (min + max),
            DistFile::Fixed { value } => value,
        }
    }

    /// Builds the sampler. Call only after `check` passed.
    pub fn sampler(&self) -> DaySampler {
        match *self {
            DistFile::Lognormal { mean, sd } if sd > 0.0 => {
                // Moment matching: sigma^2 = ln(1 + sd^2/mean^2), mu = ln(mean) - sigma^2/2.
                let s2 = (1.0 + (sd / mean).powi(2)).ln();
                DaySampler::Lognormal(
                    LogNormal::new(mean.ln() - 0.5 * s2, s2.sqrt()).expect("checked"),
                )
            }
            DistFile::Gamma { mean, sd } if sd > 0.0 => {
                let shape = (mean / sd).powi(2);
                DaySampler::Gamma(Gamma::new(shape, sd * sd / mean).expect("checked"))
            }
            DistFile::Lognormal { mean, .. } | DistFile::Gamma { mean, .. } => {
                DaySampler::Fixed(mean)
            }
            DistFile::Uniform { min, max } => DaySampler::Uniform(min, max),
            DistFile::Fixed { value } => DaySampler::Fixed(value),
        }
    }
}

/// A ready-to-draw distribution.
#[derive(Clone, Debug)]
pub enum DaySampler {
    Lognormal(LogNormal<f64>),
    Gamma(Gamma<f64>),
    Uniform(f64, f64),
    Fixed(f64),
}

impl DaySampler {
    /// A continuous draw, in days.
    pub fn draw<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            DaySampler::Lognormal(d) => d.sample(rng),
            DaySampler::Gamma(d) => d.sample(rng),
            DaySampler::Uniform(lo, hi) if hi > lo => rng.random_range(*lo..*hi),
            DaySampler::Uniform(lo, _) => *lo,
            DaySampler::Fixed(v) => *v,
        }
    }

    /// A draw rounded to whole days, at least `min_days`. The simulation steps
    /// in days, so every duration is a whole number of them.
    pub fn draw_days<R: rand::Rng + ?Sized>(&self, rng: &mut R, min_days: u16) -> u16 {
        (self.draw(rng).round().clamp(0.0, 1000.0) as u16).max(min_days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, StreamKey};
    use statrs::distribution::{ContinuousCDF, Gamma as SGamma, LogNormal as SLogNormal};

    fn ks_statistic(mut xs: Vec<f64>, cdf: impl Fn(f64) -> f64) -> f64 {
        xs.sort_by(f64::total_cmp);
        let n = xs.len() as f64;
        xs.iter()
            .enumerate()
            .map(|(i, &x)| {
                let f = cdf(x);
                (f - i as f64 / n).abs().max((f - (i + 1) as f64 / n).abs())
            })
            .fold(0.0, f64::max)
    }

    /// Kolmogorov-Smirnov at alpha = 0.001: critical value 1.95 / sqrt(n).
    fn ks_critical(n: usize) -> f64 {
        1.95 / (n as f64).sqrt()
    }

    #[test]
    fn lognormal_matches_mean_and_sd() {
        let d = DistFile::Lognormal { mean: 5.2, sd: 2.5 };
        let s = d.sampler();
        let mut rng = StreamKey::new(3, 0).stream(0, Purpose::Calibration, 0);
        let xs: Vec<f64> = (0..20_000).map(|_| s.draw(&mut rng)).collect();
        let s2 = (1.0 + (2.5f64 / 5.2).powi(2)).ln();
        let reference = SLogNormal::new(5.2f64.ln() - 0.5 * s2, s2.sqrt()).unwrap();
        let d_stat = ks_statistic(xs.clone(), |x| reference.cdf(x));
        assert!(d_stat < ks_critical(xs.len()), "KS D = {d_stat}");
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        // sd/sqrt(n) = 2.5/141 = 0.018; allow 5 standard errors.
        assert!((mean - 5.2).abs() < 0.09, "mean {mean}");
    }

    #[test]
    fn gamma_matches_its_cdf() {
        let s = DistFile::Gamma { mean: 7.0, sd: 2.0 }.sampler();
        let mut rng = StreamKey::new(4, 0).stream(0, Purpose::Calibration, 1);
        let xs: Vec<f64> = (0..20_000).map(|_| s.draw(&mut rng)).collect();
        let shape = (7.0f64 / 2.0).powi(2);
        let reference = SGamma::new(shape, 7.0 / 4.0).unwrap(); // statrs takes the rate
        let d_stat = ks_statistic(xs.clone(), |x| reference.cdf(x));
        assert!(d_stat < ks_critical(xs.len()), "KS D = {d_stat}");
    }

    #[test]
    fn negative_mean_is_rejected() {
        let err = DistFile::Gamma {
            mean: -1.0,
            sd: 1.0,
        }
        .check()
        .unwrap_err();
        assert!(err.0.contains("mean must be positive"));
    }
}
