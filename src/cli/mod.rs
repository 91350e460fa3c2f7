//! Command line: parses flags (clap), resolves them into a scenario and an
//! output directory, runs, and writes the outputs. Clap types stay here.
//!
//! Exit codes: 0 success; 1 a failure while running or writing; 2 bad input
//! (command line, scenario file, existing run directory).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::output::{RunDir, RunDirExists, daily_csv};
use crate::run::run_scenario;
use crate::scenario::{InputError, Scenario, Source, load};

mod stress;

#[derive(Parser, Debug)]
#[command(name = "hcsim", version, about = "Evaluate health-code rule sets on a synthetic city before they are deployed.", long_about = None)]
#[command(
    after_help = "Exit codes: 0 success, 1 failure while running or writing, 2 bad input.\nSee README.md for the scenario file reference."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run one scenario and write a run directory (summary.json, daily.csv, run.json, scenario.toml, plots, report.html).
    Run(RunArgs),
    /// Run several rule sets on the same worlds and compare them with confidence intervals (compare.json, compare.csv, plots, report.html).
    Compare(CompareArgs),
    /// Measure throughput: evidence building, code assignment per second (observed and shadow), single-lookup latency, memory per agent, and with --burst a launch-day queue (stress.json).
    Stress(stress::StressArgs),
    /// List, show or check rule sets.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Check a scenario file (and any --set overrides) without running it.
    Validate {
        /// Scenario file (TOML, or JSON with a .json extension).
        file: PathBuf,
        #[command(flatten)]
        overrides: Overrides,
    },
}

#[derive(Subcommand, Debug)]
enum RulesCommand {
    /// The built-in rule sets, one line each.
    List,
    /// A rule set in plain words: its source, rules, colours and transitions.
    Show {
        /// A built-in name (see `hcsim rules list`) or a rule file.
        rules: String,
    },
    /// Check a rule file without running it.
    Check {
        /// Rule file (TOML).
        file: PathBuf,
    },
}

#[derive(Args, Debug)]
struct Overrides {
    /// Override any scenario field, e.g. --set city.residents=50000 or --set travelers.origins[0].share=0.4 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

#[derive(Args, Debug)]
struct WorldArgs {
    /// Scenario file; without one, the built-in default scenarios/hangzhou-2020.toml.
    scenario: Option<PathBuf>,
    /// Directory to write [default: outputs/<scenario name>-seed<seed>; compare and stress write ...-compare-seed<seed>, ...-stress-seed<seed>].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Master seed (overrides the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads [default: all cores]; results are identical for any number.
    #[arg(long)]
    threads: Option<usize>,
    /// Days to simulate (overrides the scenario's `days`).
    #[arg(long)]
    days: Option<u32>,
    /// Total agents: scales residents, travelers and initial infections in proportion.
    #[arg(long)]
    agents: Option<u64>,
    #[command(flatten)]
    overrides: Overrides,
    /// Replace the run directory if it exists.
    #[arg(long)]
    force: bool,
    /// No progress bar and no summary on stderr.
    #[arg(long)]
    quiet: bool,
}

#[derive(Args, Debug)]
struct RunArgs {
    #[command(flatten)]
    world: WorldArgs,
    /// Rule set assigning the codes (overrides `policy.rules`): a built-in name, a rule file, base+overlay, or none.
    #[arg(long, value_name = "NAME|FILE")]
    rules: Option<String>,
}

#[derive(Args, Debug)]
struct CompareArgs {
    #[command(flatten)]
    world: WorldArgs,
    /// Rule sets to compare, comma-separated (each a built-in, a rule file or base+overlay) [default: the scenario's [compare] rules].
    #[arg(long, value_name = "A,B,...")]
    rules: Option<String>,
    /// Replicates: independent worlds (the seed with replicates r..r+N-1, r the scenario's `replicate`), each run under every rule set [default: [compare] replicates].
    #[arg(long, value_name = "N")]
    reps: Option<u32>,
}

/// Parses the command line, runs, and maps errors to exit codes.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Compare(args) => compare(args),
        Command::Stress(args) => stress::stress(args),
        Command::Validate { file, overrides } => validate(&file, &overrides.set),
        Command::Rules { command } => rules(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<InputError>().is_some()
                || e.downcast_ref::<RunDirExists>().is_some()
            {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

fn source_of(path: Option<&Path>) -> Result<Source, InputError> {
    match path {
        Some(p) => Source::from_path(p),
        None => Ok(Source::default_scenario()),
    }
}

fn validate(file: &Path, set: &[String]) -> anyhow::Result<()> {
    let scenario = load(&Source::from_path(file)?, set)?;
    let f = &scenario.file;
    println!(
        "{}: ok ({} residents, {} travelers, {} days)",
        file.display(),
        f.city.residents,
        f.travelers.count,
        f.days
    );
    Ok(())
}

/// A rule-set spec from the command line: rule files are relative to the
/// current directory, not to the scenario file.
fn absolute_rules(spec: &str) -> String {
    spec.split('+')
        .map(|part| {
            let p = Path::new(part.trim());
            if p.is_file() {
                std::path::absolute(p).map_or(part.to_string(), |a| a.display().to_string())
            } else {
                part.trim().to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("+")
}

/// Scenario with the run flags applied, validated.
fn resolve(args: &WorldArgs, rules: Option<&str>) -> Result<(Scenario, PathBuf), InputError> {
    let source = source_of(args.scenario.as_deref())?;
    let mut set = args.overrides.set.clone();
    if let Some(seed) = args.seed {
        set.push(format!("seed={seed}"));
    }
    if let Some(days) = args.days {
        set.push(format!("days={days}"));
    }
    if let Some(rules) = rules {
        set.push(format!(
            "policy.rules={}",
            toml::Value::String(absolute_rules(rules))
        ));
    }
    let scenario = load(&source, &set)?;
    let scenario = match args.agents {
        Some(0) => {
            return Err(InputError::new(
                "--agents",
                "must be at least 1",
                "give the total number of agents, e.g. --agents 1000000",
            ));
        }
        Some(n) => scenario.with_agents(n, &source.dir)?,
        None => scenario,
    };
    Ok((scenario, source.dir))
}

/// A rayon pool of the requested size (all cores by default).
fn thread_pool(threads: Option<usize>) -> anyhow::Result<(rayon::ThreadPool, usize)> {
    let threads = match threads {
        Some(0) => {
            return Err(InputError::new(
                "--threads",
                "must be at least 1",
                "give a thread count, or leave it out to use all cores",
            )
            .into());
        }
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("starting worker threads")?;
    Ok((pool, threads))
}

/// A progress bar on stderr, hidden when it is not a terminal or with --quiet.
fn progress_bar(quiet: bool, len: u64, template: &str) -> ProgressBar {
    let bar = if quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr())
    };
    bar.set_style(
        ProgressStyle::with_template(template)
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar
}

fn default_run_dir(s: &Scenario) -> PathBuf {
    run_dir_named(s, "")
}

/// `outputs/<name><kind>-seed<seed>[-rep<r>]`.
fn run_dir_named(s: &Scenario, kind: &str) -> PathBuf {
    let f = &s.file;
    let safe: String = f
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let rep = if f.replicate > 0 {
        format!("-rep{}", f.replicate)
    } else {
        String::new()
    };
    PathBuf::from("outputs").join(format!("{safe}{kind}-seed{}{rep}", f.seed))
}

/// `run.json`: how the run was made; everything that varies between machines.
#[derive(Serialize)]
struct Provenance {
    hcsim_version: &'static str,
    command_line: Vec<String>,
    scenario: String,
    seed: u64,
    threads: usize,
    build_seconds: f64,
    simulate_seconds: f64,
    wall_seconds: f64,
    agent_days: u64,
    agent_days_per_second: f64,
    peak_rss_bytes: Option<u64>,
    peak_rss_bytes_per_agent: Option<f64>,
    state_bytes: usize,
    /// Wall time per phase of the day loop.
    phase_seconds: crate::engine::PhaseSeconds,
}

fn run(args: RunArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let (scenario, _) = resolve(&args.world, args.rules.as_deref())?;
    let args = args.world;
    let target = args
        .out
        .clone()
        .unwrap_or_else(|| default_run_dir(&scenario));
    RunDir::check(&target, args.force)?;
    let (pool, threads) = thread_pool(args.threads)?;
    let days = scenario.file.days as u64;
    let bar = progress_bar(
        args.quiet,
        days,
        "{msg:>12} [{bar:40}] day {pos}/{len} ({eta} left)",
    );
    bar.set_message("building");
    let mut built_at = started;
    let output = pool.install(|| {
        run_scenario(
            &scenario,
            |_| {
                built_at = Instant::now();
                bar.set_message("simulating");
            },
            |r| {
                bar.set_position(r.day as u64 + 1);
                bar.set_message(format!(
                    "{} infected",
                    r.compartments.iter().skip(1).take(4).sum::<u64>()
                ));
            },
        )
    });
    bar.finish_and_clear();
    let finished = Instant::now();

    let dir = RunDir::start(&target, args.force)?;
    write_scenario(&dir, &scenario)?;
    dir.write("summary.json", &pretty_json(&output.summary)?)?;
    dir.write("daily.csv", &daily_csv(&output.records)?)?;
    if !scenario.policy.is_empty() {
        let svgs = crate::report::write_figures(
            dir.path(),
            &crate::report::run_figures(&output.records, &output.summary),
        )
        .map_err(|e| anyhow::anyhow!("drawing the charts: {e}"))?;
        dir.write(
            "report.html",
            crate::report::html::run_page(&scenario, &output.summary, &svgs).as_bytes(),
        )?;
    }
    let agents = output.summary.agents as u64;
    let simulate = finished.duration_since(built_at).as_secs_f64();
    let peak = peak_rss_bytes();
    let provenance = Provenance {
        hcsim_version: env!("CARGO_PKG_VERSION"),
        command_line: std::env::args().collect(),
        scenario: scenario.file.name.clone(),
        seed: scenario.file.seed,
        threads,
        build_seconds: built_at.duration_since(started).as_secs_f64(),
        simulate_seconds: simulate,
        wall_seconds: started.elapsed().as_secs_f64(),
        agent_days: agents * days,
        agent_days_per_second: (agents * days) as f64 / simulate.max(1e-9),
        peak_rss_bytes: peak,
        peak_rss_bytes_per_agent: peak.map(|p| p as f64 / agents.max(1) as f64),
        state_bytes: output.state_bytes,
        phase_seconds: output.timings.seconds(),
    };
    dir.write("run.json", &pretty_json(&provenance)?)?;
    let path = dir.commit()?;
    if !args.quiet {
        let s = &output.summary;
        eprintln!(
            "{}: {} agents x {} days: {} infections (attack rate {:.2} %), peak day {}, r0_implied {:.2}; {:.1} s\nwrote {}",
            s.scenario,
            s.agents,
            s.days,
            s.infections_total,
            100.0 * s.attack_rate,
            s.peak_day,
            s.r0_implied,
            provenance.wall_seconds,
            path.display()
        );
    }
    Ok(())
}

fn compare(args: CompareArgs) -> anyhow::Result<()> {
    use crate::compare::{Policy, compare as run_compare, comparison_csv};
    let started = Instant::now();
    let (mut scenario, dir) = resolve(&args.world, None)?;
    let f = &scenario.file;
    // Names as typed label the outputs; rule files on the command line load
    // from the current directory, those of [compare] from the scenario's.
    let (names, specs): (Vec<String>, Vec<String>) = match &args.rules {
        Some(list) => list
            .split(',')
            .map(|s| (s.trim().to_string(), absolute_rules(s)))
            .unzip(),
        None => (f.compare.rules.clone(), f.compare.rules.clone()),
    };
    if specs.len() < 2 {
        return Err(InputError::new("--rules", format!("{} rule set(s) to compare", specs.len()), "give at least two, e.g. --rules zhejiang-2020,heilongjiang-2020, or [compare] rules in the scenario").into());
    }
    let policies: Vec<Policy> = names
        .iter()
        .zip(&specs)
        .map(|(name, spec)| {
            Ok(Policy {
                name: name.clone(),
                sets: crate::rules::load_policy(spec, &dir)?,
            })
        })
        .collect::<Result<_, InputError>>()?;
    let reps = args.reps.unwrap_or(f.compare.replicates);
    if reps == 0 {
        return Err(InputError::new(
            "--reps",
            "must be at least 1",
            "give the number of replicates, e.g. --reps 5",
        )
        .into());
    }
    // The resolved scenario written with the results reproduces this comparison.
    scenario.file.compare.rules = specs;
    scenario.file.compare.replicates = reps;
    let args = args.world;
    let target = args
        .out
        .clone()
        .unwrap_or_else(|| run_dir_named(&scenario, "-compare"));
    let parallel = parallel_replicates(scenario.agents(), threads_wanted(args.threads));
    RunDir::check(&target, args.force)?;
    let (pool, threads) = thread_pool(args.threads)?;
    let bar = progress_bar(
        args.quiet,
        reps as u64 * policies.len() as u64,
        "{msg:>24} [{bar:40}] run {pos}/{len} ({eta} left)",
    );
    bar.set_message("running");
    let comparison = pool.install(|| {
        run_compare(&scenario, &policies, reps, parallel, |rep, p| {
            bar.inc(1);
            bar.set_message(format!("rep {rep}, {}", policies[p].name));
        })
    });
    bar.finish_and_clear();
    let out = RunDir::start(&target, args.force)?;
    write_scenario(&out, &scenario)?;
    out.write("compare.json", &pretty_json(&comparison)?)?;
    out.write("compare.csv", &comparison_csv(&comparison)?)?;
    let svgs =
        crate::report::write_figures(out.path(), &crate::report::compare_figures(&comparison))
            .map_err(|e| anyhow::anyhow!("drawing the charts: {e}"))?;
    out.write(
        "report.html",
        crate::report::html::compare_page(&scenario, &comparison, &svgs).as_bytes(),
    )?;
    #[derive(Serialize)]
    struct CompareProvenance {
        hcsim_version: &'static str,
        command_line: Vec<String>,
        threads: usize,
        wall_seconds: f64,
        peak_rss_bytes: Option<u64>,
    }
    let provenance = CompareProvenance {
        hcsim_version: env!("CARGO_PKG_VERSION"),
        command_line: std::env::args().collect(),
        threads,
        wall_seconds: started.elapsed().as_secs_f64(),
        peak_rss_bytes: peak_rss_bytes(),
    };
    out.write("run.json", &pretty_json(&provenance)?)?;
    let path = out.commit()?;
    if !args.quiet {
        eprintln!(
            "{} rule sets x {reps} replicates in {:.1} s\nwrote {}",
            policies.len(),
            provenance.wall_seconds,
            path.display()
        );
    }
    Ok(())
}

/// The resolved scenario, as `scenario.toml`: it reproduces the run.
fn write_scenario(dir: &RunDir, scenario: &Scenario) -> anyhow::Result<()> {
    let text =
        toml::to_string_pretty(&scenario.file).context("serialising the resolved scenario")?;
    dir.write("scenario.toml", text.as_bytes())?;
    Ok(())
}

fn pretty_json<T: Serialize>(v: &T) -> anyhow::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(v)?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn threads_wanted(threads: Option<usize>) -> usize {
    threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1)
}

/// How many replicates may run at once: no more than the threads, and no
/// more than half the available memory allows at about 400 bytes per agent
/// (the full Hangzhou city peaks at 332).
fn parallel_replicates(agents: u64, threads: usize) -> usize {
    let available = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemAvailable:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(4 << 30, |kb| kb * 1024);
    let per_run = (agents * 400).max(1);
    ((available / 2 / per_run) as usize).clamp(1, threads)
}

/// Peak resident set size of this process (Linux `VmHWM`), if known.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn rules(command: RulesCommand) -> anyhow::Result<()> {
    use crate::rules::{RuleSet, builtin};
    match command {
        RulesCommand::List => {
            for (name, text) in builtin::BUILTIN {
                let set = RuleSet::parse(name, text)?;
                let first = set.description.split(": ").next().unwrap_or("");
                println!("{name:<22} {first}");
            }
            println!(
                "\nUse one with `hcsim run --rules NAME`, combine a base and an overlay with `--rules base+overlay`; `hcsim rules show NAME` explains one."
            );
        }
        RulesCommand::Show { rules } => {
            let set = RuleSet::load(&rules, Path::new("."))?;
            print!("{}", describe(&set));
        }
        RulesCommand::Check { file } => {
            let set = RuleSet::load(&file.display().to_string(), Path::new("."))?;
            println!(
                "{}: ok ({}, {} rules)",
                file.display(),
                set.name,
                set.rules.len()
            );
        }
    }
    Ok(())
}

/// A rule set in plain words.
pub fn describe(set: &crate::rules::RuleSet) -> String {
    use crate::rules::{Progress, Transition};
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}{}\n",
        set.name,
        if set.overlay { " (overlay)" } else { "" }
    );
    let _ = writeln!(out, "{}\n", set.description);
    let _ = writeln!(out, "Source: {}", set.source);
    let _ = writeln!(
        out,
        "Evidence window: {} days unless a rule says otherwise\n",
        set.window_days
    );
    let _ = writeln!(out, "Rules, strictest colour wins:");
    for r in &set.rules {
        let what = if r.popup {
            "pop-up".to_string()
        } else {
            r.colour.name().to_string()
        };
        let hold = if r.hold {
            ", held while it applies"
        } else {
            ""
        };
        let _ = writeln!(out, "  {:<20} {what}{hold}\n    when {}", r.id, r.when);
        if !r.note.is_empty() {
            let _ = writeln!(out, "    {}", r.note);
        }
    }
    let step = |t: &Option<Transition>| -> String {
        match t {
            None => "stays until no rule applies".into(),
            Some(t) => {
                let how = match t.how {
                    Progress::Checkins(n) => format!("after {n} consecutive daily check-ins"),
                    Progress::Days(n) => format!("after {n} days"),
                    Progress::NegativeTests { n, gap_days } => format!(
                        "after {n} negative test result(s){}",
                        if gap_days > 0 {
                            format!(" at least {gap_days} day(s) apart")
                        } else {
                            String::new()
                        }
                    ),
                    Progress::Release => "on release from the registry".into(),
                };
                format!("{how} -> {}", t.to.name())
            }
        }
    };
    let _ = writeln!(out, "\nTransitions:");
    let _ = writeln!(out, "  red:    {}", step(&set.red));
    let _ = writeln!(out, "  yellow: {}", step(&set.yellow));
    if set.popup.is_some() {
        let _ = writeln!(
            out,
            "  pop-up: {}",
            step(&set.popup).replace(" -> green", " -> cleared")
        );
    }
    let _ = writeln!(
        out,
        "  a missed check-in {} the count",
        if set.missed_checkin_resets {
            "resets"
        } else {
            "pauses"
        }
    );
    if let Some(s) = set.screening {
        let _ = writeln!(
            out,
            "\nMandated screening: every {} days, pools of {}, {:.0} % take part",
            s.interval_days,
            s.pool_size,
            100.0 * s.participation
        );
    }
    out
}
