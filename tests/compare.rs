//! Comparisons: reproducible, and paired differences tighter than unpaired ones
//! when the policies share the world.

use std::fs;

use hcsim::compare::{Estimate, Policy, compare};
use hcsim::rules::load_policy;

use crate::common::{hcsim, root, scenario, stderr};

fn policies(names: &[&str]) -> Vec<Policy> {
    names
        .iter()
        .map(|n| Policy {
            name: n.to_string(),
            sets: load_policy(n, &root()).unwrap(),
        })
        .collect()
}

const SMALL: [&str; 4] = [
    "city.residents=30000",
    "travelers.count=10000",
    "days=30",
    "epidemic.initial_infected=30",
];

#[test]
fn paired_differences_are_tighter_than_unpaired() {
    let s = scenario("scenarios/hangzhou-2020.toml", &SMALL);
    // Same conditions, different transitions: most decisions are shared.
    let ps = policies(&["zhejiang-2020", "zhejiang-2020-xinhua"]);
    let c = compare(&s, &ps, 4, 2, |_, _| {});
    for metric in ["red_person_days", "quarantine_person_days", "appeals_filed"] {
        let col = |p: &str| -> Vec<f64> {
            c.replicate_rows
                .iter()
                .filter(|r| r.policy == p && r.metric == metric)
                .map(|r| r.value)
                .collect()
        };
        let (a, b) = (col("zhejiang-2020"), col("zhejiang-2020-xinhua"));
        let paired = c
            .differences
            .iter()
            .find(|d| d.metric == metric)
            .unwrap()
            .estimate;
        // Unpaired: the same t quantile with the two samples' variances added.
        let (ea, eb) = (Estimate::of(&a), Estimate::of(&b));
        let half = |e: &Estimate| e.width().unwrap() / 2.0;
        let unpaired_width = 2.0 * (half(&ea).powi(2) + half(&eb).powi(2)).sqrt();
        assert!(
            paired.width().unwrap() < unpaired_width,
            "{metric}: paired {:?} vs unpaired width {unpaired_width}",
            paired.width()
        );
        assert!((paired.mean - (ea.mean - eb.mean)).abs() < 1e-6 * ea.mean.abs().max(1.0));
    }
}

#[test]
fn a_comparison_is_reproducible_and_written_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/hangzhou-2020.toml");
    let args = |out: &'static str| -> Vec<String> {
        [
            "compare",
            scenario.to_str().unwrap(),
            "--rules",
            "zhejiang-2020,heilongjiang-2020",
            "--reps",
            "2",
            "--agents",
            "8000",
            "--days",
            "15",
            "--out",
            out,
            "--quiet",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    for (out, threads) in [("a", "1"), ("b", "2")] {
        let mut a = args(out);
        a.extend(["--threads".into(), threads.into()]);
        let a: Vec<&str> = a.iter().map(|s| s.as_str()).collect();
        let o = hcsim(dir.path(), &a);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    for file in ["compare.json", "compare.csv"] {
        assert_eq!(
            fs::read(dir.path().join("a").join(file)).unwrap(),
            fs::read(dir.path().join("b").join(file)).unwrap(),
            "{file}"
        );
    }
    let c: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("a/compare.json")).unwrap()).unwrap();
    assert_eq!(c["replicates"], 2);
    assert_eq!(c["policies"].as_array().unwrap().len(), 2);
    let n_metrics = hcsim::compare::METRICS.len();
    assert_eq!(c["metrics"].as_array().unwrap().len(), 2 * n_metrics);
    assert_eq!(c["differences"].as_array().unwrap().len(), n_metrics);
    assert_eq!(
        c["replicate_rows"].as_array().unwrap().len(),
        2 * 2 * n_metrics
    );
    let page = fs::read_to_string(dir.path().join("a/report.html")).unwrap();
    assert!(
        page.contains("id=metrics") && page.matches("<svg").count() == 7,
        "report.html has the table and seven charts"
    );
    // Offline: nothing is loaded from anywhere (the SVG namespace is only a name).
    assert!(
        !page.contains("<script") && !page.contains("src=\"http") && !page.contains("href=\"http")
    );
    for chart in [
        "red",
        "yellow",
        "false_red_rate",
        "green_infectious",
        "backlog",
        "quarantine",
        "tradeoff",
    ] {
        for ext in ["svg", "png"] {
            assert!(
                dir.path().join(format!("a/plots/{chart}.{ext}")).exists(),
                "{chart}.{ext}"
            );
        }
    }
    let o = hcsim(
        dir.path(),
        &["compare", "--rules", "zhejiang-2020", "--quiet"],
    );
    assert_eq!(o.status.code(), Some(2), "one rule set is not a comparison");
}
