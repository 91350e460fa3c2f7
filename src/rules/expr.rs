//! The condition language of rule files: predicates over evidence combined
//! with `and`, `or`, `not` and parentheses, e.g.
//! `registry(confirmed) or (close_contact(of = any, within = 14) and not test_negative(within = 2))`.
//! Parsing checks predicate names and arguments and reports the column and fix.

use crate::evidence::{Level, LocationSource};

/// A compiled condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Pred(Pred),
}

/// Registry statuses a rule can ask about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistryKind {
    Confirmed,
    Suspected,
    Asymptomatic,
    Isolated,
    Any,
}

/// Parameters of the spatiotemporal-companion rule (Chengdu 2021).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Colocation {
    pub grid_m: f64,
    pub min_minutes: u32,
    /// Either phone's hours in the cell over the window; 0 switches this part off.
    pub min_hours: f64,
    pub window_days: u32,
}

/// Longest window a predicate may have, days (day arithmetic stays in range).
pub const MAX_WINDOW: u32 = 10_000;

/// Evidence predicates. `within` counts days up to and including today.
#[derive(Clone, Debug, PartialEq)]
pub enum Pred {
    Registry(RegistryKind),
    /// Listed as a close contact of an index case of one of the `index::*` kinds.
    CloseContact {
        index_kinds: u8,
        within: u32,
    },
    SecondaryContact {
        within: u32,
    },
    VisitedRiskArea {
        level: Level,
        sources: [bool; 3],
        within: u32,
    },
    LivesInRiskArea {
        level: Level,
    },
    DistrictRisk {
        level: Level,
        within: u32,
    },
    Colocated(Colocation),
    Symptoms {
        within: u32,
    },
    ClinicVisit {
        within: u32,
    },
    Fever {
        within: u32,
    },
    ArrivedFrom {
        level: Level,
        within: u32,
    },
    MissedCheckins {
        n: u32,
    },
    NoTest {
        within: u32,
    },
    TestPositive {
        within: u32,
    },
    TestNegative {
        within: u32,
    },
    PoolPositive {
        within: u32,
    },
    Released {
        within: u32,
    },
}

/// A parse error: column (1-based, in the expression) and the fix.
#[derive(Clone, Debug, PartialEq)]
pub struct ExprError {
    pub column: usize,
    pub problem: String,
    pub fix: String,
}

/// Predicate names with their arguments, for help and error messages.
pub const PREDICATES: &[(&str, &str)] = &[
    (
        "registry",
        "registry(confirmed|suspected|asymptomatic|isolated|any): listed in the key-persons registry",
    ),
    (
        "close_contact",
        "close_contact(of = confirmed|any, within = D): listed as a close contact of a confirmed case (or of any case, asymptomatic included)",
    ),
    (
        "secondary_contact",
        "secondary_contact(within = D): listed as a contact of a close contact",
    ),
    (
        "visited_risk_area",
        "visited_risk_area(level = low|medium|high, source = cell|gps|wifi|any, within = D): an observed location fell in a risk area of at least that level",
    ),
    (
        "lives_in_risk_area",
        "lives_in_risk_area(level = L): the home compound is in a risk area of at least that level today",
    ),
    (
        "district_risk",
        "district_risk(level = L, within = D): the home or work district had at least that level",
    ),
    (
        "colocated",
        "colocated(grid_m = 800, min_minutes = 10, min_hours = 30, within = 14): the phone shared a grid cell with a case's phone (spatiotemporal companion)",
    ),
    (
        "symptoms",
        "symptoms(within = D): self-reported symptoms at a daily check-in",
    ),
    (
        "clinic_visit",
        "clinic_visit(within = D): visited a clinic for symptoms",
    ),
    (
        "fever",
        "fever(within = D): a temperature scan at or above the threshold",
    ),
    (
        "arrived_from",
        "arrived_from(level = medium|high, within = D): the travel card lists a region of at least that level",
    ),
    (
        "missed_checkins",
        "missed_checkins(n = N): missed the last N daily check-ins in a row",
    ),
    (
        "no_test",
        "no_test(within = D): no test result in the last D days",
    ),
    (
        "test_positive",
        "test_positive(within = D): a positive test result",
    ),
    (
        "test_negative",
        "test_negative(within = D): a negative test result",
    ),
    (
        "pool_positive",
        "pool_positive(within = D): the person's pooled sample tested positive, no single-tube result yet",
    ),
    (
        "released",
        "released(within = D): left the case registry in the last D days",
    ),
];

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Num(f64),
    LParen,
    RParen,
    Comma,
    Eq,
    Pipe,
}

fn lex(s: &str) -> Result<Vec<(Tok, usize)>, ExprError> {
    let mut out = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' | ')' | ',' | '=' | '|' => {
                out.push((
                    match c {
                        '(' => Tok::LParen,
                        ')' => Tok::RParen,
                        ',' => Tok::Comma,
                        '=' => Tok::Eq,
                        _ => Tok::Pipe,
                    },
                    col,
                ));
                i += 1;
            }
            c if c.is_ascii_digit() || c == '.' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_digit() || chars[i] == '.' || chars[i] == '_')
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().filter(|&&c| c != '_').collect();
                let v = text.parse().map_err(|_| ExprError {
                    column: col,
                    problem: format!("`{text}` is not a number"),
                    fix: "write numbers like 14 or 0.5".into(),
                })?;
                out.push((Tok::Num(v), col));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '-')
                {
                    i += 1;
                }
                out.push((Tok::Ident(chars[start..i].iter().collect()), col));
            }
            other => {
                return Err(ExprError {
                    column: col,
                    problem: format!("unexpected character `{other}`"),
                    fix: "use predicates, and, or, not and parentheses".into(),
                });
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    end_col: usize,
    default_window: u32,
}

fn err(column: usize, problem: impl Into<String>, fix: impl Into<String>) -> ExprError {
    ExprError {
        column,
        problem: problem.into(),
        fix: fix.into(),
    }
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }
    fn col(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end_col, |t| t.1)
    }
    fn keyword(&self, k: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if s == k)
    }

    fn or(&mut self) -> Result<Cond, ExprError> {
        let mut items = vec![self.and()?];
        while self.keyword("or") {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap()
        } else {
            Cond::Or(items)
        })
    }

    fn and(&mut self) -> Result<Cond, ExprError> {
        let mut items = vec![self.unary()?];
        while self.keyword("and") {
            self.pos += 1;
            items.push(self.unary()?);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap()
        } else {
            Cond::And(items)
        })
    }

    fn unary(&mut self) -> Result<Cond, ExprError> {
        if self.keyword("not") {
            self.pos += 1;
            return Ok(Cond::Not(Box::new(self.unary()?)));
        }
        match self.peek().cloned() {
            Some(Tok::LParen) => {
                self.pos += 1;
                let c = self.or()?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(err(self.col(), "missing `)`", "close every parenthesis"));
                }
                self.pos += 1;
                Ok(c)
            }
            Some(Tok::Ident(name)) => {
                let col = self.col();
                self.pos += 1;
                let args = if self.peek() == Some(&Tok::LParen) {
                    self.args()?
                } else {
                    Vec::new()
                };
                Ok(Cond::Pred(self.predicate(&name, col, args)?))
            }
            _ => Err(err(
                self.col(),
                "expected a predicate, `not` or `(`",
                "write a condition such as registry(confirmed) or symptoms(within = 7)",
            )),
        }
    }

    /// `( [name =] value [| value ...], ... )`
    fn args(&mut self) -> Result<Vec<Arg>, ExprError> {
        self.pos += 1;
        let mut args = Vec::new();
        if self.peek() == Some(&Tok::RParen) {
            self.pos += 1;
            return Ok(args);
        }
        loop {
            let col = self.col();
            let mut name = None;
            if let (Some(Tok::Ident(n)), Some((Tok::Eq, _))) =
                (self.peek().cloned(), self.toks.get(self.pos + 1))
            {
                name = Some(n);
                self.pos += 2;
            }
            let mut values = vec![self.value()?];
            while self.peek() == Some(&Tok::Pipe) {
                self.pos += 1;
                values.push(self.value()?);
            }
            args.push(Arg { name, values, col });
            match self.peek() {
                Some(Tok::Comma) => self.pos += 1,
                Some(Tok::RParen) => {
                    self.pos += 1;
                    return Ok(args);
                }
                _ => {
                    return Err(err(
                        self.col(),
                        "expected `,` or `)` in the argument list",
                        "separate arguments with commas and close with `)`",
                    ));
                }
            }
        }
    }

    fn value(&mut self) -> Result<Value, ExprError> {
        let col = self.col();
        let v = match self.peek().cloned() {
            Some(Tok::Ident(s)) => Value::Word(s),
            Some(Tok::Num(n)) => Value::Num(n),
            _ => {
                return Err(err(
                    col,
                    "expected a value",
                    "give a word such as high or a number such as 14",
                ));
            }
        };
        self.pos += 1;
        Ok(v)
    }

    fn predicate(&self, name: &str, col: usize, args: Vec<Arg>) -> Result<Pred, ExprError> {
        let mut a = Args {
            args,
            pred: name.to_string(),
            col,
            default_window: self.default_window,
        };
        let pred = match name {
            "registry" => {
                let kind = a.word(None, "any")?;
                Pred::Registry(match kind.as_str() {
                    "confirmed" => RegistryKind::Confirmed,
                    "suspected" => RegistryKind::Suspected,
                    "asymptomatic" => RegistryKind::Asymptomatic,
                    "isolated" => RegistryKind::Isolated,
                    "any" => RegistryKind::Any,
                    other => {
                        return Err(err(
                            col,
                            format!("registry({other}): unknown status"),
                            "use confirmed, suspected, asymptomatic, isolated or any",
                        ));
                    }
                })
            }
            "close_contact" => {
                let of = a.word(Some("of"), "confirmed")?;
                let index_kinds = match of.as_str() {
                    "confirmed" => crate::evidence::index::CONFIRMED,
                    "any" => {
                        crate::evidence::index::CONFIRMED
                            | crate::evidence::index::ASYMPTOMATIC
                            | crate::evidence::index::SUSPECTED
                    }
                    other => {
                        return Err(err(
                            col,
                            format!("close_contact(of = {other}): unknown index case kind"),
                            "use of = confirmed or of = any",
                        ));
                    }
                };
                Pred::CloseContact {
                    index_kinds,
                    within: a.window()?,
                }
            }
            "secondary_contact" => Pred::SecondaryContact {
                within: a.window()?,
            },
            "visited_risk_area" => {
                let level = a.level("medium")?;
                let words = a.words("source", &["any"])?;
                let mut sources = [false; 3];
                for w in &words {
                    match w.as_str() {
                        "any" => sources = [true; 3],
                        s => match LocationSource::ALL.iter().find(|x| x.name() == s) {
                            Some(x) => sources[*x as usize] = true,
                            None => {
                                return Err(err(
                                    col,
                                    format!("source = {s}: unknown location source"),
                                    "use cell, gps, wifi or any (several as cell|gps)",
                                ));
                            }
                        },
                    }
                }
                Pred::VisitedRiskArea {
                    level,
                    sources,
                    within: a.window()?,
                }
            }
            "lives_in_risk_area" => Pred::LivesInRiskArea {
                level: a.level("medium")?,
            },
            "district_risk" => Pred::DistrictRisk {
                level: a.level("medium")?,
                within: a.window()?,
            },
            "colocated" => Pred::Colocated(Colocation {
                grid_m: a.number("grid_m", 800.0)?,
                min_minutes: a.number("min_minutes", 10.0)? as u32,
                min_hours: a.number("min_hours", 30.0)?,
                window_days: a.window()?,
            }),
            "symptoms" => Pred::Symptoms {
                within: a.window()?,
            },
            "clinic_visit" => Pred::ClinicVisit {
                within: a.window()?,
            },
            "fever" => Pred::Fever {
                within: a.window()?,
            },
            "arrived_from" => Pred::ArrivedFrom {
                level: a.level("high")?,
                within: a.window()?,
            },
            "missed_checkins" => Pred::MissedCheckins {
                n: a.number("n", 1.0)? as u32,
            },
            "no_test" => Pred::NoTest {
                within: a.window()?,
            },
            "test_positive" => Pred::TestPositive {
                within: a.window()?,
            },
            "test_negative" => Pred::TestNegative {
                within: a.window()?,
            },
            "pool_positive" => Pred::PoolPositive {
                within: a.window()?,
            },
            "released" => Pred::Released {
                within: a.window()?,
            },
            "and" | "or" | "not" => {
                return Err(err(
                    col,
                    format!("`{name}` needs a condition on each side"),
                    "write e.g. symptoms and fever",
                ));
            }
            other => {
                let known: Vec<&str> = PREDICATES.iter().map(|p| p.0).collect();
                return Err(err(
                    col,
                    format!("unknown predicate `{other}`"),
                    format!("use one of {}", known.join(", ")),
                ));
            }
        };
        a.finish()?;
        Ok(pred)
    }
}

#[derive(Clone, Debug)]
enum Value {
    Word(String),
    Num(f64),
}

#[derive(Clone, Debug)]
struct Arg {
    name: Option<String>,
    values: Vec<Value>,
    col: usize,
}

/// Arguments of one predicate, consumed by name (or position for the first).
struct Args {
    args: Vec<Arg>,
    pred: String,
    col: usize,
    default_window: u32,
}

impl Args {
    fn take(&mut self, name: Option<&str>) -> Option<Arg> {
        let i = match name {
            Some(n) => self.args.iter().position(|a| a.name.as_deref() == Some(n)),
            None => self.args.iter().position(|a| a.name.is_none()),
        }?;
        Some(self.args.remove(i))
    }
    fn words(&mut self, name: &str, default: &[&str]) -> Result<Vec<String>, ExprError> {
        match self.take(Some(name)) {
            None => Ok(default.iter().map(|s| s.to_string()).collect()),
            Some(a) => a
                .values
                .into_iter()
                .map(|v| match v {
                    Value::Word(w) => Ok(w),
                    Value::Num(n) => Err(err(
                        a.col,
                        format!("{} = {n}: expected a word", name),
                        "give a word, e.g. source = cell",
                    )),
                })
                .collect(),
        }
    }
    fn word(&mut self, name: Option<&str>, default: &str) -> Result<String, ExprError> {
        let Some(a) = self.take(name) else {
            return Ok(default.to_string());
        };
        match a.values.as_slice() {
            [Value::Word(w)] => Ok(w.clone()),
            _ => Err(err(
                a.col,
                format!("{}: expected one word", self.pred),
                "give a single word",
            )),
        }
    }
    fn number(&mut self, name: &str, default: f64) -> Result<f64, ExprError> {
        match self.take(Some(name)) {
            None => Ok(default),
            Some(a) => match a.values.as_slice() {
                [Value::Num(n)] if *n >= 0.0 => Ok(*n),
                _ => Err(err(
                    a.col,
                    format!(
                        "{}({name} = ...): expected a number of 0 or more",
                        self.pred
                    ),
                    format!("write {name} = 14"),
                )),
            },
        }
    }
    fn window(&mut self) -> Result<u32, ExprError> {
        let w = self.number("within", self.default_window as f64)?;
        if w < 1.0 {
            return Err(err(
                self.col,
                format!(
                    "{}(within = {w}): the window must be at least 1 day",
                    self.pred
                ),
                "give within = 1 or more",
            ));
        }
        if w > MAX_WINDOW as f64 {
            return Err(err(
                self.col,
                format!(
                    "{}(within = {w}): the window must be at most {MAX_WINDOW} days",
                    self.pred
                ),
                "give a window of days a rule can look back over, e.g. within = 14",
            ));
        }
        Ok(w as u32)
    }
    fn level(&mut self, default: &str) -> Result<Level, ExprError> {
        let w = self.word(Some("level"), default)?;
        Level::parse(&w).ok_or_else(|| {
            err(
                self.col,
                format!("level = {w}: unknown risk level"),
                "use low, medium or high",
            )
        })
    }
    fn finish(self) -> Result<(), ExprError> {
        if let Some(a) = self.args.first() {
            let what = a
                .name
                .clone()
                .unwrap_or_else(|| "a positional argument".into());
            let usage = PREDICATES
                .iter()
                .find(|p| p.0 == self.pred)
                .map_or("", |p| p.1);
            return Err(err(
                a.col,
                format!("{}: unexpected argument {what}", self.pred),
                format!("arguments are: {usage}"),
            ));
        }
        Ok(())
    }
}

/// Parses a condition; `within` defaults to `default_window` days.
pub fn parse(text: &str, default_window: u32) -> Result<Cond, ExprError> {
    let toks = lex(text)?;
    let mut p = Parser {
        toks,
        pos: 0,
        end_col: text.chars().count() + 1,
        default_window,
    };
    let c = p.or()?;
    if p.pos < p.toks.len() {
        return Err(err(
            p.col(),
            "unexpected text after the condition",
            "join conditions with and / or",
        ));
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_precedence_and_arguments() {
        let c = parse(
            "registry(confirmed) or close_contact(of = any) and not symptoms(within = 3)",
            14,
        )
        .unwrap();
        let Cond::Or(items) = c else {
            panic!("or at the top")
        };
        assert_eq!(
            items[0],
            Cond::Pred(Pred::Registry(RegistryKind::Confirmed))
        );
        let Cond::And(ands) = &items[1] else {
            panic!("and binds tighter")
        };
        assert!(matches!(
            ands[0],
            Cond::Pred(Pred::CloseContact { within: 14, .. })
        ));
        assert_eq!(
            ands[1],
            Cond::Not(Box::new(Cond::Pred(Pred::Symptoms { within: 3 })))
        );
    }

    #[test]
    fn sources_combine_with_pipes() {
        let c = parse("visited_risk_area(level = high, source = cell|gps)", 14).unwrap();
        assert_eq!(
            c,
            Cond::Pred(Pred::VisitedRiskArea {
                level: Level::High,
                sources: [true, true, false],
                within: 14
            })
        );
    }

    #[test]
    fn errors_name_the_column_and_fix() {
        let e = parse("symptoms or visted_risk_area(level = high)", 14).unwrap_err();
        assert_eq!(e.column, 13);
        assert!(e.problem.contains("unknown predicate `visted_risk_area`"));
        assert!(e.fix.contains("visited_risk_area"));
        let e = parse("fever(within = 3, level = high)", 14).unwrap_err();
        assert!(
            e.problem.contains("unexpected argument level"),
            "{}",
            e.problem
        );
        let e = parse("(fever", 14).unwrap_err();
        assert!(e.problem.contains("missing `)`"));
        let e = parse("registry(sick)", 14).unwrap_err();
        assert!(e.fix.contains("confirmed"));
    }
}
