//! Rule sets: the declarative files planners write (`file`), their condition
//! language (`expr`), the built-in province rule sets (`builtin`), and the
//! per-person code state machine that applies them (`code`).

pub mod builtin;
pub mod code;
pub mod expr;
pub mod file;

use std::path::Path;

use crate::scenario::InputError;
use crate::scenario::error::line_of;
use crate::scenario::load::toml_line;
pub use expr::{Colocation, Cond, Pred};
use file::{RuleSetFile, TransitionFile};

/// A code colour, ordered by severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Colour {
    Green = 0,
    Yellow = 1,
    Red = 2,
}

impl Colour {
    pub const ALL: [Colour; 3] = [Colour::Green, Colour::Yellow, Colour::Red];
    pub fn parse(s: &str) -> Option<Colour> {
        match s {
            "green" => Some(Colour::Green),
            "yellow" => Some(Colour::Yellow),
            "red" => Some(Colour::Red),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Colour::Green => "green",
            Colour::Yellow => "yellow",
            Colour::Red => "red",
        }
    }
    pub fn from_u8(v: u8) -> Colour {
        Self::ALL[v.min(2) as usize]
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub id: String,
    pub colour: Colour,
    pub popup: bool,
    pub cond: Cond,
    pub hold: bool,
    pub when: String,
    pub note: String,
}

/// What moves a code down a stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// N consecutive daily check-ins.
    Checkins(u32),
    /// N days.
    Days(u32),
    /// N negative results, at least `gap_days` apart.
    NegativeTests { n: u32, gap_days: u32 },
    /// The registry no longer lists the person.
    Release,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    pub to: Colour,
    pub how: Progress,
}

/// A compiled, validated rule set.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleSet {
    pub name: String,
    pub description: String,
    pub source: String,
    pub window_days: u32,
    pub overlay: bool,
    pub rules: Vec<Rule>,
    pub red: Option<Transition>,
    pub yellow: Option<Transition>,
    pub popup: Option<Transition>,
    /// A missed check-in resets the check-in count (else it pauses it).
    pub missed_checkin_resets: bool,
    /// Parameters of the companion rule, if the set uses one.
    pub colocation: Option<Colocation>,
    /// Mandated screening rounds.
    pub screening: Option<Screening>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Screening {
    pub interval_days: u32,
    pub pool_size: u32,
    pub participation: f64,
}

/// A rule error before the file name and line are known.
fn problem(field: &str, problem: impl Into<String>, fix: impl Into<String>) -> InputError {
    InputError::new("", problem, fix).at_field(field)
}

impl RuleSet {
    /// Parses and validates rule-set text; `name` is shown in errors.
    pub fn parse(name: &str, text: &str) -> Result<RuleSet, InputError> {
        let file: RuleSetFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            InputError::new(name, e.message().trim().to_string(), "see the rule-set reference in README.md (hcsim rules show zhejiang-2020 for an example)").at_line(line)
        })?;
        Self::compile(file).map_err(|e| {
            let line = e.field.as_deref().and_then(|f| toml_line(text, f));
            InputError {
                source: name.to_string(),
                line,
                ..e
            }
        })
    }

    fn compile(f: RuleSetFile) -> Result<RuleSet, InputError> {
        if f.name.trim().is_empty() {
            return Err(problem(
                "name",
                "must not be empty",
                "give the rule set a name",
            ));
        }
        if f.window_days == 0 {
            return Err(problem(
                "window_days",
                "must be at least 1",
                "give the default evidence window in days, e.g. 14",
            ));
        }
        if f.rules.len() > 250 {
            return Err(problem(
                "rule",
                format!("{} rules; at most 250 are supported", f.rules.len()),
                "split the rule set",
            ));
        }
        if f.rules.iter().all(|r| !r.enabled) {
            return Err(problem(
                "rule",
                "no rules",
                "add [[rule]] tables with id, colour and when",
            ));
        }
        let mut rules = Vec::new();
        let mut colocation: Option<Colocation> = None;
        for (i, r) in f.rules.iter().enumerate() {
            if !r.enabled {
                continue;
            }
            let field = format!("rule[{i}]");
            let rid = if r.id.is_empty() {
                format!("#{}", i + 1)
            } else {
                r.id.clone()
            };
            if r.id.trim().is_empty() {
                return Err(problem(
                    &format!("{field}.id"),
                    format!("rule {rid} has no id"),
                    "give every rule a short unique id",
                ));
            }
            if f.rules[..i].iter().any(|o| o.id == r.id) {
                return Err(problem(
                    &format!("{field}.id"),
                    format!("rule `{rid}`: the id is used twice"),
                    "give every rule a unique id",
                ));
            }
            let colour = Colour::parse(&r.colour).ok_or_else(|| {
                problem(
                    &format!("{field}.colour"),
                    format!("rule `{rid}`: unknown colour {:?}", r.colour),
                    "use green, yellow or red",
                )
            })?;
            if colour == Colour::Green && !r.popup {
                return Err(problem(
                    &format!("{field}.colour"),
                    format!("rule `{rid}` assigns green, which every code is without rules"),
                    "give colour = \"yellow\" or \"red\", or popup = true",
                ));
            }
            let cond = expr::parse(&r.when, f.window_days).map_err(|e| {
                problem(
                    &format!("{field}.when"),
                    format!("rule `{rid}`: column {}: {}", e.column, e.problem),
                    e.fix,
                )
            })?;
            let mut seen = None;
            visit_preds(&cond, &mut |p| {
                if let Pred::Colocated(c) = p {
                    seen = Some(*c);
                }
            });
            if let Some(c) = seen {
                if colocation.is_some_and(|o| o != c) {
                    return Err(problem(
                        &format!("{field}.when"),
                        format!("rule `{rid}`: a second colocated(...) with other parameters"),
                        "use the same colocated(...) parameters in every rule of the set",
                    ));
                }
                colocation = Some(c);
            }
            rules.push(Rule {
                id: r.id.clone(),
                colour,
                popup: r.popup,
                cond,
                hold: r.hold,
                when: r.when.clone(),
                note: r.note.clone(),
            });
        }
        let t = &f.transitions;
        let missed_checkin_resets = match t.missed_checkin.as_str() {
            "reset" => true,
            "pause" => false,
            other => {
                return Err(problem(
                    "transitions.missed_checkin",
                    format!("unknown value {other:?}"),
                    "use \"reset\" or \"pause\"",
                ));
            }
        };
        let red = transition("transitions.red", t.red.as_ref(), Colour::Red)?;
        let yellow = transition("transitions.yellow", t.yellow.as_ref(), Colour::Yellow)?;
        let popup = transition("transitions.popup", t.popup.as_ref(), Colour::Yellow)?;
        for (colour, has, field) in [
            (Colour::Red, red.is_some(), "transitions.red"),
            (Colour::Yellow, yellow.is_some(), "transitions.yellow"),
        ] {
            if !has && rules.iter().any(|r| r.colour == colour && !r.popup) {
                return Err(problem(
                    "transitions",
                    format!("rules assign {} but there is no [{field}]", colour.name()),
                    format!(
                        "add [{field}] with to and one of after_checkins, after_days, after_negative_tests, on_release"
                    ),
                ));
            }
        }
        if popup.is_none() && rules.iter().any(|r| r.popup) {
            return Err(problem(
                "transitions",
                "rules show a pop-up but there is no [transitions.popup]",
                "add [transitions.popup] with after_negative_tests or after_days",
            ));
        }
        let screening = match &f.screening {
            None => None,
            Some(s) => {
                if s.interval_days == 0 {
                    return Err(problem(
                        "screening.interval_days",
                        "must be at least 1",
                        "give the days between screening rounds",
                    ));
                }
                if s.pool_size == 0 || s.pool_size > 50 {
                    return Err(problem(
                        "screening.pool_size",
                        format!("must be 1 to 50 (got {})", s.pool_size),
                        "give the samples per pool, 1 for single tubes",
                    ));
                }
                if !(0.0..=1.0).contains(&s.participation) {
                    return Err(problem(
                        "screening.participation",
                        format!("must be a probability (got {})", s.participation),
                        "give a value from 0 to 1",
                    ));
                }
                Some(Screening {
                    interval_days: s.interval_days,
                    pool_size: s.pool_size,
                    participation: s.participation,
                })
            }
        };
        Ok(RuleSet {
            name: f.name,
            description: f.description,
            source: f.source,
            window_days: f.window_days,
            overlay: f.overlay,
            rules,
            red,
            yellow,
            popup,
            missed_checkin_resets,
            colocation,
            screening,
        })
    }

    /// A built-in name, or else a rule file path (relative to `dir`).
    pub fn load(spec: &str, dir: &Path) -> Result<RuleSet, InputError> {
        if let Some(text) = builtin::text(spec) {
            return RuleSet::parse(&format!("built-in rule set {spec}"), text);
        }
        let path = dir.join(spec);
        let looks_like_path = spec.ends_with(".toml") || spec.contains('/');
        let text = std::fs::read_to_string(&path).map_err(|e| {
            if looks_like_path {
                InputError::new(
                    path.display().to_string(),
                    format!("cannot read the rule file {} ({e})", path.display()),
                    "check the path, or use a built-in rule set (hcsim rules list)",
                )
            } else {
                InputError::new(
                    spec,
                    "no built-in rule set has this name and no such file exists",
                    format!(
                        "use one of {} or a path to a rule file",
                        builtin::names().join(", ")
                    ),
                )
            }
        })?;
        RuleSet::parse(&path.display().to_string(), &text)
    }
}

/// Rule sets a policy may combine (a base and its overlays): a person's codes
/// then fit in a small fixed array.
pub const MAX_SETS: usize = 8;

/// A policy: a base rule set and optional overlays, written `base+overlay`;
/// `none` runs the ground truth alone, without observation or codes.
pub fn load_policy(spec: &str, dir: &Path) -> Result<Vec<RuleSet>, InputError> {
    if spec.trim() == "none" {
        return Ok(Vec::new());
    }
    let sets: Vec<RuleSet> = spec
        .split('+')
        .map(|s| RuleSet::load(s.trim(), dir))
        .collect::<Result<_, _>>()?;
    if sets.len() > MAX_SETS {
        return Err(InputError::new(
            spec,
            format!(
                "{} rule sets combined; a policy holds at most {MAX_SETS}",
                sets.len()
            ),
            "merge some overlays into one rule file",
        ));
    }
    for (i, s) in sets.iter().enumerate() {
        if i > 0 && !s.overlay {
            return Err(InputError::new(
                spec,
                format!("{} is not an overlay, so it cannot follow +", s.name),
                "write base+overlay with an overlay rule set (overlay = true) after +",
            ));
        }
    }
    // One companion listing per person: every set must ask the same question.
    let mut colocation = sets.iter().filter_map(|s| s.colocation);
    if let Some(first) = colocation.next()
        && colocation.any(|c| c != first)
    {
        return Err(InputError::new(
            spec,
            "the rule sets use colocated(...) with different parameters",
            "combine rule sets whose colocated(...) parameters agree",
        ));
    }
    Ok(sets)
}

fn transition(
    field: &str,
    t: Option<&TransitionFile>,
    from: Colour,
) -> Result<Option<Transition>, InputError> {
    let Some(t) = t else { return Ok(None) };
    let to = Colour::parse(&t.to).ok_or_else(|| {
        problem(
            &format!("{field}.to"),
            format!("unknown colour {:?}", t.to),
            "use yellow or green",
        )
    })?;
    if from != Colour::Yellow && to >= from || from == Colour::Yellow && to == Colour::Red {
        return Err(problem(
            &format!("{field}.to"),
            format!("a {} code can only move down", from.name()),
            "give a milder colour as `to`",
        ));
    }
    let given = [
        t.after_checkins.is_some(),
        t.after_days.is_some(),
        t.after_negative_tests.is_some(),
        t.on_release,
    ]
    .iter()
    .filter(|&&b| b)
    .count();
    if given != 1 {
        return Err(problem(
            field,
            format!("{given} conditions given"),
            "give exactly one of after_checkins, after_days, after_negative_tests, on_release",
        ));
    }
    if [t.after_checkins, t.after_negative_tests]
        .iter()
        .flatten()
        .any(|&n| n > 255)
    {
        return Err(problem(
            field,
            "at most 255 check-ins or tests can be counted",
            "give a count of 255 or less",
        ));
    }
    let how = if let Some(n) = t.after_checkins {
        Progress::Checkins(n.max(1))
    } else if let Some(n) = t.after_days {
        Progress::Days(n.max(1))
    } else if let Some(n) = t.after_negative_tests {
        Progress::NegativeTests {
            n: n.max(1),
            gap_days: t.min_hours_apart.div_ceil(24),
        }
    } else {
        Progress::Release
    };
    Ok(Some(Transition { to, how }))
}

/// Calls `f` on every predicate of a condition.
pub fn visit_preds(c: &Cond, f: &mut impl FnMut(&Pred)) {
    match c {
        Cond::And(v) | Cond::Or(v) => v.iter().for_each(|c| visit_preds(c, f)),
        Cond::Not(c) => visit_preds(c, f),
        Cond::Pred(p) => f(p),
    }
}
