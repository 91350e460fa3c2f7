//! Benchmarks of the day loop's phases, with throughput in agent-days.
//! Run with `cargo bench`; they do not gate CI.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hcsim::city::City;
use hcsim::engine::Simulation;
use hcsim::mobility::Confinement;
use hcsim::scenario::{Source, load};

const AGENTS: &str = "city.residents=200000";

fn scenario(days: u32) -> hcsim::scenario::Scenario {
    let set = [
        AGENTS.to_string(),
        "travelers.count=0".into(),
        format!("days={days}"),
        "epidemic.initial_infected=2000".into(),
    ];
    load(&Source::default_scenario(), &set).expect("valid")
}

fn mobility(c: &mut Criterion) {
    let s = scenario(1);
    let city = City::build(&s);
    let sim = Simulation::new(&s, &city);
    let schedules = sim.schedules();
    let n = city.agents.len() as u32;
    let mut g = c.benchmark_group("mobility");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("plan every agent for one day", |b| {
        b.iter(|| {
            (0..n)
                .map(|a| schedules.plan(a, 3, Confinement::Free).visits().len())
                .sum::<usize>()
        })
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
    g.bench_function("30 days, 200k agents, 1 % seeded", |b| {
        b.iter(|| {
            let mut sim = Simulation::new(&s, &city);
            sim.run(|_| {}).len()
        })
    });
    g.finish();
}

criterion_group!(benches, mobility, day_loop);
criterion_main!(benches);
