//! Scenario sections for what the backend sees (`[observation]`) and which
//! rule set it applies (`[policy]`). Defaults are from DOMAIN.md sections 3-5;
//! `perfect = true` on a source makes it report the truth.

use serde::{Deserialize, Serialize};

/// Noisy data sources.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ObservationFile {
    pub gps: GpsFile,
    pub wifi: WifiFile,
    pub cell: CellFile,
    pub travel_card: TravelCardFile,
    pub registry: RegistryFile,
    pub checkin: CheckinFile,
    pub temperature: TemperatureFile,
    pub testing: TestingFile,
    pub risk_areas: RiskAreasFile,
}

/// App GPS: a fix per visit when the app is open; horizontal error is 2-D
/// Gaussian with the environment's sigma (so the radial error is Rayleigh).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GpsFile {
    pub perfect: bool,
    /// Probability the app records a fix during a visit (app users only) [U].
    pub fix_probability: f64,
    /// Sigma per axis in open sky, m (95 % of fixes within ~5-13 m: Merry & Bettinger 2019).
    pub sigma_open_m: f64,
    /// Sigma per axis in an urban canyon (city centre outdoors), m (20-50 m [U]).
    pub sigma_urban_m: f64,
    /// Sigma per axis indoors without Wi-Fi, m [U].
    pub sigma_indoor_m: f64,
}

impl Default for GpsFile {
    fn default() -> Self {
        Self {
            perfect: false,
            fix_probability: 0.6,
            sigma_open_m: 4.0,
            sigma_urban_m: 20.0,
            sigma_indoor_m: 35.0,
        }
    }
}

/// Wi-Fi positioning, used indoors where available: median error ~74 m (Zandbergen 2009).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WifiFile {
    pub perfect: bool,
    /// Probability an indoor fix comes from Wi-Fi rather than GPS (centre, suburb, rural) [U].
    pub availability: [f64; 3],
    /// Sigma per axis, m; the Rayleigh median is 1.177 sigma (63 m -> 74 m median).
    pub sigma_m: f64,
}

impl Default for WifiFile {
    fn default() -> Self {
        Self {
            perfect: false,
            availability: [0.8, 0.5, 0.1],
            sigma_m: 63.0,
        }
    }
}

/// Operator data: the serving tower's position, not Gaussian noise.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CellFile {
    pub perfect: bool,
    /// Probability the serving tower is the 2nd nearest (ping-pong handover) [U].
    pub second_nearest: f64,
    /// Probability it is the 3rd nearest [U].
    pub third_nearest: f64,
}

impl Default for CellFile {
    fn default() -> Self {
        Self {
            perfect: false,
            second_nearest: 0.2,
            third_nearest: 0.05,
        }
    }
}

/// The operator's itinerary card: regions where the phone stayed > 4 h a day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TravelCardFile {
    pub perfect: bool,
    /// Days before a stay shows on the card. (How far back it looks is the
    /// `within` of the rules' `arrived_from`.)
    pub lag_days: u32,
    /// Daily probability that a phone in the rural fringe is listed in a
    /// neighbouring region through a border cell [U].
    pub border_overlap: f64,
    /// Risk level of the neighbouring region a border cell shows ("low", "medium", "high").
    pub border_region_level: String,
}

impl Default for TravelCardFile {
    fn default() -> Self {
        Self {
            perfect: false,
            lag_days: 1,
            border_overlap: 0.002,
            border_region_level: "medium".into(),
        }
    }
}

/// The key-persons registry and contact tracing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegistryFile {
    pub perfect: bool,
    /// Days from confirmation to the case's contacts being listed.
    pub tracing_delay_days: u32,
    /// Days before the case's symptom onset (or test) whose contacts are traced.
    pub tracing_lookback_days: u32,
    /// Probability a contact is found, per layer: household, work, school, venue, transit, well_mixed.
    pub recall: [f64; 6],
    /// Whether secondary contacts (contacts of close contacts, household and work) are listed.
    pub trace_secondary: bool,
    /// Probability a listed person is the wrong person (identity linkage error;
    /// Macau 2022: ~2,000 yellow by ID mismatch) [U].
    pub id_mismatch: f64,
    /// Probability an entry is not removed on release [U].
    pub stale_probability: f64,
    /// How long a stale entry stays, days [U].
    pub stale_days: u32,
    /// Days a close or secondary contact stays listed.
    pub contact_listing_days: u32,
    /// Days a confirmed case stays listed after recovery (discharge and follow-up).
    pub case_listing_days_after_recovery: u32,
}

impl Default for RegistryFile {
    fn default() -> Self {
        Self {
            perfect: false,
            tracing_delay_days: 1,
            tracing_lookback_days: 2,
            recall: [1.0, 0.8, 0.9, 0.3, 0.1, 0.2],
            trace_secondary: true,
            id_mismatch: 0.01,
            stale_probability: 0.05,
            stale_days: 14,
            contact_listing_days: 14,
            case_listing_days_after_recovery: 14,
        }
    }
}

/// Daily health check-in in the app, and care seeking.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CheckinFile {
    pub perfect: bool,
    /// Probability a person present checks in on a given day: app users in
    /// the app, others through their community (so everyone can count check-ins) [U].
    pub compliance: f64,
    /// Probability a person with symptoms reports them (honesty below 1) [U].
    pub honesty: f64,
    /// Daily probability that a person with symptoms visits a clinic [U].
    pub clinic_visit: f64,
}

impl Default for CheckinFile {
    fn default() -> Self {
        Self {
            perfect: false,
            compliance: 0.9,
            honesty: 0.7,
            clinic_visit: 0.1,
        }
    }
}

/// Temperature scans at workplaces, schools and venues.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TemperatureFile {
    pub perfect: bool,
    /// Probability a visit to a site or venue includes a scan [U].
    pub scan_probability: f64,
    /// Fever threshold, Celsius (37.3 in Chinese rules).
    pub threshold_c: f64,
    /// Thermometer error, sd in Celsius (infrared specificity 80-86 %) [U].
    pub error_sd_c: f64,
    /// A reading at or above the threshold is re-measured (clinical
    /// thermometer) and recorded only if the second reading is high too.
    pub recheck: bool,
    /// Error of the re-measurement, sd in Celsius [U].
    pub recheck_error_sd_c: f64,
    /// Body temperature without fever: mean and sd, Celsius.
    pub normal_mean_c: f64,
    pub normal_sd_c: f64,
    /// Body temperature with fever: mean and sd, Celsius.
    pub fever_mean_c: f64,
    pub fever_sd_c: f64,
    /// Share of symptomatic COVID-19 days with fever [U].
    pub fever_share_covid: f64,
    /// Share of ILI days with fever [U].
    pub fever_share_ili: f64,
}

impl Default for TemperatureFile {
    fn default() -> Self {
        Self {
            perfect: false,
            scan_probability: 0.5,
            threshold_c: 37.3,
            error_sd_c: 0.3,
            recheck: true,
            recheck_error_sd_c: 0.1,
            normal_mean_c: 36.6,
            normal_sd_c: 0.25,
            fever_mean_c: 38.2,
            fever_sd_c: 0.5,
            fever_share_covid: 0.8,
            fever_share_ili: 0.5,
        }
    }
}

/// PCR tests: at clinic visits, of listed contacts, and in the screening rounds a rule set mandates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TestingFile {
    pub perfect: bool,
    /// Probability an infected person tests positive while infectious [U, ~0.8].
    pub sensitivity: f64,
    /// Probability an uninfected person tests negative.
    pub specificity: f64,
    /// Days from sample to result.
    pub result_delay_days: u32,
    /// Whether listed close contacts are tested on the day they are listed.
    pub test_contacts: bool,
}

impl Default for TestingFile {
    fn default() -> Self {
        Self {
            perfect: false,
            sensitivity: 0.8,
            specificity: 0.999,
            result_delay_days: 1,
            test_contacts: true,
        }
    }
}

/// Risk areas declared from confirmed cases' observed locations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RiskAreasFile {
    /// Days from confirmation to declaration.
    pub declaration_delay_days: u32,
    /// Radius of a compound-level area around the case's observed home, m.
    pub compound_radius_m: f64,
    /// Cases within 14 days that make a compound area medium / high.
    pub compound_medium_cases: u32,
    pub compound_high_cases: u32,
    /// Cases within 14 days that make a whole district medium / high.
    pub district_medium_cases: u32,
    pub district_high_cases: u32,
    /// Cases within 14 days that make the whole city medium / high.
    pub city_medium_cases: u32,
    pub city_high_cases: u32,
    /// Days without a new case after which an area expires.
    pub expiry_days: u32,
}

impl Default for RiskAreasFile {
    fn default() -> Self {
        Self {
            declaration_delay_days: 1,
            compound_radius_m: 200.0,
            compound_medium_cases: 1,
            compound_high_cases: 3,
            district_medium_cases: 10,
            district_high_cases: 50,
            city_medium_cases: 500,
            city_high_cases: 5000,
            expiry_days: 14,
        }
    }
}

/// Which rule set assigns the codes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyFile {
    /// A built-in rule set name (`hcsim rules list`) or a rule file path, relative to the scenario file.
    pub rules: String,
}

impl Default for PolicyFile {
    fn default() -> Self {
        Self {
            rules: "zhejiang-2020".into(),
        }
    }
}

/// What a code means for the person: quarantine, and whether they comply.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsequencesFile {
    /// Where a red code quarantines: "home" or "facility" (central quarantine).
    pub red_place: String,
    /// Whether a yellow code means home quarantine (7 days in Hangzhou 2020).
    pub yellow_home_quarantine: bool,
    /// Probability a person complies with a quarantine, drawn once per code episode [U].
    pub compliance: f64,
    /// Confirmed and asymptomatic cases in the registry are isolated in a facility.
    pub isolate_cases: bool,
}

impl Default for ConsequencesFile {
    fn default() -> Self {
        Self {
            red_place: "home".into(),
            yellow_home_quarantine: true,
            compliance: 0.9,
            isolate_cases: true,
        }
    }
}

/// Requests to review a code, and the reviewers who answer them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AppealsFile {
    /// Day the review channel opens (Hangzhou: 15 Feb 2020, day 4).
    pub open_day: u32,
    /// Daily probability that a person with a red or yellow code appeals,
    /// when uninfected and without a true exposure (they know they were
    /// wrongly flagged) [U]. On the opening day, codes older than the channel
    /// appeal with the probability accumulated over the days they waited.
    pub probability_wrongly_flagged: f64,
    /// The same for everyone else with a red or yellow code [U].
    pub probability_other: f64,
    /// Reviewers on duty and reviews each completes per day.
    pub reviewers: u32,
    pub reviews_per_reviewer_per_day: u32,
    /// Capacity on weekends, as a share of weekday capacity.
    pub weekend_capacity: f64,
    /// "fifo", or "priority" (red codes before yellow, then oldest first).
    pub order: String,
    /// Probability a reviewer decides correctly: overturns a code set by a data
    /// error, upholds one the truth supports (Israel 2020: 54 % of appeals upheld [S]).
    pub reviewer_accuracy: f64,
}

impl Default for AppealsFile {
    fn default() -> Self {
        Self {
            open_day: 4,
            probability_wrongly_flagged: 0.05,
            probability_other: 0.01,
            reviewers: 40,
            reviews_per_reviewer_per_day: 40,
            weekend_capacity: 0.5,
            order: "fifo".into(),
            reviewer_accuracy: 0.9,
        }
    }
}

/// `hcsim compare` defaults: the rule sets to compare and the replicates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CompareFile {
    /// Rule sets (built-in names, rule files relative to the scenario, base+overlay).
    pub rules: Vec<String>,
    pub replicates: u32,
}

impl Default for CompareFile {
    fn default() -> Self {
        Self {
            rules: vec![
                "zhejiang-2020".into(),
                "heilongjiang-2020".into(),
                "shaanxi-2020".into(),
            ],
            replicates: 5,
        }
    }
}
