//! The observation pipeline on whole runs: error frequencies against their
//! parameters, and perfect sources giving no errors.

use crate::common::{run_on, scenario};

const SMALL: [&str; 5] = [
    "city.residents=60000",
    "travelers.count=20000",
    "days=40",
    "epidemic.initial_infected=40",
    "epidemic.layers.household.p=0.08",
];

fn run(extra: &[&str]) -> hcsim::run::RunOutput {
    let set: Vec<&str> = SMALL.iter().copied().chain(extra.iter().copied()).collect();
    run_on(2, &scenario("scenarios/hangzhou-2020.toml", &set))
}

#[test]
fn registry_errors_match_their_probabilities() {
    let out = run(&[
        "observation.registry.id_mismatch=0.1",
        "observation.registry.stale_probability=0.2",
    ]);
    let o = &out.summary.observation;
    assert!(
        o.contacts_listed > 300,
        "enough contacts to test: {}",
        o.contacts_listed
    );
    // Listings are deduplicated per case after the draws, so the wrong-person
    // share is the mismatch probability within binomial error.
    let n = o.contacts_listed as f64;
    let share = o.contacts_listed_wrong_person as f64 / n;
    assert!(
        (share - 0.1).abs() < 4.0 * (0.09 / n).sqrt() + 0.01,
        "wrong-person share {share}"
    );
    let listings = (o.contacts_listed + o.cases_confirmed) as f64;
    let stale = o.stale_entries as f64 / listings;
    assert!(
        (stale - 0.2).abs() < 4.0 * (0.16 / listings).sqrt() + 0.01,
        "stale share {stale}"
    );
}

#[test]
fn a_perfect_registry_lists_no_wrong_person_and_nothing_stale() {
    let out = run(&["observation.registry.perfect=true"]);
    let o = &out.summary.observation;
    assert!(o.contacts_listed > 0);
    assert_eq!(o.contacts_listed_wrong_person, 0);
    assert_eq!(o.stale_entries, 0);
}

#[test]
fn perfect_tests_give_no_false_positives_and_perfect_scans_no_false_fevers() {
    let out = run(&[
        "observation.testing.perfect=true",
        "observation.temperature.perfect=true",
    ]);
    let o = &out.summary.observation;
    assert!(o.tests > 0);
    assert_eq!(o.false_positive_results, 0);
    assert_eq!(o.false_fever_scans, 0);
    let noisy = run(&["observation.testing.specificity=0.99"]);
    assert!(noisy.summary.observation.false_positive_results > 0);
    assert!(noisy.summary.observation.false_fever_scans > 0);
}

#[test]
fn self_reports_follow_honesty_and_compliance() {
    // Without quarantine, reporting cannot change the world: the same symptom
    // days, and half as many reports at half the honesty.
    let free = [
        "consequences.compliance=0",
        "consequences.isolate_cases=false",
        "observation.checkin.compliance=1.0",
    ];
    let honest = run(&[&free[..], &["observation.checkin.honesty=1.0"]].concat());
    let shy = run(&[&free[..], &["observation.checkin.honesty=0.5"]].concat());
    let (a, b) = (
        honest.summary.observation.symptom_reports as f64,
        shy.summary.observation.symptom_reports as f64,
    );
    assert_eq!(honest.summary.ili_person_days, shy.summary.ili_person_days);
    assert!((b / a - 0.5).abs() < 4.0 * (0.25 / a).sqrt(), "{b} of {a}");
}

#[test]
fn border_cells_list_rural_phones_at_their_rate() {
    let out = run(&[
        "observation.travel_card.border_overlap=0.01",
        "travelers.count=0",
    ]);
    let s = &out.summary;
    // Rural share of households is 15 %; phone owners about 88 % of people.
    let rural_phones = s.agents as f64 * 0.15 * (s.city.phone_owners as f64 / s.agents as f64);
    let expected = rural_phones * s.days as f64 * 0.01;
    let got = s.observation.border_listings as f64;
    assert!(
        (got / expected - 1.0).abs() < 0.1,
        "{got} border listings, expected about {expected}"
    );
    let none = run(&["observation.travel_card.perfect=true"]);
    assert_eq!(none.summary.observation.border_listings, 0);
}

#[test]
fn risk_areas_and_cases_follow_confirmations() {
    let out = run(&[]);
    let o = &out.summary.observation;
    assert!(o.cases_confirmed > 0);
    // Every confirmed case declares (or renews) an area a day later, unless
    // confirmed on the last day.
    assert!(o.risk_areas_declared <= o.cases_confirmed && o.risk_areas_declared > 0);
    assert!(out.summary.red_person_days > 0);
}

#[test]
fn risk_areas_are_declared_at_homes_not_at_the_quarantine_facility() {
    use hcsim::city::City;
    use hcsim::engine::Simulation;
    use hcsim::mobility::Place;
    let s = scenario("scenarios/hangzhou-2020.toml", &SMALL);
    let city = City::build(&s);
    let mut sim = Simulation::new(&s, &city);
    sim.run(|_| {});
    let facility = hcsim::observe::models::place_position(&city, Place::Facility).0;
    let areas = &sim.observer.risk.areas;
    assert!(!areas.is_empty());
    let at_facility = areas
        .iter()
        .filter(|a| a.centre.dist(facility) < 100.0)
        .count();
    assert!(
        at_facility <= 1,
        "{at_facility} of {} areas sit at the facility",
        areas.len()
    );
}

#[test]
fn tiny_cities_with_whole_household_travelers_still_run() {
    // Travelers come as whole households and may leave fewer residents than
    // asked for; seeding must not wait forever for residents that do not exist.
    for seed in 1..7 {
        let s = scenario(
            "scenarios/hangzhou-2020.toml",
            &[
                "city.residents=10",
                "travelers.count=3",
                "epidemic.initial_infected=10",
                "days=3",
                &format!("seed={seed}"),
            ],
        );
        let out = run_on(1, &s);
        assert!(out.summary.infections_by_layer["seed"] <= out.summary.residents as u64);
    }
}
