//! Errors in scenario input, each naming the file, the line where the format
//! has one, the field and the fix.

use std::fmt;

/// Where a problem is and what to do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    /// The file (or `--set` flag) the problem came from.
    pub source: String,
    pub line: Option<usize>,
    /// Dotted path of the field, e.g. `city.residents`.
    pub field: Option<String>,
    pub problem: String,
    pub fix: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": ")?;
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        write!(f, "{}; fix: {}", self.problem, self.fix)
    }
}

impl std::error::Error for InputError {}

impl InputError {
    pub fn new(
        source: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            source: source.into(),
            line: None,
            field: None,
            problem: problem.into(),
            fix: fix.into(),
        }
    }

    pub fn at_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn at_line(mut self, line: Option<usize>) -> Self {
        self.line = line;
        self
    }
}

/// 1-based line number of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}
