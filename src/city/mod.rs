//! The synthetic city: districts and compounds in three zones, households and
//! the people in them, workplaces and schools, venues, cell towers, and the
//! returning travelers. Built once per run from the scenario; read-only after.
//!
//! Agent ids are laid out compound by compound and household by household, so
//! the members of a household are a contiguous id range and per-agent arrays
//! read in id order walk the city street by street.

pub mod csr;
pub mod geo;

use rand::RngExt;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand_distr::LogNormal;
use serde::Serialize;

use crate::rng::{Purpose, StreamKey};
use crate::scenario::Scenario;
pub use csr::Csr;
pub use geo::{Point, Rings, Towers, Zone};

/// "No such thing" in u32 id fields.
pub const NONE: u32 = u32::MAX;

/// Per-agent flag bits.
pub mod flag {
    pub const PHONE: u8 = 1;
    /// Uses the health-code app (produces GPS records).
    pub const APP: u8 = 2;
    /// A returning traveler, away before `arrival_day`.
    pub const TRAVELER: u8 = 4;
    /// Commutes through the home compound's transit station.
    pub const TRANSIT: u8 = 8;
    /// `site` is a school rather than a workplace.
    pub const STUDENT: u8 = 16;
}

/// Age bands used for schedules.
pub const AGE_BANDS: [(u8, u8); 4] = [(0, 5), (6, 17), (18, 64), (65, 95)];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[repr(u8)]
pub enum VenueKind {
    Market = 0,
    Restaurant = 1,
    Clinic = 2,
    Station = 3,
}

#[derive(Clone, Copy, Debug)]
pub struct Compound {
    pub pos: Point,
    pub district: u16,
    pub zone: Zone,
    pub market: u32,
    pub restaurant: u32,
    pub clinic: u32,
    pub station: u32,
}

/// Struct-of-arrays per agent: each phase reads only the columns it needs.
#[derive(Clone, Debug, Default)]
pub struct Agents {
    pub household: Vec<u32>,
    pub age: Vec<u8>,
    /// Workplace or school (see `flag::STUDENT`), or `NONE`.
    pub site: Vec<u32>,
    pub flags: Vec<u8>,
    /// First day present in the city (0 for residents).
    pub arrival_day: Vec<u16>,
    /// Origin region index for travelers.
    pub origin: Vec<u8>,
}

impl Agents {
    pub fn len(&self) -> usize {
        self.household.len()
    }
    pub fn is_empty(&self) -> bool {
        self.household.is_empty()
    }
    #[inline]
    pub fn has(&self, agent: u32, f: u8) -> bool {
        self.flags[agent as usize] & f != 0
    }
}

#[derive(Clone, Debug)]
pub struct City {
    pub rings: Rings,
    pub districts: u32,
    pub compounds: Vec<Compound>,
    /// Agents of household h: `household_start[h]..household_start[h + 1]`.
    pub household_start: Vec<u32>,
    pub household_compound: Vec<u32>,
    /// Agents of compound c: `compound_agents[c]..compound_agents[c + 1]`.
    pub compound_agents: Vec<u32>,
    pub agents: Agents,
    pub site_pos: Vec<Point>,
    pub site_is_school: Vec<bool>,
    pub site_members: Csr,
    pub venue_pos: Vec<Point>,
    pub venue_kind: Vec<VenueKind>,
    /// Agents who use a venue regularly (market, restaurant: by compound; station: commuters).
    pub venue_regulars: Csr,
    pub towers: Towers,
    /// Travelers arriving on each day.
    pub arrivals: Csr,
    pub residents: u32,
    pub travelers: u32,
}

/// Counts describing a built city, for `summary.json`.
#[derive(Clone, Debug, Serialize)]
pub struct CityStats {
    pub agents: u32,
    pub residents: u32,
    pub travelers: u32,
    pub households: u32,
    pub compounds: u32,
    pub districts: u32,
    pub workplaces: u32,
    pub schools: u32,
    pub workers: u32,
    pub students: u32,
    pub markets: u32,
    pub restaurants: u32,
    pub clinics: u32,
    pub stations: u32,
    pub towers_centre: u32,
    pub towers_suburb: u32,
    pub towers_rural: u32,
    pub phone_owners: u32,
    pub app_users: u32,
    pub transit_commuters: u32,
}

impl City {
    #[inline]
    pub fn household_members(&self, household: u32) -> std::ops::Range<u32> {
        self.household_start[household as usize]..self.household_start[household as usize + 1]
    }

    #[inline]
    pub fn compound_of(&self, agent: u32) -> &Compound {
        &self.compounds
            [self.household_compound[self.agents.household[agent as usize] as usize] as usize]
    }

    #[inline]
    pub fn compound_members(&self, compound: u32) -> std::ops::Range<u32> {
        self.compound_agents[compound as usize]..self.compound_agents[compound as usize + 1]
    }

    /// District of a position (zone ring and angular sector).
    pub fn district_of(&self, p: Point) -> u16 {
        let sectors = self.districts / 3;
        let z = self.rings.zone_of(p) as u32;
        let a = (p.angle() as f64 + std::f64::consts::PI) / std::f64::consts::TAU;
        (z * sectors + ((a * sectors as f64) as u32).min(sectors - 1)) as u16
    }

    pub fn households(&self) -> usize {
        self.household_compound.len()
    }

    pub fn stats(&self) -> CityStats {
        let a = &self.agents;
        let count_flag = |f: u8| a.flags.iter().filter(|&&x| x & f != 0).count() as u32;
        let venues = |k: VenueKind| self.venue_kind.iter().filter(|&&x| x == k).count() as u32;
        let towers = |z: Zone| self.towers.zone.iter().filter(|&&x| x == z).count() as u32;
        let schools = self.site_is_school.iter().filter(|&&s| s).count() as u32;
        let students = count_flag(flag::STUDENT);
        CityStats {
            agents: a.len() as u32,
            residents: self.residents,
            travelers: self.travelers,
            households: self.households() as u32,
            compounds: self.compounds.len() as u32,
            districts: self.districts,
            workplaces: self.site_pos.len() as u32 - schools,
            schools,
            workers: a.site.iter().filter(|&&s| s != NONE).count() as u32 - students,
            students,
            markets: venues(VenueKind::Market),
            restaurants: venues(VenueKind::Restaurant),
            clinics: venues(VenueKind::Clinic),
            stations: venues(VenueKind::Station),
            towers_centre: towers(Zone::Centre),
            towers_suburb: towers(Zone::Suburb),
            towers_rural: towers(Zone::Rural),
            phone_owners: count_flag(flag::PHONE),
            app_users: count_flag(flag::APP),
            transit_commuters: count_flag(flag::TRANSIT),
        }
    }

    /// Bytes held by the city's arrays (capacity, not just length).
    pub fn heap_bytes(&self) -> usize {
        let a = &self.agents;
        a.household.capacity() * 4
            + a.age.capacity()
            + a.site.capacity() * 4
            + a.flags.capacity()
            + a.arrival_day.capacity() * 2
            + a.origin.capacity()
            + self.household_start.capacity() * 4
            + self.household_compound.capacity() * 4
            + self.compounds.capacity() * std::mem::size_of::<Compound>()
            + self.site_members.heap_bytes()
            + self.venue_regulars.heap_bytes()
            + self.arrivals.heap_bytes()
            + self.towers.pos.capacity() * 9
    }

    /// Builds the city of a scenario. Deterministic in (seed, replicate).
    pub fn build(scenario: &Scenario) -> City {
        let f = &scenario.file;
        let c = &f.city;
        let key = StreamKey::new(f.seed, f.replicate);
        let rings = Rings {
            outer_m: [
                c.centre.outer_radius_km as f32 * 1000.0,
                c.suburb.outer_radius_km as f32 * 1000.0,
                c.rural.outer_radius_km as f32 * 1000.0,
            ],
        };
        let zones = [&c.centre, &c.suburb, &c.rural];
        let sectors = c.sectors;
        let districts = 3 * sectors;
        let district_of = |z: Zone, p: Point| -> u16 {
            let a = (p.angle() as f64 + std::f64::consts::PI) / std::f64::consts::TAU;
            (z as u32 * sectors + ((a * sectors as f64) as u32).min(sectors - 1)) as u16
        };

        // Households: sizes drawn until every agent has a home; zones take
        // contiguous runs of households in proportion to their population share.
        let total_agents = (c.residents + f.travelers.count) as u32;
        let mut layout = key.stream(0, Purpose::Layout, 0);
        let size_dist = WeightedIndex::new(&c.household_size_weights).expect("validated weights");
        let mut household_start = vec![0u32];
        while *household_start.last().unwrap() < total_agents {
            let size = size_dist.sample(&mut layout) as u32 + 1;
            let next = (*household_start.last().unwrap() + size).min(total_agents);
            household_start.push(next);
        }
        let households = household_start.len() - 1;
        let zone_bounds = {
            let s0 = c.centre.population_share;
            let s1 = s0 + c.suburb.population_share;
            [
                (s0 * total_agents as f64) as u32,
                (s1 * total_agents as f64) as u32,
            ]
        };
        let zone_of_household = |h: usize| -> Zone {
            let first = household_start[h];
            if first < zone_bounds[0] {
                Zone::Centre
            } else if first < zone_bounds[1] {
                Zone::Suburb
            } else {
                Zone::Rural
            }
        };
        let mut compounds: Vec<Compound> = Vec::new();
        let mut household_compound = vec![0u32; households];
        let mut h = 0;
        while h < households {
            let z = zone_of_household(h);
            let per = zones[z as usize].households_per_compound as usize;
            let pos = rings.random_point(z, &mut layout);
            let id = compounds.len() as u32;
            compounds.push(Compound {
                pos,
                district: district_of(z, pos),
                zone: z,
                market: NONE,
                restaurant: NONE,
                clinic: NONE,
                station: NONE,
            });
            let mut n = 0;
            while h < households && n < per && zone_of_household(h) == z {
                household_compound[h] = id;
                h += 1;
                n += 1;
            }
        }

        // Venues per district, in proportion to the district's population.
        let mut district_pop = vec![0u64; districts as usize];
        let mut district_compounds: Vec<Vec<u32>> = vec![Vec::new(); districts as usize];
        for (i, cp) in compounds.iter().enumerate() {
            district_compounds[cp.district as usize].push(i as u32);
        }
        for hh in 0..households {
            let d = compounds[household_compound[hh] as usize].district as usize;
            district_pop[d] += (household_start[hh + 1] - household_start[hh]) as u64;
        }
        let mut venue_pos = Vec::new();
        let mut venue_kind = Vec::new();
        let mut district_venues: Vec<[Vec<u32>; 4]> = vec![Default::default(); districts as usize];
        for d in 0..districts as usize {
            if district_compounds[d].is_empty() {
                continue;
            }
            let pop = district_pop[d] as f64;
            let counts = [
                (
                    VenueKind::Market,
                    (pop * c.markets_per_10k / 1e4).round().max(1.0) as u32,
                ),
                (
                    VenueKind::Restaurant,
                    (pop * c.restaurants_per_10k / 1e4).round().max(1.0) as u32,
                ),
                (
                    VenueKind::Clinic,
                    (pop * c.clinics_per_10k / 1e4).round().max(1.0) as u32,
                ),
                (VenueKind::Station, c.stations_per_district),
            ];
            for (kind, n) in counts {
                for _ in 0..n {
                    let at =
                        district_compounds[d][layout.random_range(0..district_compounds[d].len())];
                    let base = compounds[at as usize].pos;
                    let p = Point {
                        x: base.x + layout.random_range(-200.0f32..200.0),
                        y: base.y + layout.random_range(-200.0f32..200.0),
                    };
                    district_venues[d][kind as usize].push(venue_pos.len() as u32);
                    venue_pos.push(p);
                    venue_kind.push(kind);
                }
            }
        }
        // Each compound uses its nearest market, clinic and station, and a random restaurant, in its district.
        for cp in compounds.iter_mut() {
            let dv = &district_venues[cp.district as usize];
            let nearest = |kind: VenueKind| -> u32 {
                *dv[kind as usize]
                    .iter()
                    .min_by(|&&a, &&b| {
                        cp.pos
                            .dist(venue_pos[a as usize])
                            .total_cmp(&cp.pos.dist(venue_pos[b as usize]))
                    })
                    .expect("district has venues")
            };
            cp.market = nearest(VenueKind::Market);
            cp.clinic = nearest(VenueKind::Clinic);
            cp.station = nearest(VenueKind::Station);
            let rs = &dv[VenueKind::Restaurant as usize];
            cp.restaurant = rs[layout.random_range(0..rs.len())];
        }

        // People: ages, jobs, phones; one stream per household.
        let mut agents = Agents {
            household: vec![0; total_agents as usize],
            age: vec![0; total_agents as usize],
            site: vec![NONE; total_agents as usize],
            flags: vec![0; total_agents as usize],
            arrival_day: vec![0; total_agents as usize],
            origin: vec![0; total_agents as usize],
        };
        let band_dist = WeightedIndex::new(c.age_band_weights).expect("validated weights");
        let adult_dist = WeightedIndex::new([c.age_band_weights[2], c.age_band_weights[3]])
            .unwrap_or_else(|_| WeightedIndex::new([1.0, 0.0]).unwrap());
        for hh in 0..households {
            let mut rng = key.stream(0, Purpose::People, hh as u64);
            for (k, a) in (household_start[hh]..household_start[hh + 1]).enumerate() {
                let band = if k == 0 {
                    2 + adult_dist.sample(&mut rng)
                } else {
                    band_dist.sample(&mut rng)
                };
                let (lo, hi) = AGE_BANDS[band];
                let i = a as usize;
                agents.household[i] = hh as u32;
                agents.age[i] = rng.random_range(lo..=hi);
                let mut fl = 0;
                if band >= 1 && rng.random_bool(c.phone_ownership) {
                    fl |= flag::PHONE;
                    if rng.random_bool(c.app_use) {
                        fl |= flag::APP;
                    }
                }
                agents.flags[i] = fl;
            }
        }

        // Workplaces: zone by workplace share, heavy-tailed sizes.
        let workers: Vec<u32> = (0..total_agents)
            .filter(|&a| {
                let age = agents.age[a as usize];
                (18..=64).contains(&age)
                    && key
                        .stream(0, Purpose::People, (1u64 << 40) | a as u64)
                        .random_bool(c.employment_rate)
            })
            .collect();
        let n_work = ((workers.len() as f64 / c.workplace_size_mean).ceil() as usize).max(1);
        let zone_share = WeightedIndex::new([
            c.centre.workplace_share,
            c.suburb.workplace_share,
            c.rural.workplace_share,
        ])
        .expect("validated shares");
        let size_weight = LogNormal::new(0.0, 1.0).expect("constant");
        let mut site_pos = Vec::with_capacity(n_work);
        let mut site_district = Vec::with_capacity(n_work);
        let mut weights = Vec::with_capacity(n_work);
        for _ in 0..n_work {
            let z = Zone::ALL[zone_share.sample(&mut layout)];
            let p = rings.random_point(z, &mut layout);
            site_pos.push(p);
            site_district.push(district_of(z, p));
            weights.push(size_weight.sample(&mut layout));
        }
        let pick_work = WeightedIndex::new(&weights).expect("positive weights");
        for &w in &workers {
            let mut rng = key.stream(0, Purpose::People, (2u64 << 40) | w as u64);
            let s = pick_work.sample(&mut rng) as u32;
            agents.site[w as usize] = s;
            let home_district = compounds
                [household_compound[agents.household[w as usize] as usize] as usize]
                .district;
            if site_district[s as usize] != home_district
                && rng.random_bool(f.mobility.transit_share)
            {
                agents.flags[w as usize] |= flag::TRANSIT;
            }
        }
        let mut site_is_school = vec![false; n_work];

        // Schools: in each district, enough for its students; students attend one in their district.
        let mut district_students: Vec<Vec<u32>> = vec![Vec::new(); districts as usize];
        for a in 0..total_agents {
            if (6..=17).contains(&agents.age[a as usize]) {
                let d = compounds
                    [household_compound[agents.household[a as usize] as usize] as usize]
                    .district;
                district_students[d as usize].push(a);
            }
        }
        for (d, students) in district_students.iter().enumerate() {
            if students.is_empty() {
                continue;
            }
            let n = ((students.len() as f64 / c.school_size_mean).ceil() as usize).max(1);
            let first = site_pos.len() as u32;
            for _ in 0..n {
                let at = district_compounds[d][layout.random_range(0..district_compounds[d].len())];
                site_pos.push(compounds[at as usize].pos);
                site_is_school.push(true);
            }
            for &s in students {
                let mut rng = key.stream(0, Purpose::People, (3u64 << 40) | s as u64);
                agents.site[s as usize] = first + rng.random_range(0..n as u32);
                agents.flags[s as usize] |= flag::STUDENT;
            }
        }
        let site_members = Csr::from_pairs(
            site_pos.len(),
            (0..total_agents)
                .filter(|&a| agents.site[a as usize] != NONE)
                .map(|a| (agents.site[a as usize], a)),
        );

        // Travelers: whole households, in a shuffled order, until the count is met.
        let mut travel = key.stream(0, Purpose::Travel, 0);
        let mut order: Vec<u32> = (0..households as u32).collect();
        let mut travelers = 0u32;
        let target = f.travelers.count as u32;
        let origin_dist = if scenario.origins.is_empty() {
            None
        } else {
            Some(
                WeightedIndex::new(scenario.origins.iter().map(|o| o.share))
                    .expect("validated shares"),
            )
        };
        let last_day = f.days.saturating_sub(1);
        let mut i = 0;
        while travelers < target && i < order.len() {
            let j = travel.random_range(i..order.len());
            order.swap(i, j);
            let hh = order[i] as usize;
            i += 1;
            let origin = origin_dist.as_ref().map_or(0, |d| d.sample(&mut travel)) as u8;
            let day = (f.travelers.first_arrival_day
                + travel.random_range(0..f.travelers.arrival_days))
            .min(last_day) as u16;
            for a in household_start[hh]..household_start[hh + 1] {
                agents.flags[a as usize] |= flag::TRAVELER;
                agents.arrival_day[a as usize] = day;
                agents.origin[a as usize] = origin;
                travelers += 1;
            }
        }
        let arrivals = Csr::from_pairs(
            f.days as usize,
            (0..total_agents)
                .filter(|&a| agents.flags[a as usize] & flag::TRAVELER != 0)
                .map(|a| (agents.arrival_day[a as usize] as u32, a)),
        );

        let regular_pairs = (0..total_agents).flat_map(|a| {
            let cp = &compounds[household_compound[agents.household[a as usize] as usize] as usize];
            let station = if agents.flags[a as usize] & flag::TRANSIT != 0 {
                Some((cp.station, a))
            } else {
                None
            };
            [Some((cp.market, a)), Some((cp.restaurant, a)), station]
                .into_iter()
                .flatten()
        });
        let venue_regulars = Csr::from_pairs(venue_pos.len(), regular_pairs);

        let spacing = [
            c.centre.tower_spacing_m as f32,
            c.suburb.tower_spacing_m as f32,
            c.rural.tower_spacing_m as f32,
        ];
        let towers = Towers::place(&rings, spacing, &mut key.stream(0, Purpose::Layout, 1));

        let mut compound_agents = vec![0u32; compounds.len() + 1];
        for hh in 0..households {
            compound_agents[household_compound[hh] as usize + 1] = household_start[hh + 1];
        }
        City {
            rings,
            districts,
            compounds,
            household_start,
            household_compound,
            compound_agents,
            agents,
            site_pos,
            site_is_school,
            site_members,
            venue_pos,
            venue_kind,
            venue_regulars,
            towers,
            arrivals,
            residents: total_agents - travelers,
            travelers,
        }
    }
}
