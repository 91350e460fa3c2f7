//! Geometry of the city: points in metres from the centre, the three
//! concentric zones, random positions in a ring, and cell towers with a grid
//! index for "which towers are nearest to this point".

use rand::RngExt;

/// A position in metres, origin at the city centre.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

impl Point {
    pub fn dist(self, o: Point) -> f32 {
        ((self.x - o.x).powi(2) + (self.y - o.y).powi(2)).sqrt()
    }
    pub fn radius(self) -> f32 {
        (self.x * self.x + self.y * self.y).sqrt()
    }
    pub fn angle(self) -> f32 {
        self.y.atan2(self.x)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Zone {
    Centre = 0,
    Suburb = 1,
    Rural = 2,
}

impl Zone {
    pub const ALL: [Zone; 3] = [Zone::Centre, Zone::Suburb, Zone::Rural];
    pub fn name(self) -> &'static str {
        match self {
            Zone::Centre => "centre",
            Zone::Suburb => "suburb",
            Zone::Rural => "rural",
        }
    }
}

/// Inner and outer radius of each zone, metres.
#[derive(Clone, Copy, Debug)]
pub struct Rings {
    pub outer_m: [f32; 3],
}

impl Rings {
    pub fn inner(&self, z: Zone) -> f32 {
        match z {
            Zone::Centre => 0.0,
            Zone::Suburb => self.outer_m[0],
            Zone::Rural => self.outer_m[1],
        }
    }
    pub fn outer(&self, z: Zone) -> f32 {
        self.outer_m[z as usize]
    }
    pub fn zone_of(&self, p: Point) -> Zone {
        let r = p.radius();
        if r < self.outer_m[0] {
            Zone::Centre
        } else if r < self.outer_m[1] {
            Zone::Suburb
        } else {
            Zone::Rural
        }
    }
    /// A point uniform by area in the zone's ring.
    pub fn random_point<R: rand::Rng + ?Sized>(&self, z: Zone, rng: &mut R) -> Point {
        let (a, b) = (self.inner(z) as f64, self.outer(z) as f64);
        let r = (a * a + rng.random::<f64>() * (b * b - a * a)).sqrt();
        let t = rng.random::<f64>() * std::f64::consts::TAU;
        Point {
            x: (r * t.cos()) as f32,
            y: (r * t.sin()) as f32,
        }
    }
}

/// Cell towers and a uniform grid over them.
#[derive(Clone, Debug)]
pub struct Towers {
    pub pos: Vec<Point>,
    pub zone: Vec<Zone>,
    cell_m: f32,
    half_extent: f32,
    side: usize,
    cells: super::csr::Csr,
}

impl Towers {
    /// Places towers on a triangular lattice with the zone's spacing, each
    /// jittered by up to 30 % of the spacing, keeping those inside the zone.
    pub fn place<R: rand::Rng + ?Sized>(rings: &Rings, spacing_m: [f32; 3], rng: &mut R) -> Self {
        let mut pos = Vec::new();
        let mut zone = Vec::new();
        for z in Zone::ALL {
            let s = spacing_m[z as usize];
            let outer = rings.outer(z);
            let row_h = s * 3f32.sqrt() / 2.0;
            let rows = (outer / row_h).ceil() as i64;
            let cols = (outer / s).ceil() as i64 + 1;
            for j in -rows..=rows {
                let shift = if j.rem_euclid(2) == 1 { s / 2.0 } else { 0.0 };
                for i in -cols..=cols {
                    let p = Point {
                        x: i as f32 * s + shift + rng.random_range(-0.3f32..0.3) * s,
                        y: j as f32 * row_h + rng.random_range(-0.3f32..0.3) * s,
                    };
                    if rings.zone_of(p) == z && p.radius() < outer {
                        pos.push(p);
                        zone.push(z);
                    }
                }
            }
        }
        Self::index(pos, zone, rings.outer_m[2])
    }

    fn index(pos: Vec<Point>, zone: Vec<Zone>, radius: f32) -> Self {
        let cell_m = 1000.0;
        let half_extent = radius + cell_m;
        let side = ((2.0 * half_extent) / cell_m).ceil() as usize;
        let mut t = Self {
            pos,
            zone,
            cell_m,
            half_extent,
            side,
            cells: Default::default(),
        };
        let pairs: Vec<(u32, u32)> = t
            .pos
            .iter()
            .enumerate()
            .map(|(i, &p)| (t.cell_of(p) as u32, i as u32))
            .collect();
        t.cells = super::csr::Csr::from_pairs(side * side, pairs.into_iter());
        t
    }

    fn cell_xy(&self, p: Point) -> (i64, i64) {
        let cx = ((p.x + self.half_extent) / self.cell_m).floor() as i64;
        let cy = ((p.y + self.half_extent) / self.cell_m).floor() as i64;
        (
            cx.clamp(0, self.side as i64 - 1),
            cy.clamp(0, self.side as i64 - 1),
        )
    }

    fn cell_of(&self, p: Point) -> usize {
        let (cx, cy) = self.cell_xy(p);
        cy as usize * self.side + cx as usize
    }

    pub fn len(&self) -> usize {
        self.pos.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pos.is_empty()
    }

    /// The `K` nearest towers to `p`, nearest first (fewer if there are fewer towers).
    pub fn nearest<const K: usize>(&self, p: Point) -> ([u32; K], usize) {
        let mut best = [(f32::INFINITY, u32::MAX); K];
        let mut found = 0;
        let (cx, cy) = self.cell_xy(p);
        for ring in 0..self.side as i64 {
            // Every tower outside this ring of cells is at least ring * cell away.
            if found == K && best[K - 1].0 < (ring as f32 - 1.0).max(0.0) * self.cell_m {
                break;
            }
            for y in (cy - ring)..=(cy + ring) {
                for x in (cx - ring)..=(cx + ring) {
                    let on_ring = (y - cy).abs() == ring || (x - cx).abs() == ring;
                    if !on_ring || x < 0 || y < 0 || x >= self.side as i64 || y >= self.side as i64
                    {
                        continue;
                    }
                    for &t in self.cells.of((y as usize * self.side + x as usize) as u32) {
                        let d = p.dist(self.pos[t as usize]);
                        if d < best[K - 1].0 {
                            let mut k = K - 1;
                            while k > 0 && best[k - 1].0 > d {
                                best[k] = best[k - 1];
                                k -= 1;
                            }
                            best[k] = (d, t);
                            found = (found + 1).min(K);
                        }
                    }
                }
            }
        }
        let mut ids = [u32::MAX; K];
        for (slot, b) in ids.iter_mut().zip(best) {
            *slot = b.1;
        }
        (ids, found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, StreamKey};

    fn towers() -> (Rings, Towers) {
        let rings = Rings {
            outer_m: [6000.0, 20000.0, 45000.0],
        };
        let mut rng = StreamKey::new(1, 0).stream(0, Purpose::Layout, 0);
        let t = Towers::place(&rings, [350.0, 1500.0, 5000.0], &mut rng);
        (rings, t)
    }

    #[test]
    fn nearest_matches_brute_force() {
        let (rings, t) = towers();
        let mut rng = StreamKey::new(2, 0).stream(0, Purpose::Layout, 0);
        for z in Zone::ALL {
            for _ in 0..200 {
                let p = rings.random_point(z, &mut rng);
                let (ids, n) = t.nearest::<3>(p);
                assert_eq!(n, 3);
                let mut all: Vec<(f32, u32)> = t
                    .pos
                    .iter()
                    .enumerate()
                    .map(|(i, &q)| (p.dist(q), i as u32))
                    .collect();
                all.sort_by(|a, b| a.0.total_cmp(&b.0));
                assert_eq!(
                    ids.to_vec(),
                    all[..3].iter().map(|a| a.1).collect::<Vec<_>>()
                );
            }
        }
    }

    #[test]
    fn tower_density_follows_zone_spacing() {
        // A triangular lattice of spacing s has one tower per s^2 * sqrt(3)/2.
        let (rings, t) = towers();
        for (z, s) in Zone::ALL.into_iter().zip([350.0f64, 1500.0, 5000.0]) {
            let (a, b) = (rings.inner(z) as f64, rings.outer(z) as f64);
            let expected = std::f64::consts::PI * (b * b - a * a) / (s * s * 3f64.sqrt() / 2.0);
            let got = t.zone.iter().filter(|&&q| q == z).count() as f64;
            // Edge effects at the ring borders stay within 10 % at these sizes.
            assert!(
                (got / expected - 1.0).abs() < 0.1,
                "{}: {got} towers, expected {expected:.0}",
                z.name()
            );
        }
    }
}
