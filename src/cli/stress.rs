//! `hcsim stress`: flags, the run, `stress.json` and the summary on stdout.

use std::io::Write;
use std::time::Instant;

use clap::Args;
use serde::Serialize;

use super::{
    WorldArgs, peak_rss_bytes, pretty_json, progress_bar, resolve, run_dir_named, thread_pool,
    write_scenario,
};
use crate::burst::{Burst, BurstReport, HANGZHOU_DAY_ONE, LAUNCH_DAY_PROFILE, simulate};
use crate::city::City;
use crate::output::RunDir;
use crate::scenario::InputError;
use crate::stress::{StressOptions, StressReport, stress as run_stress};

#[derive(Args, Debug)]
#[command(
    after_help = "Example: hcsim stress --agents 1000000 --burst\nWrites stress.json and scenario.toml to the run directory and a summary to stdout."
)]
pub struct StressArgs {
    #[command(flatten)]
    world: WorldArgs,
    /// Rule set to assign (overrides `policy.rules`): a built-in name, a rule file, or base+overlay.
    #[arg(long, value_name = "NAME|FILE")]
    rules: Option<String>,
    /// Single lookups to time (people drawn at random among those present on the last day).
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    lookups: usize,
    /// Also simulate launch day: applications arriving over the hours of a day, queueing for the backend's capacity.
    #[arg(long)]
    burst: bool,
    /// Launch-day applications [default: 1340000, Hangzhou's first day].
    #[arg(long, value_name = "N", requires = "burst")]
    burst_applications: Option<u64>,
    /// Backend capacity, assignments per second [default: the observed-side rate measured in this run].
    #[arg(long, value_name = "PER_SECOND", requires = "burst")]
    burst_capacity: Option<f64>,
    /// Relative arrivals per hour: 24 comma-separated weights from 00:00 [default: the launch-day curve in README].
    #[arg(
        long,
        value_name = "W0,..,W23",
        requires = "burst",
        value_delimiter = ','
    )]
    burst_profile: Option<Vec<f64>>,
}

/// `stress.json`.
#[derive(Serialize)]
struct StressFile<'a> {
    hcsim_version: &'static str,
    command_line: Vec<String>,
    scenario: &'a str,
    seed: u64,
    threads: usize,
    build_seconds: f64,
    wall_seconds: f64,
    peak_rss_bytes: Option<u64>,
    peak_rss_bytes_per_agent: Option<f64>,
    #[serde(flatten)]
    report: &'a StressReport,
    burst: Option<&'a BurstReport>,
}

/// Checks the burst flags before anything runs.
fn burst_flags(args: &StressArgs) -> Result<(), InputError> {
    if args.burst_applications == Some(0) {
        return Err(InputError::new(
            "--burst-applications",
            "must be at least 1",
            "give the number of launch-day applications, e.g. 1340000",
        ));
    }
    if let Some(c) = args.burst_capacity
        && !(c.is_finite() && c > 0.0)
    {
        return Err(InputError::new(
            "--burst-capacity",
            format!("{c} is not a positive number of assignments per second"),
            "give a positive rate, e.g. --burst-capacity 5000",
        ));
    }
    if let Some(p) = &args.burst_profile {
        if p.len() != 24 {
            return Err(InputError::new(
                "--burst-profile",
                format!("{} weights given; one per hour is 24", p.len()),
                "give 24 comma-separated weights, 00:00 first",
            ));
        }
        if p.iter().any(|w| !(w.is_finite() && *w >= 0.0)) || p.iter().sum::<f64>() <= 0.0 {
            return Err(InputError::new(
                "--burst-profile",
                "weights must be non-negative and not all zero",
                "give relative arrivals per hour, e.g. 1,1,...,5,...",
            ));
        }
    }
    Ok(())
}

pub fn stress(args: StressArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    burst_flags(&args)?;
    let (scenario, _) = resolve(&args.world, args.rules.as_deref())?;
    if scenario.policy.is_empty() {
        return Err(InputError::new(
            "--rules",
            "the policy is none, so nothing is assigned",
            "give a rule set, e.g. --rules zhejiang-2020",
        )
        .into());
    }
    let world = &args.world;
    let target = world
        .out
        .clone()
        .unwrap_or_else(|| run_dir_named(&scenario, "-stress"));
    RunDir::check(&target, world.force)?;
    let (pool, threads) = thread_pool(world.threads)?;
    let bar = progress_bar(
        world.quiet,
        scenario.file.days as u64,
        "{msg:>12} [{bar:40}] day {pos}/{len} ({eta} left)",
    );
    bar.set_message("building");
    let (city, built) = pool.install(|| {
        let city = City::build(&scenario);
        (city, started.elapsed())
    });
    bar.set_message("simulating");
    let opts = StressOptions {
        lookups: args.lookups,
        ..StressOptions::default()
    };
    let days = scenario.file.days;
    let report = pool.install(|| {
        run_stress(&scenario, &city, opts, |r| {
            bar.set_position(r.day as u64 + 1);
            if r.day + 1 == days {
                bar.set_message("timing passes");
            }
        })
    });
    bar.finish_and_clear();
    let burst = args.burst.then(|| {
        let b = Burst {
            applications: args.burst_applications.unwrap_or(HANGZHOU_DAY_ONE),
            hourly_profile: args
                .burst_profile
                .clone()
                .unwrap_or_else(|| LAUNCH_DAY_PROFILE.to_vec()),
            capacity_per_second: args
                .burst_capacity
                .unwrap_or(report.observed.assignments_per_second),
        };
        simulate(&b, crate::rng::StreamKey::new(scenario.file.seed, 0))
    });
    let peak = peak_rss_bytes();
    let agents = report.agents;
    let file = StressFile {
        hcsim_version: env!("CARGO_PKG_VERSION"),
        command_line: std::env::args().collect(),
        scenario: &scenario.file.name,
        seed: scenario.file.seed,
        threads,
        build_seconds: built.as_secs_f64(),
        wall_seconds: started.elapsed().as_secs_f64(),
        peak_rss_bytes: peak,
        peak_rss_bytes_per_agent: peak.map(|p| p as f64 / agents.max(1) as f64),
        report: &report,
        burst: burst.as_ref(),
    };
    let dir = RunDir::start(&target, world.force)?;
    write_scenario(&dir, &scenario)?;
    dir.write("stress.json", &pretty_json(&file)?)?;
    let path = dir.commit()?;
    print!("{}", summary(&file));
    std::io::stdout().flush()?;
    if !world.quiet {
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// A rate with three significant digits.
fn rate(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.3}")
    }
}

/// The report in plain words, one figure a line.
fn summary(f: &StressFile) -> String {
    let r = f.report;
    let mut s = format!(
        "{} agents x {} days under {} on {} threads\n",
        r.agents,
        r.days,
        r.policy.join("+"),
        f.threads
    );
    let p = &r.phase_seconds;
    s += &format!(
        "  day loop            {:.1} s, {:.2} M agent-days/s (truth {:.1} s, transmission {:.1} s, evidence {:.1} + {:.1} s shadow, assignment {:.1} s)\n",
        r.simulate_seconds,
        r.agent_days_per_second / 1e6,
        p.truth,
        p.transmission,
        p.observation,
        p.oracle,
        p.assignment
    );
    s += &format!(
        "  evidence per day    {:.3} s mean, {:.3} s worst day (both observers)\n",
        r.evidence_seconds_per_day_mean, r.evidence_seconds_per_day_max
    );
    for (name, pass) in [("observed", &r.observed), ("shadow", &r.shadow)] {
        s += &format!(
            "  {name:<9} pass      {:.2} M assignments/s, {:.1} ns per assignment ({} people, last day)\n",
            pass.assignments_per_second / 1e6,
            pass.ns_per_assignment,
            pass.assignments
        );
    }
    s += &format!(
        "  plain scan          {:.1} ns per agent over {} bytes ({:.1} GB/s); assignment / scan = {:.2}\n",
        r.plain_scan.ns_per_agent,
        r.plain_scan.bytes_per_agent,
        r.plain_scan.gigabytes_per_second,
        r.assignment_to_scan_ratio
    );
    s += &format!(
        "  lookup latency      p50 {:.0} ns, p99 {:.0} ns ({} lookups)\n",
        r.lookup.p50_ns, r.lookup.p99_ns, r.lookup.samples
    );
    if let (Some(peak), Some(per)) = (f.peak_rss_bytes, f.peak_rss_bytes_per_agent) {
        s += &format!(
            "  peak memory         {:.0} MB, {:.0} bytes per agent\n",
            peak as f64 / 1e6,
            per
        );
    }
    if let Some(b) = f.burst {
        let w = &b.waits;
        s += &format!(
            "  launch-day burst    {} applications at {} assignments/s: peak {}/s ({:.1} % of capacity); wait p50 {:.2} s, p99 {:.2} s, max {:.2} s; queue peak {}, drained at {:.2} h\n",
            b.burst.applications,
            rate(b.burst.capacity_per_second),
            rate(b.peak_arrivals_per_second),
            100.0 * b.peak_utilisation,
            w.p50,
            w.p99,
            w.max,
            w.peak_queue,
            w.drained_at_hour
        );
        s += &format!(
            "                      capacity for p99 wait <= 1 s: {}/s; <= 60 s: {}/s\n",
            rate(b.capacity_for_p99_1s),
            rate(b.capacity_for_p99_60s)
        );
    }
    s
}
