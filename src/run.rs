//! One simulation from a validated scenario to its results, without I/O:
//! build the city, run the day loop, summarise.

use crate::city::City;
use crate::engine::{DayRecord, PhaseTimes, Simulation};
use crate::output::Summary;
use crate::scenario::Scenario;

/// Samples used to estimate the expected infectious days (0.1 % precision).
const CALIBRATION_SAMPLES: u32 = 200_000;

pub struct RunOutput {
    pub records: Vec<DayRecord>,
    pub summary: Summary,
    /// Heap bytes of the city and the per-agent state at the end of the run.
    pub state_bytes: usize,
    /// Wall time per phase of the day loop.
    pub timings: PhaseTimes,
}

/// Runs a scenario on the current rayon pool. `on_build` is called once the
/// city is built, `on_day` after every day.
pub fn run_scenario(
    scenario: &Scenario,
    on_build: impl FnOnce(&City),
    on_day: impl FnMut(&DayRecord),
) -> RunOutput {
    let city = City::build(scenario);
    on_build(&city);
    run_in(scenario, &city, on_day)
}

/// Runs a scenario in a city already built for it (same seed and replicate).
pub fn run_in(scenario: &Scenario, city: &City, on_day: impl FnMut(&DayRecord)) -> RunOutput {
    let mut sim = Simulation::new(scenario, city);
    let records = sim.run(on_day);
    let infectious_days = sim
        .history
        .expected_infectious_days(sim.key, CALIBRATION_SAMPLES);
    let summary = Summary::new(scenario, city, &records, infectious_days, &sim);
    RunOutput {
        records,
        summary,
        state_bytes: city.heap_bytes() + sim.heap_bytes(),
        timings: sim.timings,
    }
}
