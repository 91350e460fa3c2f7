//! The day loop. Owns the per-agent truth and runs the phases of a day in
//! order: travel (arrivals and imported infections), transmission, background
//! ILI, observation (noisy and oracle), code assignment with its consequences
//! and appeals, the day's record, then progression to the next day.
//!
//! Invariant: no phase reads the environment or the thread count, and the
//! clock only to time the phases (`PhaseTimes`, never read back); every draw
//! comes from a keyed stream (see `rng`), and parallel phases collect their
//! results in fixed-size chunks concatenated in order, so the output is
//! bit-identical for any number of threads.

use std::time::{Duration, Instant};

use rand::RngExt;
use rayon::prelude::*;

use crate::assign::{Codes, DayCodes};
use crate::city::{City, flag};
use crate::epidemic::{Health, NaturalHistory};
use crate::evidence::Level;
use crate::mobility::{Confinement, Schedules};
use crate::observe::{Needs, Observer, Truth};
use crate::rng::{Purpose, StreamKey};
use crate::rules::{Pred, visit_preds};
use crate::scenario::Scenario;
use crate::scenario::dist::DaySampler;
use crate::transmission::{Candidate, Contacts, Layer, World};

/// Infectious agents per parallel work unit.
const CHUNK: usize = 512;
/// Agents per ILI batch (one stream per batch and day).
const ILI_BATCH: u32 = 4096;
/// Marks "never infected" in `infected_day`.
pub const NEVER: i16 = i16::MIN;

/// What happened on one day.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DayRecord {
    pub day: u32,
    pub weekday: bool,
    /// Agents in the city (residents plus travelers who have arrived).
    pub present: u64,
    pub arrivals: u64,
    /// Present agents by compartment (indexed by `Health`), after the day's infections.
    pub compartments: [u64; 6],
    /// New infections by layer (indexed by `Layer`).
    pub infections: [u64; 8],
    /// Agents with background ILI symptoms today.
    pub ili_active: u64,
    pub ili_onsets: u64,
    /// Cases newly listed in the registry today (true and false positives).
    pub cases_confirmed: u64,
    /// Infections whose infector showed a green code that day.
    pub infections_by_green: u64,
    /// Codes, their scores against the truth, quarantine and appeals.
    pub codes: DayCodes,
}

impl DayRecord {
    pub fn new_infections(&self) -> u64 {
        self.infections.iter().sum()
    }
}

/// Per-agent state and the loop that advances it.
pub struct Simulation<'a> {
    pub scenario: &'a Scenario,
    pub city: &'a City,
    pub key: StreamKey,
    pub history: NaturalHistory,
    contacts: Contacts,
    ili_duration: DaySampler,
    ili_daily_p: f64,
    /// `Health` as u8, per agent.
    pub health: Vec<u8>,
    /// Day the agent was infected (may be before day 0 for imported cases), or `NEVER`.
    pub infected_day: Vec<i16>,
    /// Day the agent's compartment next changes.
    next_change: Vec<u16>,
    /// First day without ILI symptoms (an episode covers `onset..ili_until`).
    pub ili_until: Vec<u16>,
    /// `Confinement` as u8, per agent; set by consequence phases.
    pub confinement: Vec<u8>,
    /// First day of each agent's current confinement.
    pub confined_since: Vec<u16>,
    /// Agents currently infected (exposed or infectious), in a deterministic order.
    active: Vec<u32>,
    counts: [u64; 6],
    present: u64,
    ili_active: u64,
    ili_ending: Vec<u32>,
    /// The next day `step` will simulate.
    pub day: u32,
    /// What the backend sees.
    pub observer: Observer,
    /// What it would see with perfect data: the shadow codes' evidence.
    pub oracle: Observer,
    /// Observed and shadow codes under the policy, appeals.
    pub codes: Codes,
    /// Agents with background ILI today.
    ili_agents: Vec<u32>,
    site_district: Vec<u16>,
    origin_levels: Vec<Level>,
    /// Wall time spent in each phase so far (never read by the simulation).
    pub timings: PhaseTimes,
}

/// Wall time per phase of the day loop, summed over the days run.
#[derive(Clone, Copy, Debug, Default)]
pub struct PhaseTimes {
    /// Arrivals, seeding, background ILI and progression.
    pub truth: Duration,
    pub transmission: Duration,
    /// The noisy observer: from the truth to the backend's evidence.
    pub observation: Duration,
    /// The oracle observer: the shadow's evidence.
    pub oracle: Duration,
    /// Observed and shadow codes, scoring, consequences, appeals.
    pub assignment: Duration,
}

impl PhaseTimes {
    pub fn seconds(&self) -> PhaseSeconds {
        PhaseSeconds {
            truth: self.truth.as_secs_f64(),
            transmission: self.transmission.as_secs_f64(),
            observation: self.observation.as_secs_f64(),
            oracle: self.oracle.as_secs_f64(),
            assignment: self.assignment.as_secs_f64(),
        }
    }
}

/// `PhaseTimes` in seconds, as written to `run.json` and `stress.json`.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct PhaseSeconds {
    pub truth: f64,
    pub transmission: f64,
    pub observation: f64,
    pub oracle: f64,
    pub assignment: f64,
}

impl<'a> Simulation<'a> {
    /// A simulation of `scenario` in `city` under the scenario's policy.
    pub fn new(scenario: &'a Scenario, city: &'a City) -> Self {
        let f = &scenario.file;
        let policy = scenario.policy.clone();
        let n = city.agents.len();
        let weekly = f.ili.weekly_incidence;
        let key = StreamKey::new(f.seed, f.replicate);
        let mut needs = Needs::default();
        for set in &policy {
            needs.colocation = needs.colocation.or(set.colocation);
            needs.screening = needs.screening.or(set.screening);
            for rule in &set.rules {
                visit_preds(&rule.cond, &mut |p| {
                    if let Pred::VisitedRiskArea {
                        sources, within, ..
                    } = p
                    {
                        needs.risk_window = needs.risk_window.max(*within);
                        for (need, &s) in needs.risk_sources.iter_mut().zip(sources) {
                            *need |= s;
                        }
                    }
                });
            }
        }
        // Without a policy nothing is observed; an empty observer costs nothing.
        let on = !policy.is_empty();
        let observer = Observer::new(city, f.observation.clone(), needs.clone(), key, f.days, on);
        let oracle = Observer::new(
            city,
            crate::scoring::oracle(&f.observation),
            needs,
            key,
            f.days,
            on,
        );
        Self {
            codes: Codes::new(policy, n, f.consequences.clone(), f.appeals.clone()),
            observer,
            oracle,
            ili_agents: Vec::new(),
            site_district: city.site_pos.iter().map(|&p| city.district_of(p)).collect(),
            origin_levels: scenario.origins.iter().map(|o| o.risk_level).collect(),
            scenario,
            city,
            key,
            history: NaturalHistory::new(&f.epidemic),
            contacts: Contacts::new(&f.epidemic.layers),
            ili_duration: f.ili.duration_days.sampler(),
            ili_daily_p: 1.0 - (1.0 - weekly).powf(1.0 / 7.0),
            health: vec![Health::Susceptible as u8; n],
            infected_day: vec![NEVER; n],
            next_change: vec![u16::MAX; n],
            ili_until: vec![0; n],
            confinement: vec![Confinement::Free as u8; n],
            confined_since: vec![0; n],
            active: Vec::new(),
            counts: [0; 6],
            present: 0,
            ili_active: 0,
            ili_ending: vec![0; f.days as usize + 1],
            day: 0,
            timings: PhaseTimes::default(),
        }
    }

    pub fn schedules(&self) -> Schedules<'_> {
        Schedules {
            city: self.city,
            params: &self.scenario.file.mobility,
            key: self.key,
            start_weekday: self.scenario.start_weekday,
        }
    }

    /// Agents currently infected (exposed or infectious).
    pub fn active(&self) -> &[u32] {
        &self.active
    }

    /// The world as transmission sees it on `day`.
    pub fn world(&self, day: u32) -> World<'_> {
        World {
            city: self.city,
            schedules: self.schedules(),
            contacts: &self.contacts,
            health: &self.health,
            confinement: &self.confinement,
            confined_since: &self.confined_since,
            infectiousness: &self.history.infectiousness,
            day,
        }
    }

    /// The truth as the observers read it on `day`.
    pub fn truth(&self, day: u32) -> Truth<'_> {
        Truth {
            city: self.city,
            schedules: self.schedules(),
            contacts: &self.contacts,
            history: &self.history,
            health: &self.health,
            infected_day: &self.infected_day,
            ili_until: &self.ili_until,
            confinement: &self.confinement,
            confined_since: &self.confined_since,
            active: &self.active,
            ili: &self.ili_agents,
            infectiousness: &self.history.infectiousness,
            origin_levels: &self.origin_levels,
            day,
        }
    }

    /// The district of every site (work places and schools).
    pub fn site_district(&self) -> &[u16] {
        &self.site_district
    }

    /// Present agents by compartment.
    pub fn compartments(&self) -> [u64; 6] {
        self.counts
    }

    /// Heap bytes of the per-agent state.
    pub fn heap_bytes(&self) -> usize {
        self.observer.heap_bytes()
            + self.oracle.heap_bytes()
            + self.codes.heap_bytes()
            + self.site_district.capacity() * 2
            + self.health.capacity()
            + self.infected_day.capacity() * 2
            + self.next_change.capacity() * 2
            + self.ili_until.capacity() * 2
            + self.confinement.capacity()
            + self.active.capacity() * 4
    }

    /// Runs every remaining day, calling `on_day` after each.
    pub fn run(&mut self, mut on_day: impl FnMut(&DayRecord)) -> Vec<DayRecord> {
        let mut records = Vec::with_capacity(self.scenario.file.days as usize);
        while self.day < self.scenario.file.days {
            let r = self.step();
            on_day(&r);
            records.push(r);
        }
        records
    }

    /// Simulates one day.
    pub fn step(&mut self) -> DayRecord {
        let day = self.day;
        let mut rec = DayRecord {
            day,
            weekday: self.schedules().is_weekday(day),
            ..Default::default()
        };
        let mut clock = Instant::now();
        let mut lap = |slot: &mut Duration| {
            let now = Instant::now();
            *slot += now - clock;
            clock = now;
        };
        let mut t = self.timings;
        self.arrive(day, &mut rec);
        if day == 0 {
            self.seed_infections(&mut rec);
        }
        lap(&mut t.truth);
        self.transmit(day, &mut rec);
        lap(&mut t.transmission);
        self.background_ili(day, &mut rec);
        lap(&mut t.truth);
        self.observe(day, &mut rec, &mut lap, &mut t);
        self.assign(day, rec.weekday, &mut rec);
        lap(&mut t.assignment);
        rec.present = self.present;
        rec.compartments = self.counts;
        rec.ili_active = self.ili_active;
        self.progress(day + 1);
        self.day += 1;
        lap(&mut t.truth);
        self.timings = t;
        rec
    }

    /// Residents appear on day 0, travelers on their arrival day; a traveler
    /// is infected on arrival with the origin's prevalence on that day.
    fn arrive(&mut self, day: u32, rec: &mut DayRecord) {
        if day == 0 {
            let residents = self
                .city
                .agents
                .flags
                .iter()
                .filter(|&&f| f & flag::TRAVELER == 0)
                .count() as u64;
            self.present += residents;
            self.counts[Health::Susceptible as usize] += residents;
        }
        let max_before = self
            .scenario
            .file
            .travelers
            .max_days_infected_before_arrival;
        for &a in self.city.arrivals.of(day) {
            self.present += 1;
            self.counts[Health::Susceptible as usize] += 1;
            rec.arrivals += 1;
            let origin = &self.scenario.origins[self.city.agents.origin[a as usize] as usize];
            let mut rng = self.key.stream(0, Purpose::Import, a as u64);
            let infected = rng.random_bool(origin.prevalence_on(day as f64));
            let days_before = rng.random_range(0..=max_before);
            if infected {
                self.infect(
                    a,
                    day as i32 - days_before as i32,
                    day,
                    Layer::Imported,
                    rec,
                );
            }
        }
    }

    fn seed_infections(&mut self, rec: &mut DayRecord) {
        // Travelers come as whole households, so the city may hold fewer
        // residents than the file asked for; never ask for more seeds than exist.
        let target = self
            .scenario
            .file
            .epidemic
            .initial_infected
            .min(self.city.residents as u64);
        let n = self.city.agents.len() as u32;
        let mut rng = self.key.stream(0, Purpose::Seeding, 0);
        let mut seeded = 0;
        while seeded < target {
            let a = rng.random_range(0..n);
            if !self.city.agents.has(a, flag::TRAVELER)
                && self.health[a as usize] == Health::Susceptible as u8
            {
                self.infect(a, 0, 0, Layer::Seed, rec);
                seeded += 1;
            }
        }
    }

    /// Makes a present, susceptible agent infected on `infected_on` (which may
    /// lie before `today` for imported cases), in the compartment its course
    /// gives for today.
    fn infect(
        &mut self,
        agent: u32,
        infected_on: i32,
        today: u32,
        layer: Layer,
        rec: &mut DayRecord,
    ) {
        let i = agent as usize;
        let course = self.history.course(self.key, agent);
        let (state, remaining) = course.phase_at((today as i32 - infected_on) as u32);
        self.counts[Health::Susceptible as usize] -= 1;
        self.counts[state as usize] += 1;
        self.health[i] = state as u8;
        self.infected_day[i] = infected_on as i16;
        self.next_change[i] = (today + remaining).min(u16::MAX as u32) as u16;
        if state.is_active() {
            self.active.push(agent);
        }
        rec.infections[layer as usize] += 1;
    }

    /// Every infectious agent draws its contacts in parallel; transmissions are
    /// applied in the order of the active list, so when two infectors reach
    /// the same agent the earlier one in that order is the infector.
    fn transmit(&mut self, day: u32, rec: &mut DayRecord) {
        let world = self.world(day);
        let chunks: Vec<Vec<Candidate>> = self
            .active
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut out = Vec::new();
                for &a in chunk {
                    world.infections_by(a, &mut out);
                }
                out
            })
            .collect();
        for c in chunks.into_iter().flatten() {
            if self.health[c.target as usize] == Health::Susceptible as u8 {
                self.infect(c.target, day as i32, day, c.layer, rec);
                // Yesterday's assignment is the code the infector showed today.
                if !self.codes.policy.is_empty() && self.codes.displayed[c.infector as usize] == 0 {
                    rec.infections_by_green += 1;
                }
            }
        }
    }

    /// New ILI episodes: per batch of agents, the number of onsets is binomial
    /// and the agents are drawn uniformly in the batch. Only present agents
    /// who are not infected and not already ill start an episode.
    fn background_ili(&mut self, day: u32, rec: &mut DayRecord) {
        self.ili_active -= self.ili_ending[day as usize] as u64;
        let until = &self.ili_until;
        self.ili_agents.retain(|&a| until[a as usize] as u32 > day);
        if self.ili_daily_p <= 0.0 {
            return;
        }
        let n = self.city.agents.len() as u32;
        let batches = n.div_ceil(ILI_BATCH);
        let (health, until, arrival) =
            (&self.health, &self.ili_until, &self.city.agents.arrival_day);
        let (key, p, dur) = (self.key, self.ili_daily_p, &self.ili_duration);
        let onsets: Vec<Vec<(u32, u16)>> = (0..batches)
            .into_par_iter()
            .map(|b| {
                let lo = b * ILI_BATCH;
                let len = ILI_BATCH.min(n - lo);
                let mut rng = key.stream(day, Purpose::Ili, b as u64);
                let k = rand_distr::Binomial::new(len as u64, p)
                    .map_or(0, |d| rand_distr::Distribution::sample(&d, &mut rng));
                let mut out = Vec::with_capacity(k as usize);
                for _ in 0..k {
                    let a = lo + rng.random_range(0..len);
                    let i = a as usize;
                    let h = Health::from_u8(health[i]);
                    if arrival[i] as u32 <= day && !h.is_active() && until[i] as u32 <= day {
                        let d =
                            dur.draw_days(&mut key.stream(day, Purpose::IliDuration, a as u64), 1);
                        out.push((a, (day + d as u32).min(u16::MAX as u32) as u16));
                    }
                }
                out
            })
            .collect();
        for (a, end) in onsets.into_iter().flatten() {
            // A batch may draw the same agent twice; the first onset counts.
            if self.ili_until[a as usize] as u32 > day {
                continue;
            }
            self.ili_until[a as usize] = end;
            self.ili_agents.push(a);
            self.ili_active += 1;
            rec.ili_onsets += 1;
            if (end as usize) < self.ili_ending.len() {
                self.ili_ending[end as usize] += 1;
            }
        }
    }

    /// The backend's view of the day: tests, registry, tracing, reports,
    /// scans, risk areas, companions, travel card, screening.
    fn observe(
        &mut self,
        day: u32,
        rec: &mut DayRecord,
        lap: &mut impl FnMut(&mut Duration),
        t: &mut PhaseTimes,
    ) {
        if self.codes.policy.is_empty() {
            return;
        }
        let before = self.observer.stats.cases_confirmed;
        let (mut observer, mut oracle) = (
            std::mem::take(&mut self.observer),
            std::mem::take(&mut self.oracle),
        );
        let truth = self.truth(day);
        observer.observe_day(&truth);
        lap(&mut t.observation);
        oracle.observe_day(&truth);
        lap(&mut t.oracle);
        (self.observer, self.oracle) = (observer, oracle);
        rec.cases_confirmed = self.observer.stats.cases_confirmed - before;
    }

    /// Codes, scoring, consequences and appeals (see `assign`).
    fn assign(&mut self, day: u32, weekday: bool, rec: &mut DayRecord) {
        let d = self.codes.day(
            self.city,
            &self.observer,
            &self.oracle,
            &self.health,
            &self.site_district,
            self.key,
            &mut self.confinement,
            &mut self.confined_since,
            day,
            weekday,
        );
        rec.codes = d;
    }

    /// Moves agents whose compartment changes on `next_day`; work proportional
    /// to the number of infected agents.
    fn progress(&mut self, next_day: u32) {
        let (history, key, next_change, infected_day) = (
            &self.history,
            self.key,
            &self.next_change,
            &self.infected_day,
        );
        let changes: Vec<Vec<(u32, Health, u16)>> = self
            .active
            .par_chunks(CHUNK)
            .map(|chunk| {
                chunk
                    .iter()
                    .filter(|&&a| next_change[a as usize] as u32 <= next_day)
                    .map(|&a| {
                        let course = history.course(key, a);
                        let (state, remaining) = course
                            .phase_at((next_day as i32 - infected_day[a as usize] as i32) as u32);
                        (a, state, (next_day + remaining).min(u16::MAX as u32) as u16)
                    })
                    .collect()
            })
            .collect();
        let mut recovered = false;
        for (a, state, next) in changes.into_iter().flatten() {
            let i = a as usize;
            self.counts[self.health[i] as usize] -= 1;
            self.counts[state as usize] += 1;
            self.health[i] = state as u8;
            self.next_change[i] = next;
            recovered |= state == Health::Recovered;
        }
        if recovered {
            let health = &self.health;
            self.active
                .retain(|&a| Health::from_u8(health[a as usize]).is_active());
        }
    }

    /// Recounts compartments from the per-agent state (for tests).
    pub fn recount(&self) -> [u64; 6] {
        let mut c = [0u64; 6];
        for (i, &h) in self.health.iter().enumerate() {
            if self.city.agents.arrival_day[i] as u32 <= self.day.saturating_sub(1) {
                c[h as usize] += 1;
            }
        }
        c
    }
}
