//! A report's front matter (the YAML between `---` lines): its title, description, time
//! range and variables, each key checked, each error naming its line; and a variable's
//! checks of values asked for from outside the report ([`Variable::requested`]).

use super::annotations::{self, Annotation};
use super::error::{error, ParseError};
use super::variables::{AllValue, Selection, Source, VarQuery};
use super::yaml::{Node, Yaml};

/// The format version this code reads and writes (`format: 1`).
pub const FORMAT: u32 = 1;

/// The report's settings, from the front matter.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontMatter {
    /// The report's title.
    pub title: String,
    /// One line for the gallery.
    pub description: Option<String>,
    /// Default range start, as typed (e.g. `now-1M`).
    pub from: String,
    /// Default range end, as typed (e.g. `now`).
    pub to: String,
    /// Variables, in order.
    pub variables: Vec<Variable>,
    /// Notes on the timeline, in order.
    pub annotations: Vec<Annotation>,
}

impl Default for FrontMatter {
    fn default() -> Self {
        Self {
            title: "Untitled report".into(),
            description: None,
            from: "now-7d".into(),
            to: "now".into(),
            variables: Vec::new(),
            annotations: Vec::new(),
        }
    }
}

/// A `$name` variable.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    /// Name used in queries as `$name` or `${name}`.
    pub name: String,
    /// Label shown beside the control.
    pub label: Option<String>,
    /// Where its values come from.
    pub source: Source,
    /// Keeps only the values this matches, and takes out its capture group (Grafana's
    /// variable regex: `/pattern/flags`, or a pattern that must match whole).
    pub regex: Option<String>,
    /// Whether several values can be chosen.
    pub multi: bool,
    /// Whether "All" is offered.
    pub include_all: bool,
    /// What "All" stands for: `.*` (`all: true`), every listed value (`all: listed`, as
    /// Grafana), or the text of `all_value:`.
    pub all_value: AllValue,
    /// The initial selection; `None` means "All" if offered, else the first value.
    pub default: Option<Selection>,
}

fn scalar<'a>(node: &'a Node, key: &str) -> Result<&'a str, ParseError> {
    match &node.value {
        Yaml::Scalar(s) => Ok(s),
        _ => Err(error(node.line, format!("`{key}` must be a single value"))),
    }
}

fn boolean(node: &Node, key: &str) -> Result<bool, ParseError> {
    match scalar(node, key)? {
        "true" | "yes" => Ok(true),
        "false" | "no" => Ok(false),
        other => Err(error(node.line, format!("`{key}` must be true or false, not `{other}`"))),
    }
}

fn entries<'a>(node: &'a Node, what: &str) -> Result<&'a [(String, Node)], ParseError> {
    match &node.value {
        Yaml::Map(entries) => Ok(entries),
        _ => Err(error(node.line, format!("{what} must be `key: value` lines"))),
    }
}

/// Reads the front matter's YAML tree into checked settings; errors name their line.
pub fn front_matter(root: &Node) -> Result<FrontMatter, ParseError> {
    let mut front = FrontMatter::default();
    let mut format = None;
    for (key, node) in entries(root, "the front matter")? {
        match key.as_str() {
            "format" => {
                let text = scalar(node, key)?;
                let version: u32 = text
                    .parse()
                    .map_err(|_| error(node.line, format!("`format` must be a number, not `{text}`")))?;
                if version != FORMAT {
                    return Err(error(
                        node.line,
                        format!("this report is format {version}; this page reads format {FORMAT}. Open it with a promnote that knows format {version}."),
                    ));
                }
                format = Some(version);
            }
            "title" => front.title = scalar(node, key)?.to_owned(),
            "description" => front.description = Some(scalar(node, key)?.to_owned()).filter(|d| !d.is_empty()),
            "time" => {
                for (k, v) in entries(node, "`time`")? {
                    match k.as_str() {
                        "from" => front.from = scalar(v, k)?.to_owned(),
                        "to" => front.to = scalar(v, k)?.to_owned(),
                        other => return Err(error(v.line, format!("unknown key `time.{other}`; use from and to"))),
                    }
                }
            }
            "variables" => {
                let Yaml::List(items) = &node.value else {
                    return Err(error(node.line, "`variables` must be a list (`- name: …`)"));
                };
                for item in items {
                    let variable = variable(item)?;
                    if front.variables.iter().any(|v| v.name == variable.name) {
                        return Err(error(item.line, format!("the variable `{}` is defined twice", variable.name)));
                    }
                    front.variables.push(variable);
                }
            }
            "annotations" => front.annotations = annotations::read(node)?,
            other => {
                return Err(error(
                    node.line,
                    format!("unknown front matter key `{other}`; the keys are format, title, description, time, variables, annotations"),
                ))
            }
        }
    }
    if format.is_none() {
        return Err(error(root.line, format!("the front matter needs `format: {FORMAT}`")));
    }
    Ok(front)
}

/// The keys of a variable, in the order they are written.
pub const VARIABLE_KEYS: [&str; 11] =
    ["name", "label", "query", "values", "text", "constant", "regex", "multi", "all", "all_value", "default"];

fn variable(node: &Node) -> Result<Variable, ParseError> {
    let (mut name, mut label, mut sources, mut multi, mut include_all, mut default) =
        (None, None, Vec::new(), false, false, None);
    let (mut regex, mut listed, mut all_value) = (None, false, None);
    let list = |v: &Node, key: &str| -> Result<Vec<String>, ParseError> {
        match &v.value {
            Yaml::Scalar(s) => Ok(vec![s.clone()]),
            Yaml::List(items) => items.iter().map(|i| scalar(i, key).map(str::to_owned)).collect(),
            Yaml::Map(_) => Err(error(v.line, format!("`{key}` must be a value or a list of values"))),
        }
    };
    for (key, v) in entries(node, "a variable")? {
        match key.as_str() {
            "name" => {
                let text = scalar(v, key)?.trim_start_matches('$');
                if !crate::report::references::is_name(text) {
                    return Err(error(
                        v.line,
                        format!("`{text}` is not a variable name: use letters, digits and _"),
                    ));
                }
                name = Some(text.to_owned());
            }
            "label" => label = Some(scalar(v, key)?.to_owned()),
            "query" => sources.push((
                v.line,
                Source::Query(VarQuery::parse(scalar(v, key)?).map_err(|m| error(v.line, m))?),
            )),
            "values" => {
                let values = list(v, key)?;
                if values.is_empty() {
                    return Err(error(v.line, "`values` lists no value"));
                }
                sources.push((v.line, Source::Values(values)));
            }
            "text" => sources.push((v.line, Source::Text(scalar(v, key)?.to_owned()))),
            "constant" => sources.push((v.line, Source::Constant(scalar(v, key)?.to_owned()))),
            "regex" => regex = Some(scalar(v, key)?.to_owned()).filter(|r| !r.is_empty()),
            "multi" => multi = boolean(v, key)?,
            "all" => match scalar(v, key)? {
                "listed" => (include_all, listed) = (true, true),
                _ => include_all = boolean(v, key)?,
            },
            "all_value" => all_value = Some(scalar(v, key)?.to_owned()),
            "default" => {
                let values = list(v, key)?;
                default = Some(if values.iter().any(|v| v == "All") {
                    Selection::All
                } else {
                    Selection::Values(values)
                });
            }
            other => {
                return Err(error(
                    v.line,
                    format!("unknown variable key `{other}`; the keys are {}", VARIABLE_KEYS.join(", ")),
                ))
            }
        }
    }
    let name = name.ok_or_else(|| error(node.line, "this variable has no `name`"))?;
    let source = match sources.len() {
        0 => {
            return Err(error(
                node.line,
                format!("the variable `{name}` has no values: give it `query: label_values(…)`, `values: [a, b]`, `text: …` or `constant: …`"),
            ))
        }
        1 => sources.remove(0).1,
        _ => {
            return Err(error(
                sources[1].0,
                format!("the variable `{name}` takes its values from one place: query, values, text or constant"),
            ))
        }
    };
    if default == Some(Selection::All) && !include_all {
        return Err(error(node.line, format!("the variable `{name}` defaults to All; add `all: true`")));
    }
    let all_value = match (all_value, listed) {
        (Some(text), _) => AllValue::Raw(text),
        (None, true) => AllValue::Listed,
        (None, false) => AllValue::Any,
    };
    if all_value != AllValue::Any && !include_all {
        return Err(error(
            node.line,
            format!("the variable `{name}` says what All means, but offers no All; add `all: true`"),
        ));
    }
    Ok(Variable { name, label, source, regex, multi, include_all, all_value, default })
}

impl Variable {
    /// A selection asked for from outside the report (`--var`, a share link, a
    /// snapshot), checked against what the variable can take: one value unless it is
    /// multi-valued, and All (written `All` or [`crate::report::variables::ALL`]) only where it is offered.
    /// The error says why, naming the variable.
    pub fn requested(&self, values: Vec<String>) -> Result<Selection, String> {
        let name = &self.name;
        let all = values.iter().any(|v| v == crate::report::variables::ALL)
            || (self.include_all && values == ["All"]);
        if all && !self.include_all {
            return Err(format!("${name} does not offer All; give its values"));
        }
        if all {
            return Ok(Selection::All);
        }
        if values.len() > 1 && !self.multi {
            return Err(format!("${name} takes one value, not {}", values.len()));
        }
        Ok(Selection::Values(values))
    }
}
