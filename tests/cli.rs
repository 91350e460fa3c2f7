//! End-to-end runs of the binary: outputs, determinism across thread counts,
//! run-directory safety.

use std::fs;

use crate::common::{hcsim, root, stderr};

fn default_small(dir: &std::path::Path, out: &str, threads: &str) -> std::process::Output {
    let scenario = root().join("scenarios/hangzhou-2020.toml");
    hcsim(
        dir,
        &[
            "run",
            scenario.to_str().unwrap(),
            "--agents",
            "60000",
            "--days",
            "40",
            "--threads",
            threads,
            "--out",
            out,
            "--quiet",
        ],
    )
}

#[test]
fn outputs_are_byte_identical_for_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    for (out, threads) in [("one", "1"), ("two", "2")] {
        let o = default_small(dir.path(), out, threads);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    for file in ["summary.json", "daily.csv", "scenario.toml"] {
        let a = fs::read(dir.path().join("one").join(file)).unwrap();
        let b = fs::read(dir.path().join("two").join(file)).unwrap();
        assert!(a == b, "{file} differs between --threads 1 and --threads 2");
    }
    let run: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("two/run.json")).unwrap()).unwrap();
    assert_eq!(run["threads"], 2);
    assert!(run["peak_rss_bytes"].as_u64().unwrap() > 0);
}

#[test]
fn run_writes_a_complete_directory_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let o = default_small(dir.path(), "run", "2");
    assert!(o.status.success(), "{}", stderr(&o));
    let daily = fs::read_to_string(dir.path().join("run/daily.csv")).unwrap();
    assert_eq!(daily.lines().count(), 41, "header and 40 days");
    assert!(daily.starts_with("day,weekday,present,arrivals,susceptible,exposed"));
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("run/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["agents"], 60000);
    // --agents keeps the 200k : 110k proportion of residents to travelers.
    let travelers = summary["travelers"].as_f64().unwrap();
    assert!(
        (travelers / 60000.0 - 110.0 / 310.0).abs() < 0.01,
        "travelers {travelers}"
    );
    let page = fs::read_to_string(dir.path().join("run/report.html")).unwrap();
    assert!(page.contains("id=metrics") && page.matches("<svg").count() == 3);
    // The resolved scenario is itself a valid scenario.
    let o = hcsim(dir.path(), &["validate", "run/scenario.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));

    let before = fs::read(dir.path().join("run/summary.json")).unwrap();
    let o = hcsim(
        dir.path(),
        &[
            "run", "--agents", "5000", "--days", "3", "--out", "run", "--quiet",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("already exists") && stderr(&o).contains("--force"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        fs::read(dir.path().join("run/summary.json")).unwrap(),
        before,
        "untouched without --force"
    );

    let o = hcsim(
        dir.path(),
        &[
            "run", "--agents", "5000", "--days", "3", "--out", "run", "--quiet", "--force",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("run/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["agents"], 5000);
    // No staging directory is left behind.
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn default_scenario_runs_from_any_directory() {
    let dir = tempfile::tempdir().unwrap();
    let o = hcsim(dir.path(), &["run", "--days", "2", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        dir.path()
            .join("outputs/hangzhou-2020-seed20200211/summary.json")
            .exists()
    );
}

#[test]
fn json_scenarios_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("s.json"), r#"{"name": "tiny", "days": 3, "city": {"residents": 2000}, "epidemic": {"initial_infected": 5}}"#).unwrap();
    let o = hcsim(dir.path(), &["run", "s.json", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.path().join("outputs/tiny-seed1/daily.csv").exists());
}

#[test]
fn help_explains_the_commands() {
    let o = hcsim(&root(), &["run", "--help"]);
    let text = String::from_utf8_lossy(&o.stdout);
    for flag in [
        "--out",
        "--seed",
        "--threads",
        "--days",
        "--agents",
        "--set",
        "--force",
        "--quiet",
    ] {
        assert!(text.contains(flag), "run --help lacks {flag}");
    }
}

#[test]
fn every_builtin_rule_set_runs_and_colours_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut names: Vec<&str> = hcsim::rules::builtin::names();
    names.push("zhejiang-2020+macau-2022");
    for name in names {
        let o = hcsim(
            dir.path(),
            &[
                "run", "--agents", "20000", "--days", "20", "--rules", name, "--out", name,
                "--quiet",
            ],
        );
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let daily = fs::read_to_string(dir.path().join(name).join("daily.csv")).unwrap();
        let mut rows = daily.lines();
        let header: Vec<&str> = rows.next().unwrap().split(',').collect();
        let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
        for row in rows {
            let v: Vec<u64> = row.split(',').map(|x| x.parse().unwrap()).collect();
            assert_eq!(
                v[col("green")] + v[col("yellow")] + v[col("red")],
                v[col("present")],
                "{name}: colours cover everyone present"
            );
        }
        let summary: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.path().join(name).join("summary.json")).unwrap())
                .unwrap();
        assert_eq!(summary["policy"], name);
    }
}

#[test]
fn a_user_rule_file_runs_and_its_errors_name_file_line_rule_and_fix() {
    let dir = tempfile::tempdir().unwrap();
    let good = "name = \"mine\"\ndescription = \"symptoms only\"\nsource = \"test\"\n\n[[rule]]\nid = \"sym\"\ncolour = \"yellow\"\nwhen = \"symptoms(within = 3)\"\n\n[transitions]\nyellow = { to = \"green\", after_days = 2 }\n";
    fs::write(dir.path().join("mine.toml"), good).unwrap();
    let o = hcsim(dir.path(), &["rules", "check", "mine.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = hcsim(
        dir.path(),
        &[
            "run",
            "--agents",
            "5000",
            "--days",
            "10",
            "--rules",
            "mine.toml",
            "--out",
            "r",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("r/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["policy"], "mine");
    assert_eq!(summary["red_person_days"], 0, "the file has no red rule");

    let bad = good.replace("symptoms(within = 3)", "symptons(within = 3)");
    fs::write(dir.path().join("bad.toml"), bad).unwrap();
    for args in [
        &["rules", "check", "bad.toml"][..],
        &[
            "run", "--agents", "2000", "--days", "2", "--rules", "bad.toml", "--out", "b",
            "--quiet",
        ][..],
    ] {
        let o = hcsim(dir.path(), args);
        assert_eq!(o.status.code(), Some(2));
        let err = stderr(&o);
        assert!(
            err.contains("bad.toml:8")
                && err.contains("rule `sym`")
                && err.contains("unknown predicate `symptons`")
                && err.contains("fix: use one of"),
            "{err}"
        );
        assert!(!dir.path().join("b").exists());
    }
    let no_transition = good.replace(
        "[transitions]\nyellow = { to = \"green\", after_days = 2 }\n",
        "",
    );
    fs::write(dir.path().join("nt.toml"), no_transition).unwrap();
    let o = hcsim(dir.path(), &["rules", "check", "nt.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("[transitions.yellow]"),
        "{}",
        stderr(&o)
    );
    let o = hcsim(dir.path(), &["run", "--rules", "no-such-rules", "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("policy.rules") && stderr(&o).contains("zhejiang-2020"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn rules_list_and_show_explain_the_builtins() {
    let o = hcsim(&root(), &["rules", "list"]);
    let text = String::from_utf8_lossy(&o.stdout);
    for name in hcsim::rules::builtin::names() {
        assert!(text.contains(name), "list lacks {name}");
    }
    let o = hcsim(&root(), &["rules", "show", "zhejiang-2020"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("Source:") && text.contains("after 7 consecutive daily check-ins -> yellow"),
        "{text}"
    );
}
