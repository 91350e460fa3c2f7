//! `hcsim stress`: the report's bookkeeping, the one-side passes, the
//! command's outputs and its errors.

use std::fs;

use hcsim::assign::Side;
use hcsim::city::City;
use hcsim::engine::Simulation;
use hcsim::stress::{StressOptions, stress};

use crate::common::{ALL_PERFECT, hcsim, root, run_on, scenario, stderr};

const SMALL: [&str; 4] = [
    "city.residents=40000",
    "travelers.count=10000",
    "days=30",
    "epidemic.initial_infected=40",
];

#[test]
fn stress_runs_the_same_loop_as_a_run() {
    let s = scenario("scenarios/hangzhou-2020.toml", &SMALL);
    let run = run_on(2, &s);
    let city = City::build(&s);
    let opts = StressOptions {
        lookups: 500,
        passes: 1,
    };
    let r = stress(&s, &city, opts, |_| {});
    let present: Vec<u64> = run.records.iter().map(|d| d.present).collect();
    let per_day: Vec<u64> = r.per_day.iter().map(|d| d.present).collect();
    assert_eq!(per_day, present);
    assert_eq!(r.loop_person_days, present.iter().sum::<u64>());
    // Each pass assigns everyone present on the last day.
    assert_eq!(r.observed.assignments, *present.last().unwrap());
    assert_eq!(r.shadow.assignments, *present.last().unwrap());
    assert_eq!(r.lookup.samples, 500);
    assert!(r.lookup.p50_ns > 0.0 && r.lookup.p50_ns <= r.lookup.p99_ns);
    assert!(r.plain_scan.bytes_per_agent > 100 && r.assignment_to_scan_ratio > 0.0);
    let p = &r.phase_seconds;
    let phases = p.truth + p.transmission + p.observation + p.oracle + p.assignment;
    assert!(phases <= r.simulate_seconds * 1.01);
}

#[test]
fn with_every_source_perfect_both_sides_assign_alike() {
    let mut set: Vec<&str> = SMALL.to_vec();
    set.extend(ALL_PERFECT);
    set.push("appeals.reviewer_accuracy=1");
    let s = scenario("scenarios/hangzhou-2020.toml", &set);
    let city = City::build(&s);
    let mut sim = Simulation::new(&s, &city);
    sim.run(|_| {});
    let last = s.file.days - 1;
    let sd = sim.site_district();
    let observed = sim
        .codes
        .pass(Side::Observed, &city, &sim.observer, sd, last);
    let shadow = sim.codes.pass(Side::Shadow, &city, &sim.oracle, sd, last);
    assert_eq!(observed, shadow);
    assert!(
        observed[1] + observed[2] > 0,
        "someone is flagged: {observed:?}"
    );
    // A lookup is the pass for one person.
    let flagged = (0..city.agents.len() as u32)
        .filter(|&a| {
            sim.codes
                .lookup(Side::Observed, &city, &sim.observer, sd, a, last) as u8
                > 0
        })
        .count() as u64;
    assert_eq!(flagged, observed[1] + observed[2]);
}

#[test]
fn lookups_honour_rules_that_flag_people_without_evidence() {
    // Everyone without a recent negative test is yellow: the fast path for
    // people without evidence must not apply.
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("untested.toml");
    std::fs::write(
        &rules,
        "name = \"untested\"\ndescription = \"test\"\nsource = \"test\"\n\
         [[rule]]\nid = \"untested\"\ncolour = \"yellow\"\n\
         when = \"not test_negative(within = 3)\"\n\
         [transitions]\nyellow = { to = \"green\", after_days = 7 }\n",
    )
    .unwrap();
    let rules_set = format!("policy.rules={}", rules.display());
    let mut set: Vec<&str> = SMALL.to_vec();
    // No reviews: an overturned code would differ from a second step.
    set.extend([rules_set.as_str(), "appeals.reviewers=0"]);
    let s = scenario("scenarios/hangzhou-2020.toml", &set);
    let city = City::build(&s);
    let mut sim = Simulation::new(&s, &city);
    let records = sim.run(|_| {});
    let last = records.last().unwrap();
    let sd = sim.site_district();
    let day = s.file.days - 1;
    let pass = sim
        .codes
        .pass(Side::Observed, &city, &sim.observer, sd, day);
    assert_eq!(pass.iter().sum::<u64>(), last.present);
    assert!(
        pass[1] as f64 > 0.99 * last.present as f64,
        "nearly everyone is yellow: {pass:?}"
    );
    assert_eq!(last.codes.colours[1], pass[1]);
    // Person by person, a lookup repeats what the day's pass showed.
    let present = (0..city.agents.len() as u32)
        .filter(|&a| city.agents.arrival_day[a as usize] as u32 <= day);
    for a in present {
        let shown = sim
            .codes
            .lookup(Side::Observed, &city, &sim.observer, sd, a, day);
        assert_eq!(shown as u8, sim.codes.displayed[a as usize], "agent {a}");
    }
}

#[test]
fn stress_command_writes_its_report_with_a_burst() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/hangzhou-2020.toml");
    let o = hcsim(
        dir.path(),
        &[
            "stress",
            scenario.to_str().unwrap(),
            "--agents",
            "30000",
            "--days",
            "15",
            "--lookups",
            "1000",
            "--burst",
            "--burst-applications",
            "200000",
            "--burst-capacity",
            "1",
            "--out",
            "s",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("assignments/s") && out.contains("launch-day burst"));
    let r: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("s/stress.json")).unwrap()).unwrap();
    assert_eq!(r["agents"], 30000);
    assert_eq!(r["lookup"]["samples"], 1000);
    assert!(r["peak_rss_bytes_per_agent"].as_f64().unwrap() > 0.0);
    assert_eq!(r["per_day"].as_array().unwrap().len(), 15);
    // 200,000 applications at one a second cannot be answered in a day.
    let b = &r["burst"];
    assert!(b["waits"]["drained_at_hour"].as_f64().unwrap() > 24.0);
    assert!(b["capacity_for_p99_60s"].as_f64().unwrap() > 1.0);
    assert!(dir.path().join("s/scenario.toml").exists());
}

#[test]
fn stress_rejects_bad_flags_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for (args, needle) in [
        (
            vec!["--burst", "--burst-profile", "1,2,3"],
            "--burst-profile",
        ),
        (vec!["--burst", "--burst-capacity", "0"], "--burst-capacity"),
        (vec!["--rules", "none"], "--rules"),
        (vec!["--burst-applications", "10"], "--burst"),
    ] {
        let mut all = vec!["stress", "--agents", "1000", "--out", "s"];
        all.extend(args);
        let o = hcsim(dir.path(), &all);
        assert_eq!(o.status.code(), Some(2), "{all:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{all:?}: {}", stderr(&o));
        assert!(!dir.path().join("s").exists());
    }
}
