//! The built-in rule sets: the files in `scenarios/rules/`, embedded in the
//! binary so they work from any directory.

/// (name, file text), in the order `hcsim rules list` shows them.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "zhejiang-2020",
        include_str!("../../scenarios/rules/zhejiang-2020.toml"),
    ),
    (
        "zhejiang-2020-xinhua",
        include_str!("../../scenarios/rules/zhejiang-2020-xinhua.toml"),
    ),
    (
        "hubei-2020",
        include_str!("../../scenarios/rules/hubei-2020.toml"),
    ),
    (
        "shaanxi-2020",
        include_str!("../../scenarios/rules/shaanxi-2020.toml"),
    ),
    (
        "heilongjiang-2020",
        include_str!("../../scenarios/rules/heilongjiang-2020.toml"),
    ),
    (
        "sichuan-chengdu-2021",
        include_str!("../../scenarios/rules/sichuan-chengdu-2021.toml"),
    ),
    (
        "shanghai-2022",
        include_str!("../../scenarios/rules/shanghai-2022.toml"),
    ),
    (
        "beijing-2022-popup",
        include_str!("../../scenarios/rules/beijing-2022-popup.toml"),
    ),
    (
        "macau-2022",
        include_str!("../../scenarios/rules/macau-2022.toml"),
    ),
];

pub fn text(name: &str) -> Option<&'static str> {
    BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

pub fn names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    #[test]
    fn every_builtin_parses_and_is_named_after_its_file() {
        for (name, text) in BUILTIN {
            let set = RuleSet::parse(name, text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(&set.name, name);
            assert!(!set.source.is_empty());
        }
    }
}
