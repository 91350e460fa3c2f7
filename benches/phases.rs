//! Benchmarks of the day loop's phases on a city of 200,000 agents in the
//! middle of its epidemic (day 25 of the default scenario, zhejiang-2020),
//! each with its throughput in agent-days (transmission: infected agents).
//! Phases that run in parallel in the loop use all threads here too. Run with
//! `cargo bench`; they do not gate CI. `hcsim stress` measures the same
//! phases at any size.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use hcsim::assign::Side;
use hcsim::city::City;
use hcsim::engine::Simulation;
use hcsim::mobility::Confinement;
use hcsim::scenario::{Scenario, Source, load};

const AGENTS: u64 = 200_000;
const WARM_DAYS: u32 = 25;

fn scenario(days: u32) -> Scenario {
    let source = Source::default_scenario();
    let s = load(&source, &[format!("days={days}")]).expect("valid");
    s.with_agents(AGENTS, &source.dir).expect("valid")
}

/// A simulation that has run `WARM_DAYS` days: epidemic, risk areas and
/// codes under way.
fn warm<'a>(s: &'a Scenario, city: &'a City) -> Simulation<'a> {
    let mut sim = Simulation::new(s, city);
    while sim.day < WARM_DAYS {
        sim.step();
    }
    sim
}

fn phases(c: &mut Criterion) {
    let s = scenario(60);
    let city = City::build(&s);
    let sim = warm(&s, &city);
    let n = city.agents.len() as u64;
    let day = sim.day;
    let mut g = c.benchmark_group("phases");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n));

    let schedules = sim.schedules();
    g.bench_function("mobility: every agent's day plan (one thread)", |b| {
        b.iter(|| {
            (0..n as u32)
                .map(|a| schedules.plan(a, day, Confinement::Free).visits().len())
                .sum::<usize>()
        })
    });

    // Transmission works per infected agent, not per agent.
    g.throughput(Throughput::Elements(sim.active().len().max(1) as u64));
    let world = sim.world(day);
    g.bench_function(
        "transmission: contacts of every infected agent (one thread)",
        |b| {
            b.iter(|| {
                let mut out = Vec::new();
                for &a in sim.active() {
                    world.infections_by(a, &mut out);
                }
                out.len()
            })
        },
    );

    g.throughput(Throughput::Elements(n));
    let truth = sim.truth(day);
    g.bench_function(
        "observation: location records of every agent (one thread)",
        |b| {
            b.iter(|| {
                (0..n as u32)
                    .map(|a| sim.observer.records(&truth, a, day).1)
                    .sum::<usize>()
            })
        },
    );

    g.bench_function("evidence: the noisy observer's day", |b| {
        b.iter_batched(
            || sim.observer.clone(),
            |mut observer| observer.observe_day(&truth),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("evidence: the oracle's day", |b| {
        b.iter_batched(
            || sim.oracle.clone(),
            |mut oracle| oracle.observe_day(&truth),
            BatchSize::LargeInput,
        )
    });

    let last = day - 1;
    let sd = sim.site_district();
    g.bench_function("assignment: observed codes of everyone", |b| {
        b.iter(|| {
            sim.codes
                .pass(Side::Observed, &city, &sim.observer, sd, last)
        })
    });
    g.bench_function("assignment: the day (both sides, scoring, appeals)", |b| {
        b.iter_batched(
            || {
                (
                    sim.codes.clone(),
                    sim.confinement.clone(),
                    sim.confined_since.clone(),
                )
            },
            |(mut codes, mut conf, mut since)| {
                codes.day(
                    &city,
                    &sim.observer,
                    &sim.oracle,
                    &sim.health,
                    sd,
                    sim.key,
                    &mut conf,
                    &mut since,
                    day,
                    true,
                )
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn day_loop(c: &mut Criterion) {
    let days = 30;
    let s = scenario(days);
    let city = City::build(&s);
    let mut g = c.benchmark_group("day loop");
    g.sample_size(10);
    g.throughput(Throughput::Elements(city.agents.len() as u64 * days as u64));
    g.bench_function("30 days, 200k agents, zhejiang-2020", |b| {
        b.iter(|| {
            let mut sim = Simulation::new(&s, &city);
            sim.run(|_| {}).len()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    // Criterion's own charts are not needed: the throughput lines are the result.
    config = Criterion::default().without_plots();
    targets = phases, day_loop
}
criterion_main!(benches);
