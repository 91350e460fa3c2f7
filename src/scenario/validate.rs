//! Validation: range checks on every field and loading of referenced files.
//! Turns a `ScenarioFile` into a `Scenario` or one `InputError` naming the
//! field and the fix (the caller adds file and line).

use std::path::Path;

use super::error::InputError;
use super::file::{ScenarioFile, ZoneFile};
use super::{Origin, Scenario};

/// The largest population an agent id (u32) and the day counters allow.
pub const MAX_AGENTS: u64 = 100_000_000;
/// Days are stored as u16 in per-agent state.
pub const MAX_DAYS: u32 = 3650;

type Check = Result<(), InputError>;

fn fail(field: &str, problem: impl Into<String>, fix: impl Into<String>) -> InputError {
    InputError::new("", problem, fix).at_field(field)
}

fn probability(field: &str, v: f64) -> Check {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(fail(
            field,
            format!("must be a probability between 0 and 1 (got {v})"),
            "give a value from 0 to 1",
        ))
    }
}

fn non_negative(field: &str, v: f64) -> Check {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(fail(
            field,
            format!("must be zero or positive (got {v})"),
            "give a value of 0 or more",
        ))
    }
}

fn at_least(field: &str, v: f64, min: f64) -> Check {
    if v.is_finite() && v >= min {
        Ok(())
    } else {
        Err(fail(
            field,
            format!("must be at least {min} (got {v})"),
            format!("give a value of {min} or more"),
        ))
    }
}

fn weights(field: &str, ws: &[f64]) -> Check {
    for (i, &w) in ws.iter().enumerate() {
        non_negative(&format!("{field}[{i}]"), w)?;
    }
    if ws.iter().sum::<f64>() <= 0.0 {
        return Err(fail(
            field,
            "needs at least one positive weight",
            "give relative weights such as [0.3, 0.7]",
        ));
    }
    Ok(())
}

fn shares_sum_to_one(field: &str, what: &str, sum: f64) -> Check {
    if (sum - 1.0).abs() > 1e-6 {
        return Err(fail(
            field,
            format!("the {what} shares sum to {sum}, not 1"),
            format!("adjust the {what} shares so they sum to 1"),
        ));
    }
    Ok(())
}

fn zone(field: &str, z: &ZoneFile) -> Check {
    at_least(&format!("{field}.outer_radius_km"), z.outer_radius_km, 0.1)?;
    probability(&format!("{field}.population_share"), z.population_share)?;
    probability(&format!("{field}.workplace_share"), z.workplace_share)?;
    at_least(&format!("{field}.tower_spacing_m"), z.tower_spacing_m, 50.0)?;
    at_least(
        &format!("{field}.households_per_compound"),
        z.households_per_compound as f64,
        1.0,
    )
}

fn parse_weekday(s: &str) -> Option<u8> {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .position(|d| s.eq_ignore_ascii_case(d))
        .map(|i| i as u8)
}

/// Checks every field; loads referenced files relative to `dir`.
pub fn validate(file: ScenarioFile, dir: &Path) -> Result<Scenario, InputError> {
    let f = &file;
    if f.name.trim().is_empty() {
        return Err(fail(
            "name",
            "must not be empty",
            "give the scenario a short name, e.g. name = \"hangzhou-2020\"",
        ));
    }
    if !(1..=MAX_DAYS).contains(&f.days) {
        return Err(fail(
            "days",
            format!("must be between 1 and {MAX_DAYS} (got {})", f.days),
            "give the number of days to simulate",
        ));
    }
    let start_weekday = parse_weekday(&f.start_weekday).ok_or_else(|| {
        fail(
            "start_weekday",
            format!("unknown weekday {:?}", f.start_weekday),
            "use one of mon, tue, wed, thu, fri, sat, sun",
        )
    })?;

    let c = &f.city;
    if c.residents < 1 {
        return Err(fail(
            "city.residents",
            "must be at least 1 (got 0)",
            "give a positive number of residents",
        ));
    }
    let agents = c.residents + f.travelers.count;
    if agents > MAX_AGENTS {
        return Err(fail(
            "city.residents",
            format!("residents + travelers = {agents} exceeds {MAX_AGENTS}"),
            "use fewer agents",
        ));
    }
    if !(1..=64).contains(&c.sectors) {
        return Err(fail(
            "city.sectors",
            format!("must be between 1 and 64 (got {})", c.sectors),
            "give the number of angular sectors per zone",
        ));
    }
    zone("city.centre", &c.centre)?;
    zone("city.suburb", &c.suburb)?;
    zone("city.rural", &c.rural)?;
    if !(c.centre.outer_radius_km < c.suburb.outer_radius_km
        && c.suburb.outer_radius_km < c.rural.outer_radius_km)
    {
        return Err(fail(
            "city.suburb.outer_radius_km",
            "zones must nest: centre < suburb < rural outer radius",
            "make each zone's outer_radius_km larger than the one inside it",
        ));
    }
    shares_sum_to_one(
        "city.centre.population_share",
        "zone population",
        c.centre.population_share + c.suburb.population_share + c.rural.population_share,
    )?;
    shares_sum_to_one(
        "city.centre.workplace_share",
        "zone workplace",
        c.centre.workplace_share + c.suburb.workplace_share + c.rural.workplace_share,
    )?;
    if c.household_size_weights.is_empty() || c.household_size_weights.len() > 20 {
        return Err(fail(
            "city.household_size_weights",
            "needs 1 to 20 weights (sizes 1, 2, ...)",
            "give relative frequencies of household sizes, e.g. [0.25, 0.3, 0.2, 0.15, 0.1]",
        ));
    }
    weights("city.household_size_weights", &c.household_size_weights)?;
    weights("city.age_band_weights", &c.age_band_weights)?;
    probability("city.employment_rate", c.employment_rate)?;
    at_least("city.workplace_size_mean", c.workplace_size_mean, 1.0)?;
    at_least("city.school_size_mean", c.school_size_mean, 1.0)?;
    probability("city.phone_ownership", c.phone_ownership)?;
    probability("city.app_use", c.app_use)?;
    non_negative("city.markets_per_10k", c.markets_per_10k)?;
    non_negative("city.restaurants_per_10k", c.restaurants_per_10k)?;
    non_negative("city.clinics_per_10k", c.clinics_per_10k)?;
    at_least(
        "city.stations_per_district",
        c.stations_per_district as f64,
        1.0,
    )?;

    let t = &f.travelers;
    if t.first_arrival_day >= f.days && t.count > 0 {
        return Err(fail(
            "travelers.first_arrival_day",
            format!(
                "day {} is not before the end of the run (day {})",
                t.first_arrival_day, f.days
            ),
            "give an arrival day inside the run, or set travelers.count = 0",
        ));
    }
    at_least("travelers.arrival_days", t.arrival_days as f64, 1.0)?;
    if t.count > 0 && t.origins.is_empty() {
        return Err(fail(
            "travelers.origins",
            "travelers need at least one origin region",
            "add a [[travelers.origins]] table with name, share and prevalence",
        ));
    }
    let mut origins = Vec::with_capacity(t.origins.len());
    for (i, o) in t.origins.iter().enumerate() {
        let field = format!("travelers.origins[{i}]");
        probability(&format!("{field}.share"), o.share)?;
        let prevalence = match (&o.prevalence_csv, o.prevalence.is_empty()) {
            (Some(_), false) => {
                return Err(fail(
                    &format!("{field}.prevalence_csv"),
                    "both prevalence and prevalence_csv are given",
                    "keep only one of them",
                ));
            }
            (None, true) => {
                return Err(fail(
                    &format!("{field}.prevalence"),
                    "no prevalence given",
                    "give prevalence = [[day, value], ...] or prevalence_csv = \"file.csv\"",
                ));
            }
            (Some(csv), true) => {
                read_prevalence_csv(&format!("{field}.prevalence_csv"), &dir.join(csv))?
            }
            (None, false) => o.prevalence.iter().map(|p| (p[0], p[1])).collect(),
        };
        for (j, &(day, p)) in prevalence.iter().enumerate() {
            non_negative(&format!("{field}.prevalence[{j}]"), day)?;
            probability(&format!("{field}.prevalence[{j}]"), p)?;
        }
        if prevalence.windows(2).any(|w| w[1].0 <= w[0].0) {
            return Err(fail(
                &format!("{field}.prevalence"),
                "days must increase from point to point",
                "sort the [day, prevalence] points by day",
            ));
        }
        let risk_level = crate::evidence::Level::parse(&o.risk_level).ok_or_else(|| {
            fail(
                &format!("{field}.risk_level"),
                format!("unknown risk level {:?}", o.risk_level),
                "use low, medium or high",
            )
        })?;
        origins.push(Origin {
            name: o.name.clone(),
            share: o.share,
            risk_level,
            prevalence,
        });
    }
    if !origins.is_empty() {
        shares_sum_to_one(
            "travelers.origins[0].share",
            "origin",
            origins.iter().map(|o| o.share).sum(),
        )?;
    }

    let m = &f.mobility;
    probability("mobility.work_attendance", m.work_attendance)?;
    probability(
        "mobility.weekend_work_attendance",
        m.weekend_work_attendance,
    )?;
    probability("mobility.school_attendance", m.school_attendance)?;
    probability("mobility.market_visit_prob", m.market_visit_prob)?;
    probability("mobility.restaurant_visit_prob", m.restaurant_visit_prob)?;
    probability("mobility.transit_share", m.transit_share)?;

    let e = &f.epidemic;
    if e.initial_infected > c.residents {
        return Err(fail(
            "epidemic.initial_infected",
            format!(
                "{} exceeds the {} residents",
                e.initial_infected, c.residents
            ),
            "give at most as many initial infections as residents",
        ));
    }
    for (name, d) in [
        ("epidemic.incubation_days", &e.incubation_days),
        ("epidemic.presymptomatic_days", &e.presymptomatic_days),
        ("epidemic.symptomatic_days", &e.symptomatic_days),
        ("epidemic.asymptomatic_days", &e.asymptomatic_days),
        ("ili.duration_days", &f.ili.duration_days),
    ] {
        d.check()
            .map_err(|(problem, fix)| fail(name, problem, fix))?;
    }
    probability("epidemic.asymptomatic_fraction", e.asymptomatic_fraction)?;
    let r = &e.relative_infectiousness;
    probability(
        "epidemic.relative_infectiousness.presymptomatic",
        r.presymptomatic,
    )?;
    probability(
        "epidemic.relative_infectiousness.symptomatic",
        r.symptomatic,
    )?;
    probability(
        "epidemic.relative_infectiousness.asymptomatic",
        r.asymptomatic,
    )?;
    let l = &e.layers;
    for (name, layer) in [
        ("household", &l.household),
        ("work", &l.work),
        ("school", &l.school),
        ("venue", &l.venue),
        ("transit", &l.transit),
        ("well_mixed", &l.well_mixed),
    ] {
        probability(&format!("epidemic.layers.{name}.p"), layer.p)?;
        non_negative(&format!("epidemic.layers.{name}.contacts"), layer.contacts)?;
        if layer.contacts > 1000.0 {
            return Err(fail(
                &format!("epidemic.layers.{name}.contacts"),
                format!("{} contacts per day is implausible", layer.contacts),
                "give a mean below 1000",
            ));
        }
    }
    probability("ili.weekly_incidence", f.ili.weekly_incidence)?;
    observation(&f.observation)?;
    let q = &f.consequences;
    if !matches!(q.red_place.as_str(), "home" | "facility") {
        return Err(fail(
            "consequences.red_place",
            format!("unknown place {:?}", q.red_place),
            "use \"home\" or \"facility\"",
        ));
    }
    probability("consequences.compliance", q.compliance)?;
    let a = &f.appeals;
    probability(
        "appeals.probability_wrongly_flagged",
        a.probability_wrongly_flagged,
    )?;
    probability("appeals.probability_other", a.probability_other)?;
    probability("appeals.weekend_capacity", a.weekend_capacity)?;
    probability("appeals.reviewer_accuracy", a.reviewer_accuracy)?;
    if !matches!(a.order.as_str(), "fifo" | "priority") {
        return Err(fail(
            "appeals.order",
            format!("unknown order {:?}", a.order),
            "use \"fifo\" or \"priority\"",
        ));
    }
    if f.policy.rules.trim().is_empty() {
        return Err(fail(
            "policy.rules",
            "no rule set given",
            "name a built-in rule set (hcsim rules list) or a rule file",
        ));
    }
    for (i, spec) in f.compare.rules.iter().enumerate() {
        crate::rules::load_policy(spec, dir).map_err(|e| {
            if e.line.is_none() && e.field.is_none() {
                InputError {
                    source: String::new(),
                    ..e
                }
                .at_field(format!("compare.rules[{i}]"))
            } else {
                e
            }
        })?;
    }
    let policy = crate::rules::load_policy(&f.policy.rules, dir).map_err(|e| {
        // A missing rule set is a problem of this field; an error inside a
        // rule file keeps that file's name and line.
        if e.line.is_none() && e.field.is_none() {
            InputError {
                source: String::new(),
                ..e
            }
            .at_field("policy.rules")
        } else {
            e
        }
    })?;

    Ok(Scenario {
        file,
        start_weekday,
        origins,
        policy,
    })
}

fn read_prevalence_csv(field: &str, path: &Path) -> Result<Vec<(f64, f64)>, InputError> {
    let shown = path.display();
    let mut reader = csv::Reader::from_path(path).map_err(|e| {
        fail(
            field,
            format!("cannot read {shown} ({e})"),
            "give the path of an existing CSV file, relative to the scenario file",
        )
    })?;
    let headers = reader
        .headers()
        .map_err(|e| {
            fail(
                field,
                format!("{shown}: {e}"),
                "start the file with the header day,prevalence",
            )
        })?
        .clone();
    if headers.len() != 2 || &headers[0] != "day" || &headers[1] != "prevalence" {
        return Err(fail(
            field,
            format!(
                "{shown}: header is {:?}, not day,prevalence",
                headers.iter().collect::<Vec<_>>()
            ),
            "start the file with the header day,prevalence",
        ));
    }
    let mut points = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| {
            fail(
                field,
                format!("{shown}: {e}"),
                "each row needs two numbers: day,prevalence",
            )
        })?;
        let line = row.position().map_or(0, |p| p.line());
        let num = |i: usize| {
            row[i].trim().parse::<f64>().map_err(|_| {
                fail(
                    field,
                    format!("{shown}:{line}: {:?} is not a number", &row[i]),
                    "each row needs two numbers: day,prevalence",
                )
            })
        };
        points.push((num(0)?, num(1)?));
    }
    if points.is_empty() {
        return Err(fail(
            field,
            format!("{shown} has no rows"),
            "add rows day,prevalence under the header",
        ));
    }
    Ok(points)
}

fn observation(o: &super::observe_file::ObservationFile) -> Check {
    probability("observation.gps.fix_probability", o.gps.fix_probability)?;
    non_negative("observation.gps.sigma_open_m", o.gps.sigma_open_m)?;
    non_negative("observation.gps.sigma_urban_m", o.gps.sigma_urban_m)?;
    non_negative("observation.gps.sigma_indoor_m", o.gps.sigma_indoor_m)?;
    for (i, &a) in o.wifi.availability.iter().enumerate() {
        probability(&format!("observation.wifi.availability[{i}]"), a)?;
    }
    non_negative("observation.wifi.sigma_m", o.wifi.sigma_m)?;
    probability("observation.cell.second_nearest", o.cell.second_nearest)?;
    probability("observation.cell.third_nearest", o.cell.third_nearest)?;
    if o.cell.second_nearest + o.cell.third_nearest > 1.0 {
        return Err(fail(
            "observation.cell.second_nearest",
            "second_nearest + third_nearest exceeds 1",
            "give ping-pong probabilities that sum to at most 1",
        ));
    }
    probability(
        "observation.travel_card.border_overlap",
        o.travel_card.border_overlap,
    )?;
    if crate::evidence::Level::parse(&o.travel_card.border_region_level).is_none() {
        return Err(fail(
            "observation.travel_card.border_region_level",
            format!("unknown risk level {:?}", o.travel_card.border_region_level),
            "use low, medium or high",
        ));
    }
    for (i, &r) in o.registry.recall.iter().enumerate() {
        probability(&format!("observation.registry.recall[{i}]"), r)?;
    }
    probability("observation.registry.id_mismatch", o.registry.id_mismatch)?;
    probability(
        "observation.registry.stale_probability",
        o.registry.stale_probability,
    )?;
    probability("observation.checkin.compliance", o.checkin.compliance)?;
    probability("observation.checkin.honesty", o.checkin.honesty)?;
    probability("observation.checkin.clinic_visit", o.checkin.clinic_visit)?;
    let t = &o.temperature;
    probability(
        "observation.temperature.scan_probability",
        t.scan_probability,
    )?;
    probability(
        "observation.temperature.fever_share_covid",
        t.fever_share_covid,
    )?;
    probability("observation.temperature.fever_share_ili", t.fever_share_ili)?;
    for (name, v) in [
        ("error_sd_c", t.error_sd_c),
        ("normal_sd_c", t.normal_sd_c),
        ("fever_sd_c", t.fever_sd_c),
    ] {
        non_negative(&format!("observation.temperature.{name}"), v)?;
    }
    for (name, v) in [
        ("threshold_c", t.threshold_c),
        ("normal_mean_c", t.normal_mean_c),
        ("fever_mean_c", t.fever_mean_c),
    ] {
        if !(30.0..=45.0).contains(&v) {
            return Err(fail(
                &format!("observation.temperature.{name}"),
                format!("{v} C is not a body temperature"),
                "give degrees Celsius, e.g. 37.3",
            ));
        }
    }
    let s = &o.testing;
    if s.result_delay_days < 1 {
        return Err(fail(
            "observation.testing.result_delay_days",
            "must be at least 1 (a result comes the day after the sample at the earliest)",
            "give 1 or more",
        ));
    }
    probability("observation.testing.sensitivity", s.sensitivity)?;
    probability("observation.testing.specificity", s.specificity)?;
    let r = &o.risk_areas;
    at_least(
        "observation.risk_areas.compound_radius_m",
        r.compound_radius_m,
        1.0,
    )?;
    at_least(
        "observation.risk_areas.compound_medium_cases",
        r.compound_medium_cases as f64,
        1.0,
    )?;
    if r.compound_high_cases < r.compound_medium_cases
        || r.district_high_cases < r.district_medium_cases
        || r.city_high_cases < r.city_medium_cases
    {
        return Err(fail(
            "observation.risk_areas",
            "a high threshold is below its medium threshold",
            "make every *_high_cases at least its *_medium_cases",
        ));
    }
    Ok(())
}
