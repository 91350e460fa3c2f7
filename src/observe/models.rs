//! The observation models, each a small pure function of the truth and a
//! random stream: what app GPS, Wi-Fi, the operator's cell data, thermometers
//! and PCR tests report. Each has a `perfect` switch that returns the truth.

use rand::RngExt;
use rand_distr::{Distribution, Normal};

use crate::city::{City, Point, VenueKind, Zone};
use crate::evidence::LocationSource;
use crate::mobility::Place;
use crate::scenario::observe_file::{CellFile, GpsFile, TemperatureFile, TestingFile, WifiFile};

/// Where a fix is taken, which sets the GPS error scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    Open,
    UrbanCanyon,
    Indoor,
}

/// Farthest a home lies from its compound's centre: up to 60 m on each axis.
pub const HOME_OFFSET_MAX_M: f32 = 60.0 * std::f32::consts::SQRT_2 + 0.01;

/// True position of a place. Homes sit within 60 m of their compound's
/// centre on each axis, at a fixed offset per household.
pub fn place_position(city: &City, place: Place) -> (Point, Zone, Environment) {
    match place {
        Place::Home(h) => {
            let c = &city.compounds[city.household_compound[h as usize] as usize];
            let hash = (h as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let dx = ((hash >> 40) % 121) as f32 - 60.0;
            let dy = ((hash >> 20) % 121) as f32 - 60.0;
            (
                Point {
                    x: c.pos.x + dx,
                    y: c.pos.y + dy,
                },
                c.zone,
                Environment::Indoor,
            )
        }
        Place::Site(s) => {
            let p = city.site_pos[s as usize];
            (p, city.rings.zone_of(p), Environment::Indoor)
        }
        Place::Venue(v) => {
            let p = city.venue_pos[v as usize];
            let zone = city.rings.zone_of(p);
            let env = match city.venue_kind[v as usize] {
                VenueKind::Market | VenueKind::Station if zone == Zone::Centre => {
                    Environment::UrbanCanyon
                }
                VenueKind::Market | VenueKind::Station => Environment::Open,
                VenueKind::Restaurant | VenueKind::Clinic => Environment::Indoor,
            };
            (p, zone, env)
        }
        // Central quarantine facilities stand 2 km east of the centre.
        Place::Facility => (
            Point { x: 2000.0, y: 0.0 },
            Zone::Centre,
            Environment::Indoor,
        ),
    }
}

fn jitter<R: rand::Rng + ?Sized>(p: Point, sigma: f64, rng: &mut R) -> Point {
    let n = Normal::new(0.0, sigma.max(0.0)).expect("finite sigma");
    Point {
        x: p.x + n.sample(rng) as f32,
        y: p.y + n.sample(rng) as f32,
    }
}

/// An app fix for one visit, if the app records one: Wi-Fi indoors where
/// available, else GPS with the environment's error. Draws are made in a
/// fixed order whatever the outcome.
pub fn app_fix<R: rand::Rng + ?Sized>(
    truth: Point,
    zone: Zone,
    env: Environment,
    gps: &GpsFile,
    wifi: &WifiFile,
    rng: &mut R,
) -> Option<(Point, LocationSource)> {
    let recorded = rng.random_bool(gps.fix_probability);
    let use_wifi = env == Environment::Indoor && rng.random_bool(wifi.availability[zone as usize]);
    let (src, sigma, perfect) = if use_wifi {
        (LocationSource::Wifi, wifi.sigma_m, wifi.perfect)
    } else {
        let s = match env {
            Environment::Open => gps.sigma_open_m,
            Environment::UrbanCanyon => gps.sigma_urban_m,
            Environment::Indoor => gps.sigma_indoor_m,
        };
        (LocationSource::Gps, s, gps.perfect)
    };
    let p = jitter(truth, sigma, rng);
    recorded.then_some((if perfect { truth } else { p }, src))
}

/// The three nearest towers of every place, computed once: places never move,
/// and the tower query is the costliest part of a cell record.
#[derive(Clone, Debug, Default)]
pub struct PlaceTowers {
    /// Six nearest towers of each compound's centre; a home (within 60 m)
    /// takes its three nearest among them.
    compound: Vec<[u32; 6]>,
    site: Vec<[u32; 3]>,
    venue: Vec<[u32; 3]>,
    facility: [u32; 3],
}

impl PlaceTowers {
    pub fn new(city: &City) -> Self {
        use rayon::prelude::*;
        let t = &city.towers;
        Self {
            compound: city
                .compounds
                .par_iter()
                .map(|c| t.nearest::<6>(c.pos).0)
                .collect(),
            site: city
                .site_pos
                .par_iter()
                .map(|&p| t.nearest::<3>(p).0)
                .collect(),
            venue: city
                .venue_pos
                .par_iter()
                .map(|&p| t.nearest::<3>(p).0)
                .collect(),
            facility: t.nearest::<3>(place_position(city, Place::Facility).0).0,
        }
    }

    /// The six nearest towers of a compound's centre.
    pub fn compound_towers(&self, compound: u32) -> [u32; 6] {
        self.compound[compound as usize]
    }

    /// The nearest towers of a place, nearest first (`u32::MAX` pads when fewer exist).
    pub fn of(&self, city: &City, place: Place, pos: Point) -> [u32; 3] {
        match place {
            Place::Home(h) => {
                let six = self.compound[city.household_compound[h as usize] as usize];
                let mut best = [(f32::INFINITY, u32::MAX); 3];
                for id in six.into_iter().filter(|&id| id != u32::MAX) {
                    let d = pos.dist(city.towers.pos[id as usize]);
                    if d < best[2].0 {
                        best[2] = (d, id);
                        best.sort_by(|a, b| a.0.total_cmp(&b.0));
                    }
                }
                best.map(|b| b.1)
            }
            Place::Site(s) => self.site[s as usize],
            Place::Venue(v) => self.venue[v as usize],
            Place::Facility => self.facility,
        }
    }
}

/// The operator's record for a phone at `truth` among towers `ids` (nearest
/// first): the serving tower's position; the 2nd or 3rd nearest with the
/// ping-pong probabilities.
pub fn cell_record<R: rand::Rng + ?Sized>(
    city: &City,
    truth: Point,
    ids: [u32; 3],
    cell: &CellFile,
    rng: &mut R,
) -> (Point, u32) {
    let u: f64 = rng.random();
    let n = ids.iter().filter(|&&id| id != u32::MAX).count();
    if cell.perfect || n == 0 {
        return (truth, ids[0]);
    }
    let rank = if u < cell.third_nearest && n >= 3 {
        2
    } else if u < cell.third_nearest + cell.second_nearest && n >= 2 {
        1
    } else {
        0
    };
    (city.towers.pos[ids[rank] as usize], ids[rank])
}

/// A temperature scan: whether it records fever (at or above the threshold,
/// confirmed by a re-measurement when `recheck` is on). All three draws (body
/// temperature, scan error, recheck error) are made every time.
pub fn scan_records_fever<R: rand::Rng + ?Sized>(
    febrile: bool,
    t: &TemperatureFile,
    rng: &mut R,
) -> bool {
    let (mean, sd) = if febrile {
        (t.fever_mean_c, t.fever_sd_c)
    } else {
        (t.normal_mean_c, t.normal_sd_c)
    };
    let body = Normal::new(mean, sd).expect("valid").sample(rng);
    let error = Normal::new(0.0, t.error_sd_c).expect("valid").sample(rng);
    let recheck = Normal::new(0.0, t.recheck_error_sd_c)
        .expect("valid")
        .sample(rng);
    if t.perfect {
        // A perfect scan reports exactly whether the person has fever.
        return febrile;
    }
    body + error >= t.threshold_c && (!t.recheck || body + recheck >= t.threshold_c)
}

fn upper_tail(z: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(z / std::f64::consts::SQRT_2)
}

/// Probability that a scan records fever: numerical integral over body
/// temperature of P(scan high) x P(recheck high).
pub fn fever_record_probability(febrile: bool, t: &TemperatureFile) -> f64 {
    if t.perfect {
        return if febrile { 1.0 } else { 0.0 };
    }
    let (mean, sd) = if febrile {
        (t.fever_mean_c, t.fever_sd_c)
    } else {
        (t.normal_mean_c, t.normal_sd_c)
    };
    let tail = |b: f64, s: f64| {
        if s > 0.0 {
            upper_tail((t.threshold_c - b) / s)
        } else {
            (b >= t.threshold_c) as u8 as f64
        }
    };
    let both = |b: f64| {
        tail(b, t.error_sd_c)
            * if t.recheck {
                tail(b, t.recheck_error_sd_c)
            } else {
                1.0
            }
    };
    if sd == 0.0 {
        return both(mean);
    }
    let steps = 4000;
    let (lo, hi) = (mean - 8.0 * sd, mean + 8.0 * sd);
    let h = (hi - lo) / steps as f64;
    let density = |b: f64| {
        (-(b - mean).powi(2) / (2.0 * sd * sd)).exp() / (sd * (2.0 * std::f64::consts::PI).sqrt())
    };
    (0..steps)
        .map(|i| lo + (i as f64 + 0.5) * h)
        .map(|b| density(b) * both(b))
        .sum::<f64>()
        * h
}

/// Probability that a scan of a person without fever records fever.
pub fn false_fever_probability(t: &TemperatureFile) -> f64 {
    fever_record_probability(false, t)
}

/// A PCR result: positive with the sensitivity while infected (exposed,
/// infectious), with 1 - specificity otherwise.
pub fn pcr_positive<R: rand::Rng + ?Sized>(infected: bool, t: &TestingFile, rng: &mut R) -> bool {
    let u: f64 = rng.random();
    if t.perfect {
        return infected;
    }
    if infected {
        u < t.sensitivity
    } else {
        u >= t.specificity
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, StreamKey};
    use statrs::distribution::{ContinuousCDF, Normal as SNormal};

    fn rng(unit: u64) -> rand_pcg::Pcg64Mcg {
        StreamKey::new(5, 0).stream(0, Purpose::Calibration, unit)
    }

    /// Rayleigh CDF of the radial error of a 2-D Gaussian with per-axis sigma.
    fn rayleigh_cdf(r: f64, sigma: f64) -> f64 {
        1.0 - (-r * r / (2.0 * sigma * sigma)).exp()
    }

    fn ks(mut xs: Vec<f64>, cdf: impl Fn(f64) -> f64) -> f64 {
        xs.sort_by(f64::total_cmp);
        let n = xs.len() as f64;
        xs.iter()
            .enumerate()
            .map(|(i, &x)| {
                (cdf(x) - i as f64 / n)
                    .abs()
                    .max((cdf(x) - (i + 1) as f64 / n).abs())
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn gps_error_is_rayleigh_with_the_environment_sigma() {
        let gps = GpsFile {
            fix_probability: 1.0,
            ..GpsFile::default()
        };
        let wifi = WifiFile {
            availability: [0.0; 3],
            ..WifiFile::default()
        };
        let mut r = rng(1);
        let truth = Point { x: 100.0, y: -50.0 };
        for (env, sigma) in [
            (Environment::Open, gps.sigma_open_m),
            (Environment::UrbanCanyon, gps.sigma_urban_m),
            (Environment::Indoor, gps.sigma_indoor_m),
        ] {
            let errs: Vec<f64> = (0..5000)
                .map(|_| {
                    app_fix(truth, Zone::Centre, env, &gps, &wifi, &mut r)
                        .unwrap()
                        .0
                        .dist(truth) as f64
                })
                .collect();
            let d = ks(errs, |x| rayleigh_cdf(x, sigma));
            assert!(d < 1.95 / 5000f64.sqrt(), "{env:?}: KS D {d}");
        }
    }

    #[test]
    fn wifi_median_error_is_about_74_m_and_used_at_its_availability() {
        let gps = GpsFile {
            fix_probability: 1.0,
            ..GpsFile::default()
        };
        let wifi = WifiFile::default();
        let mut r = rng(2);
        let truth = Point::default();
        let fixes: Vec<(Point, LocationSource)> = (0..20_000)
            .map(|_| {
                app_fix(
                    truth,
                    Zone::Centre,
                    Environment::Indoor,
                    &gps,
                    &wifi,
                    &mut r,
                )
                .unwrap()
            })
            .collect();
        let wifi_share =
            fixes.iter().filter(|f| f.1 == LocationSource::Wifi).count() as f64 / 20_000.0;
        // Binomial sd = sqrt(0.8 * 0.2 / 20000) = 0.0028; 4 sd.
        assert!((wifi_share - 0.8).abs() < 0.012, "{wifi_share}");
        let errs: Vec<f64> = fixes
            .iter()
            .filter(|f| f.1 == LocationSource::Wifi)
            .map(|f| f.0.dist(truth) as f64)
            .collect();
        assert!(
            ks(errs.clone(), |x| rayleigh_cdf(x, wifi.sigma_m)) < 1.95 / (errs.len() as f64).sqrt()
        );
        let mut sorted = errs;
        sorted.sort_by(f64::total_cmp);
        let median = sorted[sorted.len() / 2];
        assert!((median - 74.0).abs() < 3.0, "median {median}");
    }

    #[test]
    fn fix_probability_is_respected_and_perfect_gives_truth() {
        let gps = GpsFile::default();
        let wifi = WifiFile::default();
        let mut r = rng(3);
        let truth = Point { x: 5.0, y: 5.0 };
        let n = 20_000;
        let got = (0..n)
            .filter(|_| {
                app_fix(truth, Zone::Suburb, Environment::Open, &gps, &wifi, &mut r).is_some()
            })
            .count() as f64
            / n as f64;
        assert!(
            (got - 0.6).abs() < 4.0 * (0.24f64 / n as f64).sqrt(),
            "{got}"
        );
        let perfect = GpsFile {
            perfect: true,
            fix_probability: 1.0,
            ..GpsFile::default()
        };
        let perfect_wifi = WifiFile {
            perfect: true,
            ..WifiFile::default()
        };
        for _ in 0..100 {
            assert_eq!(
                app_fix(
                    truth,
                    Zone::Centre,
                    Environment::Indoor,
                    &perfect,
                    &perfect_wifi,
                    &mut r
                )
                .unwrap()
                .0,
                truth
            );
        }
    }

    #[test]
    fn serving_tower_ranks_follow_the_ping_pong_probabilities() {
        let s = crate::scenario::load(
            &crate::scenario::Source::default_scenario(),
            &["city.residents=2000".into(), "travelers.count=0".into()],
        )
        .unwrap();
        let city = City::build(&s);
        let cell = CellFile::default();
        let mut r = rng(4);
        let mut counts = [0usize; 3];
        let n = 30_000;
        for i in 0..n {
            let truth = city.rings.random_point(Zone::ALL[i % 3], &mut r);
            let (ids, _) = city.towers.nearest::<3>(truth);
            let (pos, id) = cell_record(&city, truth, ids, &cell, &mut r);
            assert_eq!(pos, city.towers.pos[id as usize]);
            counts[ids.iter().position(|&t| t == id).unwrap()] += 1;
        }
        for (k, p) in [(0, 0.75), (1, 0.2), (2, 0.05)] {
            let f = counts[k] as f64 / n as f64;
            let tol = 4.0 * (p * (1.0 - p) / n as f64).sqrt();
            assert!((f - p).abs() < tol, "rank {k}: {f} vs {p}");
        }
        let perfect = CellFile {
            perfect: true,
            ..cell
        };
        let truth = Point { x: 123.0, y: 456.0 };
        assert_eq!(
            cell_record(
                &city,
                truth,
                city.towers.nearest::<3>(truth).0,
                &perfect,
                &mut r
            )
            .0,
            truth
        );
    }

    #[test]
    fn cached_place_towers_match_the_tower_query() {
        let s = crate::scenario::load(
            &crate::scenario::Source::default_scenario(),
            &["city.residents=3000".into(), "travelers.count=0".into()],
        )
        .unwrap();
        let city = City::build(&s);
        let cache = PlaceTowers::new(&city);
        for h in 0..city.households() as u32 {
            let (pos, _, _) = place_position(&city, Place::Home(h));
            assert_eq!(
                cache.of(&city, Place::Home(h), pos),
                city.towers.nearest::<3>(pos).0,
                "household {h}"
            );
        }
    }

    #[test]
    fn thermometer_records_match_the_normal_model() {
        let n = 200_000;
        let mut r = rng(6);
        // Without recheck the false-alarm rate is a normal tail of the summed variance.
        let single = TemperatureFile {
            recheck: false,
            ..TemperatureFile::default()
        };
        let sd = (single.normal_sd_c.powi(2) + single.error_sd_c.powi(2)).sqrt();
        let reference = 1.0
            - SNormal::new(single.normal_mean_c, sd)
                .unwrap()
                .cdf(single.threshold_c);
        assert!(
            (false_fever_probability(&single) - reference).abs() < 1e-6,
            "{} vs {reference}",
            false_fever_probability(&single)
        );
        for t in [single, TemperatureFile::default()] {
            for febrile in [false, true] {
                let p = fever_record_probability(febrile, &t);
                let got = (0..n)
                    .filter(|_| scan_records_fever(febrile, &t, &mut r))
                    .count() as f64
                    / n as f64;
                assert!(
                    (got - p).abs() < 4.0 * (p * (1.0 - p) / n as f64).sqrt() + 1e-6,
                    "recheck {} febrile {febrile}: {got} vs {p}",
                    t.recheck
                );
            }
        }
        // The recheck removes most false alarms.
        assert!(false_fever_probability(&TemperatureFile::default()) < 0.3 * reference);
        let perfect = TemperatureFile {
            perfect: true,
            ..TemperatureFile::default()
        };
        assert!((0..1000).all(|_| !scan_records_fever(false, &perfect, &mut r)));
        assert!((0..1000).all(|_| scan_records_fever(true, &perfect, &mut r)));
    }

    #[test]
    fn pcr_sensitivity_and_specificity() {
        let t = TestingFile::default();
        let mut r = rng(7);
        let n = 50_000;
        let tp = (0..n).filter(|_| pcr_positive(true, &t, &mut r)).count() as f64 / n as f64;
        assert!((tp - 0.8).abs() < 4.0 * (0.16f64 / n as f64).sqrt(), "{tp}");
        let fp = (0..n).filter(|_| pcr_positive(false, &t, &mut r)).count() as f64;
        let p = 1.0 - t.specificity;
        let sd = (n as f64 * p * (1.0 - p)).sqrt();
        assert!(
            (fp - n as f64 * p).abs() < 4.0 * sd,
            "{fp} false positives, expected {}",
            n as f64 * p
        );
    }
}
