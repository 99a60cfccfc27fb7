//! The report format: a Markdown file whose fenced ` ```promql ` blocks are query
//! cells, with options in the info string and YAML front matter for the report.
//!
//! ````markdown
//! ---
//! format: 1
//! title: Hub activity
//! time:
//!   from: now-1M
//!   to: now
//! variables:
//!   - name: hub
//!     query: label_values(jupyterhub_active_users, namespace)
//!     multi: true
//!     all: true
//! ---
//!
//! Prose in Markdown.
//!
//! ```promql title="Daily users" chart=stacked-bar legend="{{namespace}}" step=1d
//! max(jupyterhub_active_users{period="24h", namespace=~"$hub"}) by (namespace)
//! ```
//! ````
//!
//! [`parse`] turns the text into a [`Report`] (front matter, then prose and cells in
//! order), refusing unknown keys and options with an error that names the line.
//! [`Report::to_markdown`] writes it back, so edits made in the page are saved,
//! downloaded and shared as the same format. Prose is kept as typed; only the front
//! matter and the cells' info strings are written in a canonical form.

use std::collections::BTreeMap;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use super::error::{error, ParseError};
use super::front::{front_matter, FrontMatter, FORMAT};
use super::options::{parse_info, quote_option, CellOptions};
use super::variables::{AllValue, Selection, Source};
use super::yaml;

/// The most a report may hold; reports arrive from links and files.
pub const MAX_SOURCE_BYTES: usize = 512 * 1024;

/// A whole report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Title, time range, variables.
    pub front: FrontMatter,
    /// Prose and cells, in order.
    pub blocks: Vec<Block>,
}

/// A piece of the report.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant, reason = "a report holds tens of blocks, not millions: no box needed")]
pub enum Block {
    /// Markdown prose, as typed.
    Prose(String),
    /// A query cell.
    Cell(Cell),
}

/// A query cell.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cell {
    /// The PromQL, with `$variables` (a Grafana panel's query A).
    pub query: String,
    /// How it is run and drawn; its `legend` names the first query's series.
    pub options: CellOptions,
    /// Further queries drawn in the same chart (a Grafana panel's queries B, C, …), each
    /// with its own legend: ` ```promql+ ` fences right after the cell's own.
    pub also: Vec<Query>,
}

/// One more query of a cell.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    /// The PromQL, with `$variables`.
    pub query: String,
    /// Legend template for its series.
    pub legend: Option<String>,
    /// An instant query (`instant=true`): evaluated once, at the end of the range.
    pub instant: bool,
}

/// The most queries one cell holds.
pub const MAX_QUERIES: usize = 26;

impl Cell {
    /// A cell of one query.
    pub fn new(query: impl Into<String>, options: CellOptions) -> Self {
        Self { query: query.into(), options, also: Vec::new() }
    }

    /// Every query of the cell, its own first: (PromQL, legend).
    pub fn queries(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        std::iter::once((self.query.as_str(), self.options.legend.as_deref()))
            .chain(self.also.iter().map(|q| (q.query.as_str(), q.legend.as_deref())))
    }

    /// The cell's title, or [`DEFAULT_TITLE`] for a cell without one: what the page's
    /// heading, file names, CSV's `cell` column and the command line's messages say.
    pub fn title(&self) -> &str {
        self.options.title.as_deref().unwrap_or(DEFAULT_TITLE)
    }

    /// Whether each query is an instant query, in order.
    pub fn instants(&self) -> Vec<bool> {
        std::iter::once(self.options.instant).chain(self.also.iter().map(|q| q.instant)).collect()
    }

    /// How the cell is evaluated, in a sentence or two ([`CellOptions::evaluation`]).
    pub fn evaluation(&self) -> String {
        let also: Vec<bool> = self.also.iter().map(|q| q.instant).collect();
        self.options.evaluation(&also)
    }

    /// Every query's legend, in order (what names each query's series).
    pub fn legends(&self) -> Vec<Option<String>> {
        self.queries().map(|(_, legend)| legend.map(str::to_owned)).collect()
    }
}

/// What a cell without a `title=` is called.
pub const DEFAULT_TITLE: &str = "Query";

/// The letter Grafana gives the `i`-th query of a panel (A, B, …).
pub fn query_letter(i: usize) -> char {
    char::from(b'A' + (i % 26) as u8)
}

/// Reads a report. CRLF line ends are accepted.
pub fn parse(source: &str) -> Result<Report, ParseError> {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(error(
            1,
            format!("the report is {} KB; the most promnote reads is 512 KB", source.len() / 1024),
        ));
    }
    let source = source.replace("\r\n", "\n");
    let (front, body, body_line) = split_front_matter(&source)?;
    let front = match front {
        Some((text, first_line)) => {
            front_matter(&yaml::parse(text, first_line).map_err(|e| error(e.line, e.message))?)?
        }
        None => FrontMatter::default(),
    };
    let line_of = |offset: usize| body_line + body[..offset].matches('\n').count();
    let mut blocks = Vec::new();
    let mut prose_start = 0;
    let mut depth = 0usize;
    let mut open: Option<(usize, String, String)> = None; // (start, info, text)
    for (event, range) in
        Parser::new_ext(body, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).into_offset_iter()
    {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if depth == 0 && (is_promql(&info) || is_more(&info)) =>
            {
                // The info string as typed: CommonMark would already have undone its
                // backslash escapes, which option values use.
                let first_line = body[range.start..].lines().next().unwrap_or_default();
                let raw = first_line.trim_start().trim_start_matches(['`', '~']);
                open = Some((range.start, raw.to_owned(), String::new()));
            }
            Event::Text(text) if open.is_some() => {
                if let Some((_, _, query)) = open.as_mut() {
                    query.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) if open.is_some() => {
                let Some((start, info, query)) = open.take() else { continue };
                let line = line_of(start);
                let query = query.trim_end_matches('\n').to_owned();
                if query.trim().is_empty() {
                    return Err(error(line, "this promql cell has no query"));
                }
                if let Some(info) = info.trim_start().strip_prefix("promql+") {
                    let between = &body[prose_start..start];
                    let Some(Block::Cell(cell)) = blocks.last_mut().filter(|_| between.trim().is_empty())
                    else {
                        return Err(error(
                            line,
                            "a ```promql+ query adds to the cell right above it, but there is none: put it straight after a ```promql cell, or write ```promql",
                        ));
                    };
                    if cell.also.len() + 1 >= MAX_QUERIES {
                        return Err(error(line, format!("a cell holds at most {MAX_QUERIES} queries")));
                    }
                    let (legend, instant) = more_options(info).map_err(|m| error(line, m))?;
                    cell.also.push(Query { query, legend, instant });
                } else {
                    let info = info.trim_start().strip_prefix("promql").unwrap_or_default();
                    let options = CellOptions::parse(info).map_err(|m| error(line, m))?;
                    check_repeat(&options, &front).map_err(|m| error(line, m))?;
                    push_prose(&mut blocks, &body[prose_start..start]);
                    blocks.push(Block::Cell(Cell { query, options, also: Vec::new() }));
                }
                prose_start = range.end;
            }
            // A value in prose (`{promql} EXPR`) that cannot be read is the report's error.
            Event::Code(code) if open.is_none() => {
                if let Some(Err(message)) = super::inline::parse_span(&code) {
                    return Err(error(line_of(range.start), message));
                }
            }
            Event::Start(tag) if is_container(&tag) => depth += 1,
            Event::End(tag) if is_container_end(tag) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    push_prose(&mut blocks, &body[prose_start..]);
    Ok(Report { front, blocks })
}

/// A `repeat=` names a variable of the report that can hold several values.
fn check_repeat(options: &CellOptions, front: &FrontMatter) -> Result<(), String> {
    let Some(name) = &options.repeat else { return Ok(()) };
    match front.variables.iter().find(|v| v.name == *name) {
        None => Err(format!(
            "repeat={name}: the report has no variable ${name}; its variables are: {}",
            front.variables.iter().map(|v| format!("${}", v.name)).collect::<Vec<_>>().join(", ")
        )),
        Some(v) if !v.multi && !v.include_all => Err(format!(
            "repeat={name}: ${name} holds one value at a time, so there is nothing to repeat; give it multi: true or all: true"
        )),
        Some(_) => Ok(()),
    }
}

/// The values in these prose texts, once each, in order ([`Report::values`]).
pub fn values_in<'a>(
    prose: impl IntoIterator<Item = &'a String>,
) -> Vec<(String, Result<super::inline::ValueSpan, String>)> {
    let mut seen = std::collections::BTreeSet::new();
    prose
        .into_iter()
        .flat_map(|text| super::inline::spans(text))
        .filter(|(_, code, _)| seen.insert(code.clone()))
        .map(|(_, code, span)| (code, span))
        .collect()
}

fn is_promql(info: &str) -> bool {
    info.split_whitespace().next() == Some("promql")
}

fn is_more(info: &str) -> bool {
    info.split_whitespace().next() == Some("promql+")
}

/// The options of a ` ```promql+ ` query: its legend and whether it is an instant query.
fn more_options(info: &str) -> Result<(Option<String>, bool), String> {
    let (mut legend, mut instant) = (None, false);
    for (key, value) in parse_info(info)? {
        match key.as_str() {
            "legend" => legend = (!value.is_empty()).then_some(value),
            "instant" => instant = super::options::parse_instant(&value)?,
            _ => {
                return Err(format!(
                    "a ```promql+ query takes only legend=… and instant=…; `{key}` belongs on the cell's first ```promql fence"
                ))
            }
        }
    }
    Ok((legend, instant))
}

/// Whether `tag` opens a container (quote, list, item, footnote): a fence inside one is
/// not at the top level.
pub(crate) fn is_container(tag: &Tag<'_>) -> bool {
    matches!(tag, Tag::BlockQuote(_) | Tag::List(_) | Tag::Item | Tag::FootnoteDefinition(_))
}

/// Whether `tag` closes a container ([`is_container`]).
pub(crate) fn is_container_end(tag: TagEnd) -> bool {
    matches!(tag, TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::Item | TagEnd::FootnoteDefinition)
}

fn push_prose(blocks: &mut Vec<Block>, text: &str) {
    let text = text.trim_matches('\n').trim_end();
    if !text.trim().is_empty() {
        blocks.push(Block::Prose(text.to_owned()));
    }
}

/// `(front matter text and its first line, body, body's first line)`.
#[expect(clippy::type_complexity, reason = "three parts, named in the doc line; used once")]
fn split_front_matter(source: &str) -> Result<(Option<(&str, usize)>, &str, usize), ParseError> {
    let Some(rest) = source.strip_prefix("---\n") else {
        return Ok((None, source, 1));
    };
    let mut offset = 0;
    for (i, line) in rest.split_inclusive('\n').enumerate() {
        if matches!(line.trim_end(), "---" | "...") {
            let body = &rest[offset + line.len()..];
            return Ok((Some((&rest[..offset], 2)), body, i + 3));
        }
        offset += line.len();
    }
    Err(error(1, "the front matter that starts here has no closing `---` line"))
}

impl Report {
    /// The report's variables' selections from values asked for from outside (a share
    /// link's, a snapshot's): each checked by [`Variable::requested`]. Values for a
    /// variable the report does not have are left out; a value the variable cannot
    /// take is left out too (the variable starts as it would without it), and the
    /// second list says why, for the reader.
    pub fn requested(
        &self,
        given: impl IntoIterator<Item = (String, Vec<String>)>,
    ) -> (BTreeMap<String, Selection>, Vec<String>) {
        let (mut chosen, mut refused) = (BTreeMap::new(), Vec::new());
        for (name, values) in given {
            let Some(variable) = self.front.variables.iter().find(|v| v.name == name) else { continue };
            match variable.requested(values) {
                Ok(selection) => {
                    chosen.insert(name, selection);
                }
                Err(why) => refused.push(why),
            }
        }
        (chosen, refused)
    }

    /// The cells, in order.
    pub fn cells(&self) -> impl Iterator<Item = &Cell> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Cell(cell) => Some(cell),
            Block::Prose(_) => None,
        })
    }

    /// The values in its prose ([`super::inline`]), once each, in order: each span's code
    /// as written (its key) and the span, or what is wrong with it.
    pub fn values(&self) -> Vec<(String, Result<super::inline::ValueSpan, String>)> {
        let prose = self.blocks.iter().filter_map(|b| match b {
            Block::Prose(text) => Some(text),
            Block::Cell(_) => None,
        });
        values_in(prose)
    }

    /// Writes the report back as Markdown that [`parse`] reads to the same notebook.
    pub fn to_markdown(&self) -> String {
        let f = &self.front;
        let mut out = format!("---\nformat: {FORMAT}\ntitle: {}\n", yaml::scalar(&f.title));
        if let Some(d) = &f.description {
            out.push_str(&format!("description: {}\n", yaml::scalar(d)));
        }
        out.push_str(&format!("time:\n  from: {}\n  to: {}\n", yaml::scalar(&f.from), yaml::scalar(&f.to)));
        if !f.variables.is_empty() {
            out.push_str("variables:\n");
        }
        for v in &f.variables {
            out.push_str(&format!("  - name: {}\n", v.name));
            if let Some(label) = &v.label {
                out.push_str(&format!("    label: {}\n", yaml::scalar(label)));
            }
            let list = |values: &[String]| {
                let items: Vec<String> = values.iter().map(|x| yaml::scalar(x)).collect();
                format!("[{}]", items.join(", "))
            };
            match &v.source {
                Source::Query(q) => out.push_str(&format!("    query: {}\n", yaml::scalar(&q.to_string()))),
                Source::Values(values) => out.push_str(&format!("    values: {}\n", list(values))),
                Source::Text(text) => out.push_str(&format!("    text: {}\n", yaml::scalar(text))),
                Source::Constant(text) => out.push_str(&format!("    constant: {}\n", yaml::scalar(text))),
            }
            if let Some(regex) = &v.regex {
                out.push_str(&format!("    regex: {}\n", yaml::scalar(regex)));
            }
            let all = match (&v.all_value, v.include_all) {
                (AllValue::Listed, true) => "listed".to_owned(),
                (_, include_all) => include_all.to_string(),
            };
            out.push_str(&format!("    multi: {}\n    all: {all}\n", v.multi));
            if let AllValue::Raw(text) = &v.all_value {
                out.push_str(&format!("    all_value: {}\n", yaml::scalar(text)));
            }
            match &v.default {
                Some(Selection::All) => out.push_str("    default: All\n"),
                Some(Selection::Values(values)) => {
                    let items: Vec<String> = values.iter().map(|x| yaml::scalar(x)).collect();
                    out.push_str(&format!("    default: [{}]\n", items.join(", ")));
                }
                None => {}
            }
        }
        super::annotations::write(&f.annotations, &mut out);
        out.push_str("---\n");
        for block in &self.blocks {
            out.push('\n');
            match block {
                Block::Prose(text) => {
                    out.push_str(text.trim_matches('\n'));
                    out.push('\n');
                }
                Block::Cell(cell) => {
                    let fence = fence_for(&cell.query);
                    out.push_str(&format!(
                        "{fence}{}\n{}\n{fence}\n",
                        cell.options.info_string(),
                        cell.query
                    ));
                    for more in &cell.also {
                        let fence = fence_for(&more.query);
                        let legend = more
                            .legend
                            .as_ref()
                            .map(|l| format!(" legend={}", quote_option(l)))
                            .unwrap_or_default();
                        let instant = if more.instant { " instant=true" } else { "" };
                        out.push_str(&format!("{fence}promql+{legend}{instant}\n{}\n{fence}\n", more.query));
                    }
                }
            }
        }
        out
    }
}

/// A backtick fence longer than any run of backticks in the query (PromQL has raw
/// strings in backticks).
fn fence_for(query: &str) -> String {
    let longest = query.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::options::{ChartKind, Scale, Unit, TOP_ALL};
    use crate::report::variables::VarQuery;

    const REPORT: &str = r#"---
format: 1
title: Hub activity
description: Daily users per hub
time:
  from: now-1M
  to: now
variables:
  - name: hub
    label: Hub
    query: label_values(jupyterhub_active_users, namespace)
    multi: true
    all: true
    default: All
---

# Hub activity

Some *prose*.

```promql title="Daily users" chart=stacked-bar legend="{{namespace}}" step=1d
max(jupyterhub_active_users{period="24h", namespace=~"$hub"}) by (namespace)
```

Between.

```promql chart=line unit=bytes scale=log top=5 datasources=cluster-north,prom-south from=now-7d
sum by (portnum) (buffer_level_bytes)
```

- a list with a nested fence stays prose:

  ```promql
  up
  ```
"#;

    #[test]
    fn reads_front_matter_prose_and_cells() {
        let nb = parse(REPORT).unwrap();
        assert_eq!(nb.front.title, "Hub activity");
        assert_eq!((nb.front.from.as_str(), nb.front.to.as_str()), ("now-1M", "now"));
        let v = &nb.front.variables[0];
        assert_eq!(
            (v.name.as_str(), v.multi, v.include_all, &v.default),
            ("hub", true, true, &Some(Selection::All))
        );
        assert!(matches!(&v.source, Source::Query(VarQuery::LabelValues(lv)) if lv.label == "namespace"));
        assert_eq!(nb.blocks.len(), 5);
        assert_eq!(nb.blocks[0], Block::Prose("# Hub activity\n\nSome *prose*.".into()));
        let cells: Vec<&Cell> = nb.cells().collect();
        assert_eq!(cells.len(), 2);
        assert_eq!(cells[0].options.title.as_deref(), Some("Daily users"));
        assert_eq!(cells[0].options.legend.as_deref(), Some("{{namespace}}"));
        assert_eq!(cells[0].options.calendar(), Some(crate::time::periods::Calendar::Day));
        assert!(cells[0].query.starts_with("max(jupyterhub_active_users"));
        let o = &cells[1].options;
        assert_eq!((o.chart, o.unit, o.top), (ChartKind::Line, Unit::Bytes, Some(5)));
        assert_eq!((o.scale, cells[0].options.scale), (Scale::Log, Scale::Linear));
        let all = CellOptions::parse("top=all").unwrap();
        assert_eq!(all.top, Some(TOP_ALL));
        assert_eq!(o.datasources, Some(vec!["cluster-north".to_owned(), "prom-south".to_owned()]));
        assert_eq!(o.from.as_deref(), Some("now-7d"));
        let Block::Prose(last) = &nb.blocks[4] else { panic!() };
        assert!(last.contains("```promql\n  up"), "{last}");
    }

    #[test]
    fn writes_back_what_it_reads() {
        let nb = parse(REPORT).unwrap();
        let text = nb.to_markdown();
        assert_eq!(parse(&text).unwrap(), nb, "{text}");
        assert_eq!(parse(&text).unwrap().to_markdown(), text);
        // Values that need quoting survive.
        let mut odd = nb;
        if let Block::Cell(cell) = &mut odd.blocks[1] {
            cell.options.title = Some(r#"Say "hi" = \ `x`"#.into());
            cell.query = "label_replace(up, \"a\", \"$1\", \"b\", `(.*)`)".into();
        }
        odd.front.title = "A: b # c".into();
        let back = parse(&odd.to_markdown()).unwrap();
        let Block::Cell(cell) = &back.blocks[1] else { panic!() };
        assert_eq!(cell.options.title.as_deref(), Some(r#"Say "hi" = \ 'x'"#));
        assert_eq!(cell.query, "label_replace(up, \"a\", \"$1\", \"b\", `(.*)`)");
        assert_eq!(back.front.title, "A: b # c");
    }

    #[test]
    fn a_cell_holds_several_queries_each_with_its_legend() {
        let text = "---\nformat: 1\n---\n\n```promql title=CPU legend=\"{{mode}}\"\nrate(a[5m])\n```\n\n```promql+ legend=\"{{mode}} (B)\"\nrate(b[5m])\n```\n````promql+\nc{x=`y`} + `z`\n````\n\nAfter.\n";
        let nb = parse(text).unwrap();
        let cell = nb.cells().next().unwrap();
        let queries: Vec<(&str, Option<&str>)> = cell.queries().collect();
        assert_eq!(
            queries,
            [
                ("rate(a[5m])", Some("{{mode}}")),
                ("rate(b[5m])", Some("{{mode}} (B)")),
                ("c{x=`y`} + `z`", None)
            ]
        );
        assert_eq!(nb.blocks.len(), 2, "the extra queries are not cells of their own");
        let back = nb.to_markdown();
        assert!(back.contains("```promql+ legend=\"{{mode}} (B)\"\nrate(b[5m])\n```"), "{back}");
        assert_eq!(parse(&back).unwrap(), nb, "{back}");
        assert_eq!(parse(&back).unwrap().to_markdown(), back);
        for (bad, needle) in [
            ("```promql+\nup\n```\n", "no"),
            ("```promql\nup\n```\n\nprose\n\n```promql+\nup\n```\n", "right above"),
            ("```promql\nup\n```\n```promql+ step=1d\nup\n```\n", "only legend"),
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.message.contains(needle), "{bad:?}: {e}");
        }
        let mut many = String::from("```promql\nup\n```\n");
        for _ in 0..MAX_QUERIES {
            many.push_str("```promql+\nup\n```\n");
        }
        assert!(parse(&many).unwrap_err().message.contains("at most"));
    }

    #[test]
    fn every_kind_of_variable_round_trips() {
        let text = r#"---
format: 1
variables:
  - name: job
    query: label_values(up, job)
    regex: /node.*/
    all: listed
  - name: node
    query: label_values(up{job=~"$job"}, instance)
    multi: true
    all: true
    all_value: .+
  - name: interval
    values: [1m, 5m, 1h]
  - name: filter
    text: "a b"
  - name: cluster
    constant: north
  - name: top
    query: query_result(topk(3, up))
---
"#;
        let nb = parse(text).unwrap();
        let v = &nb.front.variables;
        assert_eq!((v[0].all_value.clone(), v[0].regex.as_deref()), (AllValue::Listed, Some("/node.*/")));
        assert_eq!(v[1].all_value, AllValue::Raw(".+".into()));
        assert_eq!(v[2].source, Source::Values(vec!["1m".into(), "5m".into(), "1h".into()]));
        assert_eq!(v[3].source, Source::Text("a b".into()));
        assert_eq!(v[4].source, Source::Constant("north".into()));
        assert_eq!(v[5].source, Source::Query(VarQuery::QueryResult("topk(3, up)".into())));
        let back = nb.to_markdown();
        assert_eq!(parse(&back).unwrap(), nb, "{back}");
        for (bad, needle) in [
            ("  - name: x\n    values: [a]\n    text: b\n", "one place"),
            ("  - name: x\n    all_value: .*\n    values: [a]\n", "offers no All"),
            ("  - name: x\n    label: y\n", "has no values"),
            ("  - name: x\n    query: up\n", "not a variable query"),
        ] {
            let e = parse(&format!("---\nformat: 1\nvariables:\n{bad}---\n")).unwrap_err();
            assert!(e.message.contains(needle), "{bad}: {e}");
        }
    }

    #[test]
    fn errors_point_at_the_line() {
        let cell = |info: &str| format!("---\nformat: 1\n---\n\ntext\n\n```promql {info}\nup\n```\n");
        let cases = [
            (cell("colour=red"), 7, "unknown cell option `colour`"),
            (cell("chart=pie"), 7, "not a chart kind"),
            (cell("unit=furlongs"), 7, "not a unit"),
            (cell("scale=ln"), 7, "use linear or log"),
            (cell("top=0"), 7, "at least 1"),
            (cell("top=some"), 7, "or `all`"),
            (cell("step=5x"), 7, "step"),
            (cell("title=\"open"), 7, "closing quote"),
            (cell("daily"), 7, "key=value"),
            ("---\nformat: 2\n---\n".into(), 2, "format 2"),
            ("---\ntitle: x\n---\n".into(), 2, "format: 1"),
            ("---\nformat: 1\ncolour: red\n---\n".into(), 3, "unknown front matter key"),
            ("---\nformat: 1\nvariables:\n  - name: x\n    query: up\n---\n".into(), 5, "label_values("),
            ("---\nformat: 1\nvariables:\n  - name: x\n    query: label_values(a)\n    default: All\n---\n".into(), 4, "all: true"),
            ("---\nformat: 1\n".into(), 1, "no closing"),
            ("```promql\n\n```\n".into(), 1, "no query"),
            ("---\nformat: 1\n---\n\nOne.\n\nTwo `{promql unit=x} up` and `{promql} up`.\n".into(), 7, "unknown unit `x`"),
            ("Text\n\n- item `{promql aggregate=median} up`\n".into(), 3, "sum, max, min, mean, count"),
            (cell("repeat=hub"), 7, "no variable $hub"),
            ("---\nformat: 1\nvariables:\n  - name: hub\n    values: [a, b]\n---\n\n```promql repeat=hub\nup\n```\n".into(), 8, "holds one value at a time"),
        ];
        for (text, line, needle) in cases {
            let e = parse(&text).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.message.contains(needle), "{text:?}: {e}");
        }
    }

    #[test]
    fn a_file_without_front_matter_is_a_report() {
        let nb = parse("Just `up`:\r\n\r\n```promql\r\nup\r\n```\r\n").unwrap();
        assert_eq!(nb.front, FrontMatter::default());
        assert_eq!(nb.cells().count(), 1);
        assert_eq!(nb.cells().next().unwrap().query, "up");
    }

    #[test]
    fn other_fences_stay_prose() {
        let nb = parse("```python\nprint(1)\n```\n\n```promql\nup\n```\n").unwrap();
        assert_eq!(nb.blocks.len(), 2);
        assert!(matches!(&nb.blocks[0], Block::Prose(p) if p.contains("print(1)")));
    }

    #[test]
    fn values_asked_from_outside_are_checked_against_the_variable() {
        let nb = parse("---\nformat: 1\nvariables:\n  - name: hub\n    query: label_values(x, namespace)\n    multi: true\n    all: true\n  - name: one\n    query: label_values(y)\n---\n").unwrap();
        let (hub, one) = (&nb.front.variables[0], &nb.front.variables[1]);
        let list = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(hub.requested(list(&["a", "b"])), Ok(Selection::Values(list(&["a", "b"]))));
        assert_eq!(hub.requested(list(&["All"])), Ok(Selection::All));
        assert_eq!(hub.requested(list(&[crate::report::variables::ALL])), Ok(Selection::All));
        assert_eq!(one.requested(list(&["z"])), Ok(Selection::Values(list(&["z"]))));
        assert_eq!(one.requested(list(&["a", "b"])), Err("$one takes one value, not 2".to_owned()));
        assert_eq!(
            one.requested(list(&[crate::report::variables::ALL])),
            Err("$one does not offer All; give its values".to_owned())
        );
        // "All" is a value like any other where the variable offers no All.
        assert_eq!(one.requested(list(&["All"])), Ok(Selection::Values(list(&["All"]))));
        let given = [
            ("hub".to_owned(), list(&["a"])),
            ("one".to_owned(), list(&["x", "y"])),
            ("gone".to_owned(), list(&["q"])),
        ];
        let (chosen, refused) = nb.requested(given);
        assert_eq!(chosen.len(), 1);
        assert_eq!(chosen["hub"], Selection::Values(list(&["a"])));
        assert_eq!(refused, ["$one takes one value, not 2"]);
    }
}
