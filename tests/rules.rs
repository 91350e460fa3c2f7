//! Every built-in rule set against its documented conditions and transitions,
//! on hand-built evidence: a person's evidence is set by hand day by day and
//! the code is stepped through the days.

use std::path::Path;

use hcsim::evidence::{Context, Evidence, Level, LocationSource, index, registry};
use hcsim::rules::code::{Code, step};
use hcsim::rules::{Colour, RuleSet};

fn set(name: &str) -> RuleSet {
    RuleSet::load(name, Path::new(".")).unwrap_or_else(|e| panic!("{e}"))
}

/// A person's story: evidence and context per day, and whether they check in.
struct Story {
    evidence: Box<dyn Fn(u32) -> Evidence>,
    context: Box<dyn Fn(u32) -> Context>,
    checked_in: Box<dyn Fn(u32) -> bool>,
}

impl Story {
    fn new(evidence: impl Fn(u32) -> Evidence + 'static) -> Self {
        Self {
            evidence: Box::new(evidence),
            context: Box::new(|_| Context::default()),
            checked_in: Box::new(|_| true),
        }
    }
    fn context(mut self, c: impl Fn(u32) -> Context + 'static) -> Self {
        self.context = Box::new(c);
        self
    }
    fn checkins(mut self, c: impl Fn(u32) -> bool + 'static) -> Self {
        self.checked_in = Box::new(c);
        self
    }
    /// Displayed colour on each day `0..days`.
    fn colours(&self, set: &RuleSet, days: u32) -> Vec<Colour> {
        let mut code = Code::default();
        (0..days)
            .map(|d| {
                step(
                    set,
                    &mut code,
                    &(self.evidence)(d),
                    &(self.context)(d),
                    d,
                    (self.checked_in)(d),
                );
                code.colour()
            })
            .collect()
    }
    fn popups(&self, set: &RuleSet, days: u32) -> Vec<bool> {
        let mut code = Code::default();
        (0..days)
            .map(|d| {
                step(
                    set,
                    &mut code,
                    &(self.evidence)(d),
                    &(self.context)(d),
                    d,
                    (self.checked_in)(d),
                );
                code.popup
            })
            .collect()
    }
}

/// Evidence recorded on `day` and visible from then on.
fn from(day: u32, today: u32, f: impl Fn(&mut Evidence)) -> Evidence {
    let mut e = Evidence::default();
    if today >= day {
        f(&mut e);
    }
    e
}

/// Listed in the registry with `bits` over `[since, until)`.
fn listed(bits: u8, since: u32, until: u32, today: u32) -> Evidence {
    let mut e = Evidence::default();
    if today >= since && today < until {
        e.registry = bits;
        e.registry_since = since as u16;
        e.registry_until = until as u16;
    }
    if today >= until && bits & (registry::CONFIRMED | registry::ASYMPTOMATIC) != 0 {
        e.released_day = until as u16;
    }
    e
}

/// The first day with each colour change, as (day, colour).
fn changes(colours: &[Colour]) -> Vec<(u32, Colour)> {
    let mut out = Vec::new();
    let mut last = Colour::Green;
    for (d, &c) in colours.iter().enumerate() {
        if c != last {
            out.push((d as u32, c));
            last = c;
        }
    }
    out
}

use Colour::{Green, Red, Yellow};

fn gps_risk_visit(day: u32, level: Level) -> impl Fn(u32) -> Evidence {
    move |d| {
        from(day, d, |e| {
            e.risk_visit[level as usize][LocationSource::Gps as usize] = day as u16
        })
    }
}

#[test]
fn zhejiang_2020_red_turns_yellow_after_7_checkins_and_green_after_14() {
    let z = set("zhejiang-2020");
    let story = Story::new(gps_risk_visit(2, Level::Medium));
    assert_eq!(
        changes(&story.colours(&z, 30)),
        vec![(2, Red), (9, Yellow), (16, Green)]
    );
}

#[test]
fn zhejiang_2020_conditions() {
    let z = set("zhejiang-2020");
    // Registry hits: confirmed and suspected are held red while listed, then
    // staged down by check-ins from the first day off the list (day 10).
    let confirmed = Story::new(|d| listed(registry::CONFIRMED, 1, 10, d));
    assert_eq!(
        changes(&confirmed.colours(&z, 30)),
        vec![(1, Red), (16, Yellow), (23, Green)]
    );
    let suspected = Story::new(|d| listed(registry::SUSPECTED, 1, 3, d));
    assert_eq!(changes(&suspected.colours(&z, 30)).first(), Some(&(1, Red)));
    // Close contact of a confirmed case.
    let contact = Story::new(|d| {
        from(4, d, |e| {
            e.contact_day = 4;
            e.contact_index = index::CONFIRMED;
        })
    });
    assert_eq!(changes(&contact.colours(&z, 12)).first(), Some(&(4, Red)));
    // Operator (cell) records alone do not match compound-level areas in this rule set.
    let cell_only = Story::new(|d| {
        from(2, d, |e| {
            e.risk_visit[Level::High as usize][LocationSource::Cell as usize] = 2
        })
    });
    assert!(cell_only.colours(&z, 20).iter().all(|&c| c == Green));
    // Arrival from a high-risk region (travel card).
    let hubei = Story::new(|d| from(0, d, |e| e.travel_card[Level::High as usize] = 0));
    assert_eq!(
        changes(&hubei.colours(&z, 20)),
        vec![(0, Red), (7, Yellow), (14, Green)]
    );
    // Fever alone is not enough; fever in a person of concern is red.
    let fever = Story::new(|d| from(3, d, |e| e.fever_day = 3));
    assert!(fever.colours(&z, 20).iter().all(|&c| c == Green));
    let fever_of_concern = Story::new(|d| {
        from(3, d, |e| {
            e.fever_day = 3;
            e.travel_card[Level::Medium as usize] = 1;
        })
    });
    assert_eq!(
        changes(&fever_of_concern.colours(&z, 20)).first(),
        Some(&(3, Red))
    );
    // Self-reported symptoms or a clinic visit: yellow, green after 7 check-ins.
    let symptoms = Story::new(|d| from(5, d, |e| e.symptom_report_day = 5));
    assert_eq!(
        changes(&symptoms.colours(&z, 20)),
        vec![(5, Yellow), (12, Green)]
    );
    let clinic = Story::new(|d| from(5, d, |e| e.clinic_day = 5));
    assert_eq!(
        changes(&clinic.colours(&z, 20)),
        vec![(5, Yellow), (12, Green)]
    );
}

#[test]
fn zhejiang_2020_a_missed_checkin_restarts_the_count() {
    let z = set("zhejiang-2020");
    let story = Story::new(|d| from(5, d, |e| e.symptom_report_day = 5)).checkins(|d| d != 8);
    // Check-ins on days 6 and 7 count, day 8 resets, then 7 more: days 9..15.
    assert_eq!(
        changes(&story.colours(&z, 20)),
        vec![(5, Yellow), (15, Green)]
    );
}

#[test]
fn zhejiang_2020_new_evidence_restarts_and_old_evidence_does_not_return() {
    let z = set("zhejiang-2020");
    // Symptoms reported on day 1 and again on day 4: the countdown restarts on day 4.
    let story = Story::new(|d| from(1, d, |e| e.symptom_report_day = if d >= 4 { 4 } else { 1 }));
    assert_eq!(
        changes(&story.colours(&z, 20)),
        vec![(1, Yellow), (11, Green)]
    );
    // The same report stays within the 14-day window after the code turned
    // green, but it does not turn the code yellow again.
    assert!(story.colours(&z, 20)[11..].iter().all(|&c| c == Green));
}

#[test]
fn zhejiang_2020_xinhua_red_turns_green_after_14_checkins_yellow_after_7() {
    let x = set("zhejiang-2020-xinhua");
    assert_eq!(
        changes(&Story::new(gps_risk_visit(2, Level::High)).colours(&x, 30)),
        vec![(2, Red), (16, Green)]
    );
    let symptoms = Story::new(|d| from(5, d, |e| e.symptom_report_day = 5));
    assert_eq!(
        changes(&symptoms.colours(&x, 20)),
        vec![(5, Yellow), (12, Green)]
    );
}

#[test]
fn hubei_2020_conditions_and_transitions() {
    let h = set("hubei-2020");
    // A case is red until discharge (release from the registry), then yellow for 14 days.
    let case = Story::new(|d| listed(registry::CONFIRMED, 2, 20, d));
    assert_eq!(
        changes(&case.colours(&h, 40)),
        vec![(2, Red), (20, Yellow), (34, Green)]
    );
    // A close contact in isolation is yellow for 14 days from listing.
    let contact = Story::new(|d| {
        let mut e = listed(registry::ISOLATED, 3, 17, d);
        if d >= 3 {
            e.contact_day = 3;
            e.contact_index = index::CONFIRMED;
        }
        e
    });
    assert_eq!(
        changes(&contact.colours(&h, 40)),
        vec![(3, Yellow), (17, Green)]
    );
    // Green -> yellow on an abnormal scan or a missing temperature record.
    let fever = Story::new(|d| from(6, d, |e| e.fever_day = 6));
    assert_eq!(
        changes(&fever.colours(&h, 30)),
        vec![(6, Yellow), (20, Green)]
    );
    let missed = Story::new(|_| Evidence::default()).context(|d| Context {
        missed_checkins: (d == 5) as u16,
        ..Context::default()
    });
    assert_eq!(
        changes(&missed.colours(&h, 30)),
        vec![(5, Yellow), (19, Green)]
    );
    // A fever case at a fever clinic is red.
    let fever_case = Story::new(|d| {
        from(4, d, |e| {
            e.fever_day = 4;
            e.clinic_day = 4;
        })
    });
    assert_eq!(fever_case.colours(&h, 5)[4], Red);
}

#[test]
fn shaanxi_2020_conditions_and_transitions() {
    let s = set("shaanxi-2020");
    let contact_of = |kind: u8| {
        Story::new(move |d| {
            from(2, d, |e| {
                e.contact_day = 2;
                e.contact_index = kind;
            })
        })
    };
    // Close contacts of confirmed cases only; green after 14 normal check-ins.
    assert_eq!(
        changes(&contact_of(index::CONFIRMED).colours(&s, 30)),
        vec![(2, Red), (16, Green)]
    );
    assert!(
        contact_of(index::ASYMPTOMATIC)
            .colours(&s, 30)
            .iter()
            .all(|&c| c == Green)
    );
    let key_area = Story::new(|d| from(1, d, |e| e.travel_card[Level::High as usize] = 1));
    assert_eq!(
        changes(&key_area.colours(&s, 30)),
        vec![(1, Red), (15, Green)]
    );
    let other_province = Story::new(|d| from(1, d, |e| e.travel_card[Level::Medium as usize] = 1));
    assert_eq!(
        changes(&other_province.colours(&s, 30)),
        vec![(1, Yellow), (15, Green)]
    );
    let symptoms = Story::new(|d| from(3, d, |e| e.symptom_report_day = 3));
    assert_eq!(changes(&symptoms.colours(&s, 30)).first(), Some(&(3, Red)));
    let compound = Story::new(|_| Evidence::default()).context(|d| Context {
        home_risk: (d >= 2).then_some(Level::Medium),
        ..Context::default()
    });
    assert_eq!(compound.colours(&s, 10)[2], Yellow);
}

#[test]
fn heilongjiang_2020_conditions_and_transitions() {
    let h = set("heilongjiang-2020");
    // Contacts of asymptomatic cases are red too (unlike Shaanxi).
    let contact = Story::new(|d| {
        from(2, d, |e| {
            e.contact_day = 2;
            e.contact_index = index::ASYMPTOMATIC;
        })
    });
    assert_eq!(contact.colours(&h, 5)[2], Red);
    // An asymptomatic case is red while listed and for 14 days after release,
    // then yellow; yellow turns green after 14 check-ins.
    let case = Story::new(|d| listed(registry::ASYMPTOMATIC, 1, 11, d));
    assert_eq!(
        changes(&case.colours(&h, 60)),
        vec![(1, Red), (25, Yellow), (39, Green)]
    );
    // The widest symptom list: any symptom or fever is yellow.
    let fever = Story::new(|d| from(4, d, |e| e.fever_day = 4));
    assert_eq!(
        changes(&fever.colours(&h, 30)),
        vec![(4, Yellow), (18, Green)]
    );
    let medium = Story::new(|d| from(0, d, |e| e.travel_card[Level::Medium as usize] = 0));
    assert_eq!(medium.colours(&h, 2)[0], Yellow);
    let high = Story::new(|d| from(0, d, |e| e.travel_card[Level::High as usize] = 0));
    assert_eq!(high.colours(&h, 2)[0], Red);
    let possible = Story::new(|d| from(3, d, |e| e.secondary_day = 3));
    assert_eq!(possible.colours(&h, 5)[3], Yellow);
}

#[test]
fn sichuan_chengdu_2021_conditions_and_transitions() {
    let s = set("sichuan-chengdu-2021");
    // A spatiotemporal companion is yellow and turns green after two negative
    // PCR results at least 24 hours apart: two results on one day count once.
    let companion = Story::new(|d| {
        from(2, d, |e| {
            e.colocated_day = 2;
            let negatives = [4, 4, 6];
            if let Some(&n) = negatives.iter().filter(|&&n| n <= d).max() {
                e.negative_day = n as u16;
            }
        })
    });
    assert_eq!(
        changes(&companion.colours(&s, 20)),
        vec![(2, Yellow), (6, Green)]
    );
    let one_negative = Story::new(|d| {
        from(2, d, |e| {
            e.colocated_day = 2;
            if d >= 4 {
                e.negative_day = 4;
            }
        })
    });
    assert!(
        one_negative.colours(&s, 20)[4..]
            .iter()
            .all(|&c| c == Yellow)
    );
    // A close contact is red for 21 days from listing (days 1-21), then yellow.
    let contact = Story::new(|d| {
        from(1, d, |e| {
            e.contact_day = 1;
            e.contact_index = index::CONFIRMED;
        })
    });
    let colours = contact.colours(&s, 30);
    assert_eq!(changes(&colours)[..2], [(1, Red), (22, Yellow)]);
    // A secondary contact is red for 7 days.
    let secondary = Story::new(|d| from(1, d, |e| e.secondary_day = 1));
    assert_eq!(
        changes(&secondary.colours(&s, 30))[..2],
        [(1, Red), (8, Yellow)]
    );
    // The companion rule has switches: each predicate parameter and `enabled`.
    let text = include_str!("../scenarios/rules/sichuan-chengdu-2021.toml")
        .replace("id = \"companion\"", "id = \"companion\"\nenabled = false");
    let off = RuleSet::parse("edited", &text).unwrap();
    assert!(off.rules.iter().all(|r| r.id != "companion"));
    assert!(off.colocation.is_none());
    let no_hours = RuleSet::parse(
        "edited",
        &include_str!("../scenarios/rules/sichuan-chengdu-2021.toml")
            .replace("min_hours = 30", "min_hours = 0"),
    )
    .unwrap();
    assert_eq!(no_hours.colocation.unwrap().min_hours, 0.0);
}

#[test]
fn shanghai_2022_conditions_and_transitions() {
    let s = set("shanghai-2022");
    // Tested every day, so the no-test rule stays silent; a positive pool is
    // red for 7 days, then yellow for 3 ("7+3").
    let tested = |d: u32, e: &mut Evidence| e.test_day = d as u16;
    let pool = Story::new(move |d| {
        let mut e = from(2, d, |e| e.pool_positive_day = 2);
        tested(d, &mut e);
        e
    });
    assert_eq!(
        changes(&pool.colours(&s, 20)),
        vec![(2, Red), (9, Yellow), (12, Green)]
    );
    // Last PCR result on day 0: green through day 6, yellow from day 7.
    let untested = Story::new(|_| Evidence {
        test_day: 0,
        ..Evidence::default()
    });
    let colours = untested.colours(&s, 10);
    assert_eq!((colours[6], colours[7]), (Green, Yellow));
    assert!(s.screening.is_some_and(|x| x.pool_size == 10));
}

#[test]
fn beijing_2022_popup_hides_the_code_until_a_negative_test() {
    let b = set("beijing-2022-popup");
    assert!(b.overlay);
    // PCR overdue (no result in 72 h) raises a pop-up; a negative result clears it.
    let story = Story::new(|d| {
        if d >= 6 {
            Evidence {
                test_day: 6,
                negative_day: 6,
                ..Evidence::default()
            }
        } else {
            Evidence {
                test_day: 0,
                ..Evidence::default()
            }
        }
    });
    let popups = story.popups(&b, 10);
    assert_eq!(
        popups,
        vec![
            false, false, false, true, true, true, false, false, false, true
        ]
    );
    assert!(
        story.colours(&b, 10).iter().all(|&c| c == Green),
        "a pop-up hides the code, it does not colour it"
    );
}

#[test]
fn macau_2022_missed_declarations_and_negative_pcr() {
    let m = set("macau-2022");
    // Missed once (seen on day 3): yellow; a negative PCR on day 8 turns it green.
    let once = Story::new(|d| from(8, d, |e| e.negative_day = 8)).context(|d| Context {
        missed_checkins: (d == 3) as u16,
        ..Context::default()
    });
    assert_eq!(
        changes(&once.colours(&m, 12)),
        vec![(3, Yellow), (8, Green)]
    );
    let twice = Story::new(|d| from(8, d, |e| e.negative_day = 8)).context(|d| Context {
        missed_checkins: if d == 3 {
            1
        } else if d == 4 {
            2
        } else {
            0
        },
        ..Context::default()
    });
    assert_eq!(
        changes(&twice.colours(&m, 12)),
        vec![(3, Yellow), (4, Red), (8, Green)]
    );
}
