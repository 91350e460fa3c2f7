//! The rule-set file format (TOML), as a planner writes it.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSetFile {
    pub name: String,
    pub description: String,
    /// Where the rules come from: publication, date, link.
    pub source: String,
    /// Default `within` of predicates, days.
    #[serde(default = "default_window")]
    pub window_days: u32,
    /// An overlay adds its codes on top of a base rule set (`base+overlay`).
    #[serde(default)]
    pub overlay: bool,
    #[serde(rename = "rule", default)]
    pub rules: Vec<RuleFile>,
    #[serde(default)]
    pub transitions: TransitionsFile,
    /// Mandated screening that the rule set relies on (e.g. `no_test`, `pool_positive`).
    pub screening: Option<ScreeningFile>,
}

/// City-wide screening rounds required by the policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreeningFile {
    /// Days between rounds.
    pub interval_days: u32,
    /// Samples per pool (1: single tube).
    #[serde(default = "one")]
    pub pool_size: u32,
    /// Share of people who take part in a round.
    #[serde(default = "participation")]
    pub participation: f64,
}

fn one() -> u32 {
    1
}

fn participation() -> f64 {
    0.9
}

fn default_window() -> u32 {
    14
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// Short identifier, unique in the file; false reds are attributed to it.
    pub id: String,
    /// "green", "yellow" or "red".
    #[serde(default = "default_colour")]
    pub colour: String,
    /// The rule shows a pop-up that hides the code (Beijing 2022).
    #[serde(default)]
    pub popup: bool,
    /// Condition over evidence predicates (see `hcsim rules show`).
    pub when: String,
    /// While the rule fires, the code cannot move down (e.g. a confirmed case).
    #[serde(default)]
    pub hold: bool,
    /// Plain-words note shown by `hcsim rules show`.
    #[serde(default)]
    pub note: String,
    /// A switch: `enabled = false` keeps the rule in the file but out of use.
    #[serde(default = "enabled")]
    pub enabled: bool,
}

fn enabled() -> bool {
    true
}

fn default_colour() -> String {
    "green".into()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionsFile {
    pub red: Option<TransitionFile>,
    pub yellow: Option<TransitionFile>,
    /// How a pop-up clears.
    pub popup: Option<TransitionFile>,
    /// What a missed daily check-in does to a check-in count: "reset" or "pause".
    #[serde(default = "default_missed")]
    pub missed_checkin: String,
}

fn default_missed() -> String {
    "reset".into()
}

impl Default for TransitionsFile {
    fn default() -> Self {
        Self {
            red: None,
            yellow: None,
            popup: None,
            missed_checkin: default_missed(),
        }
    }
}

/// How a colour moves down. Exactly one of the conditions is given.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionFile {
    /// Target colour: "yellow" or "green" (ignored for pop-ups).
    #[serde(default = "default_to")]
    pub to: String,
    /// After N consecutive daily check-ins.
    pub after_checkins: Option<u32>,
    /// After N days.
    pub after_days: Option<u32>,
    /// After N negative test results ...
    pub after_negative_tests: Option<u32>,
    /// ... at least this many hours apart.
    #[serde(default)]
    pub min_hours_apart: u32,
    /// When the registry no longer lists the person.
    #[serde(default)]
    pub on_release: bool,
}

fn default_to() -> String {
    "green".into()
}
