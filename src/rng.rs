//! Counter-based random streams.
//!
//! Every random draw in hcsim comes from a stream keyed by
//! (seed, replicate, day, purpose, unit), where the unit is an agent id or the
//! index of a fixed-size batch. A stream is a fresh PCG generator whose state is
//! a hash of the key, so creating one costs a few multiplications and the
//! numbers an agent sees never depend on which thread handles it, nor on how
//! many other draws were made before. This is what makes runs bit-identical for
//! any thread count and lets two policies share the same world (common random
//! numbers): a purpose that describes the world is never keyed by policy state.

use rand_pcg::Pcg64Mcg;

/// What a stream is used for. Each purpose has its own stream space, so adding
/// draws to one purpose never shifts the numbers of another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// City layout: zones, compounds, towers, venues, sites.
    Layout = 1,
    /// Households and the people in them (sizes, ages, jobs, phones).
    People = 2,
    /// Returning travelers: which households travel, origins, arrival days.
    Travel = 3,
    /// An agent's daily schedule (attendance, venue visits, times).
    Schedule = 4,
    /// An agent's natural history if infected (durations, symptomatic or not).
    Course = 5,
    /// An infectious agent's contacts and transmission draws on a day.
    Transmission = 6,
    /// Infection status of a traveler on arrival.
    Import = 7,
    /// Background influenza-like illness onsets, per batch of agents and day.
    Ili = 8,
    /// Duration of one ILI episode, per agent and day of onset.
    IliDuration = 9,
    /// Choice of the initially infected agents.
    Seeding = 10,
    /// Monte Carlo estimate of expected infectious days (for `r0_implied`).
    Calibration = 11,
    /// Location records (app fix, serving cell) of an agent's visits on a day.
    Observe = 12,
    /// Check-in, self-report, clinic and fever draws of a person with symptoms on a day.
    Symptoms = 13,
    /// False fever alarms among people without fever, per batch and day.
    FalseFever = 14,
    /// Whether a person completes the daily check-in.
    Checkin = 15,
    /// Contact tracing and registry errors for one case on a day.
    Registry = 16,
    /// A person's test result on a day.
    TestResult = 17,
    /// Participation and pooled results of a screening round, per pool.
    Screening = 18,
    /// Travel-card border-cell overlaps, per batch and day.
    Border = 19,
    /// Whether a person complies with a quarantine, per code episode.
    Compliance = 20,
    /// Whether a person with a red or yellow code appeals on a day.
    Appeal = 21,
    /// A reviewer's decision on an appeal.
    Review = 22,
    /// Arrival times of a launch-day burst (`hcsim stress --burst`).
    Burst = 23,
    /// The people whose lookups `hcsim stress` times.
    Lookup = 24,
}

/// The fixed part of every key: master seed and replicate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamKey {
    pub seed: u64,
    pub replicate: u32,
}

impl StreamKey {
    pub fn new(seed: u64, replicate: u32) -> Self {
        Self { seed, replicate }
    }

    /// The stream for one work unit on one day for one purpose.
    #[inline]
    pub fn stream(self, day: u32, purpose: Purpose, unit: u64) -> Pcg64Mcg {
        let a = mix(self.seed ^ mix(((self.replicate as u64) << 32) | day as u64));
        let b = mix(a ^ mix((purpose as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ unit));
        let c = mix(b ^ 0xD1B5_4A32_D192_ED03);
        Pcg64Mcg::new(((b as u128) << 64) | c as u128 | 1)
    }
}

/// SplitMix64 finaliser: a bijective mix with full avalanche.
#[inline]
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn streams_differ_by_every_key_part() {
        let key = StreamKey::new(7, 0);
        let first =
            |k: StreamKey, day, purpose, unit| -> u64 { k.stream(day, purpose, unit).random() };
        let base = first(key, 3, Purpose::Schedule, 42);
        assert_eq!(base, first(key, 3, Purpose::Schedule, 42));
        assert_ne!(base, first(StreamKey::new(8, 0), 3, Purpose::Schedule, 42));
        assert_ne!(base, first(StreamKey::new(7, 1), 3, Purpose::Schedule, 42));
        assert_ne!(base, first(key, 4, Purpose::Schedule, 42));
        assert_ne!(base, first(key, 3, Purpose::Course, 42));
        assert_ne!(base, first(key, 3, Purpose::Schedule, 43));
    }

    #[test]
    fn stream_values_are_pinned() {
        // Value stability: changing the key derivation changes every output of
        // every scenario; this test makes such a change deliberate.
        let v: u64 = StreamKey::new(1, 0).stream(0, Purpose::Layout, 0).random();
        assert_eq!(v, PINNED);
    }
    const PINNED: u64 = 15_594_567_616_326_862_203;
}
