//! Launch day: applications for a code arrive over the hours of a day and
//! queue, first come first served, for a backend that completes a fixed
//! number of assignments per second (one per application). The queue is
//! exact for that model: each application waits until every earlier one is
//! done (Lindley's recursion with a service time of 1 / capacity).

use rand::RngExt;
use serde::Serialize;

use crate::rng::{Purpose, StreamKey};

/// Hangzhou's code had 1.34 M applications on its first day (DOMAIN.md §4).
pub const HANGZHOU_DAY_ONE: u64 = 1_340_000;

/// Relative arrivals per hour of the day, 00:00 to 23:00 [U]: quiet at
/// night, a morning rise as the launch is announced and people need a code
/// to go out, a second peak in the evening. An assumption; give your own
/// with `--burst-profile`.
pub const LAUNCH_DAY_PROFILE: [f64; 24] = [
    0.5, 0.3, 0.2, 0.2, 0.2, 0.4, 1.0, 2.5, 4.5, 6.5, 7.5, 7.0, 6.0, 6.0, 6.5, 6.5, 6.0, 5.5, 5.5,
    6.0, 6.0, 5.0, 3.0, 1.5,
];

/// A burst to simulate.
#[derive(Clone, Debug, Serialize)]
pub struct Burst {
    pub applications: u64,
    /// Relative arrivals per hour (24 non-negative weights, not all zero).
    pub hourly_profile: Vec<f64>,
    /// Assignments the backend completes per second.
    pub capacity_per_second: f64,
}

/// Waiting times of a burst, seconds.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Waits {
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    /// Share of applications answered within 1 s and within 60 s of arriving.
    pub within_1s: f64,
    pub within_60s: f64,
    /// Most applications waiting at once.
    pub peak_queue: u64,
    /// Hour (from midnight) the last application is answered.
    pub drained_at_hour: f64,
}

/// What `simulate` reports.
#[derive(Clone, Debug, Serialize)]
pub struct BurstReport {
    pub burst: Burst,
    /// Arrivals per second in the busiest hour, and its share of the capacity.
    pub peak_arrivals_per_second: f64,
    pub peak_utilisation: f64,
    pub waits: Waits,
    /// The least capacity (assignments/s) for which the 99th percentile wait
    /// stays within 1 s, and within 60 s, for these arrivals.
    pub capacity_for_p99_1s: f64,
    pub capacity_for_p99_60s: f64,
}

/// Arrival times (seconds from midnight, sorted): each application's hour
/// drawn from the profile, its second uniform within the hour.
pub fn arrivals(b: &Burst, key: StreamKey) -> Vec<f64> {
    let total: f64 = b.hourly_profile.iter().sum();
    let mut cumulative = Vec::with_capacity(24);
    let mut acc = 0.0;
    for w in &b.hourly_profile {
        acc += w / total;
        cumulative.push(acc);
    }
    let mut rng = key.stream(0, Purpose::Burst, 0);
    let mut times: Vec<f64> = (0..b.applications)
        .map(|_| {
            let u: f64 = rng.random();
            let hour = cumulative.partition_point(|&c| c <= u).min(23);
            3600.0 * (hour as f64 + rng.random::<f64>())
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times
}

/// Waits of sorted `arrivals` at `capacity` assignments per second.
pub fn waits(arrivals: &[f64], capacity: f64) -> Waits {
    if arrivals.is_empty() {
        return Waits::default();
    }
    let service = 1.0 / capacity;
    let mut starts = Vec::with_capacity(arrivals.len());
    let mut waits = Vec::with_capacity(arrivals.len());
    let mut free_at = f64::NEG_INFINITY;
    for &t in arrivals {
        let start = free_at.max(t);
        free_at = start + service;
        starts.push(start);
        waits.push(start - t);
    }
    // Waiting just after application i arrives: those up to i not yet started.
    let mut started = 0;
    let mut peak_queue = 0;
    for (i, &t) in arrivals.iter().enumerate() {
        while started <= i && starts[started] <= t {
            started += 1;
        }
        peak_queue = peak_queue.max(i + 1 - started);
    }
    let n = waits.len() as f64;
    let mean = waits.iter().sum::<f64>() / n;
    let within = |s: f64| waits.iter().filter(|&&w| w <= s).count() as f64 / n;
    let (within_1s, within_60s) = (within(1.0), within(60.0));
    waits.sort_by(f64::total_cmp);
    let q = |p: f64| waits[((p * n).ceil() as usize).clamp(1, waits.len()) - 1];
    Waits {
        mean,
        p50: q(0.50),
        p90: q(0.90),
        p99: q(0.99),
        max: *waits.last().expect("not empty"),
        within_1s,
        within_60s,
        peak_queue: peak_queue as u64,
        drained_at_hour: free_at / 3600.0,
    }
}

/// The least capacity (to 1 %) whose p99 wait is within `limit` seconds.
fn capacity_for(arrivals: &[f64], limit: f64) -> f64 {
    let (mut lo, mut hi) = (1e-3, 1.0);
    while waits(arrivals, hi).p99 > limit {
        lo = hi;
        hi *= 2.0;
    }
    while hi / lo > 1.01 {
        let mid = (lo * hi).sqrt();
        if waits(arrivals, mid).p99 > limit {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

/// Simulates the burst and finds the capacities that keep waits short.
pub fn simulate(b: &Burst, key: StreamKey) -> BurstReport {
    let times = arrivals(b, key);
    let total: f64 = b.hourly_profile.iter().sum();
    let peak_share = b.hourly_profile.iter().cloned().fold(0.0, f64::max) / total;
    let peak_arrivals_per_second = b.applications as f64 * peak_share / 3600.0;
    let empty = times.is_empty();
    BurstReport {
        peak_arrivals_per_second,
        peak_utilisation: peak_arrivals_per_second / b.capacity_per_second,
        waits: waits(&times, b.capacity_per_second),
        capacity_for_p99_1s: if empty {
            0.0
        } else {
            capacity_for(&times, 1.0)
        },
        capacity_for_p99_60s: if empty {
            0.0
        } else {
            capacity_for(&times, 60.0)
        },
        burst: b.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evenly_spaced_arrivals_below_capacity_never_wait() {
        let times: Vec<f64> = (0..1000).map(|i| i as f64).collect();
        let w = waits(&times, 2.0);
        assert_eq!(w.max, 0.0);
        assert_eq!(w.peak_queue, 0);
        assert_eq!(w.within_1s, 1.0);
    }

    #[test]
    fn simultaneous_arrivals_wait_their_turn() {
        // 100 at once, 10 a second: the k-th waits (k-1)/10 s.
        let times = vec![0.0; 100];
        let w = waits(&times, 10.0);
        assert!((w.max - 9.9).abs() < 1e-9);
        assert!((w.mean - 4.95).abs() < 1e-9);
        assert!((w.p50 - 4.9).abs() < 1e-9);
        assert_eq!(w.peak_queue, 99);
        assert!((w.drained_at_hour * 3600.0 - 10.0).abs() < 1e-9);
    }

    #[test]
    fn arrivals_follow_the_profile() {
        let mut profile = vec![0.0; 24];
        profile[9] = 3.0;
        profile[20] = 1.0;
        let b = Burst {
            applications: 40_000,
            hourly_profile: profile,
            capacity_per_second: 100.0,
        };
        let times = arrivals(&b, StreamKey::new(1, 0));
        assert_eq!(times.len(), 40_000);
        let at_nine = times
            .iter()
            .filter(|&&t| (9.0 * 3600.0..10.0 * 3600.0).contains(&t));
        let share = at_nine.count() as f64 / 40_000.0;
        // Binomial sd = sqrt(0.75 * 0.25 / 40000) = 0.0022.
        assert!((share - 0.75).abs() < 0.011, "share at 09:00 {share}");
        assert!(
            times
                .iter()
                .all(|&t| (9.0 * 3600.0..21.0 * 3600.0).contains(&t))
        );
    }

    #[test]
    fn capacity_search_meets_its_limit() {
        let b = Burst {
            applications: 100_000,
            hourly_profile: LAUNCH_DAY_PROFILE.to_vec(),
            capacity_per_second: 1.0,
        };
        let times = arrivals(&b, StreamKey::new(2, 0));
        let c = capacity_for(&times, 60.0);
        assert!(waits(&times, c).p99 <= 60.0);
        assert!(waits(&times, c / 1.02).p99 > 60.0);
        // Overloaded at 1 a second: the queue lasts past midnight.
        let r = simulate(&b, StreamKey::new(2, 0));
        assert!(r.waits.drained_at_hour > 24.0 && r.peak_utilisation > 1.0);
    }
}
