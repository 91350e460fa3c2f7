//! The scenario file format: serde types, one per section, with the documented
//! defaults. Every field may be omitted; the resolved scenario written to each
//! run directory lists them all. Units are in the field names or doc comments.

use serde::{Deserialize, Serialize};

use super::dist::DistFile;
use super::observe_file::{
    AppealsFile, CompareFile, ConsequencesFile, ObservationFile, PolicyFile,
};

/// A whole scenario file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScenarioFile {
    /// Short name; also names the run directory.
    pub name: String,
    /// What the scenario represents, in plain words.
    pub description: String,
    /// Master seed of every random stream.
    pub seed: u64,
    /// Replicate index; replicates of one seed are independent worlds.
    pub replicate: u32,
    /// Days to simulate.
    pub days: u32,
    /// Weekday of day 0: "mon" ... "sun" (11 Feb 2020, Hangzhou's launch, was a Tuesday).
    pub start_weekday: String,
    pub city: CityFile,
    pub travelers: TravelersFile,
    pub mobility: MobilityFile,
    pub epidemic: EpidemicFile,
    pub ili: IliFile,
    pub observation: ObservationFile,
    pub policy: PolicyFile,
    pub consequences: ConsequencesFile,
    pub appeals: AppealsFile,
    pub compare: CompareFile,
}

impl Default for ScenarioFile {
    fn default() -> Self {
        Self {
            name: "scenario".into(),
            description: String::new(),
            seed: 1,
            replicate: 0,
            days: 60,
            start_weekday: "tue".into(),
            city: CityFile::default(),
            travelers: TravelersFile::default(),
            mobility: MobilityFile::default(),
            epidemic: EpidemicFile::default(),
            ili: IliFile::default(),
            observation: ObservationFile::default(),
            policy: PolicyFile::default(),
            consequences: ConsequencesFile::default(),
            appeals: AppealsFile::default(),
            compare: CompareFile::default(),
        }
    }
}

/// Geography and population.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CityFile {
    /// People who live in the city and are present from day 0.
    pub residents: u64,
    /// Angular sectors per zone; districts = 3 zones x sectors.
    pub sectors: u32,
    pub centre: ZoneFile,
    pub suburb: ZoneFile,
    pub rural: ZoneFile,
    /// Relative frequency of household sizes 1, 2, 3, ... (China 2020 census: mean 2.6).
    pub household_size_weights: Vec<f64>,
    /// Shares of household members aged 0-5, 6-17, 18-64, 65+ (the first member is an adult).
    pub age_band_weights: [f64; 4],
    /// Share of people aged 18-64 with a workplace.
    pub employment_rate: f64,
    /// Mean workplace size; sizes are heavy-tailed (lognormal weights, sigma 1).
    pub workplace_size_mean: f64,
    /// Mean school size; students attend a school in their home district.
    pub school_size_mean: f64,
    /// Share of people with a mobile phone [U].
    pub phone_ownership: f64,
    /// Share of phone owners who use the health-code app (GPS records) [U].
    pub app_use: f64,
    /// Markets per 10,000 people (at least one per district).
    pub markets_per_10k: f64,
    /// Restaurants per 10,000 people (at least one per district).
    pub restaurants_per_10k: f64,
    /// Clinics and hospitals per 10,000 people (at least one per district).
    pub clinics_per_10k: f64,
    /// Transit stations per district.
    pub stations_per_district: u32,
}

impl Default for CityFile {
    fn default() -> Self {
        Self {
            residents: 100_000,
            sectors: 4,
            centre: ZoneFile {
                outer_radius_km: 6.0,
                population_share: 0.45,
                workplace_share: 0.6,
                tower_spacing_m: 350.0,
                households_per_compound: 400,
            },
            suburb: ZoneFile {
                outer_radius_km: 20.0,
                population_share: 0.4,
                workplace_share: 0.32,
                tower_spacing_m: 1500.0,
                households_per_compound: 250,
            },
            rural: ZoneFile {
                outer_radius_km: 45.0,
                population_share: 0.15,
                workplace_share: 0.08,
                tower_spacing_m: 5000.0,
                households_per_compound: 60,
            },
            household_size_weights: vec![0.25, 0.30, 0.21, 0.14, 0.06, 0.04],
            age_band_weights: [0.06, 0.13, 0.66, 0.15],
            employment_rate: 0.75,
            workplace_size_mean: 30.0,
            school_size_mean: 900.0,
            phone_ownership: 0.93,
            app_use: 0.85,
            markets_per_10k: 2.0,
            restaurants_per_10k: 15.0,
            clinics_per_10k: 1.0,
            stations_per_district: 2,
        }
    }
}

/// One concentric zone: centre (a disc), suburb and rural fringe (rings).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneFile {
    /// Outer radius of the zone, km; zones nest: centre < suburb < rural.
    pub outer_radius_km: f64,
    /// Share of households living in the zone (the three shares sum to 1).
    pub population_share: f64,
    /// Share of workplaces located in the zone (the three shares sum to 1).
    pub workplace_share: f64,
    /// Cell tower spacing, m (DOMAIN 3: ~200-500 urban, 1-2 km suburban, 3-8 km rural [U]).
    pub tower_spacing_m: f64,
    /// Households per residential compound.
    pub households_per_compound: u32,
}

/// The returning wave: people who live in the city and come back over days.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TravelersFile {
    /// Returning travelers (whole households travel together; the count is met to within one household).
    pub count: u64,
    /// Day the first travelers arrive.
    pub first_arrival_day: u32,
    /// Arrivals spread uniformly over this many days.
    pub arrival_days: u32,
    /// An infected traveler was infected up to this many days before arrival (uniform).
    pub max_days_infected_before_arrival: u32,
    /// Where travelers come from; shares sum to 1.
    pub origins: Vec<OriginFile>,
}

impl Default for TravelersFile {
    fn default() -> Self {
        Self {
            count: 0,
            first_arrival_day: 0,
            arrival_days: 21,
            max_days_infected_before_arrival: 5,
            origins: vec![OriginFile {
                name: "elsewhere".into(),
                share: 1.0,
                risk_level: "low".into(),
                prevalence: vec![[0.0, 0.0002]],
                prevalence_csv: None,
            }],
        }
    }
}

/// An origin region of travelers, with its infection prevalence over time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OriginFile {
    pub name: String,
    /// Share of travelers from this region.
    pub share: f64,
    /// Risk level the operator's travel card shows for the region: "low", "medium" or "high".
    #[serde(default = "low")]
    pub risk_level: String,
    /// Prevalence of active infection among travelers by day, as [day, prevalence]
    /// points; linear between points, constant beyond the ends.
    #[serde(default)]
    pub prevalence: Vec<[f64; 2]>,
    /// Alternatively a CSV file with header `day,prevalence`, relative to the scenario file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prevalence_csv: Option<String>,
}

fn low() -> String {
    "low".into()
}

/// Daily schedules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MobilityFile {
    /// Probability a worker goes to work on a weekday (Feb 2020: return to work was partial).
    pub work_attendance: f64,
    /// Probability a worker goes to work on a weekend day.
    pub weekend_work_attendance: f64,
    /// Probability a student goes to school on a weekday (0: schools closed).
    pub school_attendance: f64,
    /// Probability of a market visit per day.
    pub market_visit_prob: f64,
    /// Probability of a restaurant visit per day.
    pub restaurant_visit_prob: f64,
    /// Share of workers whose workplace is in another district who commute by transit.
    pub transit_share: f64,
}

impl Default for MobilityFile {
    fn default() -> Self {
        Self {
            work_attendance: 0.6,
            weekend_work_attendance: 0.1,
            school_attendance: 0.0,
            market_visit_prob: 0.35,
            restaurant_visit_prob: 0.1,
            transit_share: 0.5,
        }
    }
}

/// Natural history and transmission (DOMAIN.md section 5).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EpidemicFile {
    /// Residents infected on day 0.
    pub initial_infected: u64,
    /// Infection to symptom onset, days (Li et al. 2020: mean 5.2; Lauer 2020: 97.5 % within 11.5).
    pub incubation_days: DistFile,
    /// Infectious days before onset, part of the incubation (~2.3 d, He et al. 2020).
    pub presymptomatic_days: DistFile,
    /// Share of infections that never show symptoms (~20 %, 17-25 %).
    pub asymptomatic_fraction: f64,
    /// Infectious days after symptom onset [U: total infectious period ~8-10 d].
    pub symptomatic_days: DistFile,
    /// Infectious days of an asymptomatic infection [U].
    pub asymptomatic_days: DistFile,
    /// Infectiousness relative to a symptomatic case.
    pub relative_infectiousness: InfectiousnessFile,
    pub layers: LayersFile,
}

impl Default for EpidemicFile {
    fn default() -> Self {
        Self {
            initial_infected: 20,
            incubation_days: DistFile::Lognormal { mean: 5.2, sd: 2.5 },
            presymptomatic_days: DistFile::Gamma { mean: 2.3, sd: 1.0 },
            asymptomatic_fraction: 0.2,
            symptomatic_days: DistFile::Gamma { mean: 7.0, sd: 2.0 },
            asymptomatic_days: DistFile::Gamma { mean: 8.0, sd: 2.0 },
            relative_infectiousness: InfectiousnessFile::default(),
            layers: LayersFile::default(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InfectiousnessFile {
    pub presymptomatic: f64,
    pub symptomatic: f64,
    pub asymptomatic: f64,
}

impl Default for InfectiousnessFile {
    fn default() -> Self {
        Self {
            presymptomatic: 1.0,
            symptomatic: 1.0,
            asymptomatic: 0.5,
        }
    }
}

/// Transmission per contact layer. `contacts` is the mean number of contacts an
/// infectious agent makes per day in the layer (Poisson), among co-present
/// agents; `p` is the probability that one contact with a fully infectious
/// agent infects a susceptible one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LayersFile {
    /// Every other member of the household present at home is a contact each day.
    pub household: LayerFile,
    pub work: LayerFile,
    pub school: LayerFile,
    /// Markets and restaurants: contacts among visitors whose visits overlap in time.
    pub venue: LayerFile,
    /// Transit stations: commuters of the same station whose trips overlap in time.
    pub transit: LayerFile,
    /// Uniformly random others among all present, free agents (for validation against theory).
    pub well_mixed: LayerFile,
}

impl Default for LayersFile {
    fn default() -> Self {
        Self {
            household: LayerFile {
                contacts: 0.0,
                p: 0.08,
            },
            work: LayerFile {
                contacts: 4.0,
                p: 0.03,
            },
            school: LayerFile {
                contacts: 8.0,
                p: 0.03,
            },
            venue: LayerFile {
                contacts: 3.0,
                p: 0.02,
            },
            transit: LayerFile {
                contacts: 5.0,
                p: 0.01,
            },
            well_mixed: LayerFile {
                contacts: 0.0,
                p: 0.0,
            },
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LayerFile {
    /// Mean contacts per infectious agent per day (ignored for the household layer).
    pub contacts: f64,
    /// Infection probability per contact.
    pub p: f64,
}

impl Default for LayerFile {
    fn default() -> Self {
        Self {
            contacts: 0.0,
            p: 0.0,
        }
    }
}

/// Background influenza-like illness in people without COVID-19.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IliFile {
    /// Share of people with a new ILI episode per week (winter: 2-4 % [U]).
    pub weekly_incidence: f64,
    /// Episode length, days.
    pub duration_days: DistFile,
}

impl Default for IliFile {
    fn default() -> Self {
        Self {
            weekly_incidence: 0.03,
            duration_days: DistFile::Gamma { mean: 5.0, sd: 2.0 },
        }
    }
}
