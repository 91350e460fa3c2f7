//! Scenarios: the file format (`file`, `dist`), loading with overrides (`load`),
//! validation (`validate`) and the validated `Scenario` the engine runs.

pub mod dist;
pub mod error;
pub mod file;
pub mod load;
pub mod observe_file;
pub mod validate;

pub use error::InputError;
pub use file::ScenarioFile;
pub use load::{Source, load};

use std::path::Path;

/// A validated scenario. `file` is the resolved file (defaults filled in,
/// overrides applied) and is what a run directory records.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub file: ScenarioFile,
    /// Weekday of day 0, 0 = Monday.
    pub start_weekday: u8,
    /// Origins with their prevalence curves loaded.
    pub origins: Vec<Origin>,
    /// The rule sets named by `policy.rules`: a base and its overlays.
    pub policy: Vec<crate::rules::RuleSet>,
}

/// A region travelers come from.
#[derive(Clone, Debug)]
pub struct Origin {
    pub name: String,
    pub share: f64,
    /// Risk level the travel card shows for this region.
    pub risk_level: crate::evidence::Level,
    /// (day, prevalence) points, days increasing.
    pub prevalence: Vec<(f64, f64)>,
}

impl Origin {
    /// Prevalence on a day: linear between points, constant beyond the ends.
    pub fn prevalence_on(&self, day: f64) -> f64 {
        let pts = &self.prevalence;
        let i = pts.partition_point(|p| p.0 <= day);
        if i == 0 {
            return pts[0].1;
        }
        if i == pts.len() {
            return pts[i - 1].1;
        }
        let (d0, p0) = pts[i - 1];
        let (d1, p1) = pts[i];
        p0 + (p1 - p0) * (day - d0) / (d1 - d0)
    }
}

impl Scenario {
    pub fn agents(&self) -> u64 {
        self.file.city.residents + self.file.travelers.count
    }

    /// Scales residents, travelers and initial infections to `agents` in total,
    /// keeping their proportions, and validates the result again.
    pub fn with_agents(self, agents: u64, dir: &Path) -> Result<Scenario, InputError> {
        let mut file = self.file;
        let total = (file.city.residents + file.travelers.count) as f64;
        let factor = agents as f64 / total;
        let travelers = (file.travelers.count as f64 * factor).round() as u64;
        file.city.residents = agents.saturating_sub(travelers).max(1);
        file.travelers.count = travelers;
        if file.epidemic.initial_infected > 0 {
            file.epidemic.initial_infected = ((file.epidemic.initial_infected as f64 * factor)
                .round() as u64)
                .clamp(1, file.city.residents);
        }
        validate::validate(file, dir).map_err(|e| InputError {
            source: "--agents".into(),
            ..e
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prevalence_interpolates_and_holds_ends() {
        let o = Origin {
            name: "x".into(),
            share: 1.0,
            risk_level: crate::evidence::Level::Low,
            prevalence: vec![(0.0, 0.01), (10.0, 0.03)],
        };
        assert_eq!(o.prevalence_on(-5.0), 0.01);
        assert!((o.prevalence_on(5.0) - 0.02).abs() < 1e-12);
        assert_eq!(o.prevalence_on(50.0), 0.03);
    }
}
