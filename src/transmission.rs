//! Transmission: for each infectious agent, its contacts of the day per layer
//! among co-present agents, and which of them it infects. Work is proportional
//! to the number of infectious agents, not to the population: contacts are
//! drawn from the layer's pool (household, site members, venue regulars,
//! everyone) and kept only if the other agent's own schedule puts them there
//! at the same time.

use rand::RngExt;
use rand_distr::{Distribution, Poisson};
use rand_pcg::Pcg64Mcg;

use crate::city::{City, VenueKind, flag};
use crate::epidemic::Health;
use crate::mobility::{Confinement, Place, Schedules};
use crate::rng::Purpose;
use crate::scenario::file::LayersFile;

/// Where an infection happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Layer {
    Household = 0,
    Work = 1,
    School = 2,
    Venue = 3,
    Transit = 4,
    WellMixed = 5,
    /// Infected on day 0 by the scenario.
    Seed = 6,
    /// Infected before arriving in the city.
    Imported = 7,
}

impl Layer {
    pub const ALL: [Layer; 8] = [
        Layer::Household,
        Layer::Work,
        Layer::School,
        Layer::Venue,
        Layer::Transit,
        Layer::WellMixed,
        Layer::Seed,
        Layer::Imported,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Layer::Household => "household",
            Layer::Work => "work",
            Layer::School => "school",
            Layer::Venue => "venue",
            Layer::Transit => "transit",
            Layer::WellMixed => "well_mixed",
            Layer::Seed => "seed",
            Layer::Imported => "imported",
        }
    }
}

/// A transmission that happens unless another one reached the target first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub target: u32,
    pub infector: u32,
    pub layer: Layer,
}

/// Per-layer contact counts and probabilities, ready to draw.
#[derive(Clone, Debug)]
pub struct Contacts {
    p: [f64; 6],
    mean: [f64; 6],
    poisson: [Option<Poisson<f64>>; 6],
}

/// Rejection sampling gives up after this many draws per wanted contact: in a
/// pool where almost nobody is present, the contact simply does not happen.
const TRIES_PER_CONTACT: u32 = 20;

impl Contacts {
    pub fn new(l: &LayersFile) -> Self {
        let layers = [
            &l.household,
            &l.work,
            &l.school,
            &l.venue,
            &l.transit,
            &l.well_mixed,
        ];
        Self {
            p: layers.map(|x| x.p),
            mean: layers.map(|x| x.contacts),
            poisson: layers.map(|x| {
                if x.contacts > 0.0 && x.p > 0.0 {
                    Poisson::new(x.contacts).ok()
                } else {
                    None
                }
            }),
        }
    }

    pub fn mean_contacts(&self, layer: Layer) -> f64 {
        self.mean[layer as usize]
    }

    pub fn p(&self, layer: Layer) -> f64 {
        self.p[layer as usize]
    }

    fn count(&self, layer: Layer, rng: &mut Pcg64Mcg) -> u32 {
        self.poisson[layer as usize]
            .as_ref()
            .map_or(0, |d| d.sample(rng) as u32)
    }
}

/// Read-only view of the world on one day.
pub struct World<'a> {
    pub city: &'a City,
    pub schedules: Schedules<'a>,
    pub contacts: &'a Contacts,
    pub health: &'a [u8],
    pub confinement: &'a [u8],
    /// First day of each agent's current confinement: on earlier days (replayed
    /// by contact tracing) the agent counts as free.
    pub confined_since: &'a [u16],
    pub infectiousness: &'a [f64; 6],
    pub day: u32,
}

impl World<'_> {
    fn susceptible(&self, a: u32) -> bool {
        self.health[a as usize] == Health::Susceptible as u8
    }
    fn conf(&self, a: u32) -> Confinement {
        if self.day < self.confined_since[a as usize] as u32 {
            return Confinement::Free;
        }
        Confinement::from_u8(self.confinement[a as usize])
    }

    /// Appends the transmissions caused by `infector` today to `out`.
    pub fn infections_by(&self, infector: u32, out: &mut Vec<Candidate>) {
        let rel = self.infectiousness[self.health[infector as usize] as usize];
        if rel <= 0.0 {
            return;
        }
        self.for_each_contact(infector, |target, layer, u| {
            if self.susceptible(target) && u < self.contacts.p(layer) * rel {
                out.push(Candidate {
                    target,
                    infector,
                    layer,
                });
            }
        });
    }

    /// Calls `meet(other, layer, u)` for every contact `agent` makes today,
    /// with the uniform draw `u` that decides transmission. The draws do not
    /// depend on anyone's health, so contact tracing replays exactly the
    /// contacts that transmission saw.
    pub fn for_each_contact(&self, agent: u32, mut meet: impl FnMut(u32, Layer, f64)) {
        let conf = self.conf(agent);
        let plan = self.schedules.plan(agent, self.day, conf);
        if plan.is_away() {
            return;
        }
        let mut rng = self
            .schedules
            .key
            .stream(self.day, Purpose::Transmission, agent as u64);
        let agents = &self.city.agents;
        // The draw is made for every contact, so that one contact's outcome
        // never shifts the numbers of the next.
        let mut contact = |other: u32, layer: Layer, rng: &mut Pcg64Mcg| {
            let u: f64 = rng.random();
            meet(other, layer, u);
        };

        if conf != Confinement::Facility && self.contacts.p(Layer::Household) > 0.0 {
            for other in self
                .city
                .household_members(agents.household[agent as usize])
            {
                if other != agent
                    && agents.arrival_day[other as usize] as u32 <= self.day
                    && self.conf(other) != Confinement::Facility
                {
                    contact(other, Layer::Household, &mut rng);
                }
            }
        }
        for visit in plan.visits() {
            match visit.place {
                Place::Site(site) => {
                    let layer = if agents.has(agent, flag::STUDENT) {
                        Layer::School
                    } else {
                        Layer::Work
                    };
                    let wanted = self.contacts.count(layer, &mut rng);
                    let pool = self.city.site_members.of(site);
                    self.sample_copresent(
                        pool,
                        agent,
                        wanted,
                        &mut rng,
                        |j| self.schedules.plan(j, self.day, self.conf(j)).at_site(site),
                        |j, rng| contact(j, layer, rng),
                    );
                }
                Place::Venue(venue) => {
                    let layer = if self.city.venue_kind[venue as usize] == VenueKind::Station {
                        Layer::Transit
                    } else {
                        Layer::Venue
                    };
                    let wanted = self.contacts.count(layer, &mut rng);
                    let pool = self.city.venue_regulars.of(venue);
                    let (s, e) = (visit.start, visit.end);
                    self.sample_copresent(
                        pool,
                        agent,
                        wanted,
                        &mut rng,
                        |j| {
                            self.schedules
                                .plan(j, self.day, self.conf(j))
                                .at_venue(venue)
                                .is_some_and(|(s2, e2)| s2 < e && s < e2)
                        },
                        |j, rng| contact(j, layer, rng),
                    );
                }
                Place::Home(_) | Place::Facility => {}
            }
        }
        if conf == Confinement::Free {
            let wanted = self.contacts.count(Layer::WellMixed, &mut rng);
            let n = agents.len() as u32;
            let mut tries = 0;
            let mut found = 0;
            while found < wanted && tries < TRIES_PER_CONTACT * wanted {
                tries += 1;
                let j = rng.random_range(0..n);
                if j != agent
                    && agents.arrival_day[j as usize] as u32 <= self.day
                    && self.conf(j) == Confinement::Free
                {
                    found += 1;
                    contact(j, Layer::WellMixed, &mut rng);
                }
            }
        }
    }

    /// Draws from `pool` until `wanted` co-present others are found (or the try
    /// budget runs out) and calls `meet` for each.
    fn sample_copresent(
        &self,
        pool: &[u32],
        infector: u32,
        wanted: u32,
        rng: &mut Pcg64Mcg,
        present: impl Fn(u32) -> bool,
        mut meet: impl FnMut(u32, &mut Pcg64Mcg),
    ) {
        if wanted == 0 || pool.len() < 2 {
            return;
        }
        let mut found = 0;
        let mut tries = 0;
        while found < wanted && tries < TRIES_PER_CONTACT * wanted {
            tries += 1;
            let j = pool[rng.random_range(0..pool.len())];
            if j != infector && present(j) {
                found += 1;
                meet(j, rng);
            }
        }
    }
}
