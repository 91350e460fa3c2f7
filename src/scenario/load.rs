//! Reading a scenario: parse TOML or JSON, apply `--set` overrides, deserialize
//! into the file types (unknown fields rejected) and validate. Every failure is
//! one `InputError` that names the file, line, field and fix.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use super::Scenario;
use super::error::{InputError, line_of};
use super::file::ScenarioFile;
use super::validate::validate;

/// The shipped default scenario, embedded so `hcsim run` works from any directory.
pub const DEFAULT_SCENARIO_NAME: &str = "scenarios/hangzhou-2020.toml";
pub const DEFAULT_SCENARIO_TEXT: &str = include_str!("../../scenarios/hangzhou-2020.toml");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Toml,
    Json,
}

/// Scenario text with the name to show in errors and the directory that
/// relative file references are resolved against.
#[derive(Clone, Debug)]
pub struct Source {
    pub name: String,
    pub text: String,
    pub format: Format,
    pub dir: PathBuf,
}

impl Source {
    /// Reads a file; `.json` files are JSON, everything else TOML.
    pub fn from_path(path: &Path) -> Result<Self, InputError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            InputError::new(
                &name,
                format!("cannot read the scenario file ({e})"),
                "check the path; `hcsim run` with no file runs the default scenario",
            )
        })?;
        let format = match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Format::Json,
            _ => Format::Toml,
        };
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(Self {
            name,
            text,
            format,
            dir,
        })
    }

    /// The embedded default scenario; its file references resolve against `scenarios/`.
    pub fn default_scenario() -> Self {
        Self {
            name: DEFAULT_SCENARIO_NAME.into(),
            text: DEFAULT_SCENARIO_TEXT.into(),
            format: Format::Toml,
            dir: PathBuf::from("scenarios"),
        }
    }
}

/// Parses, overrides, deserializes and validates a scenario.
pub fn load(source: &Source, overrides: &[String]) -> Result<Scenario, InputError> {
    let mut tree = parse_tree(source)?;
    let mut set_paths = Vec::new();
    for raw in overrides {
        let (path, value) = parse_override(raw)?;
        set_value(&mut tree, &path, value).map_err(|problem| {
            InputError::new(format!("--set {raw}"), problem, "use key.path=value with a path of the scenario file, e.g. --set city.residents=50000")
        })?;
        set_paths.push((path, raw.clone()));
    }
    let locate = |field: &str| -> (String, Option<usize>) {
        // A field set on the command line is reported against its flag.
        if let Some((_, raw)) = set_paths.iter().rev().find(|(p, _)| {
            field == p || field.starts_with(&format!("{p}.")) || field.starts_with(&format!("{p}["))
        }) {
            return (format!("--set {raw}"), None);
        }
        (source.name.clone(), locate_line(source, field))
    };
    let file: ScenarioFile = serde_path_to_error::deserialize(tree).map_err(|e| {
        let field = e.path().to_string();
        let (field, problem, fix) = describe_serde_problem(&field, &e.inner().to_string());
        let (name, line) = locate(&field);
        InputError::new(name, problem, fix)
            .at_field(field)
            .at_line(line)
    })?;
    validate(file, &source.dir).map_err(|e| {
        if !e.source.is_empty() {
            return e;
        }
        let (name, line) = locate(e.field.as_deref().unwrap_or(""));
        InputError {
            source: name,
            line,
            ..e
        }
    })
}

/// Text -> generic JSON tree, with the syntax error's line if it has one.
fn parse_tree(source: &Source) -> Result<Json, InputError> {
    match source.format {
        Format::Toml => {
            let table: toml::Table = toml::from_str(&source.text).map_err(|e| {
                let line = e.span().map(|s| line_of(&source.text, s.start));
                InputError::new(
                    &source.name,
                    format!("invalid TOML: {}", e.message().trim()),
                    "correct the syntax at that line (strings need quotes, tables [like.this])",
                )
                .at_line(line)
            })?;
            serde_json::to_value(table).map_err(|e| {
                InputError::new(
                    &source.name,
                    format!("unsupported value ({e})"),
                    "use numbers, strings, booleans, arrays and tables only",
                )
            })
        }
        Format::Json => serde_json::from_str(&source.text).map_err(|e| {
            InputError::new(
                &source.name,
                format!("invalid JSON: {e}"),
                "correct the syntax at that line",
            )
            .at_line(Some(e.line()))
        }),
    }
}

/// Splits `a.b[0].c=value`; the value is read as a TOML value (number, bool,
/// quoted string, array), or else taken as a bare string.
fn parse_override(raw: &str) -> Result<(String, Json), InputError> {
    let Some((path, value)) = raw.split_once('=') else {
        return Err(InputError::new(
            format!("--set {raw}"),
            "missing `=`",
            "write --set key.path=value, e.g. --set days=30",
        ));
    };
    let path = path.trim().to_string();
    if path.is_empty() {
        return Err(InputError::new(
            format!("--set {raw}"),
            "empty key",
            "write --set key.path=value, e.g. --set days=30",
        ));
    }
    let value = value.trim();
    let parsed = toml::from_str::<toml::Table>(&format!("v = {value}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .and_then(|v| serde_json::to_value(v).ok())
        .unwrap_or_else(|| Json::String(value.to_string()));
    Ok((path, parsed))
}

/// One step of a field path: a table key or an array index.
#[derive(Debug, PartialEq)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Step::Key(key));
        }
        while let Some(close) = rest.find(']') {
            if let Ok(i) = rest[1..close].parse() {
                out.push(Step::Index(i));
            }
            rest = &rest[close + 1..];
        }
    }
    out
}

fn set_value(tree: &mut Json, path: &str, value: Json) -> Result<(), String> {
    let steps = steps(path);
    let mut node = tree;
    for (i, step) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        node = match step {
            Step::Key(k) => {
                let map = node
                    .as_object_mut()
                    .ok_or_else(|| format!("`{k}` is inside a value that is not a table"))?;
                if last {
                    map.insert(k.to_string(), value);
                    return Ok(());
                }
                map.entry(k.to_string())
                    .or_insert_with(|| Json::Object(Default::default()))
            }
            Step::Index(n) => {
                let arr = node
                    .as_array_mut()
                    .ok_or_else(|| format!("[{n}] indexes a value that is not an array"))?;
                let len = arr.len();
                let slot = arr.get_mut(*n).ok_or_else(|| {
                    format!("index [{n}] is out of range (the array has {len} entries)")
                })?;
                if last {
                    *slot = value;
                    return Ok(());
                }
                slot
            }
        };
    }
    Err("empty key".into())
}

/// The field, problem and fix to report for a deserialization error.
fn describe_serde_problem(path: &str, message: &str) -> (String, String, String) {
    let field = if path == "." {
        String::new()
    } else {
        path.to_string()
    };
    if let Some(rest) = message.strip_prefix("unknown field `") {
        // The path already ends with the unknown key.
        let name = rest.split('`').next().unwrap_or("");
        let known = message.split("expected ").nth(1).unwrap_or("no fields");
        return (
            field,
            format!("unknown field `{name}`"),
            format!("remove or rename it; known fields here: {known}"),
        );
    }
    if message.contains("unknown variant") {
        return (
            field,
            message.to_string(),
            "use one of the listed values".into(),
        );
    }
    if let Some(rest) = message.strip_prefix("invalid value: integer `-") {
        let got = rest.split('`').next().unwrap_or("");
        return (
            field,
            format!("must be a whole number of 0 or more (got -{got})"),
            "give a value of 0 or more".into(),
        );
    }
    if message.contains("invalid type") || message.contains("invalid value") {
        return (
            field,
            message.to_string(),
            "give a value of the expected type and range".into(),
        );
    }
    (
        field,
        message.to_string(),
        "see the scenario file reference in README.md".into(),
    )
}

/// The line where a field (`a.b[2].c`) is written in TOML text, if it is.
pub fn toml_line(text: &str, field: &str) -> Option<usize> {
    let steps = steps(field);
    let root = toml::de::DeTable::parse(text).ok()?;
    let mut best: Option<usize> = None;
    let mut value: Option<&toml::Spanned<toml::de::DeValue>> = None;
    for step in &steps {
        let next = match (value, step) {
            (None, Step::Key(k)) => root
                .get_ref()
                .iter()
                .find(|(key, _)| key.get_ref().as_ref() == *k)
                .map(|(_, v)| v),
            (Some(v), Step::Key(k)) => v.get_ref().get(*k),
            (Some(v), Step::Index(i)) => v.get_ref().get(*i),
            (None, Step::Index(_)) => None,
        };
        match next {
            Some(v) => {
                best = Some(line_of(text, v.span().start));
                value = Some(v);
            }
            None => break,
        }
    }
    best
}

/// The line where a field is written, if the file has it.
fn locate_line(source: &Source, field: &str) -> Option<usize> {
    let steps = steps(field);
    if steps.is_empty() {
        return None;
    }
    match source.format {
        Format::Toml => toml_line(&source.text, field),
        Format::Json => {
            // JSON carries no spans through serde_json::Value; find the last key.
            let key = steps.iter().rev().find_map(|s| match s {
                Step::Key(k) => Some(*k),
                Step::Index(_) => None,
            })?;
            let needle = format!("\"{key}\"");
            source
                .text
                .find(&needle)
                .map(|off| line_of(&source.text, off))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_split_keys_and_indices() {
        assert_eq!(
            steps("travelers.origins[1].share"),
            vec![
                Step::Key("travelers"),
                Step::Key("origins"),
                Step::Index(1),
                Step::Key("share")
            ]
        );
    }

    #[test]
    fn overrides_parse_numbers_and_strings() {
        assert_eq!(parse_override("days=30").unwrap().1, Json::from(30));
        assert_eq!(
            parse_override("name=my run").unwrap().1,
            Json::from("my run")
        );
        assert_eq!(
            parse_override("city.household_size_weights=[1, 2]")
                .unwrap()
                .1,
            serde_json::json!([1, 2])
        );
    }
}
