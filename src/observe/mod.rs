//! What a health-code backend sees. Each day the `Observer` turns the truth
//! (who is where, who is ill, who met whom) into evidence through the noisy
//! models of `models`: test results and the registry, contact tracing,
//! self-reports, clinic visits and temperature scans, risk areas and the
//! location records that fall in them, spatiotemporal companions, the travel
//! card and screening rounds.
//!
//! Work is proportional to what changes: people with symptoms, cases and their
//! contacts, agents near new or active risk areas, batches for rare events.
//! Location records are never stored: they are recomputed from the agent's
//! observation stream when a risk area or a case needs them.

pub mod models;
pub mod risk;

use rand::RngExt;
use rand_distr::{Binomial, Distribution};

use crate::city::{City, Point, flag};
use crate::engine::NEVER as NEVER_INFECTED;
use crate::epidemic::{Health, NaturalHistory};
use crate::evidence::{Evidence, Level, LocationSource, NEVER, index, record, registry};
use crate::mobility::{Confinement, MAX_VISITS, Place, Schedules};
use crate::rng::{Purpose, StreamKey};
use crate::rules::{Colocation, Screening};
use crate::scenario::observe_file::ObservationFile;
use crate::transmission::{Contacts, Layer, World};
use models::{
    PlaceTowers, app_fix, cell_record, false_fever_probability, pcr_positive, place_position,
    scan_records_fever,
};
use risk::RiskMap;

const BATCH: u32 = 4096;

/// The truth the observer reads on a day.
pub struct Truth<'a> {
    pub city: &'a City,
    pub schedules: Schedules<'a>,
    pub contacts: &'a Contacts,
    pub history: &'a NaturalHistory,
    pub health: &'a [u8],
    pub infected_day: &'a [i16],
    pub ili_until: &'a [u16],
    pub confinement: &'a [u8],
    pub confined_since: &'a [u16],
    /// Infected agents (exposed or infectious).
    pub active: &'a [u32],
    /// Agents with background ILI today.
    pub ili: &'a [u32],
    pub infectiousness: &'a [f64; 6],
    /// Risk level of each traveler origin.
    pub origin_levels: &'a [Level],
    pub day: u32,
}

impl Truth<'_> {
    fn present(&self, a: u32) -> bool {
        self.city.agents.arrival_day[a as usize] as u32 <= self.day
    }
    fn conf(&self, a: u32) -> Confinement {
        Confinement::from_u8(self.confinement[a as usize])
    }
    /// Confinement on a past (or the current) day: free before the current
    /// confinement began, as in `World`.
    fn conf_on(&self, a: u32, day: u32) -> Confinement {
        if day < self.confined_since[a as usize] as u32 {
            Confinement::Free
        } else {
            self.conf(a)
        }
    }
    fn infected(&self, a: u32) -> bool {
        Health::from_u8(self.health[a as usize]).is_active()
    }
    fn world(&self, day: u32) -> World<'_> {
        World {
            city: self.city,
            schedules: self.schedules,
            contacts: self.contacts,
            health: self.health,
            confinement: self.confinement,
            confined_since: self.confined_since,
            infectiousness: self.infectiousness,
            day,
        }
    }
}

/// One visit's location records.
#[derive(Clone, Copy, Debug, Default)]
pub struct VisitRecords {
    pub start: u16,
    pub end: u16,
    pub app: Option<(Point, LocationSource)>,
    pub cell: Option<Point>,
}

/// What the policy needs beyond the scenario's observation parameters.
#[derive(Clone, Debug, Default)]
pub struct Needs {
    pub colocation: Option<Colocation>,
    pub screening: Option<Screening>,
    /// Location sources some `visited_risk_area` predicate reads (cell, GPS, Wi-Fi);
    /// records of other sources are never matched against risk areas.
    pub risk_sources: [bool; 3],
    /// Longest `within` of those predicates: how far back a new area is scanned.
    pub risk_window: u32,
}

#[derive(Clone, Copy, Debug)]
enum Pending {
    /// A single test: agent, positive, infected when sampled.
    Single(u32, bool, bool),
    /// A pooled screening sample: first agent, participants bit mask, positive.
    Pool(u32, u64, bool),
}

/// Counts of what the observer did, for the summary.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct ObserverStats {
    pub tests: u64,
    pub positive_results: u64,
    pub false_positive_results: u64,
    pub cases_confirmed: u64,
    pub contacts_listed: u64,
    pub contacts_listed_wrong_person: u64,
    pub secondary_contacts_listed: u64,
    pub stale_entries: u64,
    /// Risk areas declared, or raised to a higher level by a new case.
    pub risk_areas_declared: u64,
    pub companions_listed: u64,
    pub symptom_reports: u64,
    pub clinic_visits: u64,
    pub fever_scans: u64,
    pub false_fever_scans: u64,
    pub border_listings: u64,
}

/// An empty `Default` observer stands in while the real one is in use.
#[derive(Clone, Default)]
pub struct Observer {
    pub params: ObservationFile,
    pub needs: Needs,
    key: StreamKey,
    pub evidence: Vec<Evidence>,
    pub risk: RiskMap,
    results_due: Vec<Vec<Pending>>,
    tracing_due: Vec<Vec<u32>>,
    declare_due: Vec<Vec<u32>>,
    releases_due: Vec<Vec<u32>>,
    /// Travel-card listings by the day they show: (agent, level, day of the stay).
    card_due: Vec<Vec<(u32, u8, u16)>>,
    false_fever_p: f64,
    /// First agent living in the rural fringe (zones are laid out in order).
    rural_first: u32,
    towers: PlaceTowers,
    pub stats: ObserverStats,
}

impl Observer {
    /// An observer of `city`; a disabled one (a run without a policy)
    /// allocates no per-agent evidence.
    pub fn new(
        city: &City,
        params: ObservationFile,
        needs: Needs,
        key: StreamKey,
        days: u32,
        enabled: bool,
    ) -> Self {
        let n = if enabled { city.agents.len() } else { 0 };
        let horizon = days as usize + 64;
        let rural_first = city
            .compounds
            .iter()
            .position(|c| c.zone == crate::city::Zone::Rural)
            .map_or(n as u32, |c| city.compound_agents[c]);
        Self {
            false_fever_p: false_fever_probability(&params.temperature),
            risk: RiskMap::new(city, params.risk_areas.clone()),
            params,
            needs,
            key,
            evidence: vec![Evidence::default(); n],
            results_due: vec![Vec::new(); horizon],
            tracing_due: vec![Vec::new(); horizon],
            declare_due: vec![Vec::new(); horizon],
            releases_due: vec![Vec::new(); horizon],
            card_due: vec![Vec::new(); horizon],
            rural_first,
            towers: if enabled {
                PlaceTowers::new(city)
            } else {
                PlaceTowers::default()
            },
            stats: ObserverStats::default(),
        }
    }

    pub fn heap_bytes(&self) -> usize {
        self.evidence.capacity() * std::mem::size_of::<Evidence>()
            + self
                .risk
                .areas
                .iter()
                .map(|a| a.candidates.capacity() * 4)
                .sum::<usize>()
    }

    fn schedule(queue: &mut [Vec<u32>], day: u32, agent: u32) {
        if let Some(q) = queue.get_mut(day as usize) {
            q.push(agent);
        }
    }

    /// Whether `agent` completes the daily check-in on `day`.
    pub fn checked_in(&self, truth_city: &City, agent: u32, day: u32) -> bool {
        truth_city.agents.arrival_day[agent as usize] as u32 <= day
            && self
                .key
                .stream(day, Purpose::Checkin, agent as u64)
                .random_bool(self.params.checkin.compliance)
    }

    /// Consecutive check-ins missed up to yesterday, looking back at most `cap` days.
    pub fn missed_checkins(&self, city: &City, agent: u32, day: u32, cap: u32) -> u16 {
        let mut n = 0;
        let arrival = city.agents.arrival_day[agent as usize] as u32;
        for back in 1..=cap {
            if back > day || day - back < arrival || self.checked_in(city, agent, day - back) {
                break;
            }
            n += 1;
        }
        n
    }

    /// Location records of an agent's visits on a day, recomputed from the
    /// observation streams (the same every time).
    pub fn records(
        &self,
        truth: &Truth,
        agent: u32,
        day: u32,
    ) -> ([VisitRecords; MAX_VISITS], usize) {
        let mut out = [VisitRecords::default(); MAX_VISITS];
        let plan = truth.schedules.plan(agent, day, truth.conf_on(agent, day));
        for (k, v) in plan.visits().iter().enumerate() {
            let (pos, zone, env) = place_position(truth.city, v.place);
            let towers = self.towers.of(truth.city, v.place, pos);
            out[k] = self.visit_records(truth, agent, day, k, v, pos, zone, env, Some(towers));
        }
        (out, plan.visits().len())
    }

    /// The records of one visit, from a stream of its own (agent, day, visit
    /// index), so a phase can compute the records of the visits it needs only.
    /// `towers`: the place's towers when the cell record is wanted. The app
    /// fix is drawn first, so leaving out the cell record changes nothing else.
    #[allow(clippy::too_many_arguments)]
    fn visit_records(
        &self,
        truth: &Truth,
        agent: u32,
        day: u32,
        k: usize,
        v: &crate::mobility::Visit,
        pos: Point,
        zone: crate::city::Zone,
        env: models::Environment,
        towers: Option<[u32; 3]>,
    ) -> VisitRecords {
        let fl = truth.city.agents.flags[agent as usize];
        let towers = towers.filter(|_| fl & flag::PHONE != 0);
        let mut out = VisitRecords {
            start: v.start,
            end: v.end,
            app: None,
            cell: None,
        };
        if fl & flag::APP == 0 && towers.is_none() {
            return out;
        }
        let mut rng = self
            .key
            .stream(day, Purpose::Observe, ((agent as u64) << 4) | k as u64);
        let app = app_fix(
            pos,
            zone,
            env,
            &self.params.gps,
            &self.params.wifi,
            &mut rng,
        );
        out.app = app.filter(|_| fl & flag::APP != 0);
        out.cell =
            towers.map(|ids| cell_record(truth.city, pos, ids, &self.params.cell, &mut rng).0);
        out
    }

    /// How far an app record can lie from the place it was taken at: five
    /// sigma of the widest app error; 0 when both app sources are perfect
    /// (the oracle), whose records lie at the place itself.
    fn app_reach(&self) -> f32 {
        let (gps, wifi) = (&self.params.gps, &self.params.wifi);
        let mut sigma: f64 = 0.0;
        if !gps.perfect {
            sigma = sigma
                .max(gps.sigma_open_m)
                .max(gps.sigma_urban_m)
                .max(gps.sigma_indoor_m);
        }
        if !wifi.perfect {
            sigma = sigma.max(wifi.sigma_m);
        }
        (5.0 * sigma) as f32
    }

    /// Whether a record taken at the quarantine facility can fall in one of
    /// `areas`: the facility within app reach, or one of its towers inside.
    fn facility_near(&self, city: &City, areas: &[usize]) -> bool {
        let (pos, _, _) = place_position(city, Place::Facility);
        let towers = self.towers.of(city, Place::Facility, pos);
        let sources = self.needs.risk_sources;
        let app_on =
            sources[LocationSource::Gps as usize] || sources[LocationSource::Wifi as usize];
        let cell_on = sources[LocationSource::Cell as usize];
        areas.iter().any(|&i| {
            let area = &self.risk.areas[i];
            let d = pos.dist(area.centre);
            (app_on && d <= 2.0 * area.radius + self.app_reach())
                || (cell_on && !self.cell_by_towers() && d <= 2.0 * area.radius)
                || (self.cell_by_towers()
                    && towers.iter().any(|&tw| {
                        tw != u32::MAX && area.level_at(city.towers.pos[tw as usize]).is_some()
                    }))
        })
    }

    /// Whether cell records are matched against areas through the serving
    /// towers; a perfect cell source records the place itself, which the
    /// place's distance decides (as for app records with no reach).
    fn cell_by_towers(&self) -> bool {
        self.needs.risk_sources[LocationSource::Cell as usize] && !self.params.cell.perfect
    }
}

/// A grid cell of the companion rule.
fn grid_cell(p: Point, grid_m: f64) -> (i32, i32) {
    (
        (p.x as f64 / grid_m).floor() as i32,
        (p.y as f64 / grid_m).floor() as i32,
    )
}

fn out_today(plan_visits: &[crate::mobility::Visit]) -> bool {
    plan_visits
        .iter()
        .any(|v| matches!(v.place, Place::Site(_) | Place::Venue(_)))
}

impl Observer {
    /// Runs every observation phase for `truth.day`.
    pub fn observe_day(&mut self, t: &Truth) {
        let day = t.day;
        self.risk.new_day(t.city, day);
        self.travel_card(t);
        self.deliver_results(t);
        self.releases(t);
        self.symptoms(t);
        self.false_fevers(t);
        self.trace(t);
        self.declare(t);
        self.scan_areas(t);
        self.screening(t);
    }

    fn order_test(&mut self, t: &Truth, agent: u32, day: u32) {
        let mut rng = self.key.stream(day, Purpose::TestResult, agent as u64);
        let positive = pcr_positive(t.infected(agent), &self.params.testing, &mut rng);
        let due = day + self.params.testing.result_delay_days;
        if let Some(q) = self.results_due.get_mut(due as usize) {
            q.push(Pending::Single(agent, positive, t.infected(agent)));
        }
        self.stats.tests += 1;
    }

    /// Extends a registry listing to `until` (exclusive), possibly stale.
    fn list(&mut self, agent: u32, bits: u8, day: u32, until: u32, stale: bool) {
        let until = if stale {
            until + self.params.registry.stale_days
        } else {
            until
        };
        let e = &mut self.evidence[agent as usize];
        // A new status (a listed contact confirmed, say) is new evidence.
        if e.registry & bits != bits {
            e.registry_since = day as u16;
        }
        e.registry |= bits;
        if e.registry_until == crate::evidence::NEVER || (e.registry_until as u32) < until {
            e.registry_until = until.min(crate::evidence::NEVER as u32 - 1) as u16;
            Self::schedule(&mut self.releases_due, until, agent);
        }
    }

    fn is_stale(&mut self, day: u32, agent: u32) -> bool {
        let r = &self.params.registry;
        let stale = !r.perfect
            && self
                .key
                .stream(day, Purpose::Registry, (1 << 40) | agent as u64)
                .random_bool(r.stale_probability);
        self.stats.stale_entries += stale as u64;
        stale
    }

    /// The operator's itinerary card: a stay shows `lag_days` after it.
    /// Travelers' last day in their origin region is the day before arrival;
    /// rural phones are sometimes listed in a neighbouring region.
    fn travel_card(&mut self, t: &Truth) {
        let day = t.day;
        let tc = self.params.travel_card.clone();
        let lag = if tc.perfect { 0 } else { tc.lag_days };
        let list = |queue: &mut Vec<Vec<(u32, u8, u16)>>, a: u32, level: usize, stay: u32| {
            if let Some(q) = queue.get_mut((stay + lag).max(day) as usize) {
                q.push((a, level as u8, stay as u16));
            }
        };
        for &a in t.city.arrivals.of(day) {
            let level = t.origin_levels[t.city.agents.origin[a as usize] as usize] as usize;
            if t.city.agents.has(a, flag::PHONE) {
                list(&mut self.card_due, a, level, day.saturating_sub(1));
            }
        }
        if !tc.perfect && tc.border_overlap > 0.0 {
            let level = Level::parse(&tc.border_region_level).unwrap_or(Level::Medium) as usize;
            let n = t.city.agents.len() as u32;
            let mut b = self.rural_first;
            while b < n {
                let len = BATCH.min(n - b);
                let mut rng = self.key.stream(day, Purpose::Border, b as u64);
                let k =
                    Binomial::new(len as u64, tc.border_overlap).map_or(0, |d| d.sample(&mut rng));
                for _ in 0..k {
                    let a = b + rng.random_range(0..len);
                    if t.present(a) && t.city.agents.has(a, flag::PHONE) {
                        list(&mut self.card_due, a, level, day);
                        self.stats.border_listings += 1;
                    }
                }
                b += len;
            }
        }
        for (a, level, stay) in std::mem::take(&mut self.card_due[day as usize]) {
            record(
                &mut self.evidence[a as usize].travel_card[level as usize],
                stay as u32,
            );
        }
    }

    fn deliver_results(&mut self, t: &Truth) {
        let day = t.day;
        let due = std::mem::take(&mut self.results_due[day as usize]);
        for p in due {
            match p {
                Pending::Single(a, positive, infected) => {
                    self.single_result(t, a, positive, infected, day)
                }
                Pending::Pool(first, mask, positive) => {
                    for i in 0..64 {
                        if mask & (1 << i) == 0 {
                            continue;
                        }
                        let a = first + i;
                        let e = &mut self.evidence[a as usize];
                        record(&mut e.test_day, day);
                        if positive {
                            record(&mut e.pool_positive_day, day);
                            // Single-tube retest of every member of a positive pool.
                            self.order_test(t, a, day);
                        } else {
                            record(&mut e.negative_day, day);
                        }
                    }
                }
            }
        }
    }

    fn single_result(
        &mut self,
        t: &Truth,
        a: u32,
        positive: bool,
        infected_at_sample: bool,
        day: u32,
    ) {
        let e = &mut self.evidence[a as usize];
        record(&mut e.test_day, day);
        // A single-tube result settles a positive pool.
        e.pool_positive_day = crate::evidence::NEVER;
        if !positive {
            record(&mut e.negative_day, day);
            e.registry &= !registry::SUSPECTED;
            if e.registry == 0 {
                e.registry_since = crate::evidence::NEVER;
            }
            return;
        }
        record(&mut e.positive_day, day);
        self.stats.positive_results += 1;
        let infected = infected_at_sample || t.infected(a);
        if !infected_at_sample {
            self.stats.false_positive_results += 1;
        }
        if e.registry & (registry::CONFIRMED | registry::ASYMPTOMATIC) != 0 {
            return;
        }
        let symptomatic = t.health[a as usize] == Health::Symptomatic as u8
            || t.ili_until[a as usize] as u32 > day;
        let bits = if symptomatic {
            registry::CONFIRMED
        } else {
            registry::ASYMPTOMATIC
        };
        let r = self.params.registry.clone();
        let recovery = if infected {
            let course = t.history.course(self.key, a);
            (t.infected_day[a as usize] as i32 + course.total_days() as i32).max(day as i32) as u32
        } else {
            day + 14
        };
        let until = recovery + r.case_listing_days_after_recovery;
        let stale = self.is_stale(day, a);
        self.evidence[a as usize].registry &= !registry::SUSPECTED;
        self.list(a, bits | registry::ISOLATED, day, until, stale);
        self.stats.cases_confirmed += 1;
        let delay = if r.perfect { 0 } else { r.tracing_delay_days };
        Self::schedule(&mut self.tracing_due, day + delay, a);
        Self::schedule(
            &mut self.declare_due,
            day + self.params.risk_areas.declaration_delay_days,
            a,
        );
    }

    fn releases(&mut self, t: &Truth) {
        let day = t.day;
        for a in std::mem::take(&mut self.releases_due[day as usize]) {
            let e = &mut self.evidence[a as usize];
            if e.registry_until as u32 != day {
                continue;
            }
            if e.registry & (registry::CONFIRMED | registry::ASYMPTOMATIC) != 0 {
                e.released_day = day as u16;
            }
            e.registry = 0;
            e.registry_since = crate::evidence::NEVER;
        }
    }

    /// Self-reports, clinic visits and scans of people with symptoms today.
    fn symptoms(&mut self, t: &Truth) {
        let day = t.day;
        let covid = t
            .active
            .iter()
            .copied()
            .filter(|&a| t.health[a as usize] == Health::Symptomatic as u8);
        let mut people: Vec<u32> = covid
            .chain(t.ili.iter().copied())
            .filter(|&a| t.present(a))
            .collect();
        people.sort_unstable();
        people.dedup();
        let (c, temp) = (self.params.checkin.clone(), self.params.temperature.clone());
        for a in people {
            let mut rng = self.key.stream(day, Purpose::Symptoms, a as u64);
            let honest = rng.random_bool(c.honesty);
            let to_clinic = rng.random_bool(c.clinic_visit);
            let u_fever: f64 = rng.random();
            let scanned = rng.random_bool(temp.scan_probability);
            let is_covid = t.health[a as usize] == Health::Symptomatic as u8;
            let febrile = u_fever
                < if is_covid {
                    temp.fever_share_covid
                } else {
                    temp.fever_share_ili
                };
            let scan_fever = scan_records_fever(febrile, &temp, &mut rng);
            let clinic_fever = scan_records_fever(febrile, &temp, &mut rng);
            let conf = t.conf(a);
            if self.checked_in(t.city, a, day) && (c.perfect || honest) {
                record(&mut self.evidence[a as usize].symptom_report_day, day);
                self.stats.symptom_reports += 1;
            }
            if conf == Confinement::Free
                && scanned
                && scan_fever
                && out_today(t.schedules.plan(a, day, conf).visits())
            {
                record(&mut self.evidence[a as usize].fever_day, day);
                self.stats.fever_scans += 1;
            }
            let listed_case = self.evidence[a as usize].registry
                & (registry::CONFIRMED | registry::ASYMPTOMATIC)
                != 0;
            if to_clinic && conf != Confinement::Facility && !listed_case {
                record(&mut self.evidence[a as usize].clinic_day, day);
                self.stats.clinic_visits += 1;
                if clinic_fever {
                    record(&mut self.evidence[a as usize].fever_day, day);
                    let until = day + self.params.testing.result_delay_days + 1;
                    self.list(a, registry::SUSPECTED, day, until, false);
                }
                self.order_test(t, a, day);
            }
        }
    }

    /// Scans of people without fever that read at or above the threshold:
    /// a binomial count per batch of agents, kept if the person was out.
    fn false_fevers(&mut self, t: &Truth) {
        let day = t.day;
        let p = self.params.temperature.scan_probability * self.false_fever_p;
        if p <= 0.0 {
            return;
        }
        let n = t.city.agents.len() as u32;
        let mut b = 0;
        while b < n {
            let len = BATCH.min(n - b);
            let mut rng = self.key.stream(day, Purpose::FalseFever, b as u64);
            let k = Binomial::new(len as u64, p).map_or(0, |d| d.sample(&mut rng));
            for _ in 0..k {
                let a = b + rng.random_range(0..len);
                let symptomatic = t.health[a as usize] == Health::Symptomatic as u8
                    || t.ili_until[a as usize] as u32 > day;
                if t.present(a)
                    && !symptomatic
                    && t.conf(a) == Confinement::Free
                    && out_today(t.schedules.plan(a, day, Confinement::Free).visits())
                {
                    record(&mut self.evidence[a as usize].fever_day, day);
                    self.stats.false_fever_scans += 1;
                }
            }
            b += len;
        }
    }

    /// Lists the contacts of cases whose tracing is due today.
    fn trace(&mut self, t: &Truth) {
        let day = t.day;
        let cases = std::mem::take(&mut self.tracing_due[day as usize]);
        let r = self.params.registry.clone();
        let n = t.city.agents.len() as u32;
        for c in cases {
            let e = self.evidence[c as usize];
            let kind = if e.registry & registry::CONFIRMED != 0 {
                index::CONFIRMED
            } else {
                index::ASYMPTOMATIC
            };
            let mut start = e.positive_day as u32;
            if t.infected_day[c as usize] != NEVER_INFECTED {
                let course = t.history.course(self.key, c);
                if course.symptomatic {
                    let onset = t.infected_day[c as usize] as i32
                        + (course.latent + course.presymptomatic) as i32;
                    start = start.min(onset.max(0) as u32);
                }
            }
            let first = start.saturating_sub(r.tracing_lookback_days);
            let mut rng = self.key.stream(day, Purpose::Registry, c as u64);
            // Every contact over the lookback, once per person, by the most
            // recallable layer (lowest layer index: household first).
            let mut met: Vec<(u32, Layer)> = Vec::new();
            for d in first..=day {
                t.world(d)
                    .for_each_contact(c, |j, layer, _| met.push((j, layer)));
            }
            met.sort_unstable_by_key(|&(j, layer)| (j, layer as u8));
            met.dedup_by_key(|x| x.0);
            // Tracers find each contact with the layer's recall; the listing
            // names the wrong person with the identity-mismatch probability.
            let mut listed = Vec::new();
            let mut true_contacts = Vec::new();
            for (j, layer) in met {
                let found = rng.random_bool(if r.perfect {
                    1.0
                } else {
                    r.recall[layer as usize]
                });
                let wrong = rng.random_bool(if r.perfect { 0.0 } else { r.id_mismatch });
                let stranger = rng.random_range(0..n);
                if found {
                    true_contacts.push(j);
                    listed.push(if wrong { (stranger, true) } else { (j, false) });
                }
            }
            listed.sort_unstable();
            listed.dedup_by_key(|x| x.0);
            for &(j, wrong) in &listed {
                if j == c {
                    continue;
                }
                let stale = self.is_stale(day, j);
                self.list(
                    j,
                    registry::ISOLATED,
                    day,
                    day + r.contact_listing_days,
                    stale,
                );
                let ej = &mut self.evidence[j as usize];
                record(&mut ej.contact_day, day);
                ej.contact_index |= kind;
                self.stats.contacts_listed += 1;
                self.stats.contacts_listed_wrong_person += wrong as u64;
                if self.params.testing.test_contacts
                    && ej.registry & (registry::CONFIRMED | registry::ASYMPTOMATIC) == 0
                {
                    self.order_test(t, j, day);
                }
            }
            if r.trace_secondary {
                true_contacts.sort_unstable();
                true_contacts.dedup();
                let mut secondary = Vec::new();
                for &j in &true_contacts {
                    for d in first..=day {
                        t.world(d).for_each_contact(j, |k, layer, _| {
                            if matches!(layer, Layer::Household | Layer::Work | Layer::School)
                                && (r.perfect || rng.random_bool(r.recall[layer as usize]))
                            {
                                secondary.push(k);
                            }
                        });
                    }
                }
                secondary.sort_unstable();
                secondary.dedup();
                for k in secondary {
                    if k != c && true_contacts.binary_search(&k).is_err() {
                        record(&mut self.evidence[k as usize].secondary_day, day);
                        self.stats.secondary_contacts_listed += 1;
                    }
                }
            }
            if let Some(col) = self.needs.colocation {
                self.companions(t, c, col);
            }
        }
    }

    /// Declares risk areas around the observed homes of cases due today and
    /// scans the window for records that fall in new or raised areas.
    fn declare(&mut self, t: &Truth) {
        let day = t.day;
        let mut changed = Vec::new();
        for c in std::mem::take(&mut self.declare_due[day as usize]) {
            // The case's observed home: its first record of the previous day
            // (the night at home), else the registered address.
            let d = day.saturating_sub(1);
            let (recs, n) = self.records(t, c, d);
            let truth_home =
                place_position(t.city, Place::Home(t.city.agents.household[c as usize])).0;
            let home = if n > 0 {
                recs[0]
                    .app
                    .map(|x| x.0)
                    .or(recs[0].cell)
                    .unwrap_or(truth_home)
            } else {
                truth_home
            };
            let cell = self.cell_by_towers();
            let scan = self.needs.risk_sources.iter().any(|&b| b);
            if let Some(i) = self.risk.declare(
                t.city,
                &self.towers,
                home,
                day,
                self.app_reach(),
                cell,
                scan,
            ) {
                self.stats.risk_areas_declared += 1;
                changed.push(i);
            }
        }
        if !changed.is_empty() {
            // Records from before the declaration count, back as far as any
            // rule looks.
            changed.sort_unstable();
            changed.dedup();
            let window = self.needs.risk_window.max(1).min(day + 1);
            self.scan(t, &changed, day + 1 - window..day);
        }
    }

    fn scan_areas(&mut self, t: &Truth) {
        if !self.needs.risk_sources.iter().any(|&b| b) || self.risk.areas.is_empty() {
            return;
        }
        let all: Vec<usize> = (0..self.risk.areas.len()).collect();
        self.scan(t, &all, t.day..t.day + 1);
    }

    /// Records on `days` of the candidates of `areas` that fall in them. Each
    /// candidate's day plan is computed once for all areas, and a visit's
    /// records only when the place is within app reach of an area or one of
    /// its serving towers lies in an area's periphery.
    ///
    /// Days are scanned latest first, and a candidate's scan stops once, for
    /// every source that can give it a record, a record at the highest level
    /// of these areas is known on a day at least as late (from earlier scans
    /// or this one): an earlier record of that source can only fill a slot
    /// below it. Every reader of `risk_visit` (rules, attribution, the
    /// assignment fast path) asks "a level or higher, latest day", so such
    /// records change nothing; skipping them makes the rescan of a new area's
    /// window cheap where areas overlap.
    fn scan(&mut self, t: &Truth, areas: &[usize], days: std::ops::Range<u32>) {
        use rayon::prelude::*;
        let city = t.city;
        let n = city.agents.len();
        let mut members = vec![0u64; n.div_ceil(64)];
        for &i in areas {
            for &a in &self.risk.areas[i].candidates {
                members[a as usize / 64] |= 1 << (a % 64);
            }
        }
        // People held in the quarantine facility are there on every scanned
        // day (a confinement is replayed from its start): candidates when
        // the facility can be seen in one of the areas.
        if self.facility_near(city, areas) {
            for (a, &c) in t.confinement.iter().enumerate() {
                if c == Confinement::Facility as u8 {
                    members[a / 64] |= 1 << (a % 64);
                }
            }
        }
        let candidates: Vec<u32> = members
            .iter()
            .enumerate()
            .flat_map(|(w, &bits)| {
                (0..64)
                    .filter(move |b| bits & (1 << b) != 0)
                    .map(move |b| (w * 64 + b) as u32)
            })
            .collect();
        let grid = AreaGrid::new(city, &self.risk.areas, areas, self.app_reach());
        let sources = self.needs.risk_sources;
        let (app_on, cell_on) = (
            sources[1] || sources[2],
            sources[LocationSource::Cell as usize],
        );
        let reach = self.app_reach();
        // Exact cell records fall where the place is: checked by distance.
        let (cell_towers, cell_exact) = (self.cell_by_towers(), cell_on && !self.cell_by_towers());
        let top = areas
            .iter()
            .map(|&i| self.risk.areas[i].level)
            .max()
            .unwrap_or(Level::Low);
        // Today's scan finds nothing known yet for today; only rescans of
        // past days can stop early.
        let rescan = days.len() > 1;
        let this = &*self;
        let hits: Vec<Vec<(u32, Level, LocationSource, u32)>> = candidates
            .par_chunks(1024)
            .map(|chunk| {
                let mut out = Vec::new();
                let mut near: Vec<u32> = Vec::new();
                for &a in chunk {
                    // People without the app or a phone leave no records to match.
                    let fl = city.agents.flags[a as usize];
                    if !(app_on && fl & flag::APP != 0 || cell_on && fl & flag::PHONE != 0) {
                        continue;
                    }
                    // Sources that can record this person, and the latest day
                    // each is known at level `top` or higher.
                    let possible = [
                        cell_on && fl & flag::PHONE != 0,
                        sources[1] && fl & flag::APP != 0,
                        sources[2] && fl & flag::APP != 0,
                    ];
                    let e = &this.evidence[a as usize];
                    let mut known = [None; 3];
                    if rescan {
                        for (s, k) in known.iter_mut().enumerate() {
                            for by_source in &e.risk_visit[top as usize..] {
                                let d = by_source[s];
                                if d != NEVER {
                                    *k = Some(k.map_or(d, |x: u16| x.max(d)));
                                }
                            }
                        }
                    }
                    for d in days.clone().rev() {
                        let settled = |k: &[Option<u16>; 3]| {
                            (0..3).all(|s| !possible[s] || k[s].is_some_and(|x| x as u32 >= d))
                        };
                        if settled(&known) {
                            break;
                        }
                        if city.agents.arrival_day[a as usize] as u32 > d {
                            continue;
                        }
                        let found = out.len();
                        let plan = t.schedules.plan(a, d, t.conf_on(a, d));
                        for (k, v) in plan.visits().iter().enumerate() {
                            let (pos, zone, env) = place_position(city, v.place);
                            let mut towers = [u32::MAX; 3];
                            let mut tower_pos = [None; 3];
                            if cell_on {
                                towers = this.towers.of(city, v.place, pos);
                            }
                            if cell_towers {
                                for (p, &tw) in tower_pos.iter_mut().zip(&towers) {
                                    *p = (tw != u32::MAX).then(|| city.towers.pos[tw as usize]);
                                }
                            }
                            // The areas a record of this visit can fall in: an
                            // app record lies within reach of the place, a cell
                            // record on one of its towers.
                            let reachable = |i: &&u32| {
                                let area = &this.risk.areas[**i as usize];
                                let d = pos.dist(area.centre);
                                (app_on && d <= 2.0 * area.radius + reach)
                                    || (cell_exact && d <= 2.0 * area.radius)
                                    || tower_pos
                                        .iter()
                                        .flatten()
                                        .any(|&p| area.level_at(p).is_some())
                            };
                            near.clear();
                            near.extend(grid.at(pos).iter().filter(reachable));
                            for p in tower_pos.iter().flatten() {
                                near.extend(grid.at(*p).iter().filter(reachable));
                            }
                            if near.is_empty() {
                                continue;
                            }
                            if cell_towers {
                                near.sort_unstable();
                                near.dedup();
                            }
                            let r = this.visit_records(
                                t,
                                a,
                                d,
                                k,
                                v,
                                pos,
                                zone,
                                env,
                                cell_on.then_some(towers),
                            );
                            for &i in &near {
                                let area = &this.risk.areas[i as usize];
                                if let Some((p, src)) = r.app
                                    && sources[src as usize]
                                    && let Some(l) = area.level_at(p)
                                {
                                    out.push((a, l, src, d));
                                }
                                if let Some(p) = r.cell
                                    && cell_on
                                    && let Some(l) = area.level_at(p)
                                {
                                    out.push((a, l, LocationSource::Cell, d));
                                }
                            }
                        }
                        for &(_, l, src, _) in &out[found..] {
                            if l >= top {
                                let k = &mut known[src as usize];
                                *k = Some(k.map_or(d as u16, |x| x.max(d as u16)));
                            }
                        }
                    }
                }
                out
            })
            .collect();
        for (a, l, src, d) in hits.into_iter().flatten() {
            record(
                &mut self.evidence[a as usize].risk_visit[l as usize][src as usize],
                d,
            );
        }
    }

    /// Screening round: pools of consecutive agents (neighbours share pools).
    fn screening(&mut self, t: &Truth) {
        use rayon::prelude::*;
        let Some(s) = self.needs.screening else {
            return;
        };
        let day = t.day;
        if day == 0 || !day.is_multiple_of(s.interval_days) {
            return;
        }
        let k = s.pool_size;
        let n = t.city.agents.len() as u32;
        let pools = n.div_ceil(k);
        let testing = self.params.testing.clone();
        let key = self.key;
        let results: Vec<Vec<(u32, u64, bool, u32)>> = (0..pools)
            .collect::<Vec<u32>>()
            .par_chunks(1024)
            .map(|chunk| {
                chunk
                    .iter()
                    .map(|&pool| {
                        let first = pool * k;
                        let mut rng = key.stream(day, Purpose::Screening, pool as u64);
                        let mut mask = 0u64;
                        let mut positive = false;
                        let mut count = 0;
                        for i in 0..k.min(n - first) {
                            let a = first + i;
                            let takes_part = rng.random_bool(s.participation);
                            if takes_part && t.present(a) && t.conf(a) != Confinement::Facility {
                                mask |= 1 << i;
                                count += 1;
                                let u: f64 = rng.random();
                                positive |=
                                    t.infected(a) && (testing.perfect || u < testing.sensitivity);
                            }
                        }
                        // One false-positive chance per pool.
                        let false_pos =
                            !testing.perfect && rng.random::<f64>() >= testing.specificity;
                        (first, mask, mask != 0 && (positive || false_pos), count)
                    })
                    .collect()
            })
            .collect();
        let due = (day + testing.result_delay_days) as usize;
        for (first, mask, positive, count) in results.into_iter().flatten() {
            if mask != 0
                && let Some(q) = self.results_due.get_mut(due)
            {
                q.push(Pending::Pool(first, mask, positive));
                self.stats.tests += count as u64;
            }
        }
    }

    /// Spatiotemporal companions of case `c`: phones whose serving cell fell
    /// in the same grid cell at overlapping times within the window, with the
    /// cumulative-hours condition on either phone.
    fn companions(&mut self, t: &Truth, c: u32, col: Colocation) {
        use rayon::prelude::*;
        let day = t.day;
        let first = day + 1 - col.window_days.min(day + 1);
        // The case's stays by grid cell: (day, cell, start, end).
        let mut stays = Vec::new();
        let mut case_minutes: std::collections::BTreeMap<(i32, i32), u32> = Default::default();
        for d in first..=day {
            let (recs, n) = self.records(t, c, d);
            for r in &recs[..n] {
                if let Some(p) = r.cell {
                    let g = grid_cell(p, col.grid_m);
                    stays.push((d, g, r.start, r.end));
                    *case_minutes.entry(g).or_default() += (r.end - r.start) as u32;
                }
            }
        }
        if stays.is_empty() {
            return;
        }
        let half_diag = (col.grid_m * std::f64::consts::FRAC_1_SQRT_2) as f32;
        let mut found: Vec<u32> = Vec::new();
        for (&g, &minutes) in &case_minutes {
            let centre = Point {
                x: ((g.0 as f64 + 0.5) * col.grid_m) as f32,
                y: ((g.1 as f64 + 0.5) * col.grid_m) as f32,
            };
            let candidates =
                risk::candidates_near(t.city, &self.towers, centre, half_diag, 0.0, true);
            let case_hours_ok = minutes as f64 / 60.0 >= col.min_hours;
            let cell_stays: Vec<(u32, u16, u16)> = stays
                .iter()
                .filter(|s| s.1 == g)
                .map(|s| (s.0, s.2, s.3))
                .collect();
            let this = &*self;
            let hits: Vec<Vec<u32>> = candidates
                .par_chunks(512)
                .map(|chunk| {
                    let mut out = Vec::new();
                    for &j in chunk {
                        if j == c {
                            continue;
                        }
                        let overlaps = cell_stays.iter().any(|&(d, s, e)| {
                            let (recs, n) = this.records(t, j, d);
                            let overlap: u32 = recs[..n]
                                .iter()
                                .filter(|r| r.cell.is_some_and(|p| grid_cell(p, col.grid_m) == g))
                                .map(|r| (r.end.min(e).saturating_sub(r.start.max(s))) as u32)
                                .sum();
                            overlap > 0 && overlap >= col.min_minutes
                        });
                        if !overlaps {
                            continue;
                        }
                        let ok = case_hours_ok || {
                            let minutes: u32 = (first..=day)
                                .map(|d| {
                                    let (recs, n) = this.records(t, j, d);
                                    recs[..n]
                                        .iter()
                                        .filter(|r| {
                                            r.cell.is_some_and(|p| grid_cell(p, col.grid_m) == g)
                                        })
                                        .map(|r| (r.end - r.start) as u32)
                                        .sum::<u32>()
                                })
                                .sum();
                            minutes as f64 / 60.0 >= col.min_hours
                        };
                        if ok {
                            out.push(j);
                        }
                    }
                    out
                })
                .collect();
            found.extend(hits.into_iter().flatten());
        }
        found.sort_unstable();
        found.dedup();
        for j in found {
            record(&mut self.evidence[j as usize].colocated_day, day);
            self.stats.companions_listed += 1;
        }
    }
}

/// Risk areas by 1 km grid cell, for "which areas can a record at this point fall in".
struct AreaGrid {
    side: usize,
    half: f32,
    cells: Vec<Vec<u32>>,
}

impl AreaGrid {
    const CELL_M: f32 = 1000.0;

    /// Indexes `areas`, each over the cells its periphery plus `reach` touches.
    fn new(city: &City, all: &[risk::RiskArea], areas: &[usize], reach: f32) -> Self {
        let half = city.rings.outer_m[2] + 20_000.0;
        let side = (2.0 * half / Self::CELL_M).ceil() as usize;
        let mut cells = vec![Vec::new(); side * side];
        for &i in areas {
            let a = &all[i];
            let r = 2.0 * a.radius + reach;
            let (x0, y0) = Self::xy(
                half,
                side,
                Point {
                    x: a.centre.x - r,
                    y: a.centre.y - r,
                },
            );
            let (x1, y1) = Self::xy(
                half,
                side,
                Point {
                    x: a.centre.x + r,
                    y: a.centre.y + r,
                },
            );
            for y in y0..=y1 {
                for x in x0..=x1 {
                    cells[y * side + x].push(i as u32);
                }
            }
        }
        Self { side, half, cells }
    }

    fn xy(half: f32, side: usize, p: Point) -> (usize, usize) {
        // Truncating a non-negative value floors it (without a libm call).
        let f = |v: f32| (((v + half) * (1.0 / Self::CELL_M)).max(0.0) as usize).min(side - 1);
        (f(p.x), f(p.y))
    }

    /// The areas whose reach covers the cell of `p`.
    fn at(&self, p: Point) -> &[u32] {
        let (x, y) = Self::xy(self.half, self.side, p);
        &self.cells[y * self.side + x]
    }
}
