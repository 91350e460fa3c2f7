//! The self-contained report page: the scenario in plain words, the metrics
//! table, the charts inline as SVG, and what each metric means. No scripts,
//! no network: a planner opens it offline.

use std::fmt::Write;

use crate::compare::{Comparison, Estimate};
use crate::output::Summary;
use crate::scenario::Scenario;

/// What each reported metric means (the contract of DESIGN.md, in plain words).
pub const DEFINITIONS: &[(&str, &str)] = &[
    (
        "false_red_rate",
        "Share of red person-days on which the same rule set, given perfect data (the shadow), would not have shown red.",
    ),
    (
        "false_red_person_days",
        "Person-days red on the observed data while the shadow is not red.",
    ),
    (
        "false_red_people_per_100k",
        "People ever falsely red, per 100,000 people in the city.",
    ),
    (
        "false_yellow_rate",
        "Share of yellow person-days on which the shadow is green.",
    ),
    ("red_person_days", "People x days with a red code."),
    ("yellow_person_days", "People x days with a yellow code."),
    (
        "quarantine_person_days",
        "People x days confined at home or in a facility because of their code or a confirmed infection.",
    ),
    (
        "quarantine_person_days_infectious",
        "Of those, days on which the person was infectious: quarantine that prevents transmission.",
    ),
    (
        "green_infectious_person_days",
        "People x days infectious, free and showing green: what the rule set misses.",
    ),
    (
        "infections_by_green_infectors",
        "Infections caused by people showing a green code.",
    ),
    ("appeals_filed", "Requests to review a code."),
    (
        "appeals_peak_backlog",
        "Most requests waiting for review at the end of a day.",
    ),
    (
        "appeals_wait_p95_days",
        "95th percentile of days from request to review.",
    ),
    (
        "colour_changes_per_person",
        "Changes of displayed colour per person over the run (the 'code changes colour' complaint).",
    ),
    (
        "infections_total",
        "Infections in the run, imported and seeded included (ground truth).",
    ),
    ("attack_rate", "Share of people ever infected."),
    (
        "confirmed_cases",
        "Cases listed in the registry after a positive test, false positives included.",
    ),
];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn num(v: f64) -> String {
    if !v.is_finite() {
        "–".into()
    } else if v.abs() >= 100.0 || v == v.trunc() {
        format!("{:.0}", v)
    } else {
        // Rounding a tiny negative value should not print "-0.0000".
        let text = format!("{:.4}", v);
        if text == "-0.0000" {
            "0.0000".into()
        } else {
            text
        }
    }
}

fn estimate(e: &Estimate) -> String {
    match (e.ci_low, e.ci_high) {
        (Some(lo), Some(hi)) => format!(
            "{} <span class=ci>[{}, {}]</span>",
            num(e.mean),
            num(lo),
            num(hi)
        ),
        _ => num(e.mean),
    }
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>{t}</title><style>\
body{{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}}\
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}\
th:first-child,td:first-child{{text-align:left}}.ci{{color:#777;font-size:90%}}figure{{margin:1.5em 0}}svg{{max-width:100%;height:auto}}\
</style></head><body><h1>{t}</h1>\n{body}</body></html>\n",
        t = esc(title)
    )
}

fn scenario_words(s: &Scenario) -> String {
    let f = &s.file;
    format!(
        "<p>{}</p><p>{} residents and {} returning travelers over {} days (seed {}); {} initial infections; <code>r0_implied</code> is the expected number of secondary infections before any code.</p>",
        esc(&f.description),
        f.city.residents,
        f.travelers.count,
        f.days,
        f.seed,
        f.epidemic.initial_infected
    )
}

fn definitions() -> String {
    let mut out = String::from(
        "<h2>What the metrics mean</h2><table><tr><th>metric</th><th>meaning</th></tr>",
    );
    for (m, d) in DEFINITIONS {
        let _ = write!(
            out,
            "<tr><td>{m}</td><td style=text-align:left>{}</td></tr>",
            esc(d)
        );
    }
    out.push_str("</table>");
    out
}

fn figures(charts: &[(String, String)]) -> String {
    charts
        .iter()
        .map(|(caption, svg)| {
            format!(
                "<figure>{svg}<figcaption>{}</figcaption></figure>",
                esc(caption)
            )
        })
        .collect()
}

/// The comparison report.
pub fn compare_page(s: &Scenario, c: &Comparison, charts: &[(String, String)]) -> String {
    let mut body = scenario_words(s);
    let _ = write!(
        body,
        "<p>Rule sets compared on the same worlds over {} replicates; means with 95 % confidence intervals (Student t).</p>",
        c.replicates
    );
    body.push_str("<h2>Metrics</h2><table id=metrics><tr><th>metric</th>");
    for p in &c.policies {
        let _ = write!(body, "<th>{}</th>", esc(p));
    }
    body.push_str("</tr>");
    for (m, _) in DEFINITIONS {
        let _ = write!(body, "<tr><td>{m}</td>");
        for p in &c.policies {
            let e = c
                .metrics
                .iter()
                .find(|x| &x.policy == p && x.metric == *m)
                .map(|x| estimate(&x.estimate))
                .unwrap_or_default();
            let _ = write!(body, "<td>{e}</td>");
        }
        body.push_str("</tr>");
    }
    body.push_str("</table><h2>Paired differences (first minus second rule set, on the same worlds)</h2><table id=differences><tr><th>metric</th><th>pair</th><th>difference</th></tr>");
    for d in &c.differences {
        if DEFINITIONS.iter().any(|(m, _)| *m == d.metric) {
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{} − {}</td><td>{}</td></tr>",
                d.metric,
                esc(&d.a),
                esc(&d.b),
                estimate(&d.estimate)
            );
        }
    }
    body.push_str("</table><h2>Charts</h2>");
    body.push_str(&figures(charts));
    body.push_str(&definitions());
    page(
        &format!("hcsim: {} — rule sets compared", s.file.name),
        &body,
    )
}

/// The report of one run.
pub fn run_page(s: &Scenario, summary: &Summary, charts: &[(String, String)]) -> String {
    let mut body = scenario_words(s);
    let _ = write!(
        body,
        "<p>Rule set: <b>{}</b>. One run; compare several rule sets with <code>hcsim compare</code> for confidence intervals.</p>",
        esc(&summary.policy)
    );
    let json = serde_json::to_value(summary).unwrap_or_default();
    body.push_str("<h2>Metrics</h2><table id=metrics><tr><th>metric</th><th>value</th></tr>");
    for (m, _) in DEFINITIONS {
        let v = json
            .get(*m)
            .and_then(|v| v.as_f64())
            .map_or("–".into(), num);
        let _ = write!(body, "<tr><td>{m}</td><td>{v}</td></tr>");
    }
    body.push_str("</table><h2>Charts</h2>");
    body.push_str(&figures(charts));
    body.push_str(&definitions());
    page(
        &format!("hcsim: {} under {}", s.file.name, summary.policy),
        &body,
    )
}
