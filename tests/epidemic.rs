//! The ground-truth epidemic against theory and against its own parameters.

use hcsim::city::City;
use hcsim::engine::Simulation;
use hcsim::epidemic::Health;
use hcsim::mobility::Confinement;
use hcsim::transmission::Layer;

use crate::common::{run_on, scenario};

/// Final size of a homogeneous epidemic seeded with a fraction `eps`:
/// z = 1 - (1 - eps) exp(-R0 z), solved by fixed-point iteration.
fn final_size(r0: f64, eps: f64) -> f64 {
    let mut z = 0.9;
    for _ in 0..10_000 {
        z = 1.0 - (1.0 - eps) * (-r0 * z).exp();
    }
    z
}

fn check_final_size(p: &str) {
    let s = scenario(
        "scenarios/validation/well-mixed.toml",
        &[&format!("epidemic.layers.well_mixed.p={p}")],
    );
    let out = run_on(2, &s);
    let sum = &out.summary;
    let n = sum.agents as f64;
    let r0 = sum.r0_implied;
    let z = final_size(r0, s.file.epidemic.initial_infected as f64 / n);
    // The epidemic must be over, or the attack rate is not final.
    let last = out.records.last().unwrap();
    assert_eq!(
        Health::ALL
            .iter()
            .filter(|h| h.is_active())
            .map(|&h| last.compartments[h as usize])
            .sum::<u64>(),
        0,
        "epidemic still running"
    );
    // Large-outbreak fluctuations of the final fraction have standard deviation
    // sqrt(z(1-z)/N) / (1 - R0(1-z)) (Ball 1986, without the infectious-period
    // variance term); allow 5 of them plus 0.001 for the Monte Carlo estimate
    // of the infectious days behind r0_implied.
    let sd = (z * (1.0 - z) / n).sqrt() / (1.0 - r0 * (1.0 - z));
    let tol = 5.0 * sd + 0.001;
    assert!(
        (sum.attack_rate - z).abs() < tol,
        "R0 {r0:.3}: attack rate {:.4}, final-size equation {z:.4}, tolerance {tol:.4}",
        sum.attack_rate
    );
}

#[test]
fn final_size_matches_theory_at_r0_1_5() {
    check_final_size("0.0182");
}

#[test]
fn final_size_matches_theory_at_r0_3() {
    check_final_size("0.0364");
}

#[test]
fn r0_implied_is_contacts_times_p_times_infectious_days() {
    let s = scenario("scenarios/validation/well-mixed.toml", &["days=1"]);
    let out = run_on(1, &s);
    let expected = 10.0 * 0.025 * out.summary.infectious_days_weighted;
    assert!((out.summary.r0_implied - expected).abs() < 1e-9);
    // 0.8 x (2.3 + 7) + 0.2 x 0.5 x 8 = 8.24 before whole-day rounding.
    assert!(
        (out.summary.infectious_days_weighted - 8.24).abs() < 0.3,
        "{}",
        out.summary.infectious_days_weighted
    );
}

#[test]
fn counters_match_a_recount_and_layers_add_up() {
    let s = scenario(
        "scenarios/hangzhou-2020.toml",
        &[
            "city.residents=20000",
            "travelers.count=8000",
            "epidemic.initial_infected=30",
            "days=40",
        ],
    );
    let city = City::build(&s);
    let mut sim = Simulation::new(&s, &city);
    let records = sim.run(|_| {});
    assert_eq!(sim.compartments(), sim.recount());
    let last = records.last().unwrap();
    let ever_infected = sim
        .infected_day
        .iter()
        .filter(|&&d| d != hcsim::engine::NEVER)
        .count() as u64;
    assert_eq!(
        records.iter().map(|r| r.new_infections()).sum::<u64>(),
        ever_infected
    );
    assert_eq!(last.compartments.iter().sum::<u64>(), last.present);
    assert!(ever_infected > 30, "the epidemic grows: {ever_infected}");
}

#[test]
fn confinement_at_home_leaves_only_household_transmission() {
    let s = scenario(
        "scenarios/hangzhou-2020.toml",
        &[
            "city.residents=20000",
            "travelers.count=0",
            "epidemic.initial_infected=200",
            "days=30",
            // Ground truth only: without a policy nothing resets the confinement.
            "policy.rules=none",
        ],
    );
    let city = City::build(&s);
    let mut sim = Simulation::new(&s, &city);
    sim.confinement
        .iter_mut()
        .for_each(|c| *c = Confinement::Home as u8);
    let records = sim.run(|_| {});
    let by = |l: Layer| {
        records
            .iter()
            .map(|r| r.infections[l as usize])
            .sum::<u64>()
    };
    assert!(by(Layer::Household) > 0);
    for l in [
        Layer::Work,
        Layer::School,
        Layer::Venue,
        Layer::Transit,
        Layer::WellMixed,
    ] {
        assert_eq!(by(l), 0, "{} infections under home confinement", l.name());
    }
    // In a facility there is no household contact either.
    let mut sim = Simulation::new(&s, &city);
    sim.confinement
        .iter_mut()
        .for_each(|c| *c = Confinement::Facility as u8);
    let records = sim.run(|_| {});
    assert_eq!(
        records.iter().map(|r| r.new_infections()).sum::<u64>(),
        200,
        "only the seeds"
    );
}

#[test]
fn travelers_import_infections_at_their_origin_prevalence() {
    let base = [
        "city.residents=20000",
        "travelers.count=20000",
        "epidemic.initial_infected=0",
        "days=30",
        "travelers.arrival_days=10",
    ];
    let none = scenario(
        "scenarios/hangzhou-2020.toml",
        &[
            &base[..],
            &["travelers.origins=[{name=\"x\", share=1.0, prevalence=[[0, 0.0]]}]"],
        ]
        .concat(),
    );
    let out = run_on(2, &none);
    assert_eq!(out.summary.infections_by_layer["imported"], 0);
    assert_eq!(
        out.summary.infections_total, 0,
        "no seeds, no imports: no epidemic"
    );

    let some = scenario(
        "scenarios/hangzhou-2020.toml",
        &[
            &base[..],
            &["travelers.origins=[{name=\"x\", share=1.0, prevalence=[[0, 0.05]]}]"],
        ]
        .concat(),
    );
    let out = run_on(2, &some);
    let t = out.summary.travelers as f64;
    let imported = out.summary.infections_by_layer["imported"] as f64;
    // Binomial(t, 0.05): sd = sqrt(t * 0.05 * 0.95); households share one draw
    // each per person, so allow 5 sd.
    let sd = (t * 0.05 * 0.95).sqrt();
    assert!(
        (imported - 0.05 * t).abs() < 5.0 * sd,
        "imported {imported} of {t}"
    );
    assert_eq!(out.summary.arrivals, out.summary.travelers as u64);
}

#[test]
fn ili_incidence_matches_its_parameter() {
    let s = scenario(
        "scenarios/hangzhou-2020.toml",
        &[
            "city.residents=50000",
            "travelers.count=0",
            "epidemic.initial_infected=0",
            "days=28",
            "ili.weekly_incidence=0.04",
        ],
    );
    let out = run_on(2, &s);
    let n = 50_000.0;
    // Onsets only among those not already ill: expected weekly onsets are
    // (1 - point prevalence) x incidence; prevalence ~ incidence x 5 d / 7 d.
    let weekly = out.summary.ili_episodes as f64 / 4.0 / n;
    let expected = 0.04 * (1.0 - 0.04 * 5.0 / 7.0);
    let sd = (expected / (4.0 * n)).sqrt();
    assert!(
        (weekly - expected).abs() < 0.003 + 5.0 * sd,
        "weekly ILI incidence {weekly}, expected about {expected}"
    );
}
