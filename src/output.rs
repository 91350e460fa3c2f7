//! Run outputs: the summary over a run, the daily table, and writing a run
//! directory atomically (everything goes to a temporary directory that is
//! renamed into place only when complete, so a failure leaves nothing half
//! written and an existing run is replaced only with `force`).

use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::city::{City, CityStats};
use crate::engine::{DayRecord, Simulation};
use crate::epidemic::Health;
use crate::observe::ObserverStats;
use crate::scenario::Scenario;
use crate::scoring::Source;
use crate::transmission::{Contacts, Layer};
use std::collections::BTreeMap;

/// `summary.json`: everything about a run that depends only on its inputs.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub scenario: String,
    pub seed: u64,
    pub replicate: u32,
    pub days: u32,
    pub agents: u32,
    pub residents: u32,
    pub travelers: u32,
    /// Expected secondary infections of one infection in a fully susceptible,
    /// free population: sum over layers of contacts/day x p x infectious days.
    /// Exact for the well-mixed layer; for households it ignores depletion.
    pub r0_implied: f64,
    /// Expected infectiousness-weighted infectious days of one infection.
    pub infectious_days_weighted: f64,
    pub infections_total: u64,
    /// Infections that happened in the city (all layers but seed and imported).
    pub infections_local: u64,
    pub infections_by_layer: std::collections::BTreeMap<&'static str, u64>,
    /// Agents ever infected / agents.
    pub attack_rate: f64,
    pub peak_day: u32,
    pub peak_new_infections: u64,
    pub peak_prevalence_day: u32,
    /// Most agents infected (exposed or infectious) on one day.
    pub peak_prevalence: u64,
    pub final_compartments: std::collections::BTreeMap<&'static str, u64>,
    pub arrivals: u64,
    pub ili_episodes: u64,
    pub ili_person_days: u64,
    /// The rule sets that assigned codes (`base+overlay`).
    pub policy: String,
    /// Present agents x days by displayed colour.
    pub green_person_days: u64,
    pub yellow_person_days: u64,
    pub red_person_days: u64,
    /// The same for the shadow codes (the rule set on oracle evidence).
    pub shadow_yellow_person_days: u64,
    pub shadow_red_person_days: u64,
    /// Agent-days with the code hidden by a pop-up.
    pub popup_person_days: u64,
    /// Red while the shadow is not red; share of red person-days; people ever so.
    pub false_red_person_days: u64,
    pub false_red_rate: f64,
    pub false_red_people: u64,
    pub false_red_people_per_100k: f64,
    /// Yellow while the shadow is green.
    pub false_yellow_person_days: u64,
    pub false_yellow_rate: f64,
    pub false_yellow_people: u64,
    pub false_yellow_people_per_100k: f64,
    /// False-red person-days by the rule that set the code (`set/rule`).
    pub false_red_person_days_by_rule: BTreeMap<String, u64>,
    /// False-red person-days by the data source that differed from the truth
    /// (a day counts once for each source involved).
    pub false_red_person_days_by_source: BTreeMap<&'static str, u64>,
    /// Yellow and red person-days by the rule that set the colour.
    pub yellow_person_days_by_rule: BTreeMap<String, u64>,
    pub red_person_days_by_rule: BTreeMap<String, u64>,
    /// Person-days in quarantine (home or facility), and of those, infectious.
    pub quarantine_person_days: u64,
    pub quarantine_person_days_infectious: u64,
    /// quarantine_person_days_infectious / quarantine_person_days.
    pub quarantine_efficiency: f64,
    /// Infectious, free and green: what the rule set misses.
    pub green_infectious_person_days: u64,
    /// Infections whose infector showed a green code.
    pub infections_by_green_infectors: u64,
    pub appeals_filed: u64,
    pub appeals_peak_backlog: u64,
    pub appeals_peak_backlog_day: u32,
    pub appeals_wait_p50_days: f64,
    pub appeals_wait_p95_days: f64,
    pub appeals_overturned: u64,
    pub appeals_upheld: u64,
    /// Reviewed after the code had already turned green.
    pub appeals_moot: u64,
    /// Appeals filed on the busiest day.
    pub appeals_peak_daily: u64,
    pub appeals_peak_daily_day: u32,
    /// Share of people ever false-red who appealed a false-red code.
    pub false_red_people_appealed_share: f64,
    /// Changes of displayed colour, all agents and days, and per person.
    pub colour_changes: u64,
    pub colour_changes_per_person: f64,
    /// People whose code changed colour at least three times.
    pub people_with_3_or_more_changes: u64,
    /// Cases listed in the registry, true and false positives.
    pub confirmed_cases: u64,
    /// What the backend saw and did.
    pub observation: ObserverStats,
    pub city: CityStats,
}

impl Summary {
    pub fn new(
        scenario: &Scenario,
        city: &City,
        records: &[DayRecord],
        infectious_days: f64,
        sim: &Simulation,
    ) -> Self {
        let f = &scenario.file;
        let stats = city.stats();
        let mut by_layer = std::collections::BTreeMap::new();
        for l in Layer::ALL {
            by_layer.insert(
                l.name(),
                records.iter().map(|r| r.infections[l as usize]).sum(),
            );
        }
        let total: u64 = by_layer.values().sum();
        let local = total - by_layer["seed"] - by_layer["imported"];
        let prevalence = |r: &DayRecord| -> u64 {
            Health::ALL
                .iter()
                .filter(|h| h.is_active())
                .map(|&h| r.compartments[h as usize])
                .sum()
        };
        // Earliest day wins ties, so the peak is well defined.
        let peak = records
            .iter()
            .rev()
            .max_by_key(|r| r.new_infections())
            .cloned()
            .unwrap_or_default();
        let peak_prev = records
            .iter()
            .rev()
            .max_by_key(|r| prevalence(r))
            .cloned()
            .unwrap_or_default();
        let last = records.last().cloned().unwrap_or_default();
        let mut final_compartments = std::collections::BTreeMap::new();
        for h in Health::ALL {
            final_compartments.insert(h.name(), last.compartments[h as usize]);
        }
        let codes = &sim.codes;
        let sum = |f: &dyn Fn(&DayRecord) -> u64| -> u64 { records.iter().map(f).sum() };
        let names = codes.rule_names();
        let by_rule = |k: usize| -> BTreeMap<String, u64> {
            names
                .iter()
                .zip(&codes.rule_days)
                .filter(|(_, d)| d[k] > 0)
                .map(|(n, d)| (n.clone(), d[k]))
                .collect()
        };
        let red = sum(&|r| r.codes.colours[2]);
        let yellow = sum(&|r| r.codes.colours[1]);
        let false_red = sum(&|r| r.codes.false_red);
        let false_yellow = sum(&|r| r.codes.false_yellow);
        let ever = |bit: u8| codes.tally.iter().filter(|t| t.flags & bit != 0).count() as u64;
        let false_red_people = ever(crate::assign::EVER_FALSE_RED);
        let per_100k = |n: u64| n as f64 * 1e5 / stats.agents.max(1) as f64;
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let quarantine = sum(&|r| r.codes.quarantined);
        let quarantine_infectious = sum(&|r| r.codes.quarantined_infectious);
        let busiest = records
            .iter()
            .rev()
            .max_by_key(|r| r.codes.appeals_filed)
            .cloned()
            .unwrap_or_default();
        let q = &codes.queue;
        let changes = sum(&|r| r.codes.colour_changes);
        Self {
            scenario: f.name.clone(),
            seed: f.seed,
            replicate: f.replicate,
            days: f.days,
            agents: stats.agents,
            residents: stats.residents,
            travelers: stats.travelers,
            r0_implied: r0_implied(scenario, city, infectious_days),
            infectious_days_weighted: infectious_days,
            infections_total: total,
            infections_local: local,
            infections_by_layer: by_layer,
            attack_rate: total as f64 / stats.agents.max(1) as f64,
            peak_day: peak.day,
            peak_new_infections: peak.new_infections(),
            peak_prevalence_day: peak_prev.day,
            peak_prevalence: prevalence(&peak_prev),
            final_compartments,
            arrivals: sum(&|r| r.arrivals),
            ili_episodes: sum(&|r| r.ili_onsets),
            ili_person_days: sum(&|r| r.ili_active),
            policy: codes
                .policy
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join("+"),
            green_person_days: sum(&|r| r.codes.colours[0]),
            yellow_person_days: yellow,
            red_person_days: red,
            shadow_yellow_person_days: sum(&|r| r.codes.shadow_colours[1]),
            shadow_red_person_days: sum(&|r| r.codes.shadow_colours[2]),
            popup_person_days: sum(&|r| r.codes.popups),
            false_red_person_days: false_red,
            false_red_rate: ratio(false_red, red),
            false_red_people,
            false_red_people_per_100k: per_100k(false_red_people),
            false_yellow_person_days: false_yellow,
            false_yellow_rate: ratio(false_yellow, yellow),
            false_yellow_people: ever(crate::assign::EVER_FALSE_YELLOW),
            false_yellow_people_per_100k: per_100k(ever(crate::assign::EVER_FALSE_YELLOW)),
            false_red_person_days_by_rule: by_rule(2),
            false_red_person_days_by_source: Source::ALL
                .iter()
                .filter(|s| codes.false_red_by_source[**s as usize] > 0)
                .map(|s| (s.name(), codes.false_red_by_source[*s as usize]))
                .collect(),
            yellow_person_days_by_rule: by_rule(0),
            red_person_days_by_rule: by_rule(1),
            quarantine_person_days: quarantine,
            quarantine_person_days_infectious: quarantine_infectious,
            quarantine_efficiency: ratio(quarantine_infectious, quarantine),
            green_infectious_person_days: sum(&|r| r.codes.green_infectious),
            infections_by_green_infectors: sum(&|r| r.infections_by_green),
            appeals_filed: q.stats.filed,
            appeals_peak_backlog: q.stats.peak_backlog,
            appeals_peak_backlog_day: q.stats.peak_backlog_day,
            appeals_wait_p50_days: q.wait_percentile(0.5),
            appeals_wait_p95_days: q.wait_percentile(0.95),
            appeals_overturned: q.stats.overturned,
            appeals_upheld: q.stats.upheld,
            appeals_moot: q.stats.moot,
            appeals_peak_daily: busiest.codes.appeals_filed,
            appeals_peak_daily_day: busiest.day,
            false_red_people_appealed_share: ratio(
                ever(crate::assign::FALSE_RED_APPEALED),
                false_red_people,
            ),
            colour_changes: changes,
            colour_changes_per_person: ratio(changes, stats.agents as u64),
            people_with_3_or_more_changes: codes.tally.iter().filter(|t| t.flips >= 3).count()
                as u64,
            confirmed_cases: sim.observer.stats.cases_confirmed,
            observation: sim.observer.stats.clone(),
            city: stats,
        }
    }
}

/// Expected contacts per day of an average agent in each layer, times the
/// layer's p, times the weighted infectious days.
pub fn r0_implied(scenario: &Scenario, city: &City, infectious_days: f64) -> f64 {
    let f = &scenario.file;
    let m = &f.mobility;
    let contacts = Contacts::new(&f.epidemic.layers);
    let n = city.agents.len().max(1) as f64;
    let share = |bit: u8| city.agents.flags.iter().filter(|&&x| x & bit != 0).count() as f64 / n;
    let students = share(crate::city::flag::STUDENT);
    let workers = city
        .agents
        .site
        .iter()
        .filter(|&&s| s != crate::city::NONE)
        .count() as f64
        / n
        - students;
    let transit = share(crate::city::flag::TRANSIT);
    let work_days = (5.0 * m.work_attendance + 2.0 * m.weekend_work_attendance) / 7.0;
    // Household contacts: every other member; averaged over agents, household size is size-biased.
    let household_others: f64 = (0..city.households() as u32)
        .map(|h| city.household_members(h).len() as f64)
        .map(|s| s * (s - 1.0))
        .sum::<f64>()
        / n;
    let per_day = household_others * contacts.p(Layer::Household)
        + workers * work_days * contacts.mean_contacts(Layer::Work) * contacts.p(Layer::Work)
        + students * 5.0 / 7.0
            * m.school_attendance
            * contacts.mean_contacts(Layer::School)
            * contacts.p(Layer::School)
        + (m.market_visit_prob + m.restaurant_visit_prob)
            * contacts.mean_contacts(Layer::Venue)
            * contacts.p(Layer::Venue)
        + transit
            * work_days
            * 2.0
            * contacts.mean_contacts(Layer::Transit)
            * contacts.p(Layer::Transit)
        + contacts.mean_contacts(Layer::WellMixed) * contacts.p(Layer::WellMixed);
    per_day * infectious_days
}

/// `daily.csv`: one row per day.
pub fn daily_csv(records: &[DayRecord]) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "day".to_string(),
        "weekday".into(),
        "present".into(),
        "arrivals".into(),
    ];
    header.extend(Health::ALL.iter().map(|h| h.name().to_string()));
    header.push("new_infections".into());
    header.extend(
        Layer::ALL
            .iter()
            .map(|l| format!("infections_{}", l.name())),
    );
    header.extend(
        [
            "ili_active",
            "ili_onsets",
            "cases_confirmed",
            "green",
            "yellow",
            "red",
            "popup",
            "colour_changes",
            "shadow_green",
            "shadow_yellow",
            "shadow_red",
            "false_red",
            "false_yellow",
            "quarantined",
            "quarantined_infectious",
            "green_infectious",
            "infections_by_green",
            "appeals_filed",
            "appeals_reviewed",
            "appeals_overturned",
            "appeals_backlog",
        ]
        .map(String::from),
    );
    w.write_record(&header)?;
    for r in records {
        let mut row = vec![
            r.day.to_string(),
            (r.weekday as u8).to_string(),
            r.present.to_string(),
            r.arrivals.to_string(),
        ];
        row.extend(r.compartments.iter().map(u64::to_string));
        row.push(r.new_infections().to_string());
        row.extend(r.infections.iter().map(u64::to_string));
        row.extend(
            [
                r.ili_active,
                r.ili_onsets,
                r.cases_confirmed,
                r.codes.colours[0],
                r.codes.colours[1],
                r.codes.colours[2],
                r.codes.popups,
                r.codes.colour_changes,
                r.codes.shadow_colours[0],
                r.codes.shadow_colours[1],
                r.codes.shadow_colours[2],
                r.codes.false_red,
                r.codes.false_yellow,
                r.codes.quarantined,
                r.codes.quarantined_infectious,
                r.codes.green_infectious,
                r.infections_by_green,
                r.codes.appeals_filed,
                r.codes.appeals_reviewed,
                r.codes.appeals_overturned,
                r.codes.appeals_backlog,
            ]
            .map(|v| v.to_string()),
        );
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| e.into_error())
}

/// A run directory being written: files go to a hidden sibling directory
/// that replaces `target` in one rename when `commit` is called.
pub struct RunDir {
    target: PathBuf,
    staging: PathBuf,
    force: bool,
}

/// The run directory exists and `force` was not given.
#[derive(Debug, thiserror::Error)]
#[error(
    "run directory {0} already exists; fix: pass --force to replace it, or --out to choose another"
)]
pub struct RunDirExists(pub PathBuf);

impl RunDir {
    /// Checks that `target` may be written; creates nothing yet.
    pub fn check(target: &Path, force: bool) -> Result<(), RunDirExists> {
        if target.exists() && !force {
            return Err(RunDirExists(target.to_path_buf()));
        }
        Ok(())
    }

    pub fn start(target: &Path, force: bool) -> anyhow::Result<Self> {
        Self::check(target, force)?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "run".into());
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)?;
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if staging.exists() {
            std::fs::remove_dir_all(&staging)?;
        }
        std::fs::create_dir(&staging)?;
        Ok(Self {
            target: target.to_path_buf(),
            staging,
            force,
        })
    }

    /// The directory being written (renamed into place by `commit`).
    pub fn path(&self) -> &Path {
        &self.staging
    }

    pub fn write(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        std::fs::write(self.staging.join(name), bytes)
    }

    /// Moves the finished directory into place.
    pub fn commit(self) -> anyhow::Result<PathBuf> {
        if self.target.exists() {
            if !self.force {
                anyhow::bail!(RunDirExists(self.target.clone()));
            }
            std::fs::remove_dir_all(&self.target)?;
        }
        std::fs::rename(&self.staging, &self.target)?;
        Ok(self.target.clone())
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        // After a failure nothing half written is left behind.
        let _ = std::fs::remove_dir_all(&self.staging);
    }
}
