//! Daily mobility: each agent's visits of a day (place, start and end minute),
//! computed on demand as a pure function of (seed, day, agent) and the agent's
//! confinement. Nothing is stored: any phase that needs a visit recomputes it,
//! which costs one stream and a few draws.

use rand::RngExt;

use crate::city::{City, NONE, flag};
use crate::rng::{Purpose, StreamKey};
use crate::scenario::file::MobilityFile;

/// Where an agent is confined. Code assignment (`assign`) sets it from the
/// displayed code; the schedule honours it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Confinement {
    Free = 0,
    /// Stays home all day; household contacts continue.
    Home = 1,
    /// In a central quarantine facility; no contacts with the household.
    Facility = 2,
}

impl Confinement {
    pub fn from_u8(v: u8) -> Self {
        match v {
            1 => Confinement::Home,
            2 => Confinement::Facility,
            _ => Confinement::Free,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Home(u32),
    Site(u32),
    Venue(u32),
    Facility,
}

/// One stay: place and minutes of the day `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Visit {
    pub place: Place,
    pub start: u16,
    pub end: u16,
}

pub const MAX_VISITS: usize = 10;

/// An agent's day, without heap allocation. Empty when the agent is away.
#[derive(Clone, Copy, Debug)]
pub struct DayPlan {
    visits: [Visit; MAX_VISITS],
    len: u8,
}

impl DayPlan {
    fn new() -> Self {
        Self {
            visits: [Visit {
                place: Place::Facility,
                start: 0,
                end: 0,
            }; MAX_VISITS],
            len: 0,
        }
    }
    fn push(&mut self, place: Place, start: u16, end: u16) {
        if end > start {
            self.visits[self.len as usize] = Visit { place, start, end };
            self.len += 1;
        }
    }
    pub fn visits(&self) -> &[Visit] {
        &self.visits[..self.len as usize]
    }
    pub fn at_site(&self, site: u32) -> bool {
        self.visits().iter().any(|v| v.place == Place::Site(site))
    }
    /// Minutes `[start, end)` at a venue, if visited.
    pub fn at_venue(&self, venue: u32) -> Option<(u16, u16)> {
        self.visits()
            .iter()
            .find(|v| v.place == Place::Venue(venue))
            .map(|v| (v.start, v.end))
    }
    pub fn is_away(&self) -> bool {
        self.len == 0
    }
}

/// The inputs a schedule needs, gathered once per run.
#[derive(Clone, Copy, Debug)]
pub struct Schedules<'a> {
    pub city: &'a City,
    pub params: &'a MobilityFile,
    pub key: StreamKey,
    pub start_weekday: u8,
}

impl<'a> Schedules<'a> {
    pub fn is_weekday(&self, day: u32) -> bool {
        (self.start_weekday as u32 + day) % 7 < 5
    }

    /// The visits of `agent` on `day`. The draws come from the agent's own
    /// schedule stream, so they are the same under every policy (common random
    /// numbers); confinement only removes visits.
    pub fn plan(&self, agent: u32, day: u32, confinement: Confinement) -> DayPlan {
        let a = &self.city.agents;
        let i = agent as usize;
        let mut plan = DayPlan::new();
        if (a.arrival_day[i] as u32) > day {
            return plan;
        }
        let home = Place::Home(a.household[i]);
        match confinement {
            Confinement::Home => {
                plan.push(home, 0, 1440);
                return plan;
            }
            Confinement::Facility => {
                plan.push(Place::Facility, 0, 1440);
                return plan;
            }
            Confinement::Free => {}
        }
        let mut rng = self.key.stream(day, Purpose::Schedule, agent as u64);
        let p = self.params;
        let weekday = self.is_weekday(day);
        let fl = a.flags[i];
        let site = a.site[i];
        let attend = site != NONE
            && if fl & flag::STUDENT != 0 {
                weekday && rng.random_bool(p.school_attendance)
            } else {
                rng.random_bool(if weekday {
                    p.work_attendance
                } else {
                    p.weekend_work_attendance
                })
            };
        let market = rng.random_bool(p.market_visit_prob);
        let restaurant = rng.random_bool(p.restaurant_visit_prob);
        // Times are drawn whether or not they are used, so that a change in one
        // decision does not shift the numbers of the next.
        let work_start: u16 = 420 + rng.random_range(0..120);
        let market_offset: u16 = rng.random_range(0..180);
        let market_len: u16 = rng.random_range(30..90);
        let dinner_start: u16 = 1080 + rng.random_range(0..120);
        let dinner_len: u16 = rng.random_range(45..105);

        let compound = self.city.compound_of(agent);
        let mut t = 0u16;
        if attend {
            let (start, end) = if fl & flag::STUDENT != 0 {
                (480, 960)
            } else {
                (work_start, work_start + 510)
            };
            let transit = fl & flag::TRANSIT != 0;
            let leave = if transit { start - 40 } else { start };
            plan.push(home, t, leave);
            if transit {
                plan.push(Place::Venue(compound.station), start - 40, start - 10);
                plan.push(Place::Site(site), start - 10, end);
                plan.push(Place::Venue(compound.station), end, end + 30);
                t = end + 30;
            } else {
                plan.push(Place::Site(site), start, end);
                t = end;
            }
        }
        if market {
            // Shopping after work for those who worked, otherwise in the morning.
            let start = if attend {
                t + 10 + market_offset / 3
            } else {
                480 + market_offset
            };
            plan.push(home, t, start);
            plan.push(Place::Venue(compound.market), start, start + market_len);
            t = start + market_len;
        }
        if restaurant && t < dinner_start {
            plan.push(home, t, dinner_start);
            plan.push(
                Place::Venue(compound.restaurant),
                dinner_start,
                dinner_start + dinner_len,
            );
            t = dinner_start + dinner_len;
        }
        plan.push(home, t, 1440);
        plan
    }
}
