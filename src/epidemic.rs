//! Natural history of infection: compartments, each agent's course (drawn once
//! from the agent's own stream, so it is the same whenever and by whomever the
//! agent is infected), and the expected infectiousness used for `r0_implied`.

use rand::RngExt;

use crate::rng::{Purpose, StreamKey};
use crate::scenario::dist::DaySampler;
use crate::scenario::file::EpidemicFile;

/// Ground-truth compartment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Health {
    Susceptible = 0,
    Exposed = 1,
    Presymptomatic = 2,
    Symptomatic = 3,
    Asymptomatic = 4,
    Recovered = 5,
}

impl Health {
    pub const ALL: [Health; 6] = [
        Health::Susceptible,
        Health::Exposed,
        Health::Presymptomatic,
        Health::Symptomatic,
        Health::Asymptomatic,
        Health::Recovered,
    ];

    pub fn from_u8(v: u8) -> Self {
        Self::ALL[v as usize]
    }

    pub fn name(self) -> &'static str {
        match self {
            Health::Susceptible => "susceptible",
            Health::Exposed => "exposed",
            Health::Presymptomatic => "presymptomatic",
            Health::Symptomatic => "symptomatic",
            Health::Asymptomatic => "asymptomatic",
            Health::Recovered => "recovered",
        }
    }

    pub fn is_infectious(self) -> bool {
        matches!(
            self,
            Health::Presymptomatic | Health::Symptomatic | Health::Asymptomatic
        )
    }

    /// Infected and not yet recovered.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            Health::Exposed | Health::Presymptomatic | Health::Symptomatic | Health::Asymptomatic
        )
    }
}

/// Durations of one infection, whole days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Course {
    /// Exposed, not yet infectious.
    pub latent: u16,
    /// Infectious before symptom onset (0 for asymptomatic courses).
    pub presymptomatic: u16,
    pub symptomatic: bool,
    /// Infectious days after onset, or of the asymptomatic infection.
    pub infectious_after: u16,
}

impl Course {
    /// Compartment `days` after infection, and how many days until it changes
    /// (`u16::MAX` once recovered).
    pub fn phase_at(&self, days: u32) -> (Health, u32) {
        let l = self.latent as u32;
        if days < l {
            return (Health::Exposed, l - days);
        }
        let (second, second_end) = if self.symptomatic {
            (Health::Presymptomatic, l + self.presymptomatic as u32)
        } else {
            (Health::Asymptomatic, l + self.infectious_after as u32)
        };
        if days < second_end {
            return (second, second_end - days);
        }
        if self.symptomatic {
            let end = second_end + self.infectious_after as u32;
            if days < end {
                return (Health::Symptomatic, end - days);
            }
        }
        (Health::Recovered, u16::MAX as u32)
    }

    /// Days from infection to recovery.
    pub fn total_days(&self) -> u32 {
        self.latent as u32 + self.presymptomatic as u32 + self.infectious_after as u32
    }
}

/// Samplers and infectiousness of the natural history.
#[derive(Clone, Debug)]
pub struct NaturalHistory {
    incubation: DaySampler,
    presymptomatic: DaySampler,
    symptomatic: DaySampler,
    asymptomatic: DaySampler,
    asymptomatic_fraction: f64,
    /// Relative infectiousness by `Health` index.
    pub infectiousness: [f64; 6],
}

impl NaturalHistory {
    pub fn new(e: &EpidemicFile) -> Self {
        let r = &e.relative_infectiousness;
        Self {
            incubation: e.incubation_days.sampler(),
            presymptomatic: e.presymptomatic_days.sampler(),
            symptomatic: e.symptomatic_days.sampler(),
            asymptomatic: e.asymptomatic_days.sampler(),
            asymptomatic_fraction: e.asymptomatic_fraction,
            infectiousness: [
                0.0,
                0.0,
                r.presymptomatic,
                r.symptomatic,
                r.asymptomatic,
                0.0,
            ],
        }
    }

    /// The course of `agent`, from its own stream. Every value is drawn every
    /// time, so the draws never shift between symptomatic and asymptomatic courses.
    pub fn course(&self, key: StreamKey, agent: u32) -> Course {
        let mut rng = key.stream(0, Purpose::Course, agent as u64);
        self.draw(&mut rng)
    }

    fn draw<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Course {
        let symptomatic = !rng.random_bool(self.asymptomatic_fraction);
        let incubation = self.incubation.draw_days(rng, 1);
        let pre = self.presymptomatic.draw_days(rng, 0);
        let sym = self.symptomatic.draw_days(rng, 1);
        let asym = self.asymptomatic.draw_days(rng, 1);
        // The infectious part of the incubation cannot take all of it: at least one latent day.
        let latent = incubation.saturating_sub(pre).max(1);
        if symptomatic {
            Course {
                latent,
                presymptomatic: incubation.saturating_sub(latent),
                symptomatic,
                infectious_after: sym,
            }
        } else {
            Course {
                latent,
                presymptomatic: 0,
                symptomatic,
                infectious_after: asym,
            }
        }
    }

    /// Expected infectiousness-weighted infectious days of one infection,
    /// estimated from `samples` courses drawn exactly as the simulation draws
    /// them (so whole-day rounding is accounted for). R0 in a well-mixed layer
    /// is contacts per day x p x this.
    pub fn expected_infectious_days(&self, key: StreamKey, samples: u32) -> f64 {
        let mut rng = key.stream(0, Purpose::Calibration, 0);
        let r = &self.infectiousness;
        let sum: f64 = (0..samples)
            .map(|_| {
                let c = self.draw(&mut rng);
                if c.symptomatic {
                    r[Health::Presymptomatic as usize] * c.presymptomatic as f64
                        + r[Health::Symptomatic as usize] * c.infectious_after as f64
                } else {
                    r[Health::Asymptomatic as usize] * c.infectious_after as f64
                }
            })
            .sum();
        sum / samples as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_follow_the_course() {
        let c = Course {
            latent: 3,
            presymptomatic: 2,
            symptomatic: true,
            infectious_after: 4,
        };
        assert_eq!(c.phase_at(0), (Health::Exposed, 3));
        assert_eq!(c.phase_at(3), (Health::Presymptomatic, 2));
        assert_eq!(c.phase_at(5), (Health::Symptomatic, 4));
        assert_eq!(c.phase_at(9).0, Health::Recovered);
        let a = Course {
            latent: 2,
            presymptomatic: 0,
            symptomatic: false,
            infectious_after: 5,
        };
        assert_eq!(a.phase_at(2), (Health::Asymptomatic, 5));
        assert_eq!(a.phase_at(7).0, Health::Recovered);
    }

    #[test]
    fn course_statistics_match_parameters() {
        let e = EpidemicFile::default();
        let h = NaturalHistory::new(&e);
        let key = StreamKey::new(11, 0);
        let n = 50_000u32;
        let courses: Vec<Course> = (0..n).map(|a| h.course(key, a)).collect();
        let asym = courses.iter().filter(|c| !c.symptomatic).count() as f64 / n as f64;
        // Binomial sd = sqrt(0.2 * 0.8 / 50000) = 0.0018; 4 sd.
        assert!((asym - 0.2).abs() < 0.0072, "asymptomatic share {asym}");
        let sym: Vec<&Course> = courses.iter().filter(|c| c.symptomatic).collect();
        let incubation = sym
            .iter()
            .map(|c| (c.latent + c.presymptomatic) as f64)
            .sum::<f64>()
            / sym.len() as f64;
        // Rounded lognormal(5.2, 2.5) floored at 1 day: the mean stays within 0.1 d of 5.2.
        assert!(
            (incubation - 5.2).abs() < 0.1,
            "mean incubation {incubation}"
        );
    }
}
