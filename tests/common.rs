//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hcsim::scenario::{Scenario, Source, load};

/// Root of the repository (where `scenarios/` is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the hcsim binary in `dir` with `args`.
pub fn hcsim(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hcsim"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("hcsim runs")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Loads a shipped scenario with overrides.
pub fn scenario(rel: &str, set: &[&str]) -> Scenario {
    let source = Source::from_path(&root().join(rel)).expect("readable");
    let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
    load(&source, &set).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs a scenario on a pool of `threads` threads.
pub fn run_on(threads: usize, s: &Scenario) -> hcsim::run::RunOutput {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| hcsim::run::run_scenario(s, |_| {}, |_| {}))
}

/// `--set` overrides that make every observation source perfect.
pub const ALL_PERFECT: [&str; 8] = [
    "observation.gps.perfect=true",
    "observation.wifi.perfect=true",
    "observation.cell.perfect=true",
    "observation.travel_card.perfect=true",
    "observation.registry.perfect=true",
    "observation.checkin.perfect=true",
    "observation.temperature.perfect=true",
    "observation.testing.perfect=true",
];
