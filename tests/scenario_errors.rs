//! Bad scenario input: one clear error naming file, line, field and fix;
//! exit code 2; no output directory.

use std::fs;

use crate::common::{hcsim, stderr};

/// Writes `text` as a scenario, runs it, and returns stderr after checking
/// the exit code and that no output was created.
fn rejected(text: &str, extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("bad.toml"), text).unwrap();
    let mut args = vec!["run", "bad.toml", "--quiet"];
    args.extend_from_slice(extra);
    let o = hcsim(dir.path(), &args);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        !dir.path().join("outputs").exists(),
        "an output directory was created"
    );
    let err = stderr(&o);
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains("fix:"), "{err}");
    err
}

#[test]
fn syntax_error_names_the_line() {
    let err = rejected("name = \"x\"\n[city]\nresidents = = 5\n", &[]);
    assert!(err.contains("bad.toml:3"), "{err}");
    assert!(err.contains("invalid TOML"), "{err}");
}

#[test]
fn unknown_field_names_field_and_line() {
    let err = rejected(
        "name = \"x\"\n\n[city]\nresidents = 500\nresidnets = 5\n",
        &[],
    );
    assert!(err.contains("bad.toml:"), "{err}");
    assert!(err.contains("city.residnets"), "{err}");
    assert!(err.contains("unknown field"), "{err}");
}

#[test]
fn negative_population_is_rejected() {
    let err = rejected("[city]\nresidents = -5\n", &[]);
    assert!(
        err.contains("bad.toml:2") && err.contains("city.residents"),
        "{err}"
    );
}

#[test]
fn probability_above_one_is_rejected() {
    let err = rejected("[mobility]\nwork_attendance = 1.5\n", &[]);
    assert!(
        err.contains("bad.toml:2")
            && err.contains("mobility.work_attendance")
            && err.contains("between 0 and 1"),
        "{err}"
    );
}

#[test]
fn negative_mean_is_rejected() {
    let err = rejected(
        "[epidemic]\nincubation_days = { dist = \"lognormal\", mean = -5.2, sd = 2.5 }\n",
        &[],
    );
    assert!(
        err.contains("bad.toml:2")
            && err.contains("epidemic.incubation_days")
            && err.contains("mean must be positive"),
        "{err}"
    );
}

#[test]
fn missing_referenced_file_is_rejected() {
    let text = "[travelers]\ncount = 10\n[[travelers.origins]]\nname = \"a\"\nshare = 1.0\nprevalence_csv = \"nowhere.csv\"\n";
    let err = rejected(text, &[]);
    assert!(
        err.contains("travelers.origins[0].prevalence_csv")
            && err.contains("nowhere.csv")
            && err.contains("bad.toml:6"),
        "{err}"
    );
}

#[test]
fn referenced_prevalence_csv_is_used() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("p.csv"), "day,prevalence\n0,1.0\n").unwrap();
    let text = "name = \"csv\"\ndays = 5\n[city]\nresidents = 1000\n[travelers]\ncount = 300\narrival_days = 2\n[[travelers.origins]]\nname = \"a\"\nshare = 1.0\nprevalence_csv = \"p.csv\"\n";
    fs::write(dir.path().join("s.toml"), text).unwrap();
    let o = hcsim(dir.path(), &["run", "s.toml", "--quiet", "--out", "r"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("r/summary.json")).unwrap()).unwrap();
    assert_eq!(
        s["infections_by_layer"]["imported"], s["travelers"],
        "prevalence 1 from the CSV infects every traveler"
    );
}

#[test]
fn overrides_are_validated_and_named() {
    let err = rejected("name = \"x\"\n", &["--set", "city.residents=-5"]);
    assert!(
        err.contains("--set city.residents=-5") && err.contains("city.residents"),
        "{err}"
    );
    let err = rejected("name = \"x\"\n", &["--set", "city.nope=1"]);
    assert!(
        err.contains("city.nope") && err.contains("unknown field"),
        "{err}"
    );
    let err = rejected("name = \"x\"\n", &["--set", "novalue"]);
    assert!(err.contains("missing `=`"), "{err}");
}

#[test]
fn missing_scenario_file_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let o = hcsim(dir.path(), &["run", "nope.toml", "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope.toml") && stderr(&o).contains("fix:"));
    assert!(!dir.path().join("outputs").exists());
}

#[test]
fn validate_accepts_the_shipped_scenarios_and_rejects_bad_ones() {
    let root = crate::common::root();
    for f in [
        "scenarios/hangzhou-2020.toml",
        "scenarios/hangzhou-2020-full.toml",
        "scenarios/validation/well-mixed.toml",
    ] {
        let o = hcsim(&root, &["validate", f]);
        assert!(o.status.success(), "{f}: {}", stderr(&o));
    }
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("bad.toml"), "days = 0\n").unwrap();
    let o = hcsim(dir.path(), &["validate", "bad.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("bad.toml:1") && stderr(&o).contains("`days`"),
        "{}",
        stderr(&o)
    );
}
