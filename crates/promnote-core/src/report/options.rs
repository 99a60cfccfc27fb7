//! A cell's options, the `key=value` pairs of its info string (` ```promql title="…"
//! chart=line step=1d `): what each may be, how they are read (an unknown option or a bad
//! value names what is allowed) and written back, and the values of `chart=` and
//! `unit=`.

use super::reducer::{parse_reducers, Reducer, Totals};
use super::thresholds::{parse_mappings, write_mappings, Mapping, Thresholds, ThresholdsStyle};
use crate::time::periods::Calendar;
use crate::time::step::{parse_step, StepSpec};

/// How many series a chart draws when its cell sets no `top`: beyond this, the smallest
/// are summed into one "other" series, so a fleet of hundreds of hubs stays readable
/// (the tidy CSV has every series, and `top=all` draws them all).
pub const DEFAULT_TOP: usize = 40;

/// `top=all`: every series is drawn.
pub const TOP_ALL: usize = usize::MAX;

/// A cell's options (the info string's `key=value` pairs).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CellOptions {
    /// Chart title.
    pub title: Option<String>,
    /// Legend template, e.g. `{{namespace}}`.
    pub legend: Option<String>,
    /// Chart kind.
    pub chart: ChartKind,
    /// Step as typed: `1d` (calendar days), a duration, or `auto` (the default).
    pub step: Option<String>,
    /// Unit of the values.
    pub unit: Unit,
    /// The value axis' title (a unit promnote does not format, such as Grafana's
    /// `kbytes`, is kept here).
    pub axis: Option<String>,
    /// Keep the largest N series and sum the rest into "other"; `None` keeps
    /// [`DEFAULT_TOP`], and [`TOP_ALL`] (`top=all`) keeps every series.
    pub top: Option<usize>,
    /// Which datasources (names or uids); `None` means every Prometheus datasource.
    pub datasources: Option<Vec<String>>,
    /// Range start override.
    pub from: Option<String>,
    /// Range end override.
    pub to: Option<String>,
    /// The value axis: linear (the default) or logarithmic (`scale=log`).
    pub scale: Scale,
    /// How a series becomes one number, in order (`reduce=mean,max`): a stat's and a
    /// summary's columns, and a table's `Total` row. Empty: the kind's default.
    pub reduce: Vec<Reducer>,
    /// The totals a table adds (`total=column`, `row` or `both`).
    pub total: Option<Totals>,
    /// A histogram's bin edges (`bins=0,5,10,25`); `None`: chosen for the values.
    pub bins: Option<Vec<f64>>,
    /// The smallest step (`min_step=1m`, Grafana's "min interval"): the step, and with
    /// it `$__interval` and `$__rate_interval`, is never shorter.
    pub min_step: Option<String>,
    /// The cell's first query is an instant query (`instant=true`, Grafana's "Instant"):
    /// evaluated once, at the end of the range, rather than at every step.
    pub instant: bool,
    /// Grafana's `organize` for a table of instant queries (`columns="job,instance:Host,-pod"`):
    /// which columns come first and in which order, renamed after `:`, hidden with `-`.
    pub columns: Vec<ColumnRule>,
    /// Colours for values (`thresholds=green,80:orange,90:red`): a stat's and a table's
    /// cells take the colour of the last step at or below their value.
    pub thresholds: Option<Thresholds>,
    /// How a time chart shows the thresholds (`thresholds_style=line`, `area`,
    /// `line+area`; off by default).
    pub thresholds_style: ThresholdsStyle,
    /// Values shown as words (`mappings="0:Down:red,1:Up:green"`), in stats and tables.
    pub mappings: Vec<Mapping>,
    /// Whether the report's annotations are drawn on this cell's chart (`annotations=off`
    /// leaves them off; a masking span still masks).
    pub hide_annotations: bool,
    /// The variable (its name, without `$`) the cell is drawn once per selected value of
    /// (`repeat=hub`), with `$hub` bound to that value alone.
    pub repeat: Option<String>,
}

/// The cell options [`parse`] knows, in the order they are written.
pub const CELL_OPTIONS: [&str; 22] = [
    "title",
    "chart",
    "legend",
    "step",
    "min_step",
    "instant",
    "unit",
    "axis",
    "scale",
    "reduce",
    "total",
    "bins",
    "columns",
    "thresholds",
    "thresholds_style",
    "mappings",
    "top",
    "datasources",
    "from",
    "to",
    "repeat",
    "annotations",
];

/// A chart's value axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scale {
    /// Evenly spaced values.
    #[default]
    Linear,
    /// Evenly spaced powers of ten: a few large series no longer flatten the rest. Zero
    /// and negative values have no place on it.
    Log,
}

impl Scale {
    /// The name used in reports (`scale=log`).
    pub fn name(self) -> &'static str {
        match self {
            Scale::Linear => "linear",
            Scale::Log => "log",
        }
    }

    /// The other one (the chart toolbar's Linear / Log toggle).
    #[must_use]
    pub fn toggled(self) -> Self {
        match self {
            Scale::Linear => Scale::Log,
            Scale::Log => Scale::Linear,
        }
    }
}

impl CellOptions {
    /// How the cell is evaluated, in a sentence or two for the line under its query:
    /// its step, and its own range if it has one.
    ///
    /// `also_instant` says, for each further query of the cell, whether it is an instant
    /// query (the first query's is [`Self::instant`]).
    pub fn evaluation(&self, also_instant: &[bool]) -> String {
        let instants = also_instant.iter().filter(|i| **i).count() + usize::from(self.instant);
        let queries = also_instant.len() + 1;
        let when = match self.calendar() {
            _ if instants == queries => {
                "Evaluated once, at the end of the range (an instant query).".to_owned()
            }
            Some(Calendar::Day) => "Evaluated at each midnight of the range (one query per daylight-saving segment) and once at its end for today.".to_owned(),
            Some(unit) => format!(
                "One bar per calendar {word}, evaluated at the midnight that ends it (one query per run of {word}s of the same length) and once at the range's end for this {word} so far; $__period is each {word}'s length.",
                word = unit.word()
            ),
            None => format!("Step {}.", self.step.as_deref().unwrap_or("auto")),
        };
        let when = match instants {
            0 => when,
            _ if instants == queries => when,
            _ => format!("{when} Its instant queries are evaluated once, at the end of the range."),
        };
        match (&self.from, &self.to) {
            (None, None) => when,
            (from, to) => format!(
                "{when} This cell's range: {} to {}.",
                from.as_deref().unwrap_or("the report's start"),
                to.as_deref().unwrap_or("the report's end")
            ),
        }
    }

    /// The reducers a stat's or summary's columns show: `reduce=`, or `last`.
    pub fn reducers(&self) -> Vec<Reducer> {
        if self.reduce.is_empty() {
            vec![Reducer::Last]
        } else {
            self.reduce.clone()
        }
    }

    /// How a table's `Total` row reduces each series: the first of `reduce=`, or `sum`.
    pub fn total_reducer(&self) -> Reducer {
        self.reduce.first().copied().unwrap_or(Reducer::Sum)
    }

    /// The calendar period the step names (`1d`, `1w`, `1M`, `1y`), if it names one.
    pub fn calendar(&self) -> Option<Calendar> {
        self.step.as_deref().and_then(Calendar::from_step)
    }

    /// Reads the options as written after ` ```promql ` (`title="Daily users" step=1d`).
    pub fn parse(info: &str) -> Result<Self, String> {
        let mut options = Self::default();
        for (key, value) in parse_info(info)? {
            options.set(&key, &value)?;
        }
        Ok(options)
    }

    /// Sets one option from its text; the error says what is allowed.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let text = || (!value.is_empty()).then(|| value.to_owned());
        match key {
            "title" => self.title = text(),
            "legend" => self.legend = text(),
            "chart" => {
                self.chart = ChartKind::parse(value).ok_or_else(|| {
                    format!("`{value}` is not a chart kind; use one of {}", ChartKind::names().join(", "))
                })?;
            }
            "step" => {
                if Calendar::from_step(value).is_none() {
                    parse_step(value)
                        .map_err(|e| format!("step: {e} (or a calendar period: 1d, 1w, 1M, 1y)"))?;
                }
                self.step = text().filter(|_| parse_step(value) != Ok(StepSpec::Auto));
            }
            "min_step" => match parse_step(value) {
                Ok(StepSpec::Fixed(_)) => self.min_step = text(),
                _ => return Err(format!("min_step: `{value}` is not a duration; write e.g. min_step=1m")),
            },
            "instant" => self.instant = parse_instant(value)?,
            "columns" => self.columns = parse_columns(value)?,
            "thresholds" => {
                self.thresholds = (!value.trim().is_empty()).then(|| Thresholds::parse(value)).transpose()?
            }
            "thresholds_style" => {
                self.thresholds_style = ThresholdsStyle::parse(value)
                    .ok_or_else(|| format!("thresholds_style={value}: write off, line, area or line+area"))?;
            }
            "mappings" => self.mappings = parse_mappings(value)?,
            "unit" => {
                self.unit = Unit::parse(value).ok_or_else(|| {
                    format!("`{value}` is not a unit; use one of {}", Unit::names().join(", "))
                })?;
            }
            "axis" => self.axis = text(),
            "scale" => {
                self.scale = match value {
                    "linear" => Scale::Linear,
                    "log" => Scale::Log,
                    _ => return Err(format!("`{value}` is not a scale; use linear or log")),
                };
            }
            "reduce" => self.reduce = parse_reducers(value).map_err(|e| format!("reduce: {e}"))?,
            "total" => {
                self.total = Some(Totals::parse(value).ok_or_else(|| {
                    format!(
                        "`{value}` is not a total; use column (a Total column), row (a Total row) or both"
                    )
                })?);
            }
            "bins" => self.bins = Some(parse_bins(value)?),
            "top" => {
                self.top = match value.parse::<usize>() {
                    _ if value == "all" => Some(TOP_ALL),
                    Ok(0) | Err(_) => {
                        return Err(format!(
                            "top must be a whole number of series, at least 1, or `all`, not `{value}`"
                        ))
                    }
                    Ok(n) => Some(n),
                };
            }
            "datasources" => {
                let names: Vec<String> =
                    value.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
                self.datasources = (!names.is_empty() && names != ["*"]).then_some(names);
            }
            "from" => self.from = text(),
            "to" => self.to = text(),
            "repeat" => {
                let name = value.trim_start_matches('$');
                let name = name.strip_prefix('{').and_then(|n| n.strip_suffix('}')).unwrap_or(name);
                if !name.is_empty() && !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(format!("repeat={value}: name a variable of the report, e.g. repeat=hub"));
                }
                self.repeat = (!name.is_empty()).then(|| name.to_owned());
            }
            "annotations" => {
                self.hide_annotations = match value {
                    "off" => true,
                    "on" => false,
                    _ => {
                        return Err(format!(
                            "annotations={value}: write annotations=off (or on, the default)"
                        ))
                    }
                };
            }
            _ => {
                return Err(format!(
                    "unknown cell option `{key}`; the options are {}",
                    CELL_OPTIONS.join(", ")
                ));
            }
        }
        Ok(())
    }

    /// The options as `key=value` pairs, in [`CELL_OPTIONS`] order, defaults left out.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut push = |key, value: Option<String>| {
            if let Some(v) = value {
                out.push((key, v));
            }
        };
        push("title", self.title.clone());
        push("chart", (self.chart != ChartKind::default()).then(|| self.chart.name().to_owned()));
        push("legend", self.legend.clone());
        push("step", self.step.clone());
        push("min_step", self.min_step.clone());
        push("instant", self.instant.then(|| "true".to_owned()));
        push("unit", (self.unit != Unit::default()).then(|| self.unit.name().to_owned()));
        push("axis", self.axis.clone());
        push("scale", (self.scale != Scale::default()).then(|| self.scale.name().to_owned()));
        push(
            "reduce",
            (!self.reduce.is_empty())
                .then(|| self.reduce.iter().map(|r| r.name()).collect::<Vec<_>>().join(",")),
        );
        push("total", self.total.map(|t| t.name().to_owned()));
        push(
            "bins",
            self.bins.as_ref().map(|b| b.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")),
        );
        push("columns", (!self.columns.is_empty()).then(|| write_columns(&self.columns)));
        push("thresholds", self.thresholds.as_ref().map(Thresholds::write));
        push(
            "thresholds_style",
            (self.thresholds_style != ThresholdsStyle::Off).then(|| self.thresholds_style.name().to_owned()),
        );
        push("mappings", (!self.mappings.is_empty()).then(|| write_mappings(&self.mappings)));
        push("top", self.top.map(|n| if n == TOP_ALL { "all".to_owned() } else { n.to_string() }));
        push("datasources", self.datasources.as_ref().map(|d| d.join(",")));
        push("from", self.from.clone());
        push("to", self.to.clone());
        push("repeat", self.repeat.clone());
        push("annotations", self.hide_annotations.then(|| "off".to_owned()));
        out
    }

    /// The info string after ` ```promql `.
    pub fn info_string(&self) -> String {
        let mut out = String::from("promql");
        for (key, value) in self.pairs() {
            out.push(' ');
            out.push_str(key);
            out.push('=');
            out.push_str(&quote_option(&value));
        }
        out
    }
}

/// Reads `instant=true` (or `false`, the default).
pub fn parse_instant(value: &str) -> Result<bool, String> {
    match value {
        "true" => Ok(true),
        "false" | "" => Ok(false),
        _ => Err(format!(
            "instant={value}: write instant=true (evaluated once, at the end of the range) or leave it out"
        )),
    }
}

/// One entry of `columns=`: a column of a table of instant queries, by the name promnote
/// gives it (a label's name, `datasource`, `Value` or `Value #B`), shown as `shown` (or
/// under its own name), or hidden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRule {
    /// The column's own name.
    pub name: String,
    /// What the header says instead (`instance:Host`).
    pub shown: Option<String>,
    /// Left out (`-pod`).
    pub hidden: bool,
}

/// Reads `columns="job,instance:Host,-pod"`: listed columns first, in that order; `:` renames,
/// a leading `-` hides.
pub fn parse_columns(text: &str) -> Result<Vec<ColumnRule>, String> {
    let mut rules: Vec<ColumnRule> = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (hidden, item) = match item.strip_prefix('-') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, item),
        };
        let (name, shown) = match item.split_once(':') {
            Some((name, shown)) => (name.trim(), Some(shown.trim()).filter(|s| !s.is_empty())),
            None => (item, None),
        };
        if name.is_empty() {
            return Err(format!(
                "columns: `{item}` names no column; write e.g. columns=\"job,instance:Host,-pod\""
            ));
        }
        if hidden && shown.is_some() {
            return Err(format!("columns: `-{item}` hides the column, so it has no new name"));
        }
        if rules.iter().any(|r| r.name == name) {
            return Err(format!("columns: `{name}` is listed twice"));
        }
        rules.push(ColumnRule { name: name.to_owned(), shown: shown.map(str::to_owned), hidden });
    }
    Ok(rules)
}

/// `columns=` as written.
pub fn write_columns(rules: &[ColumnRule]) -> String {
    let items: Vec<String> = rules
        .iter()
        .map(|r| match (&r.shown, r.hidden) {
            (_, true) => format!("-{}", r.name),
            (Some(shown), false) => format!("{}:{shown}", r.name),
            (None, false) => r.name.clone(),
        })
        .collect();
    items.join(",")
}

/// Reads `bins=0,5,10,25`: at least two edges, ascending.
pub fn parse_bins(text: &str) -> Result<Vec<f64>, String> {
    let edges: Vec<f64> = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| format!("`{s}` is not a number"))
        })
        .collect::<Result<_, _>>()
        .map_err(|e| format!("bins: {e}; write the edges in order, e.g. bins=0,5,10,25,50,100"))?;
    if edges.len() < 2 || edges.windows(2).any(|w| w[0] >= w[1]) {
        return Err(
            "bins: write at least two edges, each larger than the one before, e.g. bins=0,5,10,25".into()
        );
    }
    Ok(edges)
}

/// Quotes an option value when it has spaces, quotes, backticks, `=` or braces (a
/// legend template reads better quoted).
pub fn quote_option(value: &str) -> String {
    if !value.is_empty() && !value.contains([' ', '"', '\\', '`', '=', '\t', '{', '}']) {
        return value.to_owned();
    }
    let mut out = String::from("\"");
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        // A backtick would end the fence's info string; there is no escape for it.
        out.push(if c == '`' { '\'' } else { c });
    }
    out.push('"');
    out
}

/// Splits an info string (after `promql`) into `key=value` pairs.
pub fn parse_info(info: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    let mut rest = info.trim();
    while !rest.is_empty() {
        let Some(eq) = rest.find('=') else {
            let word = rest.split_whitespace().next().unwrap_or(rest);
            return Err(format!("`{word}` is not an option; write key=value, e.g. title=\"Daily users\""));
        };
        let key = &rest[..eq];
        if key.is_empty() || key.contains(char::is_whitespace) {
            let word = key.split_whitespace().next().unwrap_or(key);
            return Err(format!("`{word}` is not an option; write key=value, e.g. title=\"Daily users\""));
        }
        let after = &rest[eq + 1..];
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some((_, c)) => value.push(c),
                        None => break,
                    },
                    '"' => {
                        end = Some(i + 1);
                        break;
                    }
                    c => value.push(c),
                }
            }
            let end = end.ok_or_else(|| format!("the value of `{key}` has no closing quote"))?;
            (value, &quoted[end..])
        } else {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            (after[..end].to_owned(), &after[end..])
        };
        if !(remaining.is_empty() || remaining.starts_with(char::is_whitespace)) {
            return Err(format!("put a space after the value of `{key}`"));
        }
        pairs.push((key.to_owned(), value));
        rest = remaining.trim_start();
    }
    Ok(pairs)
}

/// How a cell's table is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChartKind {
    /// Bars stacked on each other (totals per time).
    #[default]
    StackedBar,
    /// Bars side by side.
    Bar,
    /// Lines.
    Line,
    /// Stacked filled areas.
    Area,
    /// Stacked to 100 %: each series' share.
    Percent,
    /// No chart: the numbers in a table.
    Table,
    /// No chart: each series' last value, or what `reduce=` says (Grafana's stat, gauge
    /// and bar gauge panels).
    Stat,
    /// No chart: one row per series with its labels, one column per reducer
    /// (`reduce=mean,max,last`).
    Summary,
    /// Each series reduced to one number (`reduce=`) and counted per bin (`bins=`).
    Histogram,
    /// Prometheus histogram buckets (series with an `le` label) over time: each time's
    /// cumulative buckets de-accumulated into counts per bucket, bucket bounds up the axis.
    Heatmap,
}

impl ChartKind {
    /// Every kind, in the order the README lists them.
    pub const ALL: [ChartKind; 10] = [
        ChartKind::StackedBar,
        ChartKind::Bar,
        ChartKind::Line,
        ChartKind::Area,
        ChartKind::Percent,
        ChartKind::Table,
        ChartKind::Stat,
        ChartKind::Summary,
        ChartKind::Histogram,
        ChartKind::Heatmap,
    ];

    /// The name used in reports (`chart=stacked-bar`).
    pub fn name(self) -> &'static str {
        match self {
            ChartKind::StackedBar => "stacked-bar",
            ChartKind::Bar => "bar",
            ChartKind::Line => "line",
            ChartKind::Area => "area",
            ChartKind::Percent => "percent",
            ChartKind::Table => "table",
            ChartKind::Stat => "stat",
            ChartKind::Summary => "summary",
            ChartKind::Histogram => "histogram",
            ChartKind::Heatmap => "heatmap",
        }
    }

    /// Every name, for error messages and pickers.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|k| k.name()).collect()
    }

    /// From its name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name.trim())
    }

    /// Whether it is drawn as numbers rather than a chart.
    pub fn is_table(self) -> bool {
        matches!(self, ChartKind::Table | ChartKind::Stat | ChartKind::Summary)
    }

    /// Whether gaps are filled with zero so that stacks stay whole.
    pub fn stacks(self) -> bool {
        matches!(self, ChartKind::StackedBar | ChartKind::Area | ChartKind::Percent)
    }

    /// What it is, in words: "Stacked bar chart".
    pub fn words(self) -> &'static str {
        match self {
            ChartKind::StackedBar => "Stacked bar chart",
            ChartKind::Bar => "Bar chart",
            ChartKind::Line => "Line chart",
            ChartKind::Area => "Stacked area chart",
            ChartKind::Percent => "100 % stacked area chart",
            ChartKind::Table => "Table",
            ChartKind::Stat => "Last values",
            ChartKind::Summary => "Summary",
            ChartKind::Histogram => "Histogram",
            ChartKind::Heatmap => "Heatmap",
        }
    }
}

/// The unit of a cell's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unit {
    /// Plain numbers, with thousands separators.
    #[default]
    None,
    /// Bytes (SI prefixes: kB, MB, GB).
    Bytes,
    /// Bytes per second.
    BytesPerSecond,
    /// Seconds (ms, µs below one).
    Seconds,
    /// Percent, values 0–100.
    Percent,
    /// A ratio 0–1 shown as percent.
    PercentUnit,
    /// Requests per second.
    RequestsPerSecond,
    /// Packets per second.
    PacketsPerSecond,
    /// Milliseconds.
    Milliseconds,
    /// Bits per second (network traffic).
    BitsPerSecond,
}

impl Unit {
    /// Every unit, in the order the README lists them.
    pub const ALL: [Unit; 10] = [
        Unit::None,
        Unit::Bytes,
        Unit::BytesPerSecond,
        Unit::Seconds,
        Unit::Percent,
        Unit::PercentUnit,
        Unit::RequestsPerSecond,
        Unit::PacketsPerSecond,
        Unit::Milliseconds,
        Unit::BitsPerSecond,
    ];

    /// The name used in reports (`unit=bytes`).
    pub fn name(self) -> &'static str {
        match self {
            Unit::None => "none",
            Unit::Bytes => "bytes",
            Unit::BytesPerSecond => "bytes/s",
            Unit::Seconds => "seconds",
            Unit::Percent => "percent",
            Unit::PercentUnit => "percentunit",
            Unit::RequestsPerSecond => "req/s",
            Unit::PacketsPerSecond => "packets/s",
            Unit::Milliseconds => "ms",
            Unit::BitsPerSecond => "bits/s",
        }
    }

    /// Every name.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|u| u.name()).collect()
    }

    /// From its name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.name() == name.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_are_read_in_order() {
        assert_eq!(parse_bins("0, 5,10"), Ok(vec![0.0, 5.0, 10.0]));
        assert!(parse_bins("0,x").unwrap_err().contains("`x` is not a number"));
        assert!(parse_bins("5,0").unwrap_err().contains("larger than the one before"));
        assert!(parse_bins("5").unwrap_err().contains("at least two"));
    }

    #[test]
    fn a_cell_says_how_it_is_evaluated() {
        let daily = CellOptions { step: Some("1d".into()), ..CellOptions::default() };
        assert!(daily.evaluation(&[]).starts_with("Evaluated at each midnight"));
        assert_eq!(CellOptions::default().evaluation(&[]), "Step auto.");
        let own =
            CellOptions { step: Some("5m".into()), from: Some("now-1h".into()), ..CellOptions::default() };
        assert_eq!(own.evaluation(&[]), "Step 5m. This cell's range: now-1h to the report's end.");
    }
}

#[cfg(test)]
mod colour_tests {
    use super::*;

    #[test]
    fn thresholds_and_mappings_are_options_that_round_trip() {
        let info = r#"thresholds=green,80:orange,90:red thresholds_style=line+area mappings="0:Down:red,1:Up,null:No data""#;
        let options = CellOptions::parse(info).unwrap();
        let t = options.thresholds.as_ref().unwrap();
        assert_eq!(t.steps.len(), 2);
        assert_eq!(options.thresholds_style, ThresholdsStyle::LineArea);
        assert_eq!(options.mappings.len(), 3);
        let written = options.info_string();
        assert_eq!(
            written,
            r#"promql thresholds=green,80:orange,90:red thresholds_style=line+area mappings="0:Down:red,1:Up,null:No data""#
        );
        assert_eq!(CellOptions::parse(written.trim_start_matches("promql")).unwrap(), options);
        assert!(CellOptions::parse("thresholds_style=dots").unwrap_err().contains("line+area"));
        assert!(CellOptions::parse("thresholds=90:red,80:orange").unwrap_err().contains("must go up"));
    }
}
