//! Risk areas: declared around confirmed cases' observed homes after a
//! delay, with levels from the number of recent cases, and expiry. Also the
//! district and city case counts behind district-level risk.

use super::models::{HOME_OFFSET_MAX_M, PlaceTowers};
use crate::city::{City, NONE, Point};
use crate::evidence::{Level, NEVER};
use crate::mobility::Place;
use crate::scenario::observe_file::RiskAreasFile;

/// A compound-level risk area: a disc around a case's observed home; its
/// periphery (up to twice the radius) counts as low risk.
#[derive(Clone, Debug)]
pub struct RiskArea {
    pub centre: Point,
    pub radius: f32,
    /// Days of the cases that made or renewed the area.
    pub case_days: Vec<u16>,
    pub level: Level,
    /// Agents whose usual places are close enough for their records to fall in the area.
    pub candidates: Vec<u32>,
}

impl RiskArea {
    pub fn last_case(&self) -> u16 {
        self.case_days.iter().copied().max().unwrap_or(NEVER)
    }

    /// Level of an observed point: the area's level inside, low in the periphery.
    #[inline]
    pub fn level_at(&self, p: Point) -> Option<Level> {
        let d = p.dist(self.centre);
        if d <= self.radius {
            Some(self.level)
        } else if d <= 2.0 * self.radius {
            Some(Level::Low)
        } else {
            None
        }
    }
}

/// All areas and the per-compound, per-district risk they imply.
#[derive(Clone, Debug, Default)]
pub struct RiskMap {
    pub params: RiskAreasFile,
    pub areas: Vec<RiskArea>,
    /// Level + 1 of the highest area over each compound's centre today (0: none).
    pub compound_level: Vec<u8>,
    /// Days of declared cases per district.
    district_cases: Vec<Vec<u16>>,
    /// Last day each district was at least low, medium, high.
    pub district_level_day: Vec<[u16; 3]>,
}

fn level_for(count: usize, medium: u32, high: u32) -> Level {
    if count >= high as usize {
        Level::High
    } else if count >= medium as usize {
        Level::Medium
    } else {
        Level::Low
    }
}

impl RiskMap {
    pub fn new(city: &City, params: RiskAreasFile) -> Self {
        Self {
            params,
            areas: Vec::new(),
            compound_level: vec![0; city.compounds.len()],
            district_cases: vec![Vec::new(); city.districts as usize],
            district_level_day: vec![[NEVER; 3]; city.districts as usize],
        }
    }

    /// Declares (or renews) the area around a case's observed home; returns
    /// the index of the area whose members must be rescanned, if its level rose
    /// or it is new.
    /// `cell`: cell records are matched (so agents served by nearby towers
    /// are candidates); `scan`: any records are matched at all.
    #[allow(clippy::too_many_arguments)]
    pub fn declare(
        &mut self,
        city: &City,
        towers: &PlaceTowers,
        home: Point,
        day: u32,
        app_reach: f32,
        cell: bool,
        scan: bool,
    ) -> Option<usize> {
        let district = city.district_of(home) as usize;
        self.district_cases[district].push(day as u16);
        let p = &self.params;
        let radius = p.compound_radius_m as f32;
        if let Some(i) = self
            .areas
            .iter()
            .position(|a| a.centre.dist(home) <= a.radius)
        {
            let a = &mut self.areas[i];
            a.case_days.push(day as u16);
            let recent = a.case_days.iter().filter(|&&d| day < d as u32 + 14).count();
            let level =
                level_for(recent, p.compound_medium_cases, p.compound_high_cases).max(a.level);
            if level > a.level {
                a.level = level;
                self.raise_compounds(city, i);
                return Some(i);
            }
            return None;
        }
        let level = level_for(1, p.compound_medium_cases, p.compound_high_cases);
        let candidates = if scan {
            candidates_near(city, towers, home, 2.0 * radius, app_reach, cell)
        } else {
            Vec::new()
        };
        self.areas.push(RiskArea {
            centre: home,
            radius,
            case_days: vec![day as u16],
            level,
            candidates,
        });
        self.raise_compounds(city, self.areas.len() - 1);
        Some(self.areas.len() - 1)
    }

    /// Expires areas without a case for `expiry_days` and updates district levels.
    pub fn new_day(&mut self, city: &City, day: u32) {
        let expiry = self.params.expiry_days;
        let (kept, expired): (Vec<RiskArea>, Vec<RiskArea>) = std::mem::take(&mut self.areas)
            .into_iter()
            .partition(|a| day <= a.last_case() as u32 + expiry);
        self.areas = kept;
        if !expired.is_empty() {
            self.lower_compounds(city, &expired);
        }
        let p = &self.params;
        let city_recent: usize = self
            .district_cases
            .iter()
            .map(|c| c.iter().filter(|&&d| day < d as u32 + 14).count())
            .sum();
        let city_level = (city_recent > 0)
            .then(|| level_for(city_recent, p.city_medium_cases, p.city_high_cases));
        for (cases, last) in self
            .district_cases
            .iter_mut()
            .zip(self.district_level_day.iter_mut())
        {
            cases.retain(|&d| day < d as u32 + 14);
            let own = (!cases.is_empty())
                .then(|| level_for(cases.len(), p.district_medium_cases, p.district_high_cases));
            // A city-level area raises every district to its level.
            let level = own.max(city_level.filter(|&l| l > Level::Low));
            if let Some(level) = level {
                last[..=level as usize].fill(day as u16);
            }
        }
    }

    /// Raises the compounds inside area `i` to its level.
    fn raise_compounds(&mut self, city: &City, i: usize) {
        let a = &self.areas[i];
        for (c, comp) in city.compounds.iter().enumerate() {
            if comp.pos.dist(a.centre) <= a.radius {
                self.compound_level[c] = self.compound_level[c].max(a.level as u8 + 1);
            }
        }
    }

    /// Recomputes the compounds that were inside expired areas from the areas left.
    fn lower_compounds(&mut self, city: &City, expired: &[RiskArea]) {
        for (c, comp) in city.compounds.iter().enumerate() {
            if expired.iter().any(|a| comp.pos.dist(a.centre) <= a.radius) {
                self.compound_level[c] = self
                    .areas
                    .iter()
                    .filter(|a| comp.pos.dist(a.centre) <= a.radius)
                    .map(|a| a.level as u8 + 1)
                    .max()
                    .unwrap_or(0);
            }
        }
    }

    pub fn home_level(&self, compound: u32) -> Option<Level> {
        match self.compound_level[compound as usize] {
            0 => None,
            l => Some(Level::ALL[l as usize - 1]),
        }
    }
}

/// Agents whose records can fall within `radius` of `centre`: those with a
/// usual place (home, site, regular venue) within `radius + app_reach`, or
/// one of whose place's three nearest towers (the only ones that can serve
/// it) lies within `radius`.
pub fn candidates_near(
    city: &City,
    towers: &PlaceTowers,
    centre: Point,
    radius: f32,
    app_reach: f32,
    cell: bool,
) -> Vec<u32> {
    let near_towers: Vec<u32> = if cell {
        (0..city.towers.len() as u32)
            .filter(|&t| city.towers.pos[t as usize].dist(centre) <= radius)
            .collect()
    } else {
        Vec::new()
    };
    let served = |ids: &[u32]| ids.iter().any(|id| near_towers.contains(id));
    let mut out = Vec::new();
    for (c, comp) in city.compounds.iter().enumerate() {
        if comp.pos.dist(centre) <= radius + app_reach + HOME_OFFSET_MAX_M
            || served(&towers.compound_towers(c as u32))
        {
            out.extend(city.compound_members(c as u32));
        }
    }
    for (s, &p) in city.site_pos.iter().enumerate() {
        if p.dist(centre) <= radius + app_reach
            || served(&towers.of(city, Place::Site(s as u32), p))
        {
            out.extend_from_slice(city.site_members.of(s as u32));
        }
    }
    for (v, &p) in city.venue_pos.iter().enumerate() {
        if p.dist(centre) <= radius + app_reach
            || served(&towers.of(city, Place::Venue(v as u32), p))
        {
            out.extend_from_slice(city.venue_regulars.of(v as u32));
        }
    }
    out.sort_unstable();
    out.dedup();
    out.retain(|&a| a != NONE);
    out
}
