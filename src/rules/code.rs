//! One person's code under one rule set, and how it changes in a day.
//!
//! Semantics (documented in README, "Rule-set reference"):
//! - A predicate that holds yields the day of the evidence that made it hold
//!   (`and`: the latest of its parts; `or`: the latest true part). Predicates
//!   about a current state (`not ...`, `lives_in_risk_area`, `no_test`) are
//!   *timeless*; `missed_checkins` dates from the last missed day.
//! - A rule fires *anew* when its evidence is newer than the evidence that last
//!   set a code of its colour, or when it is timeless. A new firing of a
//!   stricter colour escalates the code; of the same colour it restarts the
//!   countdown. Old evidence that is still in its window does not re-escalate
//!   a code that has already stepped down.
//! - A firing rule marked `hold` stops the code from stepping down.
//! - Otherwise the code steps down by its colour's transition.

use super::expr::{Cond, Pred, RegistryKind};
use super::{Colour, Progress, RuleSet, Transition};
use crate::evidence::{Context, Evidence, NEVER, registry, within};

/// Event day of a state-like predicate.
pub const TIMELESS: u16 = u16::MAX - 1;
/// No rule.
pub const NO_RULE: u8 = u8::MAX;

/// The state of one person's code under one rule set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code {
    pub colour: u8,
    pub popup: bool,
    /// Index of the rule that last set a non-green colour.
    pub rule: u8,
    /// Check-ins or negative tests counted towards the next step.
    pub progress: u8,
    /// Day the current colour began.
    pub since: u16,
    /// Day the colour last changed: one code episode, whatever restarts its countdown.
    pub episode: u16,
    /// Day of the last counted negative test.
    pub last_step: u16,
    /// Evidence day that last set yellow, red.
    pub consumed: [u16; 2],
    pub popup_since: u16,
    pub popup_progress: u8,
    pub popup_consumed: u16,
    pub popup_last_step: u16,
}

impl Default for Code {
    fn default() -> Self {
        Self {
            colour: 0,
            popup: false,
            rule: NO_RULE,
            progress: 0,
            since: 0,
            episode: 0,
            last_step: NEVER,
            consumed: [NEVER; 2],
            popup_since: 0,
            popup_progress: 0,
            popup_consumed: NEVER,
            popup_last_step: NEVER,
        }
    }
}

impl Code {
    pub fn colour(&self) -> Colour {
        Colour::from_u8(self.colour)
    }

    /// A sum over every field: what a plain scan of the record computes.
    pub fn checksum(&self) -> u64 {
        [
            self.since,
            self.episode,
            self.last_step,
            self.consumed[0],
            self.consumed[1],
            self.popup_since,
            self.popup_consumed,
            self.popup_last_step,
        ]
        .into_iter()
        .map(u64::from)
        .sum::<u64>()
            + self.colour as u64
            + self.popup as u64
            + self.rule as u64
            + self.progress as u64
            + self.popup_progress as u64
    }
}

/// Evaluates a condition: `Some(event day)` when it holds.
pub fn eval(c: &Cond, e: &Evidence, ctx: &Context, day: u32) -> Option<u16> {
    match c {
        Cond::Pred(p) => eval_pred(p, e, ctx, day),
        Cond::Not(inner) => match eval(inner, e, ctx, day) {
            Some(_) => None,
            None => Some(TIMELESS),
        },
        Cond::And(items) => {
            let mut latest = None;
            for item in items {
                let ev = eval(item, e, ctx, day)?;
                if ev != TIMELESS {
                    latest = Some(latest.map_or(ev, |l: u16| l.max(ev)));
                }
            }
            Some(latest.unwrap_or(TIMELESS))
        }
        Cond::Or(items) => {
            let mut best: Option<u16> = None;
            for item in items {
                match eval(item, e, ctx, day) {
                    // A state-like part that holds keeps the whole condition state-like.
                    Some(TIMELESS) => return Some(TIMELESS),
                    Some(ev) => best = Some(best.map_or(ev, |b| b.max(ev))),
                    None => {}
                }
            }
            best
        }
    }
}

fn latest_within(days: impl IntoIterator<Item = u16>, day: u32, w: u32) -> Option<u16> {
    days.into_iter().filter(|&d| within(d, day, w)).max()
}

fn eval_pred(p: &Pred, e: &Evidence, ctx: &Context, day: u32) -> Option<u16> {
    let on = |d: u16, w: u32| within(d, day, w).then_some(d);
    match *p {
        Pred::Registry(kind) => {
            let mask = match kind {
                RegistryKind::Confirmed => registry::CONFIRMED,
                RegistryKind::Suspected => registry::SUSPECTED,
                RegistryKind::Asymptomatic => registry::ASYMPTOMATIC,
                RegistryKind::Isolated => registry::ISOLATED,
                RegistryKind::Any => u8::MAX,
            };
            let listed = e.registry & mask != 0
                && (e.registry_until == NEVER || day < e.registry_until as u32);
            listed.then_some(if e.registry_since == NEVER {
                TIMELESS
            } else {
                e.registry_since
            })
        }
        Pred::CloseContact {
            index_kinds,
            within: w,
        } => (e.contact_index & index_kinds != 0)
            .then(|| on(e.contact_day, w))
            .flatten(),
        Pred::SecondaryContact { within: w } => on(e.secondary_day, w),
        Pred::VisitedRiskArea {
            level,
            sources,
            within: w,
        } => {
            let mut latest = None;
            for by_source in &e.risk_visit[level as usize..] {
                for (&d, &wanted) in by_source.iter().zip(&sources) {
                    if wanted && within(d, day, w) {
                        latest = latest.max(Some(d));
                    }
                }
            }
            latest
        }
        Pred::LivesInRiskArea { level } => ctx
            .home_risk
            .is_some_and(|l| l >= level)
            .then_some(TIMELESS),
        Pred::DistrictRisk { level, within: w } => {
            latest_within(ctx.district_risk[level as usize..].iter().copied(), day, w)
        }
        Pred::Colocated(c) => on(e.colocated_day, c.window_days),
        Pred::Symptoms { within: w } => on(e.symptom_report_day, w),
        Pred::ClinicVisit { within: w } => on(e.clinic_day, w),
        Pred::Fever { within: w } => on(e.fever_day, w),
        Pred::ArrivedFrom { level, within: w } => {
            latest_within(e.travel_card[level as usize..].iter().copied(), day, w)
        }
        // The event is yesterday's missed check-in: each new miss is new evidence.
        Pred::MissedCheckins { n } => {
            (n > 0 && ctx.missed_checkins as u32 >= n && day > 0).then_some((day - 1) as u16)
        }
        Pred::NoTest { within: w } => (!within(e.test_day, day, w)).then_some(TIMELESS),
        Pred::TestPositive { within: w } => on(e.positive_day, w),
        Pred::TestNegative { within: w } => on(e.negative_day, w),
        Pred::PoolPositive { within: w } => on(e.pool_positive_day, w),
        Pred::Released { within: w } => on(e.released_day, w),
    }
}

fn is_new(ev: u16, consumed: u16) -> bool {
    ev == TIMELESS || consumed == NEVER || ev > consumed
}

/// What a day did to a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    pub from: Colour,
    pub to: Colour,
}

/// Applies one day of `set` to `code`. `checked_in`: the person completed
/// today's check-in. Returns the change of colour, if any.
pub fn step(
    set: &RuleSet,
    code: &mut Code,
    e: &Evidence,
    ctx: &Context,
    day: u32,
    checked_in: bool,
) -> Option<Change> {
    let from = code.colour();
    let mut new_colour = Colour::Green;
    let mut new_rule = NO_RULE;
    let mut new_event = TIMELESS;
    let mut hold = false;
    let mut popup_event: Option<u16> = None;
    for (i, rule) in set.rules.iter().enumerate() {
        // A rule of a weaker colour than the code's (or green) can neither
        // escalate it, restart its countdown nor hold it: only pop-ups matter.
        if !rule.popup && (rule.colour == Colour::Green || rule.colour < from) {
            continue;
        }
        let Some(ev) = eval(&rule.cond, e, ctx, day) else {
            continue;
        };
        if rule.popup {
            if is_new(ev, code.popup_consumed) {
                popup_event = Some(popup_event.map_or(ev, |p| p.max(ev)));
            }
            if rule.hold {
                code.popup_since = day as u16;
            }
        }
        if rule.colour == Colour::Green {
            continue;
        }
        if rule.hold && rule.colour >= from {
            hold = true;
        }
        let slot = rule.colour as usize - 1;
        if is_new(ev, code.consumed[slot]) && rule.colour >= new_colour {
            if rule.colour > new_colour {
                new_colour = rule.colour;
                new_rule = i as u8;
                new_event = ev;
            } else if ev != TIMELESS && (new_event == TIMELESS || ev > new_event) {
                new_event = ev;
            }
        }
    }

    if new_colour != Colour::Green && new_colour >= from {
        // Escalation, or new evidence of the same colour: the countdown restarts.
        code.colour = new_colour as u8;
        code.rule = new_rule;
        if new_colour != from {
            code.episode = day as u16;
        }
        code.since = day as u16;
        code.progress = 0;
        code.last_step = NEVER;
        if new_event != TIMELESS {
            code.consumed[new_colour as usize - 1] = new_event;
        }
    } else if !hold && from != Colour::Green {
        let t = if from == Colour::Red {
            set.red
        } else {
            set.yellow
        };
        if let Some(t) = t {
            let (done, progress, last) = advance(
                t,
                code.progress,
                code.last_step,
                code.since,
                e,
                day,
                checked_in,
                set.missed_checkin_resets,
            );
            code.progress = progress;
            code.last_step = last;
            if done {
                code.colour = t.to as u8;
                code.since = day as u16;
                code.episode = day as u16;
                code.progress = 0;
                code.last_step = NEVER;
            }
        }
    }

    if let Some(ev) = popup_event {
        code.popup = true;
        code.popup_since = day as u16;
        code.popup_progress = 0;
        code.popup_last_step = NEVER;
        if ev != TIMELESS {
            code.popup_consumed = ev;
        }
    } else if code.popup
        && let Some(t) = set.popup
    {
        let (done, progress, last) = advance(
            t,
            code.popup_progress,
            code.popup_last_step,
            code.popup_since,
            e,
            day,
            checked_in,
            set.missed_checkin_resets,
        );
        code.popup_progress = progress;
        code.popup_last_step = last;
        if done {
            code.popup = false;
            code.popup_progress = 0;
            code.popup_last_step = NEVER;
        }
    }
    let to = code.colour();
    (to != from).then_some(Change { from, to })
}

/// One day of progress towards a transition: (done, progress, last step day).
#[allow(clippy::too_many_arguments)]
fn advance(
    t: Transition,
    progress: u8,
    last_step: u16,
    since: u16,
    e: &Evidence,
    day: u32,
    checked_in: bool,
    missed_resets: bool,
) -> (bool, u8, u16) {
    match t.how {
        Progress::Checkins(n) => {
            let p = if checked_in {
                progress.saturating_add(1)
            } else if missed_resets {
                0
            } else {
                progress
            };
            (p as u32 >= n, p, last_step)
        }
        Progress::Days(n) => (day >= since as u32 + n, progress, last_step),
        Progress::NegativeTests { n, gap_days } => {
            let mut p = progress;
            let mut last = last_step;
            if e.positive_day as u32 == day {
                p = 0;
            } else if e.negative_day as u32 == day
                && e.negative_day > since
                && (last == NEVER || day >= last as u32 + gap_days)
            {
                p = p.saturating_add(1);
                last = day as u16;
            }
            (p as u32 >= n, p, last)
        }
        Progress::Release => (e.registry == 0, progress, last_step),
    }
}
