//! Scoring against the truth: metamorphic checks and bookkeeping identities.

use std::fs;

use crate::common::{ALL_PERFECT, hcsim, root, run_on, scenario, stderr};

const SMALL: [&str; 4] = [
    "city.residents=60000",
    "travelers.count=20000",
    "days=40",
    "epidemic.initial_infected=40",
];

fn run(extra: &[&str]) -> hcsim::run::RunOutput {
    let set: Vec<&str> = SMALL.iter().copied().chain(extra.iter().copied()).collect();
    run_on(2, &scenario("scenarios/hangzhou-2020.toml", &set))
}

#[test]
fn every_source_perfect_gives_no_false_codes() {
    for rules in ["zhejiang-2020", "heilongjiang-2020", "shanghai-2022"] {
        // A perfect reviewer never overturns a true code, so observed = shadow.
        let set: Vec<String> = ALL_PERFECT
            .iter()
            .map(|s| s.to_string())
            .chain([
                format!("policy.rules={rules}"),
                "appeals.reviewer_accuracy=1".into(),
            ])
            .collect();
        let set: Vec<&str> = set.iter().map(|s| s.as_str()).collect();
        let s = run(&set).summary;
        assert!(
            s.red_person_days + s.yellow_person_days > 0,
            "{rules}: codes were assigned"
        );
        assert_eq!(s.false_red_person_days, 0, "{rules}");
        assert_eq!(s.false_yellow_person_days, 0, "{rules}");
        assert_eq!(
            s.red_person_days, s.shadow_red_person_days,
            "{rules}: observed = shadow"
        );
    }
    let noisy = run(&[]).summary;
    assert!(noisy.false_red_person_days > 0, "noise makes false reds");
    assert!(
        noisy.false_red_person_days_by_source.values().sum::<u64>() >= noisy.false_red_person_days,
        "every false red is attributed"
    );
}

/// A Zhejiang variant that matches operator (cell) records against risk areas.
fn cell_rules(dir: &std::path::Path) -> String {
    let text = include_str!("../scenarios/rules/zhejiang-2020.toml")
        .replace("source = gps|wifi", "source = cell")
        .replace("name = \"zhejiang-2020\"", "name = \"zhejiang-cell\"");
    let path = dir.join("zhejiang-cell.toml");
    fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn sparser_towers_give_no_fewer_cell_caused_false_reds() {
    let dir = tempfile::tempdir().unwrap();
    let rules = format!("policy.rules={:?}", cell_rules(dir.path()));
    // No quarantine, so the world is the same whatever the codes.
    let fixed = [
        "consequences.compliance=0",
        "consequences.isolate_cases=false",
        rules.as_str(),
    ];
    let cell = |spacing: &str| {
        let s = run(&[&fixed[..], &[spacing, "city.suburb.tower_spacing_m=3000"]].concat()).summary;
        (
            s.false_red_person_days_by_source
                .get("cell")
                .copied()
                .unwrap_or(0),
            s.infections_total,
        )
    };
    let (dense, inf_dense) = cell("city.centre.tower_spacing_m=300");
    let (sparse, inf_sparse) = cell("city.centre.tower_spacing_m=1200");
    assert_eq!(inf_dense, inf_sparse, "same world");
    assert!(dense > 0, "cell records cause false reds");
    assert!(
        sparse >= dense,
        "sparser towers: {sparse} cell-caused false-red days, denser: {dense}"
    );
}

#[test]
fn a_rule_set_without_red_quarantines_nobody_for_red() {
    let dir = tempfile::tempdir().unwrap();
    let text = "name = \"yellow-only\"\ndescription = \"d\"\nsource = \"s\"\n[[rule]]\nid = \"sym\"\ncolour = \"yellow\"\nwhen = \"symptoms\"\n[transitions]\nyellow = { to = \"green\", after_days = 3 }\n";
    fs::write(dir.path().join("y.toml"), text).unwrap();
    let rules = format!(
        "policy.rules={:?}",
        dir.path().join("y.toml").display().to_string()
    );
    let s = run(&[
        &rules,
        "consequences.yellow_home_quarantine=false",
        "consequences.isolate_cases=false",
    ])
    .summary;
    assert_eq!(s.red_person_days, 0);
    assert!(s.yellow_person_days > 0);
    assert_eq!(
        s.quarantine_person_days, 0,
        "no red, no yellow quarantine, no isolation: nobody confined"
    );
    let with_red = run(&[
        "consequences.yellow_home_quarantine=false",
        "consequences.isolate_cases=false",
    ])
    .summary;
    assert!(with_red.quarantine_person_days > 0);
}

#[test]
fn without_reviewers_the_backlog_is_every_appeal_filed() {
    let out = run(&["appeals.reviewers=0"]);
    let s = &out.summary;
    assert!(s.appeals_filed > 0);
    assert_eq!(s.appeals_overturned + s.appeals_upheld + s.appeals_moot, 0);
    assert_eq!(
        out.records.last().unwrap().codes.appeals_backlog,
        s.appeals_filed
    );
    assert_eq!(s.appeals_peak_backlog, s.appeals_filed);
}

#[test]
fn daily_rows_add_up_to_the_summary() {
    let out = run(&[]);
    let s = &out.summary;
    let sum =
        |f: &dyn Fn(&hcsim::engine::DayRecord) -> u64| -> u64 { out.records.iter().map(f).sum() };
    assert_eq!(sum(&|r| r.codes.false_red), s.false_red_person_days);
    assert_eq!(sum(&|r| r.codes.appeals_filed), s.appeals_filed);
    assert_eq!(sum(&|r| r.codes.appeals_overturned), s.appeals_overturned);
    assert_eq!(
        s.appeals_filed,
        s.appeals_overturned
            + s.appeals_upheld
            + s.appeals_moot
            + out.records.last().unwrap().codes.appeals_backlog
    );
    assert_eq!(
        s.false_red_person_days_by_rule.values().sum::<u64>(),
        s.false_red_person_days
    );
    assert_eq!(
        s.red_person_days_by_rule.values().sum::<u64>(),
        s.red_person_days
    );
    for r in &out.records {
        assert_eq!(r.codes.shadow_colours.iter().sum::<u64>(), r.present);
        assert!(r.codes.false_red <= r.codes.colours[2]);
        assert!(r.codes.quarantined_infectious <= r.codes.quarantined);
        assert!(r.infections_by_green <= r.new_infections());
    }
    assert!(s.false_red_rate > 0.0 && s.false_red_rate <= 1.0);
    assert!(s.false_red_people as f64 <= s.false_red_person_days as f64);
}

#[test]
fn run_reports_the_scoring_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let o = hcsim(
        dir.path(),
        &[
            "run",
            root()
                .join("scenarios/hangzhou-2020.toml")
                .to_str()
                .unwrap(),
            "--agents",
            "30000",
            "--days",
            "20",
            "--out",
            "r",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let s: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("r/summary.json")).unwrap()).unwrap();
    for field in [
        "false_red_person_days",
        "false_red_rate",
        "false_red_people",
        "false_red_people_per_100k",
        "false_yellow_person_days",
        "false_red_person_days_by_rule",
        "false_red_person_days_by_source",
        "quarantine_person_days",
        "quarantine_person_days_infectious",
        "green_infectious_person_days",
        "infections_by_green_infectors",
        "appeals_filed",
        "appeals_peak_backlog",
        "appeals_wait_p50_days",
        "appeals_wait_p95_days",
        "appeals_overturned",
        "appeals_upheld",
        "false_red_people_appealed_share",
        "colour_changes_per_person",
        "attack_rate",
        "peak_day",
        "confirmed_cases",
    ] {
        assert!(s.get(field).is_some(), "summary.json lacks {field}");
    }
}

/// Three people; one is infected on day 0 with a fixed course (exposed days
/// 0-1, presymptomatic day 2, symptomatic days 3-6, recovered from day 7),
/// reports symptoms honestly every day, and the rule set makes symptoms
/// yellow for two days after the last report, with home quarantine.
#[test]
fn a_tiny_scenario_matches_a_hand_count() {
    let dir = tempfile::tempdir().unwrap();
    let rules = "name = \"tiny\"\ndescription = \"d\"\nsource = \"s\"\n[[rule]]\nid = \"sym\"\ncolour = \"yellow\"\nwhen = \"symptoms(within = 1)\"\n[transitions]\nyellow = { to = \"green\", after_days = 2 }\n";
    fs::write(dir.path().join("tiny-rules.toml"), rules).unwrap();
    let scenario_text = r#"
name = "tiny"
days = 12
[city]
residents = 3
household_size_weights = [0.0, 0.0, 1.0]
[travelers]
count = 0
[epidemic]
initial_infected = 1
incubation_days = { dist = "fixed", value = 3 }
presymptomatic_days = { dist = "fixed", value = 1 }
symptomatic_days = { dist = "fixed", value = 4 }
asymptomatic_fraction = 0.0
[epidemic.layers]
household = { p = 0.0 }
work = { contacts = 0.0, p = 0.0 }
venue = { contacts = 0.0, p = 0.0 }
transit = { contacts = 0.0, p = 0.0 }
[ili]
weekly_incidence = 0.0
[observation.checkin]
compliance = 1.0
honesty = 1.0
clinic_visit = 0.0
[observation.temperature]
scan_probability = 0.0
[observation.travel_card]
border_overlap = 0.0
[consequences]
compliance = 1.0
yellow_home_quarantine = true
[appeals]
probability_wrongly_flagged = 0.0
probability_other = 0.0
[policy]
rules = "tiny-rules.toml"
"#;
    fs::write(dir.path().join("tiny.toml"), scenario_text).unwrap();
    let s = hcsim::scenario::load(
        &hcsim::scenario::Source::from_path(&dir.path().join("tiny.toml")).unwrap(),
        &[],
    )
    .unwrap();
    let out = run_on(1, &s);
    let sum = &out.summary;
    let yellow_days: Vec<u32> = out
        .records
        .iter()
        .filter(|r| r.codes.colours[1] == 1)
        .map(|r| r.day)
        .collect();
    // Reports on days 3-6 each restart the countdown; green two days after the last: day 8.
    assert_eq!(yellow_days, vec![3, 4, 5, 6, 7]);
    assert_eq!(sum.yellow_person_days, 5);
    assert_eq!(sum.red_person_days, 0);
    assert_eq!(
        sum.false_yellow_person_days, 0,
        "honest reports: the shadow agrees"
    );
    assert_eq!(sum.observation.symptom_reports, 4);
    // Confined at home from the day after yellow (4) through the day after the last yellow day (8).
    assert_eq!(sum.quarantine_person_days, 5);
    // Infectious days 2-6; confined on 4, 5, 6.
    assert_eq!(sum.quarantine_person_days_infectious, 3);
    // Infectious, free and showing green: day 2 and day 3 (yellow only at the end of day 3).
    assert_eq!(sum.green_infectious_person_days, 2);
    assert_eq!(sum.colour_changes, 2);
    assert_eq!(sum.infections_total, 1);
    assert_eq!(sum.appeals_filed, 0);
    assert_eq!(sum.green_person_days, 3 * 12 - 5);
}

/// A rule that holds for everyone until something happens must colour
/// everyone, every day: the assignment fast path may never skip it.
#[test]
fn state_like_rules_reach_everyone() {
    let dir = tempfile::tempdir().unwrap();
    for (id, when) in [
        (
            "no-high-district",
            "not district_risk(level = high, within = 14)",
        ),
        ("not-released", "not released(within = 14)"),
    ] {
        let text = format!(
            "name = \"{id}\"\ndescription = \"d\"\nsource = \"s\"\n[[rule]]\nid = \"{id}\"\ncolour = \"yellow\"\nwhen = \"{when}\"\n[transitions]\nyellow = {{ to = \"green\", after_days = 1 }}\n"
        );
        let path = dir.path().join(format!("{id}.toml"));
        fs::write(&path, text).unwrap();
        let rules = format!("policy.rules={:?}", path.display().to_string());
        let out = run(&[
            &rules,
            "days=20",
            "consequences.yellow_home_quarantine=false",
            "consequences.isolate_cases=false",
        ]);
        for r in &out.records {
            assert_eq!(
                r.codes.colours[0], 0,
                "{id}: day {}: {} green",
                r.day, r.codes.colours[0]
            );
        }
    }
}
