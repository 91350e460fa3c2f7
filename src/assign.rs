//! Code assignment and its consequences, scored against the truth. Each day,
//! in one parallel pass over fixed chunks of agents: every present person's
//! codes step on the observed evidence and, in the shadow, on the oracle's;
//! false reds and yellows are counted and attributed to the firing rule and
//! data source; quarantine follows the displayed colour; people with red or
//! yellow codes may appeal. Then the review queue answers the day's capacity.

use rand::RngExt;
use rayon::prelude::*;

use crate::appeals::{Appeal, ReviewQueue};
use crate::city::{City, NONE};
use crate::epidemic::Health;
use crate::evidence::{Context, Evidence, NEVER as NO_DAY, registry};
use crate::mobility::Confinement;
use crate::observe::Observer;
use crate::rng::{Purpose, StreamKey};
use crate::rules::code::{Code, NO_RULE, step as code_step};
use crate::rules::{Colour, MAX_SETS, Pred, RuleSet, visit_preds};
use crate::scenario::observe_file::{AppealsFile, ConsequencesFile};
use crate::scoring::{Source, attribute};

/// Agents per parallel work unit.
const CHUNK: usize = 4096;

/// Which parts of a person's `Context` some rule of the policy reads.
#[derive(Clone, Copy, Debug, Default)]
pub struct ContextUse {
    pub home_risk: bool,
    pub district_risk: bool,
    /// Longest run of missed check-ins a rule asks about (0: none).
    pub missed_cap: u32,
    /// Longest window of any predicate, days.
    pub max_window: u32,
}

impl ContextUse {
    pub fn of(policy: &[RuleSet]) -> Self {
        let mut u = Self::default();
        for set in policy {
            for rule in &set.rules {
                visit_preds(&rule.cond, &mut |p| {
                    match p {
                        Pred::MissedCheckins { n } => u.missed_cap = u.missed_cap.max(*n),
                        Pred::LivesInRiskArea { .. } => u.home_risk = true,
                        Pred::DistrictRisk { .. } => u.district_risk = true,
                        _ => {}
                    }
                    u.max_window = u.max_window.max(window_of(p));
                });
            }
        }
        u
    }
}

/// The window a predicate looks back over (0 for state-like ones).
fn window_of(p: &Pred) -> u32 {
    match *p {
        Pred::CloseContact { within, .. }
        | Pred::SecondaryContact { within }
        | Pred::VisitedRiskArea { within, .. }
        | Pred::DistrictRisk { within, .. }
        | Pred::Symptoms { within }
        | Pred::ClinicVisit { within }
        | Pred::Fever { within }
        | Pred::ArrivedFrom { within, .. }
        | Pred::NoTest { within }
        | Pred::TestPositive { within }
        | Pred::TestNegative { within }
        | Pred::PoolPositive { within }
        | Pred::Released { within } => within,
        Pred::Colocated(c) => c.window_days,
        Pred::Registry(_) | Pred::LivesInRiskArea { .. } | Pred::MissedCheckins { .. } => 0,
    }
}

/// Which evidence and codes an assignment reads: the backend's or the shadow's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Observed,
    Shadow,
}

/// A person's codes after a step: the strictest set's colour and why.
struct Stepped {
    colour: Colour,
    popup: bool,
    rule: Option<(usize, usize)>,
    since: u16,
}

/// Per-person running totals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub flips: u16,
    pub flags: u8,
    /// Start of the code episode last appealed (+1; 0: none).
    pub appealed: u16,
}

pub const EVER_FALSE_RED: u8 = 1;
pub const EVER_FALSE_YELLOW: u8 = 2;
pub const FALSE_RED_APPEALED: u8 = 4;

/// Daily totals of the pass (indices into a plain array, summed over chunks).
mod slot {
    pub const GREEN: usize = 0;
    pub const SHADOW: usize = 3;
    pub const POPUP: usize = 6;
    pub const CHANGES: usize = 7;
    pub const FALSE_RED: usize = 8;
    pub const FALSE_YELLOW: usize = 9;
    pub const QUARANTINED: usize = 10;
    pub const QUARANTINED_INFECTIOUS: usize = 11;
    pub const GREEN_INFECTIOUS: usize = 12;
    pub const FIXED: usize = 13;
}

/// What one day of assignment produced.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DayCodes {
    /// Present agents by displayed colour (indexed by `Colour`) at the end of the day.
    pub colours: [u64; 3],
    pub shadow_colours: [u64; 3],
    pub popups: u64,
    pub colour_changes: u64,
    pub false_red: u64,
    pub false_yellow: u64,
    pub quarantined: u64,
    pub quarantined_infectious: u64,
    pub green_infectious: u64,
    pub appeals_filed: u64,
    pub appeals_reviewed: u64,
    pub appeals_overturned: u64,
    pub appeals_backlog: u64,
}

/// Codes of every person under the policy, observed and shadow.
#[derive(Clone)]
pub struct Codes {
    pub policy: Vec<RuleSet>,
    sets: usize,
    pub observed: Vec<Code>,
    pub shadow: Vec<Code>,
    /// Displayed colour (observed, and shadow) at the end of the last day.
    pub displayed: Vec<u8>,
    pub shadow_displayed: Vec<u8>,
    pub tally: Vec<Tally>,
    ctx_use: ContextUse,
    /// The last day passed and whether the fast path's premise held on it
    /// (so lookups after the pass need not test it again).
    quiet_green: (u32, bool),
    /// Index of each rule set's first rule (one more entry: the total).
    rule_offset: Vec<usize>,
    /// Per rule: yellow and red agent-days it set, false-red agent-days it set.
    pub rule_days: Vec<[u64; 3]>,
    /// False-red agent-days by data source (`Source`).
    pub false_red_by_source: [u64; 11],
    pub queue: ReviewQueue,
    consequences: ConsequencesFile,
    appeals: AppealsFile,
}

impl Codes {
    pub fn new(
        policy: Vec<RuleSet>,
        agents: usize,
        consequences: ConsequencesFile,
        appeals: AppealsFile,
    ) -> Self {
        let sets = policy.len();
        let rule_offset: Vec<usize> = std::iter::once(0)
            .chain(policy.iter().scan(0, |acc, s| {
                *acc += s.rules.len();
                Some(*acc)
            }))
            .collect();
        let total = *rule_offset.last().unwrap_or(&0);
        let n = if sets == 0 { 0 } else { agents };
        Self {
            ctx_use: ContextUse::of(&policy),
            quiet_green: (u32::MAX, false),
            sets,
            observed: vec![Code::default(); n * sets],
            shadow: vec![Code::default(); n * sets],
            displayed: vec![0; agents],
            shadow_displayed: vec![0; n],
            tally: vec![Tally::default(); n],
            rule_offset,
            rule_days: vec![[0; 3]; total],
            false_red_by_source: [0; 11],
            queue: ReviewQueue::new(appeals.order == "priority"),
            policy,
            consequences,
            appeals,
        }
    }

    pub fn heap_bytes(&self) -> usize {
        (self.observed.capacity() + self.shadow.capacity()) * std::mem::size_of::<Code>()
            + self.displayed.capacity()
            + self.shadow_displayed.capacity()
            + self.tally.capacity() * std::mem::size_of::<Tally>()
    }

    /// Names of the rules, `set/rule`, in `rule_days` order.
    pub fn rule_names(&self) -> Vec<String> {
        self.policy
            .iter()
            .flat_map(|s| s.rules.iter().map(move |r| format!("{}/{}", s.name, r.id)))
            .collect()
    }

    /// A person's context under `obs`'s risk map; `missed`: consecutive
    /// check-ins missed (the same for every observer: check-ins are not noisy).
    fn context(
        &self,
        city: &City,
        obs: &Observer,
        site_district: &[u16],
        a: u32,
        missed: u16,
    ) -> Context {
        let i = a as usize;
        let u = self.ctx_use;
        let mut ctx = Context::default();
        let compound = || city.household_compound[city.agents.household[i] as usize];
        if u.home_risk {
            ctx.home_risk = obs.risk.home_level(compound());
        }
        if u.district_risk {
            let compound = compound();
            ctx.district_risk =
                obs.risk.district_level_day[city.compounds[compound as usize].district as usize];
            let site = city.agents.site[i];
            if site != NONE {
                let work = obs.risk.district_level_day[site_district[site as usize] as usize];
                for (d, w) in ctx.district_risk.iter_mut().zip(work) {
                    if *d == NO_DAY || (w != NO_DAY && w > *d) {
                        *d = w;
                    }
                }
            }
        }
        ctx.missed_checkins = missed;
        ctx
    }

    fn missed_checkins(&self, city: &City, obs: &Observer, a: u32, day: u32) -> u16 {
        let cap = self.ctx_use.missed_cap;
        if cap > 0 {
            obs.missed_checkins(city, a, day, cap)
        } else {
            0
        }
    }

    /// Whether a person with no evidence and green codes stays green today
    /// under every rule set (checked in or not): the fast path's premise.
    fn quiet_is_green(&self, day: u32) -> bool {
        [true, false].into_iter().all(|checked_in| {
            self.policy.iter().all(|set| {
                let mut code = Code::default();
                code_step(
                    set,
                    &mut code,
                    &Evidence::default(),
                    &Context::default(),
                    day,
                    checked_in,
                );
                code == Code::default()
            })
        })
    }

    /// Fast path: nothing recent enough for any rule to see, green codes
    /// with nothing pending, and a policy that leaves such a person green:
    /// stepping would change nothing.
    fn stays_green(&self, codes: &[Code], e: &Evidence, ctx: &Context, day: u32) -> bool {
        let w = self.ctx_use.max_window;
        e.quiet(day, w) && ctx.quiet(day, w) && codes.iter().all(|x| x.colour == 0 && !x.popup)
    }

    /// Steps one person's codes (one per rule set) by a day. The strictest
    /// set decides the colour: (colour, pop-up, (set, rule) that set it,
    /// start of its code episode).
    fn step_person(
        &self,
        codes: &mut [Code],
        e: &Evidence,
        ctx: &Context,
        day: u32,
        checked_in: bool,
    ) -> Stepped {
        let mut out = Stepped {
            colour: Colour::Green,
            popup: false,
            rule: None,
            since: 0,
        };
        for (s, (set, code)) in self.policy.iter().zip(codes.iter_mut()).enumerate() {
            code_step(set, code, e, ctx, day, checked_in);
            if code.colour() > out.colour {
                out.colour = code.colour();
                out.rule = (code.rule != NO_RULE).then_some((s, code.rule as usize));
                out.since = code.episode;
            }
            out.popup |= code.popup;
        }
        out
    }

    /// The colour person `a` would be shown on `day` if they opened the code
    /// now: the whole work of one assignment on one side (context, fast path,
    /// every rule set's step) on a copy of their codes; nothing changes.
    /// Call after the day's `day` pass, as a lookup would come.
    pub fn lookup(
        &self,
        side: Side,
        city: &City,
        obs: &Observer,
        site_district: &[u16],
        a: u32,
        day: u32,
    ) -> Colour {
        let i = a as usize;
        let sets = self.sets;
        let codes = match side {
            Side::Observed => &self.observed,
            Side::Shadow => &self.shadow,
        };
        let mut mine = [Code::default(); MAX_SETS];
        let mine = &mut mine[..sets];
        mine.copy_from_slice(&codes[i * sets..(i + 1) * sets]);
        let e = &obs.evidence[i];
        let ctx = self.context(
            city,
            obs,
            site_district,
            a,
            self.missed_checkins(city, obs, a, day),
        );
        let premise = match self.quiet_green {
            (d, holds) if d == day => holds,
            _ => self.quiet_is_green(day),
        };
        if premise && self.stays_green(mine, e, &ctx, day) {
            return Colour::Green;
        }
        let checked_in = counts_checkins(mine, &[]) && obs.checked_in(city, a, day);
        self.step_person(mine, e, &ctx, day, checked_in).colour
    }

    /// One side's assignment of every present person, as `lookup` does it,
    /// in parallel: present people by colour. For throughput measurement.
    pub fn pass(
        &self,
        side: Side,
        city: &City,
        obs: &Observer,
        site_district: &[u16],
        day: u32,
    ) -> [u64; 3] {
        let n = city.agents.len() as u32;
        (0..n.div_ceil(CHUNK as u32))
            .into_par_iter()
            .map(|chunk| {
                let mut colours = [0u64; 3];
                let lo = chunk * CHUNK as u32;
                for a in lo..(lo + CHUNK as u32).min(n) {
                    if city.agents.arrival_day[a as usize] as u32 <= day {
                        let c = self.lookup(side, city, obs, site_district, a, day);
                        colours[c as usize] += 1;
                    }
                }
                colours
            })
            .reduce(|| [0; 3], |x, y| [x[0] + y[0], x[1] + y[1], x[2] + y[2]])
    }

    /// A plain scan over the per-agent bytes the day pass reads (both sides'
    /// evidence and codes, colours, tallies, confinement, health, arrival),
    /// in the same chunks and threads, with trivial work per agent: the
    /// memory-bound floor the assignment is measured against. Returns a
    /// checksum (so the reads happen) and the bytes per agent it read.
    pub fn plain_scan(
        &self,
        city: &City,
        obs: &Observer,
        orc: &Observer,
        health: &[u8],
        confinement: &[u8],
        confined_since: &[u16],
    ) -> (u64, usize) {
        let sets = self.sets;
        let n = city.agents.len();
        let sum = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|chunk| {
                let mut acc = 0u64;
                for i in chunk * CHUNK..((chunk + 1) * CHUNK).min(n) {
                    acc = acc
                        .wrapping_add(obs.evidence[i].checksum())
                        .wrapping_add(orc.evidence[i].checksum())
                        .wrapping_add(city.agents.arrival_day[i] as u64)
                        .wrapping_add(health[i] as u64)
                        .wrapping_add(confinement[i] as u64)
                        .wrapping_add(confined_since[i] as u64)
                        .wrapping_add(self.displayed[i] as u64)
                        .wrapping_add(self.shadow_displayed[i] as u64)
                        .wrapping_add(self.tally[i].flips as u64 + self.tally[i].appealed as u64)
                        .wrapping_add(self.tally[i].flags as u64);
                    for k in i * sets..(i + 1) * sets {
                        acc = acc
                            .wrapping_add(self.observed[k].checksum())
                            .wrapping_add(self.shadow[k].checksum());
                    }
                }
                acc
            })
            .reduce(|| 0, u64::wrapping_add);
        let bytes = 2 * std::mem::size_of::<Evidence>()
            + 2 * sets * std::mem::size_of::<Code>()
            + std::mem::size_of::<Tally>()
            + 2 // arrival day
            + 1 // health
            + 1 + 2 // confinement and its start
            + 2; // displayed colours
        (sum, bytes)
    }

    /// One day: codes, scoring, consequences (tomorrow's `confinement`), appeals.
    #[allow(clippy::too_many_arguments)]
    pub fn day(
        &mut self,
        city: &City,
        obs: &Observer,
        orc: &Observer,
        health: &[u8],
        site_district: &[u16],
        key: StreamKey,
        confinement: &mut [u8],
        confined_since: &mut [u16],
        day: u32,
        weekday: bool,
    ) -> DayCodes {
        let sets = self.sets;
        if sets == 0 {
            return DayCodes::default();
        }
        let mut observed = std::mem::take(&mut self.observed);
        let mut shadow = std::mem::take(&mut self.shadow);
        let mut displayed = std::mem::take(&mut self.displayed);
        let mut shadow_displayed = std::mem::take(&mut self.shadow_displayed);
        let mut tally = std::mem::take(&mut self.tally);
        let policy = &self.policy;
        let quiet_is_green = self.quiet_is_green(day);
        self.quiet_green = (day, quiet_is_green);
        let rules = self.rule_offset[sets];
        let width = slot::FIXED + 3 * rules + 11;
        let this = &*self;
        let a_params = &self.appeals;
        let appeals_open = day >= a_params.open_day;
        let chunks: Vec<(Vec<u64>, Vec<Appeal>)> = observed
            .par_chunks_mut(CHUNK * sets)
            .zip(shadow.par_chunks_mut(CHUNK * sets))
            .zip(displayed.par_chunks_mut(CHUNK))
            .zip(shadow_displayed.par_chunks_mut(CHUNK))
            .zip(tally.par_chunks_mut(CHUNK))
            .zip(confinement.par_chunks_mut(CHUNK))
            .zip(confined_since.par_chunks_mut(CHUNK))
            .enumerate()
            .map(
                |(
                    chunk,
                    (
                        (((((obs_codes, orc_codes), shown), shown_shadow), tallies), conf),
                        conf_since,
                    ),
                )| {
                    // Tomorrow's confinement; a change starts a new confinement episode.
                    let confine =
                        |conf: &mut [u8], conf_since: &mut [u16], k: usize, c: Confinement| {
                            if conf[k] != c as u8 {
                                conf[k] = c as u8;
                                conf_since[k] = (day + 1).min(u16::MAX as u32) as u16;
                            }
                        };
                    let mut c = vec![0u64; width];
                    let mut appeals = Vec::new();
                    let first = (chunk * CHUNK) as u32;
                    for k in 0..shown.len() {
                        let a = first + k as u32;
                        let i = a as usize;
                        if city.agents.arrival_day[i] as u32 > day {
                            continue;
                        }
                        let h = Health::from_u8(health[i]);
                        let prior = Colour::from_u8(shown[k]);
                        if conf[k] != Confinement::Free as u8 {
                            c[slot::QUARANTINED] += 1;
                            c[slot::QUARANTINED_INFECTIOUS] += h.is_infectious() as u64;
                        } else if h.is_infectious() && prior == Colour::Green {
                            c[slot::GREEN_INFECTIOUS] += 1;
                        }
                        let (e_obs, e_orc) = (&obs.evidence[i], &orc.evidence[i]);
                        let my_obs = &mut obs_codes[k * sets..(k + 1) * sets];
                        let my_orc = &mut orc_codes[k * sets..(k + 1) * sets];
                        let missed = this.missed_checkins(city, obs, a, day);
                        let ctx_obs = this.context(city, obs, site_district, a, missed);
                        let ctx_orc = this.context(city, orc, site_district, a, missed);
                        if quiet_is_green
                            && this.stays_green(my_obs, e_obs, &ctx_obs, day)
                            && this.stays_green(my_orc, e_orc, &ctx_orc, day)
                        {
                            c[slot::GREEN] += 1;
                            c[slot::SHADOW] += 1;
                            confine(conf, conf_since, k, Confinement::Free);
                            continue;
                        }
                        let checked_in =
                            counts_checkins(my_obs, my_orc) && obs.checked_in(city, a, day);
                        // Where data and codes agree the shadow steps the same
                        // way: copy the observed step instead of repeating it.
                        let agree = e_obs == e_orc && ctx_obs == ctx_orc && my_orc == my_obs;
                        let Stepped {
                            colour,
                            popup,
                            rule,
                            since,
                        } = this.step_person(my_obs, e_obs, &ctx_obs, day, checked_in);
                        let shadow_colour = if agree {
                            my_orc.copy_from_slice(my_obs);
                            colour
                        } else {
                            this.step_person(my_orc, e_orc, &ctx_orc, day, checked_in)
                                .colour
                        };
                        c[slot::GREEN + colour as usize] += 1;
                        c[slot::SHADOW + shadow_colour as usize] += 1;
                        c[slot::POPUP] += popup as u64;
                        if colour != prior {
                            c[slot::CHANGES] += 1;
                            tallies[k].flips = tallies[k].flips.saturating_add(1);
                        }
                        let r = rule.map(|(s, r)| this.rule_offset[s] + r);
                        if let Some(r) = r {
                            c[slot::FIXED + 3 * r + colour as usize - 1] += 1;
                        }
                        if colour == Colour::Red && shadow_colour != Colour::Red {
                            c[slot::FALSE_RED] += 1;
                            tallies[k].flags |= EVER_FALSE_RED;
                            if let (Some(r), Some((s, ri))) = (r, rule) {
                                c[slot::FIXED + 3 * r + 2] += 1;
                                let bits = attribute(
                                    &policy[s].rules[ri],
                                    (e_obs, &ctx_obs),
                                    (e_orc, &ctx_orc),
                                    day,
                                );
                                for src in Source::ALL {
                                    if bits & (1 << src as u16) != 0 {
                                        c[slot::FIXED + 3 * rules + src as usize] += 1;
                                    }
                                }
                            }
                        }
                        if colour == Colour::Yellow && shadow_colour == Colour::Green {
                            c[slot::FALSE_YELLOW] += 1;
                            tallies[k].flags |= EVER_FALSE_YELLOW;
                        }
                        // Appeals: once per code episode, more likely from people
                        // who know they were wrongly flagged.
                        if appeals_open
                            && colour != Colour::Green
                            && tallies[k].appealed != since.wrapping_add(1)
                        {
                            // Uninfected people without a true exposure know the
                            // code is wrong; on the day the channel opens, the
                            // demand of the days it was closed comes at once.
                            let wrongly = !h.is_active() && !truly_exposed(e_orc);
                            let daily = if wrongly {
                                a_params.probability_wrongly_flagged
                            } else {
                                a_params.probability_other
                            };
                            let waited = if day == a_params.open_day {
                                (day + 1).saturating_sub(since as u32).max(1)
                            } else {
                                1
                            };
                            let p = 1.0 - (1.0 - daily).powi(waited as i32);
                            if key.stream(day, Purpose::Appeal, a as u64).random_bool(p) {
                                tallies[k].appealed = since.wrapping_add(1);
                                appeals.push(Appeal {
                                    agent: a,
                                    filed: day as u16,
                                    colour: colour as u8,
                                });
                                if colour == Colour::Red && shadow_colour != Colour::Red {
                                    tallies[k].flags |= FALSE_RED_APPEALED;
                                }
                            }
                        }
                        shown[k] = colour as u8;
                        shown_shadow[k] = shadow_colour as u8;
                        confine(
                            conf,
                            conf_since,
                            k,
                            this.confinement_for(key, a, e_obs, colour, since),
                        );
                    }
                    (c, appeals)
                },
            )
            .collect();
        self.observed = observed;
        self.shadow = shadow;
        self.displayed = displayed;
        self.shadow_displayed = shadow_displayed;
        self.tally = tally;

        let mut out = DayCodes::default();
        let mut filed = Vec::new();
        for (c, appeals) in chunks {
            for k in 0..3 {
                out.colours[k] += c[slot::GREEN + k];
                out.shadow_colours[k] += c[slot::SHADOW + k];
            }
            out.popups += c[slot::POPUP];
            out.colour_changes += c[slot::CHANGES];
            out.false_red += c[slot::FALSE_RED];
            out.false_yellow += c[slot::FALSE_YELLOW];
            out.quarantined += c[slot::QUARANTINED];
            out.quarantined_infectious += c[slot::QUARANTINED_INFECTIOUS];
            out.green_infectious += c[slot::GREEN_INFECTIOUS];
            for (r, days) in self.rule_days.iter_mut().enumerate() {
                for (k, d) in days.iter_mut().enumerate() {
                    *d += c[slot::FIXED + 3 * r + k];
                }
            }
            for (k, v) in self.false_red_by_source.iter_mut().enumerate() {
                *v += c[slot::FIXED + 3 * rules + k];
            }
            filed.extend(appeals);
        }
        out.appeals_filed = filed.len() as u64;
        for a in filed {
            self.queue.file(a);
        }
        self.review(
            key,
            obs,
            confinement,
            confined_since,
            day,
            weekday,
            &mut out,
        );
        out
    }

    /// Where a person with this code spends tomorrow.
    fn confinement_for(
        &self,
        key: StreamKey,
        a: u32,
        e: &Evidence,
        colour: Colour,
        since: u16,
    ) -> Confinement {
        let q = &self.consequences;
        if q.isolate_cases && e.registry & (registry::CONFIRMED | registry::ASYMPTOMATIC) != 0 {
            return Confinement::Facility;
        }
        let complies = || {
            key.stream(since as u32, Purpose::Compliance, a as u64)
                .random_bool(q.compliance)
        };
        match colour {
            Colour::Red if complies() => {
                if q.red_place == "facility" {
                    Confinement::Facility
                } else {
                    Confinement::Home
                }
            }
            Colour::Yellow if q.yellow_home_quarantine && complies() => Confinement::Home,
            _ => Confinement::Free,
        }
    }

    /// Answers today's capacity of appeals, in queue order.
    #[allow(clippy::too_many_arguments)]
    fn review(
        &mut self,
        key: StreamKey,
        obs: &Observer,
        confinement: &mut [u8],
        confined_since: &mut [u16],
        day: u32,
        weekday: bool,
        out: &mut DayCodes,
    ) {
        let p = &self.appeals;
        let factor = if weekday { 1.0 } else { p.weekend_capacity };
        let capacity = if day < p.open_day {
            0
        } else {
            (p.reviewers as f64 * p.reviews_per_reviewer_per_day as f64 * factor).round() as u64
        };
        let mut reviewed = 0;
        while reviewed < capacity {
            let Some(a) = self.queue.pop() else { break };
            reviewed += 1;
            self.queue.stats.reviewed += 1;
            self.queue.waits.push((day as u16).saturating_sub(a.filed));
            let i = a.agent as usize;
            let shown = self.displayed[i];
            if shown == Colour::Green as u8 {
                self.queue.stats.moot += 1;
                continue;
            }
            // A code is a data error when the truth would not support it.
            let error = self.shadow_displayed[i] < shown;
            let accuracy = p.reviewer_accuracy;
            let overturn = key
                .stream(day, Purpose::Review, a.agent as u64)
                .random_bool(if error { accuracy } else { 1.0 - accuracy });
            if overturn {
                self.queue.stats.overturned += 1;
                out.appeals_overturned += 1;
                let d = day as u16;
                for code in &mut self.observed[i * self.sets..(i + 1) * self.sets] {
                    // Green from today; only newer evidence sets it again.
                    *code = Code {
                        consumed: [d, d],
                        popup_consumed: d,
                        since: d,
                        episode: d,
                        ..Code::default()
                    };
                }
                self.displayed[i] = Colour::Green as u8;
                let listed_case =
                    obs.evidence[i].registry & (registry::CONFIRMED | registry::ASYMPTOMATIC) != 0;
                if !(self.consequences.isolate_cases && listed_case)
                    && confinement[i] != Confinement::Free as u8
                {
                    confinement[i] = Confinement::Free as u8;
                    confined_since[i] = (day + 1).min(u16::MAX as u32) as u16;
                }
            } else {
                self.queue.stats.upheld += 1;
            }
        }
        out.appeals_reviewed = reviewed;
        out.appeals_backlog = self.queue.backlog();
        self.queue.note_backlog(day);
    }
}

/// Whether today's check-in can matter: only a red, yellow or pop-up code
/// counts check-ins towards stepping down (a green one cannot step).
fn counts_checkins(a: &[Code], b: &[Code]) -> bool {
    a.iter().chain(b).any(|c| c.colour != 0 || c.popup)
}

/// Whether the truth holds an exposure: a listing, a contact, a risk-area
/// visit, a companion or a travel-card region of medium or high risk.
fn truly_exposed(e: &Evidence) -> bool {
    e.registry != 0
        || e.contact_day != NO_DAY
        || e.secondary_day != NO_DAY
        || e.colocated_day != NO_DAY
        || e.risk_visit.iter().flatten().any(|&d| d != NO_DAY)
        || e.travel_card[1..].iter().any(|&d| d != NO_DAY)
}
