//! `hcsim stress`: how fast the backend's work runs on a city of N people.
//! Runs the day loop (truth, evidence from both observers, assignment) with
//! per-phase timings, then, on the final day's state, times each side's
//! assignment of everyone, a plain scan over the same per-agent bytes, and
//! single lookups. No I/O: the command line writes the report.

use std::time::{Duration, Instant};

use rand::RngExt;
use serde::Serialize;

use crate::assign::Side;
use crate::city::City;
use crate::engine::{DayRecord, PhaseSeconds, Simulation};
use crate::rng::Purpose;
use crate::scenario::Scenario;

/// What to measure besides the day loop.
#[derive(Clone, Copy, Debug)]
pub struct StressOptions {
    /// Single lookups to time.
    pub lookups: usize,
    /// Repetitions of each whole-population pass (the fastest counts).
    pub passes: usize,
}

impl Default for StressOptions {
    fn default() -> Self {
        Self {
            lookups: 100_000,
            passes: 5,
        }
    }
}

/// One day of the loop.
#[derive(Clone, Debug, Serialize)]
pub struct DayTiming {
    pub day: u32,
    pub present: u64,
    /// Both observers: from the truth to the evidence.
    pub evidence_seconds: f64,
    /// Observed and shadow codes with scoring, consequences and appeals.
    pub assignment_seconds: f64,
}

/// One side's assignment of every present person.
#[derive(Clone, Debug, Serialize)]
pub struct Pass {
    pub assignments: u64,
    pub seconds: f64,
    pub assignments_per_second: f64,
    /// Wall time per assignment (all threads together).
    pub ns_per_assignment: f64,
}

impl Pass {
    fn new(assignments: u64, t: Duration) -> Self {
        let s = t.as_secs_f64().max(1e-12);
        Self {
            assignments,
            seconds: s,
            assignments_per_second: assignments as f64 / s,
            ns_per_assignment: s * 1e9 / assignments.max(1) as f64,
        }
    }
}

/// The plain scan over the per-agent bytes the assignment reads.
#[derive(Clone, Debug, Serialize)]
pub struct Scan {
    pub bytes_per_agent: usize,
    pub seconds: f64,
    pub gigabytes_per_second: f64,
    pub ns_per_agent: f64,
}

/// Nanoseconds of one person's lookup.
#[derive(Clone, Debug, Serialize)]
pub struct Latency {
    pub samples: usize,
    pub p50_ns: f64,
    pub p99_ns: f64,
    pub max_ns: f64,
}

/// Everything `stress` measures.
#[derive(Clone, Debug, Serialize)]
pub struct StressReport {
    pub agents: u64,
    pub days: u32,
    pub policy: Vec<String>,
    pub simulate_seconds: f64,
    /// Agent-days of the whole loop per second.
    pub agent_days_per_second: f64,
    pub phase_seconds: PhaseSeconds,
    /// Evidence build time per day (both observers): mean and worst day.
    pub evidence_seconds_per_day_mean: f64,
    pub evidence_seconds_per_day_max: f64,
    /// In the loop: person-days assigned (each an observed and a shadow code
    /// under every rule set), per second of the assignment phase.
    pub loop_person_days: u64,
    pub loop_person_days_per_second: f64,
    /// On the final day: each side's assignment of everyone present.
    pub observed: Pass,
    pub shadow: Pass,
    pub plain_scan: Scan,
    /// (observed + shadow pass time) / plain scan time: the cost of the rules
    /// over merely reading the bytes.
    pub assignment_to_scan_ratio: f64,
    pub lookup: Latency,
    pub per_day: Vec<DayTiming>,
    /// Heap bytes of the city and per-agent state at the end.
    pub state_bytes: usize,
}

/// Runs the stress test of `scenario` in `city`; `on_day` after every day.
pub fn stress(
    scenario: &Scenario,
    city: &City,
    opts: StressOptions,
    mut on_day: impl FnMut(&DayRecord),
) -> StressReport {
    let mut sim = Simulation::new(scenario, city);
    let days = scenario.file.days;
    let mut per_day = Vec::with_capacity(days as usize);
    let mut loop_person_days = 0;
    let started = Instant::now();
    while sim.day < days {
        let before = sim.timings;
        let rec = sim.step();
        let after = sim.timings;
        loop_person_days += rec.present;
        per_day.push(DayTiming {
            day: rec.day,
            present: rec.present,
            evidence_seconds: (after.observation + after.oracle
                - before.observation
                - before.oracle)
                .as_secs_f64(),
            assignment_seconds: (after.assignment - before.assignment).as_secs_f64(),
        });
        on_day(&rec);
    }
    let simulate_seconds = started.elapsed().as_secs_f64();
    let last = days.saturating_sub(1);
    let passes = opts.passes.max(1);
    let fastest = |f: &mut dyn FnMut()| {
        (0..passes)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .min()
            .expect("at least one pass")
    };
    let sd = sim.site_district();
    let side_pass = |side: Side| {
        let obs = match side {
            Side::Observed => &sim.observer,
            Side::Shadow => &sim.oracle,
        };
        let mut assigned = 0;
        let t = fastest(&mut || {
            assigned = sim
                .codes
                .pass(side, city, obs, sd, last)
                .iter()
                .sum::<u64>();
        });
        Pass::new(assigned, t)
    };
    let observed = side_pass(Side::Observed);
    let shadow = side_pass(Side::Shadow);
    let mut bytes = 0;
    let scan_time = fastest(&mut || {
        let (sum, b) = sim.codes.plain_scan(
            city,
            &sim.observer,
            &sim.oracle,
            &sim.health,
            &sim.confinement,
            &sim.confined_since,
        );
        std::hint::black_box(sum);
        bytes = b;
    });
    let n = city.agents.len();
    let scan_s = scan_time.as_secs_f64().max(1e-12);
    let plain_scan = Scan {
        bytes_per_agent: bytes,
        seconds: scan_s,
        gigabytes_per_second: (bytes * n) as f64 / scan_s / 1e9,
        ns_per_agent: scan_s * 1e9 / n.max(1) as f64,
    };
    let lookup = lookups(&sim, city, last, opts.lookups);
    let evidence: Vec<f64> = per_day.iter().map(|d| d.evidence_seconds).collect();
    let assignment = sim.timings.assignment.as_secs_f64().max(1e-12);
    let agents = n as u64;
    StressReport {
        agents,
        days,
        policy: scenario.policy.iter().map(|s| s.name.clone()).collect(),
        simulate_seconds,
        agent_days_per_second: (agents * days as u64) as f64 / simulate_seconds.max(1e-12),
        phase_seconds: sim.timings.seconds(),
        evidence_seconds_per_day_mean: evidence.iter().sum::<f64>() / evidence.len().max(1) as f64,
        evidence_seconds_per_day_max: evidence.iter().cloned().fold(0.0, f64::max),
        loop_person_days,
        loop_person_days_per_second: loop_person_days as f64 / assignment,
        assignment_to_scan_ratio: (observed.seconds + shadow.seconds) / scan_s,
        observed,
        shadow,
        plain_scan,
        lookup,
        per_day,
        state_bytes: city.heap_bytes() + sim.heap_bytes(),
    }
}

/// Times `samples` lookups of people present on `day`, drawn uniformly.
fn lookups(sim: &Simulation, city: &City, day: u32, samples: usize) -> Latency {
    let n = city.agents.len() as u32;
    let present = |a: u32| city.agents.arrival_day[a as usize] as u32 <= day;
    let mut rng = sim.key.stream(day, Purpose::Lookup, 0);
    let mut ns = Vec::with_capacity(samples);
    let sd = sim.site_district();
    let mut tries = 0;
    while ns.len() < samples && n > 0 && tries < 100 * samples {
        tries += 1;
        let a = rng.random_range(0..n);
        if !present(a) {
            continue;
        }
        let t = Instant::now();
        let colour = sim
            .codes
            .lookup(Side::Observed, city, &sim.observer, sd, a, day);
        let elapsed = t.elapsed();
        std::hint::black_box(colour);
        ns.push(elapsed.as_nanos() as f64);
    }
    ns.sort_by(f64::total_cmp);
    let q = |p: f64| {
        ns.get(((p * ns.len() as f64).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or(0.0)
    };
    Latency {
        samples: ns.len(),
        p50_ns: q(0.5),
        p99_ns: q(0.99),
        max_ns: ns.last().copied().unwrap_or(0.0),
    }
}
