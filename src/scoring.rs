//! Scoring codes against the truth: which data source made a false red,
//! and the oracle observation parameters the shadow codes are computed from.

use crate::evidence::{Context, Evidence, LocationSource, within};
use crate::rules::code::eval;
use crate::rules::{Cond, Pred, Rule};
use crate::scenario::observe_file::ObservationFile;

/// Data sources a false code is attributed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Source {
    Cell = 0,
    Gps = 1,
    Wifi = 2,
    TravelCard = 3,
    Colocation = 4,
    Registry = 5,
    SelfReport = 6,
    Temperature = 7,
    Testing = 8,
    RiskArea = 9,
    /// No predicate differs today: the code is a consequence of earlier
    /// evidence (a countdown the shadow has already finished, say).
    History = 10,
}

impl Source {
    pub const ALL: [Source; 11] = [
        Source::Cell,
        Source::Gps,
        Source::Wifi,
        Source::TravelCard,
        Source::Colocation,
        Source::Registry,
        Source::SelfReport,
        Source::Temperature,
        Source::Testing,
        Source::RiskArea,
        Source::History,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Source::Cell => "cell",
            Source::Gps => "gps",
            Source::Wifi => "wifi",
            Source::TravelCard => "travel_card",
            Source::Colocation => "colocation",
            Source::Registry => "registry",
            Source::SelfReport => "self_report",
            Source::Temperature => "temperature",
            Source::Testing => "testing",
            Source::RiskArea => "risk_area",
            Source::History => "history",
        }
    }
}

/// The observation parameters of the oracle: every source perfect, the
/// registry exact and immediate, every check-in honest.
pub fn oracle(params: &ObservationFile) -> ObservationFile {
    let mut p = params.clone();
    p.gps.perfect = true;
    p.wifi.perfect = true;
    p.cell.perfect = true;
    p.travel_card.perfect = true;
    p.registry.perfect = true;
    p.checkin.perfect = true;
    p.temperature.perfect = true;
    p.testing.perfect = true;
    p
}

/// Sources (bit per `Source`) of the predicates of `rule` that hold on the
/// observed evidence and not on the oracle's: what made the code false.
pub fn attribute(
    rule: &Rule,
    obs: (&Evidence, &Context),
    orc: (&Evidence, &Context),
    day: u32,
) -> u16 {
    let mut bits = 0u16;
    crate::rules::visit_preds(&rule.cond, &mut |p| {
        let holds = |e: &Evidence, c: &Context| eval(&Cond::Pred(p.clone()), e, c, day).is_some();
        if !holds(obs.0, obs.1) || holds(orc.0, orc.1) {
            return;
        }
        bits |= match p {
            Pred::VisitedRiskArea {
                level,
                sources,
                within: w,
            } => {
                let mut b = 0;
                for s in LocationSource::ALL {
                    let seen = |e: &Evidence| {
                        (*level as usize..3).any(|l| within(e.risk_visit[l][s as usize], day, *w))
                    };
                    if sources[s as usize] && seen(obs.0) && !seen(orc.0) {
                        b |= 1 << s as u16;
                    }
                }
                if b == 0 {
                    1 << Source::RiskArea as u16
                } else {
                    b
                }
            }
            Pred::Registry(_)
            | Pred::CloseContact { .. }
            | Pred::SecondaryContact { .. }
            | Pred::Released { .. } => 1 << Source::Registry as u16,
            Pred::LivesInRiskArea { .. } | Pred::DistrictRisk { .. } => {
                1 << Source::RiskArea as u16
            }
            Pred::Colocated(_) => 1 << Source::Colocation as u16,
            Pred::Symptoms { .. } | Pred::ClinicVisit { .. } | Pred::MissedCheckins { .. } => {
                1 << Source::SelfReport as u16
            }
            Pred::Fever { .. } => 1 << Source::Temperature as u16,
            Pred::ArrivedFrom { .. } => 1 << Source::TravelCard as u16,
            Pred::NoTest { .. }
            | Pred::TestPositive { .. }
            | Pred::TestNegative { .. }
            | Pred::PoolPositive { .. } => 1 << Source::Testing as u16,
        };
    });
    if bits == 0 {
        1 << Source::History as u16
    } else {
        bits
    }
}
