//! Comparing rule sets on the same world: every policy runs on the same city
//! and seeds for each replicate (common random numbers: the world's draws never
//! depend on the policy), and the results are summarised per policy (mean and
//! 95 % confidence interval across replicates) and per pair of policies (the
//! paired difference, replicate by replicate, with its interval).

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::city::City;
use crate::output::Summary;
use crate::rules::RuleSet;
use crate::run::run_in;
use crate::scenario::Scenario;

/// Summary fields compared, in report order.
pub const METRICS: &[&str] = &[
    "false_red_rate",
    "false_red_person_days",
    "false_red_people_per_100k",
    "false_yellow_rate",
    "red_person_days",
    "yellow_person_days",
    "quarantine_person_days",
    "quarantine_person_days_infectious",
    "green_infectious_person_days",
    "infections_by_green_infectors",
    "appeals_filed",
    "appeals_peak_backlog",
    "appeals_wait_p95_days",
    "colour_changes_per_person",
    "infections_total",
    "attack_rate",
    "confirmed_cases",
];

/// A policy to compare: its name as given (`base+overlay`) and rule sets.
#[derive(Clone, Debug)]
pub struct Policy {
    pub name: String,
    pub sets: Vec<RuleSet>,
}

/// Mean and 95 % Student-t interval of a sample (no interval for one value).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Estimate {
    pub mean: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub n: usize,
}

impl Estimate {
    pub fn of(xs: &[f64]) -> Self {
        let n = xs.len();
        let mean = xs.iter().sum::<f64>() / n.max(1) as f64;
        if n < 2 {
            return Self {
                mean,
                ci_low: None,
                ci_high: None,
                n,
            };
        }
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
            .expect("n >= 2")
            .inverse_cdf(0.975);
        let half = t * (var / n as f64).sqrt();
        Self {
            mean,
            ci_low: Some(mean - half),
            ci_high: Some(mean + half),
            n,
        }
    }

    pub fn width(&self) -> Option<f64> {
        Some(self.ci_high? - self.ci_low?)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct PolicyMetric {
    pub policy: String,
    pub metric: &'static str,
    #[serde(flatten)]
    pub estimate: Estimate,
}

/// `a - b`, paired by replicate.
#[derive(Clone, Debug, Serialize)]
pub struct PairedDifference {
    pub a: String,
    pub b: String,
    pub metric: &'static str,
    #[serde(flatten)]
    pub estimate: Estimate,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReplicateRow {
    pub policy: String,
    pub replicate: u32,
    /// Master seed: a replicate's world is (seed, replicate).
    pub seed: u64,
    pub metric: &'static str,
    pub value: f64,
}

/// `compare.json`.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub scenario: String,
    pub seed: u64,
    pub replicates: u32,
    pub policies: Vec<String>,
    pub metrics: Vec<PolicyMetric>,
    pub differences: Vec<PairedDifference>,
    pub replicate_rows: Vec<ReplicateRow>,
    /// Per policy, per day: mean over replicates of green, yellow, red and the appeal backlog.
    #[serde(skip)]
    pub daily: Vec<Vec<[f64; 4]>>,
}

fn metric(summary: &serde_json::Value, name: &str) -> f64 {
    summary
        .get(name)
        .and_then(|v| v.as_f64())
        .unwrap_or(f64::NAN)
}

/// Runs every policy on replicates `0..reps` of `scenario` and summarises.
/// `on_run` is called after each run with (replicate, policy index).
/// At most `parallel` replicates run at once (each holds its city and run in memory).
pub fn compare(
    scenario: &Scenario,
    policies: &[Policy],
    reps: u32,
    parallel: usize,
    on_run: impl Fn(u32, usize) + Sync,
) -> Comparison {
    use rayon::prelude::*;
    let first = scenario.file.replicate;
    // Replicates run in parallel with each other, `parallel` at a time (and
    // each run in parallel inside); results are collected in replicate order,
    // so the output does not depend on scheduling. Per replicate: for each policy, the metric
    // values and the daily series (green, yellow, red, backlog).
    type RepResult = Vec<(Vec<f64>, Vec<[f64; 4]>, u64)>;
    let run_replicate = |rep: u32| -> RepResult {
        {
            let mut world = scenario.clone();
            world.file.replicate = rep;
            // The city depends on seed and replicate only: built once for all policies.
            let city = City::build(&world);
            policies
                .iter()
                .enumerate()
                .map(|(p, policy)| {
                    let mut s = world.clone();
                    s.policy = policy.sets.clone();
                    s.file.policy.rules = policy.name.clone();
                    let out = run_in(&s, &city, |_| {});
                    let series = out
                        .records
                        .iter()
                        .map(|r| {
                            [
                                r.codes.colours[0],
                                r.codes.colours[1],
                                r.codes.colours[2],
                                r.codes.appeals_backlog,
                            ]
                            .map(|x| x as f64)
                        })
                        .collect();
                    let summary: Summary = out.summary;
                    let json = serde_json::to_value(&summary).expect("summary serialises");
                    on_run(rep, p);
                    (
                        METRICS.iter().map(|name| metric(&json, name)).collect(),
                        series,
                        s.file.seed,
                    )
                })
                .collect()
        }
    };
    let all: Vec<u32> = (first..first + reps).collect();
    let per_rep: Vec<RepResult> = all
        .chunks(parallel.max(1))
        .flat_map(|batch| {
            batch
                .par_iter()
                .map(|&rep| run_replicate(rep))
                .collect::<Vec<_>>()
        })
        .collect();
    // values[policy][metric][replicate]
    let mut values = vec![vec![Vec::with_capacity(reps as usize); METRICS.len()]; policies.len()];
    let mut rows = Vec::new();
    let mut daily = vec![vec![[0.0; 4]; scenario.file.days as usize]; policies.len()];
    for (k, rep_results) in per_rep.into_iter().enumerate() {
        let rep = first + k as u32;
        for (p, (metric_values, series, seed)) in rep_results.into_iter().enumerate() {
            for (day, v) in daily[p].iter_mut().zip(series) {
                for (d, x) in day.iter_mut().zip(v) {
                    *d += x / reps as f64;
                }
            }
            for (m, (name, v)) in METRICS.iter().zip(metric_values).enumerate() {
                values[p][m].push(v);
                rows.push(ReplicateRow {
                    policy: policies[p].name.clone(),
                    replicate: rep,
                    seed,
                    metric: name,
                    value: v,
                });
            }
        }
    }
    let mut metrics = Vec::new();
    for (p, policy) in policies.iter().enumerate() {
        for (m, name) in METRICS.iter().enumerate() {
            metrics.push(PolicyMetric {
                policy: policy.name.clone(),
                metric: name,
                estimate: Estimate::of(&values[p][m]),
            });
        }
    }
    let mut differences = Vec::new();
    for a in 0..policies.len() {
        for b in a + 1..policies.len() {
            for (m, name) in METRICS.iter().enumerate() {
                let d: Vec<f64> = values[a][m]
                    .iter()
                    .zip(&values[b][m])
                    .map(|(x, y)| x - y)
                    .collect();
                differences.push(PairedDifference {
                    a: policies[a].name.clone(),
                    b: policies[b].name.clone(),
                    metric: name,
                    estimate: Estimate::of(&d),
                });
            }
        }
    }
    Comparison {
        scenario: scenario.file.name.clone(),
        seed: scenario.file.seed,
        replicates: reps,
        policies: policies.iter().map(|p| p.name.clone()).collect(),
        metrics,
        differences,
        replicate_rows: rows,
        daily,
    }
}

/// `compare.csv`: one tidy table. `kind` is `mean` (per policy), `difference`
/// (policy minus other, paired) or `replicate` (one run's value).
pub fn comparison_csv(c: &Comparison) -> std::io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "kind",
        "metric",
        "policy",
        "other",
        "replicate",
        "value",
        "ci_low",
        "ci_high",
        "n",
    ])?;
    let opt = |v: Option<f64>| v.map_or(String::new(), |x| x.to_string());
    for m in &c.metrics {
        let e = &m.estimate;
        w.write_record([
            "mean",
            m.metric,
            &m.policy,
            "",
            "",
            &e.mean.to_string(),
            &opt(e.ci_low),
            &opt(e.ci_high),
            &e.n.to_string(),
        ])?;
    }
    for d in &c.differences {
        let e = &d.estimate;
        w.write_record([
            "difference",
            d.metric,
            &d.a,
            &d.b,
            "",
            &e.mean.to_string(),
            &opt(e.ci_low),
            &opt(e.ci_high),
            &e.n.to_string(),
        ])?;
    }
    for r in &c.replicate_rows {
        w.write_record([
            "replicate",
            r.metric,
            &r.policy,
            "",
            &r.replicate.to_string(),
            &r.value.to_string(),
            "",
            "",
            "1",
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_uses_student_t() {
        // n = 5, sd = 1.5811, t(0.975, 4) = 2.7764: half-width 1.9632.
        let e = Estimate::of(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(e.mean, 3.0);
        assert!((e.ci_high.unwrap() - 3.0 - 1.9632).abs() < 1e-3, "{e:?}");
        assert_eq!(Estimate::of(&[2.0]).ci_low, None);
    }
}
