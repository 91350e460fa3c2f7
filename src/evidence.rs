//! What the backend knows about one person: a compact record of the latest
//! day each kind of evidence was recorded. Rules read it; the observation
//! phases write it, touching only the people whose evidence changes.

/// "Never" in day fields.
pub const NEVER: u16 = u16::MAX;

/// Risk level of an area or region.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Level {
    Low = 0,
    Medium = 1,
    High = 2,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Low, Level::Medium, Level::High];
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "low" => Some(Level::Low),
            "medium" => Some(Level::Medium),
            "high" => Some(Level::High),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
        }
    }
}

/// Where a location record came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum LocationSource {
    Cell = 0,
    Gps = 1,
    Wifi = 2,
}

impl LocationSource {
    pub const ALL: [LocationSource; 3] = [
        LocationSource::Cell,
        LocationSource::Gps,
        LocationSource::Wifi,
    ];
    pub fn name(self) -> &'static str {
        match self {
            LocationSource::Cell => "cell",
            LocationSource::Gps => "gps",
            LocationSource::Wifi => "wifi",
        }
    }
}

/// Registry status bits.
pub mod registry {
    pub const CONFIRMED: u8 = 1;
    pub const SUSPECTED: u8 = 2;
    pub const ASYMPTOMATIC: u8 = 4;
    /// Under isolation or quarantine.
    pub const ISOLATED: u8 = 8;
}

/// Kinds of index case a contact was traced from.
pub mod index {
    pub const CONFIRMED: u8 = 1;
    pub const ASYMPTOMATIC: u8 = 2;
    pub const SUSPECTED: u8 = 4;
}

/// One person's evidence. Days are simulation days; `NEVER` when absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Evidence {
    /// Registry status bits (`registry::*`) while listed.
    pub registry: u8,
    /// Day the current listing began.
    pub registry_since: u16,
    /// First day no longer listed (a stale entry lasts longer than the truth).
    pub registry_until: u16,
    /// Day the person last left the case registry.
    pub released_day: u16,
    /// Day listed as a close contact, and the kinds of index case (`index::*`).
    pub contact_day: u16,
    pub contact_index: u8,
    pub secondary_day: u16,
    /// Latest day an observed location fell in a risk area, by [level][source].
    pub risk_visit: [[u16; 3]; 3],
    /// Latest day listed as a spatiotemporal companion of a case.
    pub colocated_day: u16,
    pub symptom_report_day: u16,
    pub clinic_day: u16,
    pub fever_day: u16,
    /// Latest day the travel card listed a region of each level.
    pub travel_card: [u16; 3],
    /// Latest test result day, and latest negative / positive result days.
    pub test_day: u16,
    pub negative_day: u16,
    pub positive_day: u16,
    /// Day the person's pool tested positive (until a single-tube result).
    pub pool_positive_day: u16,
}

impl Default for Evidence {
    fn default() -> Self {
        Self {
            registry: 0,
            registry_since: NEVER,
            registry_until: NEVER,
            released_day: NEVER,
            contact_day: NEVER,
            contact_index: 0,
            secondary_day: NEVER,
            risk_visit: [[NEVER; 3]; 3],
            colocated_day: NEVER,
            symptom_report_day: NEVER,
            clinic_day: NEVER,
            fever_day: NEVER,
            travel_card: [NEVER; 3],
            test_day: NEVER,
            negative_day: NEVER,
            positive_day: NEVER,
            pool_positive_day: NEVER,
        }
    }
}

impl Evidence {
    /// Nothing listed and every recorded day at least `window` days old: no
    /// predicate with a window up to `window` can tell this record from an
    /// empty one.
    pub fn quiet(&self, today: u32, window: u32) -> bool {
        // Without branches (this runs for everyone every day): `within` for
        // every field at once.
        let recent = self
            .recorded_days()
            .iter()
            .fold(false, |any, &d| any | within(d, today, window));
        self.registry == 0 && !recent
    }

    /// Every day field a predicate can look back at (not the listing's own
    /// start and end).
    fn recorded_days(&self) -> [u16; 23] {
        let r = &self.risk_visit;
        [
            self.released_day,
            self.contact_day,
            self.secondary_day,
            self.colocated_day,
            self.symptom_report_day,
            self.clinic_day,
            self.fever_day,
            self.test_day,
            self.negative_day,
            self.positive_day,
            self.pool_positive_day,
            r[0][0],
            r[0][1],
            r[0][2],
            r[1][0],
            r[1][1],
            r[1][2],
            r[2][0],
            r[2][1],
            r[2][2],
            self.travel_card[0],
            self.travel_card[1],
            self.travel_card[2],
        ]
    }
}

impl Evidence {
    /// A sum over every field: what a plain scan of the record computes.
    pub fn checksum(&self) -> u64 {
        self.registry as u64
            + self.contact_index as u64
            + self.registry_since as u64
            + self.registry_until as u64
            + self.recorded_days().into_iter().map(u64::from).sum::<u64>()
    }
}

/// Raises `slot` to `day` (evidence days only move forward).
#[inline]
pub fn record(slot: &mut u16, day: u32) {
    let d = day.min(NEVER as u32 - 1) as u16;
    if *slot == NEVER || *slot < d {
        *slot = d;
    }
}

/// True when `day` is recorded and lies in the last `within` days up to `today`.
#[inline]
pub fn within(day: u16, today: u32, within: u32) -> bool {
    // One comparison: a later day or `NEVER` wraps to a huge difference.
    debug_assert!(today < NEVER as u32 && within < u32::MAX / 2);
    today.wrapping_sub(day as u32) < within
}

/// Facts about a person that rules may read besides recorded evidence:
/// derived on the fly from the city and today's risk map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    /// Risk level of the home compound's area today, if any.
    pub home_risk: Option<Level>,
    /// Highest district risk level of the home or site district in the window, with the day it last held.
    pub district_risk: [u16; 3],
    /// Consecutive daily check-ins missed up to yesterday.
    pub missed_checkins: u16,
}

impl Default for Context {
    /// No risk anywhere: the district days are `NEVER`, not day 0.
    fn default() -> Self {
        Self {
            home_risk: None,
            district_risk: [NEVER; 3],
            missed_checkins: 0,
        }
    }
}

impl Context {
    /// As good as an empty context for predicates with windows up to `window`.
    pub fn quiet(&self, today: u32, window: u32) -> bool {
        self.home_risk.is_none()
            && self.missed_checkins == 0
            && self
                .district_risk
                .iter()
                .all(|&d| !within(d, today, window))
    }
}
