//! Reports: charts (`charts`), the self-contained HTML page (`html`), and the
//! choice of charts for a run and for a comparison.

pub mod charts;
pub mod html;

use std::path::Path;

use charts::Chart;

use crate::compare::Comparison;
use crate::engine::DayRecord;
use crate::output::Summary;

/// A chart to write: file stem, caption, content.
pub type Figure = (&'static str, String, Chart);

/// Charts of one run.
pub fn run_figures(records: &[DayRecord], s: &Summary) -> Vec<Figure> {
    let series = |name: &str, f: &dyn Fn(&DayRecord) -> u64| {
        (
            name.to_string(),
            records
                .iter()
                .map(|r| (r.day as f64, f(r) as f64))
                .collect::<Vec<_>>(),
        )
    };
    vec![
        (
            "colours",
            "People by code colour each day".into(),
            Chart::Lines {
                title: "Codes over time".into(),
                y_label: "people".into(),
                series: vec![
                    series("red", &|r| r.codes.colours[2]),
                    series("yellow", &|r| r.codes.colours[1]),
                    series("false red", &|r| r.codes.false_red),
                ],
            },
        ),
        (
            "backlog",
            "Appeals waiting for review at the end of each day".into(),
            Chart::Lines {
                title: "Appeal backlog".into(),
                y_label: "appeals".into(),
                series: vec![
                    series("backlog", &|r| r.codes.appeals_backlog),
                    series("filed", &|r| r.codes.appeals_filed),
                ],
            },
        ),
        (
            "quarantine",
            "Quarantine person-days, split by whether the person was infectious".into(),
            Chart::Stacked {
                title: "Quarantine person-days".into(),
                y_label: "person-days".into(),
                parts: vec!["infectious".into(), "not infectious".into()],
                bars: vec![(
                    s.policy.clone(),
                    vec![
                        s.quarantine_person_days_infectious as f64,
                        (s.quarantine_person_days - s.quarantine_person_days_infectious) as f64,
                    ],
                )],
            },
        ),
    ]
}

/// Charts of a comparison.
pub fn compare_figures(c: &Comparison) -> Vec<Figure> {
    let est = |policy: &str, metric: &str| {
        c.metrics
            .iter()
            .find(|m| m.policy == policy && m.metric == metric)
            .map(|m| m.estimate)
    };
    let ci = |e: Option<crate::compare::Estimate>| e.and_then(|e| Some((e.ci_low?, e.ci_high?)));
    let over_time = |k: usize| -> Vec<(String, Vec<(f64, f64)>)> {
        c.policies
            .iter()
            .zip(&c.daily)
            .map(|(p, d)| {
                (
                    p.clone(),
                    d.iter()
                        .enumerate()
                        .map(|(day, v)| (day as f64, v[k]))
                        .collect(),
                )
            })
            .collect()
    };
    let bars = |metric: &str| {
        c.policies
            .iter()
            .map(|p| {
                (
                    p.clone(),
                    est(p, metric).map_or(f64::NAN, |e| e.mean),
                    ci(est(p, metric)),
                )
            })
            .collect::<Vec<_>>()
    };
    vec![
        ("red", "Red codes each day, mean over replicates".into(), Chart::Lines { title: "Red codes over time".into(), y_label: "people".into(), series: over_time(2) }),
        ("yellow", "Yellow codes each day, mean over replicates".into(), Chart::Lines { title: "Yellow codes over time".into(), y_label: "people".into(), series: over_time(1) }),
        ("false_red_rate", "False-red rate with 95 % intervals".into(), Chart::Bars { title: "False-red rate".into(), y_label: "share of red person-days".into(), bars: bars("false_red_rate") }),
        ("green_infectious", "Infectious person-days spent free with a green code, with 95 % intervals".into(), Chart::Bars { title: "Green infectious person-days".into(), y_label: "person-days".into(), bars: bars("green_infectious_person_days") }),
        ("backlog", "Appeals waiting for review each day, mean over replicates".into(), Chart::Lines { title: "Appeal backlog".into(), y_label: "appeals".into(), series: over_time(3) }),
        (
            "quarantine",
            "Quarantine person-days (means), infectious and not".into(),
            Chart::Stacked {
                title: "Quarantine person-days".into(),
                y_label: "person-days".into(),
                parts: vec!["infectious".into(), "not infectious".into()],
                bars: c
                    .policies
                    .iter()
                    .map(|p| {
                        let all = est(p, "quarantine_person_days").map_or(0.0, |e| e.mean);
                        let inf = est(p, "quarantine_person_days_infectious").map_or(0.0, |e| e.mean);
                        (p.clone(), vec![inf, all - inf])
                    })
                    .collect(),
            },
        ),
        (
            "tradeoff",
            "What a rule set costs (false reds) against what it misses (green infectious days), 95 % intervals".into(),
            Chart::Scatter {
                title: "False reds against missed infectious days".into(),
                x_label: "false-red person-days".into(),
                y_label: "green infectious person-days".into(),
                points: c
                    .policies
                    .iter()
                    .map(|p| {
                        let x = est(p, "false_red_person_days");
                        let y = est(p, "green_infectious_person_days");
                        (p.clone(), x.map_or(f64::NAN, |e| e.mean), ci(x), y.map_or(f64::NAN, |e| e.mean), ci(y))
                    })
                    .collect(),
            },
        ),
    ]
}

/// Writes `plots/<stem>.svg` and `.png` under `dir`; returns (caption, svg) for the page.
pub fn write_figures(
    dir: &Path,
    figures: &[Figure],
) -> Result<Vec<(String, String)>, Box<dyn std::error::Error + Send + Sync>> {
    let plots = dir.join("plots");
    std::fs::create_dir_all(&plots)?;
    let mut out = Vec::new();
    for (stem, caption, chart) in figures {
        let svg = charts::svg(chart)?;
        std::fs::write(plots.join(format!("{stem}.svg")), &svg)?;
        charts::png(chart, &plots.join(format!("{stem}.png")))?;
        out.push((caption.clone(), svg));
    }
    Ok(out)
}
