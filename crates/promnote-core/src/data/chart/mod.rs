//! Charts as data: a [`WideTable`] becomes a `plotly::Plot` here, with no browser
//! involved, so the figure is tested by comparing its JSON. The web app hands the
//! result to plotly.js in exactly one place.
//!
//! Every piece of text that comes from Prometheus (label values become trace names
//! and hover text) passes through [`escape_text`]: plotly.js renders a subset of
//! HTML in those strings, and label values are untrusted.

use plotly::color::Rgba;
use plotly::common::{Anchor, DashType, Fill, Font, Line, Marker, Mode, Title};
use plotly::configuration::{ImageButtonFormats, ToImageButtonOptions};
use plotly::layout::{
    Annotation, Axis, AxisType, BarMode, BarNorm, GroupClick, HoverMode, Legend, Margin, Shape, ShapeLayer,
    ShapeLine, ShapeType,
};
use plotly::traces::scatter::GroupNorm;
use plotly::{Bar, Configuration, Layout, Plot, Scatter};

use super::heatmap::heatmap;
use super::histogram::for_cell;
use super::table::WideTable;
use super::timeline::{Placed, Position};
use crate::report::options::{CellOptions, ChartKind, Scale, Unit};
use crate::report::thresholds::{Colour, Thresholds, ThresholdsStyle};
use crate::time::periods::Calendar;

mod distribution;

pub use distribution::{heatmap_figure, heatmap_summary, histogram_figure, histogram_summary, NO_BUCKETS};

/// Light or dark page; the chart's text and grid follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorScheme {
    /// Dark text on a light page.
    #[default]
    Light,
    /// Light text on a dark page.
    Dark,
}

/// How a chart looks, apart from its data.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartStyle {
    /// Page colour scheme.
    pub scheme: ColorScheme,
    /// Height in CSS pixels; the width follows the container.
    pub height: usize,
    /// The value axis' title, e.g. "active users".
    pub value_label: String,
    /// Hover text of a partial last bar, e.g. "so far (until 14:05 UTC)".
    pub partial_label: String,
    /// Hover text of a first bar whose period began before the range, e.g. "the whole
    /// month; the range starts 2026-11-14 10:30 CET"; empty when it did not.
    pub clipped_label: String,
    /// Bars, lines, areas…
    pub kind: ChartKind,
    /// The value axis: linear, or log (where the kind has one: see [`has_log_scale`]).
    pub scale: Scale,
    /// How values are formatted on the axis and in hover text.
    pub unit: Unit,
    /// File name (without extension) of the modebar's PNG download.
    pub image_name: String,
    /// The report's notes on the timeline, placed on this chart's x axis (lines and
    /// bands, drawn on time-based charts).
    pub marks: Vec<Placed>,
    /// The cell's threshold steps (`thresholds=`), drawn as [`Self::thresholds_style`] says.
    pub thresholds: Option<Thresholds>,
    /// Lines at the steps, bands between them, both, or neither (the default).
    pub thresholds_style: ThresholdsStyle,
}

/// A chart's text summary, its caption for people who cannot see it: "Stacked bar
/// chart of 8 series, daily from 2026-11-02 to 2026-12-02 (the last day so far); the
/// largest is jupyterhub-prod." Plain text: render it as text, never as markup.
pub fn summary(kind: ChartKind, table: &WideTable) -> String {
    let series = table.columns.len();
    let mut text = format!("{} of {series} series{}", kind.words(), rows_words(table));
    if table.folded > 0 {
        text.push_str(&format!(" ({} smaller ones summed as \"other\")", table.folded));
    }
    if table.hidden > 0 {
        text.push_str(&format!(" ({} smaller ones not drawn)", table.hidden));
    }
    let largest = table
        .columns
        .iter()
        .filter(|c| !c.labels.is_empty() || !c.datasource_uid.is_empty())
        .max_by(|a, b| a.total().total_cmp(&b.total()));
    if let Some(largest) = largest.filter(|_| series > 1) {
        text.push_str(&format!("; the largest is {}", largest.name));
    }
    text.push('.');
    text
}

/// A table's rows in words: ", daily from 2026-11-02 to 2026-12-02 (the last day so
/// far)", ", at 14:05", or nothing without rows.
fn rows_words(table: &WideTable) -> String {
    match (table.row_labels.first(), table.row_labels.last()) {
        (Some(first), Some(last)) if first == last => format!(", at {first}"),
        (Some(first), Some(last)) => {
            let every = match table.calendar {
                Some(Calendar::Day) => "daily ",
                Some(Calendar::Week) => "weekly ",
                Some(Calendar::Month) => "monthly ",
                Some(Calendar::Year) => "yearly ",
                None => "",
            };
            let mut text = format!(", {every}from {first} to {last}");
            if let Some(unit) = table.calendar.filter(|_| table.partial_last) {
                text.push_str(&format!(" (the last {} so far)", unit.word()));
            }
            text
        }
        _ => String::new(),
    }
}

/// Whether a chart of `kind` has a value axis that can be logarithmic: not a share of
/// 100 % nor a table or stat.
pub fn has_log_scale(kind: ChartKind) -> bool {
    !matches!(
        kind,
        ChartKind::Percent | ChartKind::Table | ChartKind::Stat | ChartKind::Summary | ChartKind::Heatmap
    )
}

/// What a log scale leaves out of a chart of `kind`: "3 values at or below zero are not
/// drawn: a log scale has no zero (switch to Linear to see them)"; `None` when every value
/// is drawn, and for a histogram (its log axis counts series; an empty bin is no value).
pub fn log_note(kind: ChartKind, table: &WideTable) -> Option<String> {
    if kind == ChartKind::Histogram {
        return None;
    }
    let hidden = table.columns.iter().flat_map(|c| &c.values).filter(|v| v.is_some_and(|v| v <= 0.0)).count();
    match hidden {
        0 => None,
        1 => Some("1 value at or below zero is not drawn: a log scale has no zero (switch to Linear to see it).".to_owned()),
        n => Some(format!("{n} values at or below zero are not drawn: a log scale has no zero (switch to Linear to see them).")),
    }
}

impl Default for ChartStyle {
    fn default() -> Self {
        Self {
            scheme: ColorScheme::Light,
            height: 520,
            value_label: String::new(),
            partial_label: "so far".into(),
            clipped_label: String::new(),
            kind: ChartKind::default(),
            scale: Scale::default(),
            unit: Unit::default(),
            image_name: "chart".into(),
            marks: Vec::new(),
            thresholds: None,
            thresholds_style: ThresholdsStyle::Off,
        }
    }
}

/// Colour-blind-safe qualitative palette (Okabe–Ito, then Tol's muted colours).
const PALETTE: [(u8, u8, u8); 12] = [
    (0, 114, 178),
    (230, 159, 0),
    (0, 158, 115),
    (204, 121, 167),
    (86, 180, 233),
    (213, 94, 0),
    (240, 228, 66),
    (136, 34, 85),
    (68, 170, 153),
    (153, 153, 51),
    (51, 34, 136),
    (170, 68, 153),
];

/// Opacity of the partial (today's) bar.
pub const PARTIAL_OPACITY: f64 = 0.45;

/// Escapes text for plotly.js, which interprets `<br>`, `<b>`, `<a href>`… in names
/// and hover text. Only `<`, `>` and `&` need it (quotes matter only inside a tag, and
/// plotly.js would show `&quot;` literally: it decodes few named entities).
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Draws `table` as `style.kind` says: one trace per column, rows on x, a partial last
/// row lighter (bars) or marked in the hover text. [`ChartKind::Table`] has no figure;
/// it is drawn as bars here if asked.
#[expect(
    clippy::too_many_lines,
    reason = "one figure's layout read top to bottom: traces, then axes, legend and modebar"
)]
pub fn figure(table: &WideTable, style: &ChartStyle) -> Plot {
    let rows = table.row_labels.len();
    let so_far = format!(" — {}", escape_text(&style.partial_label));
    let (tick_format, hover_format, suffix) = match style.kind {
        ChartKind::Percent => (".4~g", ".3~g", "%"),
        _ => unit_format(style.unit),
    };
    // Days and instants sit on a date axis; weeks, months and years are named as people
    // say them (`2026-W47`, `Nov 2026`, `2026`), one category each.
    let x = time_hover(table);
    let hover_template =
        format!("%{{hovertext}}<br>{x}: <b>%{{y:{hover_format}}}{suffix}</b><extra></extra>");
    let clipped = format!(" — {}", escape_text(&style.clipped_label));
    let log = style.scale == Scale::Log && has_log_scale(style.kind);
    let mut plot = Plot::new();
    for (i, column) in table.columns.iter().enumerate() {
        let (r, g, b) = PALETTE[i % PALETTE.len()];
        // The legend gets a short name (a long one would squeeze the plot away); the
        // hover shows it whole.
        let name = escape_text(&shorten(&column.name, LEGEND_CHARS));
        let mut hover: Vec<String> = vec![escape_text(&column.name); rows];
        if table.partial_last {
            if let Some(last) = hover.last_mut() {
                last.push_str(&so_far);
            }
        }
        if !style.clipped_label.is_empty() {
            if let Some(first) = hover.first_mut() {
                first.push_str(&clipped);
            }
        }
        let x = table.row_labels.clone();
        // A log axis has no zero: such values are gaps (see [`log_note`]).
        let y: Vec<Option<f64>> = if log {
            column.values.iter().map(|v| v.filter(|v| *v > 0.0)).collect()
        } else {
            column.values.to_vec()
        };
        match style.kind {
            ChartKind::StackedBar
            | ChartKind::Bar
            | ChartKind::Percent
            | ChartKind::Table
            | ChartKind::Stat
            | ChartKind::Summary
            | ChartKind::Histogram
            | ChartKind::Heatmap => {
                let colors: Vec<Rgba> = (0..rows)
                    .map(|row| {
                        let partial = table.partial_last && row + 1 == rows;
                        Rgba::new(r, g, b, if partial { PARTIAL_OPACITY } else { 1.0 })
                    })
                    .collect();
                plot.add_trace(
                    Bar::new(x, y)
                        .name(&name)
                        .marker(Marker::new().color_array(colors))
                        .hover_text_array(hover)
                        .hover_template(&hover_template),
                );
            }
            ChartKind::Line | ChartKind::Area => {
                let color = Rgba::new(r, g, b, 1.0);
                let mut trace = Scatter::new(x, y)
                    .name(&name)
                    // One evaluation (an instant query) is a point, not a line.
                    .mode(if rows == 1 { Mode::LinesMarkers } else { Mode::Lines })
                    .line(Line::new().color(color).width(1.5))
                    .hover_text_array(hover)
                    .hover_template(&hover_template);
                if style.kind == ChartKind::Area {
                    trace = trace.stack_group("stack").fill(Fill::ToNextY).group_norm(GroupNorm::Default);
                }
                plot.add_trace(trace);
            }
        }
    }
    let grid = grid_color(style.scheme);
    let mut layout = base_layout(style)
        .legend(Legend::new().group_click(GroupClick::ToggleItem).title(Title::with_text("")))
        // The bottom margin too: 58 weeks' labels ("2026-W47") turn on their side, and a
        // fixed margin cut them to "2026-V".
        .x_axis(time_axis(table, grid))
        // The left margin is a minimum: plotly.js widens it to fit the longest tick
        // label ("1,234,567 req/s"), which a fixed margin would cut off.
        .y_axis({
            let axis = Axis::new()
                .auto_margin(true)
                .grid_color(grid)
                .zero_line_color(grid)
                .tick_format(tick_format)
                .tick_suffix(suffix)
                .title(Title::with_text(escape_text(&style.value_label)));
            if log {
                axis.type_(AxisType::Log)
            } else {
                axis
            }
        });
    layout = match style.kind {
        ChartKind::StackedBar | ChartKind::Table | ChartKind::Stat | ChartKind::Summary => {
            layout.bar_mode(BarMode::Stack)
        }
        ChartKind::Bar | ChartKind::Histogram | ChartKind::Heatmap => layout.bar_mode(BarMode::Group),
        ChartKind::Percent => layout.bar_mode(BarMode::Stack).bar_norm(BarNorm::Percent),
        ChartKind::Line | ChartKind::Area => layout,
    };
    let mut shapes = Vec::new();
    if shows_thresholds(style) {
        if let Some(t) = &style.thresholds {
            let log = style.scale == Scale::Log && has_log_scale(style.kind);
            shapes.extend(threshold_shapes(t, style.thresholds_style, value_range(table), log));
        }
    }
    if shows_marks(style.kind) && !style.marks.is_empty() {
        layout = with_marks(layout, &mut shapes, &style.marks, style.scheme);
    }
    if !shapes.is_empty() {
        layout = layout.shapes(shapes);
    }
    plot.set_layout(layout);
    plot.set_configuration(configuration(style));
    plot
}

/// The rows' axis: days and instants on a date axis, weeks, months and years as one
/// category each; its margin grows to fit its labels.
fn time_axis(table: &WideTable, grid: &'static str) -> Axis {
    match table.calendar {
        Some(Calendar::Day) => Axis::new().type_(AxisType::Date).grid_color(grid).tick_format("%d %b"),
        Some(_) => Axis::new().type_(AxisType::Category).grid_color(grid),
        None => Axis::new().type_(AxisType::Date).grid_color(grid).tick_format(""),
    }
    .auto_margin(true)
}

/// How a row's time reads in hover text (plotly.js' template for `%{x}`).
fn time_hover(table: &WideTable) -> &'static str {
    match table.calendar {
        Some(Calendar::Day) => "%{x|%a %d %b %Y}",
        Some(_) => "%{x}",
        None => "%{x|%a %d %b %Y %H:%M}",
    }
}

/// Whether a chart of `kind` has a time axis to draw the report's annotations on.
pub fn shows_marks(kind: ChartKind) -> bool {
    !matches!(kind, ChartKind::Table | ChartKind::Stat | ChartKind::Summary | ChartKind::Histogram)
}

/// The annotations as shapes below the traces (a dashed line for a moment, a shaded band
/// for a span, orange when it masks series), each numbered above the plot as the list
/// beside the chart numbers it (a number never overlaps its neighbour, nor stretches the
/// axis as a sentence would), with its whole text in the number's hover. All text
/// escaped: annotations come from report files.
fn with_marks(layout: Layout, shapes: &mut Vec<Shape>, marks: &[Placed], scheme: ColorScheme) -> Layout {
    let (line, band, masked) = match scheme {
        ColorScheme::Light => ("rgba(87,96,106,0.9)", "rgba(87,96,106,0.12)", "rgba(213,94,0,0.14)"),
        ColorScheme::Dark => ("rgba(145,152,161,0.9)", "rgba(145,152,161,0.16)", "rgba(240,136,62,0.18)"),
    };
    shapes.extend(marks.iter().map(|m| {
        let shape = Shape::new().x_ref("x").y_ref("paper").y0(0).y1(1).layer(ShapeLayer::Below);
        let shape = match (&m.x0, &m.x1) {
            (Position::Date(a), Position::Date(b)) => shape.x0(a.clone()).x1(b.clone()),
            (Position::Row(a), Position::Row(b)) => shape.x0(*a).x1(*b),
            _ => shape,
        };
        match m.span {
            true => shape
                .shape_type(ShapeType::Rect)
                .fill_color(if m.masks { masked } else { band })
                .line(ShapeLine::new().width(0.0)),
            false => shape
                .shape_type(ShapeType::Line)
                .line(ShapeLine::new().color(line).width(1.5).dash(DashType::Dash)),
        }
    }));
    let labels = marks
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let label = Annotation::new().x_ref("x").y_ref("paper");
            match &m.x0 {
                Position::Date(t) => label.x(t.clone()),
                Position::Row(i) => label.x(*i),
            }
            .y(1)
            .x_anchor(Anchor::Center)
            .y_anchor(Anchor::Bottom)
            .show_arrow(false)
            .font(Font::new().size(11))
            .text(format!("<b>{}</b>", i + 1))
            .hover_text(escape_text(&format!("{}: {}", m.when, m.text)))
        })
        .collect();
    layout.annotations(labels).margin(Margin::new().left(64).right(16).top(36).bottom(48))
}

/// Whether `style`'s chart draws its thresholds: a time chart of values (not shares of
/// 100 %) whose cell asks for lines or bands.
fn shows_thresholds(style: &ChartStyle) -> bool {
    shows_marks(style.kind)
        && !matches!(style.kind, ChartKind::Percent | ChartKind::Heatmap)
        && style.thresholds_style != ThresholdsStyle::Off
}

/// The smallest and largest value in `table`, if it has one.
fn value_range(table: &WideTable) -> Option<(f64, f64)> {
    let values = table.columns.iter().flat_map(|c| c.values.iter().flatten()).filter(|v| v.is_finite());
    values.fold(None, |range, &v| match range {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// The thresholds on a time chart, below the traces, across the whole plot: a line at
/// each step in its colour, and (for `area`) each step's band, from its value to the
/// next step's, faintly filled; the base band starts at the smallest value drawn and
/// the last band ends at the largest (or at its step, when every value is below it), so
/// the bands never stretch the axis past what is drawn and its steps. A `transparent`
/// step draws nothing; on a log axis nothing at or below zero is drawn.
fn threshold_shapes(
    t: &Thresholds,
    style: ThresholdsStyle,
    values: Option<(f64, f64)>,
    log: bool,
) -> Vec<Shape> {
    let across = || Shape::new().x_ref("paper").x0(0).x1(1).y_ref("y").layer(ShapeLayer::Below);
    let rgba = |c: &Colour, alpha: f64| format!("rgba({},{},{},{alpha})", c.rgb.0, c.rgb.1, c.rgb.2);
    let mut shapes = Vec::new();
    if style.areas() {
        let first = t.steps.first().map(|(v, _)| *v);
        let (lo, hi) = values.unwrap_or((first.unwrap_or(0.0), first.unwrap_or(0.0)));
        let mut bands: Vec<(f64, f64, &Colour)> = Vec::new();
        if let (Some(base), Some(first)) = (&t.base, first) {
            bands.push((lo.min(first), first, base));
        }
        for (i, (from, colour)) in t.steps.iter().enumerate() {
            let to = t.steps.get(i + 1).map_or(hi.max(*from), |(next, _)| *next);
            bands.push((*from, to, colour));
        }
        let drawn =
            |(from, to, c): &(f64, f64, &Colour)| to > from && !c.is_transparent() && (!log || *from > 0.0);
        shapes.extend(bands.into_iter().filter(drawn).map(|(from, to, colour)| {
            across()
                .shape_type(ShapeType::Rect)
                .y0(from)
                .y1(to)
                .fill_color(rgba(colour, 0.15))
                .line(ShapeLine::new().width(0.0))
        }));
    }
    if style.lines() {
        let drawn = |(value, colour): &&(f64, Colour)| !colour.is_transparent() && (!log || *value > 0.0);
        shapes.extend(t.steps.iter().filter(drawn).map(|(value, colour)| {
            across()
                .shape_type(ShapeType::Line)
                .y0(*value)
                .y1(*value)
                .line(ShapeLine::new().color(colour.hex()).width(2.0))
        }));
    }
    shapes
}

/// The grid's colour on a light or dark page.
fn grid_color(scheme: ColorScheme) -> &'static str {
    match scheme {
        ColorScheme::Light => "#d0d7de",
        ColorScheme::Dark => "#3d444d",
    }
}

/// What every figure's layout shares: size, margins, a transparent background, the
/// page's text colour, the closest point on hover.
fn base_layout(style: &ChartStyle) -> Layout {
    let text = match style.scheme {
        ColorScheme::Light => "#1f2328",
        ColorScheme::Dark => "#e6edf3",
    };
    Layout::new()
        .auto_size(true)
        .height(style.height)
        .margin(Margin::new().left(64).right(16).top(16).bottom(48))
        .paper_background_color("rgba(0,0,0,0)")
        .plot_background_color("rgba(0,0,0,0)")
        .font(Font::new().color(text))
        .hover_mode(HoverMode::Closest)
}

/// Every figure's configuration: responsive, no logo, no MathJax, a PNG named after it.
fn configuration(style: &ChartStyle) -> Configuration {
    let image = ToImageButtonOptions::new()
        .format(ImageButtonFormats::Png)
        .filename(&file_name(&style.image_name))
        .scale(2);
    Configuration::new()
        .responsive(true)
        .display_logo(false)
        .typeset_math(false)
        .to_image_button_options(image)
}

/// The figure of a cell: a histogram of its series' reduced values (`chart=histogram`), a
/// heatmap of its histogram buckets (`chart=heatmap`), or its table drawn as [`figure`] does.
pub fn cell_figure(table: &WideTable, options: &CellOptions, style: &ChartStyle) -> Plot {
    match options.chart {
        ChartKind::Histogram => histogram_figure(&for_cell(table, options), style),
        ChartKind::Heatmap => heatmap_figure(&heatmap(table), style),
        _ => figure(table, style),
    }
}

/// A cell's figure in words: a histogram's bins, a heatmap's buckets, or its table as
/// [`summary`] says it.
pub fn cell_summary(table: &WideTable, options: &CellOptions) -> String {
    let text = match options.chart {
        ChartKind::Histogram => histogram_summary(&for_cell(table, options)),
        ChartKind::Heatmap => heatmap_summary(&heatmap(table)),
        kind => summary(kind, table),
    };
    let drawn = ChartStyle {
        kind: options.chart,
        thresholds_style: options.thresholds_style,
        ..ChartStyle::default()
    };
    match &options.thresholds {
        Some(t) if shows_thresholds(&drawn) && t.steps.iter().any(|(_, c)| !c.is_transparent()) => {
            let steps: Vec<String> = t
                .steps
                .iter()
                .filter(|(_, c)| !c.is_transparent())
                .map(|(v, c)| format!("{v} ({})", c.write()))
                .collect();
            format!("{text} Thresholds drawn at {}.", steps.join(", "))
        }
        _ => text,
    }
}

/// The most characters of a series name shown in the legend.
pub const LEGEND_CHARS: usize = 48;

/// `text` cut to `max` characters, ending in "…" when cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A safe file name: letters, digits, `-` and `_` only.
pub fn file_name(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "chart".into()
    } else {
        out.chars().take(60).collect()
    }
}

/// d3-format for the axis ticks and the hover value, and the suffix after both.
/// Ticks carry as many digits as the tick value has (`~s`, not `.3~s`, which writes
/// "24.1GB" twice for ticks 24.10 and 24.15 GB apart); the hover four.
/// Bytes, bits and seconds take SI prefixes (kB, Mb/s, ms); counts per second are
/// plain decimals as Grafana writes them (0.4 req/s, 12,500 pkt/s: "400m req/s"
/// is not how anyone reads a rate): ticks with d3's default precision (as many digits
/// as the tick has), the hover to four significant digits (`r` stays decimal at any
/// size, where `g` would switch to exponents).
fn unit_format(unit: Unit) -> (&'static str, &'static str, &'static str) {
    match unit {
        Unit::None => ("", ",.6~g", ""),
        Unit::Bytes => ("~s", ".4~s", "B"),
        Unit::BytesPerSecond => ("~s", ".4~s", "B/s"),
        Unit::Seconds => ("~s", ".4~s", "s"),
        Unit::Percent => (",", ",.4~r", "%"),
        Unit::PercentUnit => ("~%", ".2~%", ""),
        Unit::RequestsPerSecond => (",", ",.4~r", " req/s"),
        Unit::PacketsPerSecond => (",", ",.4~r", " pkt/s"),
        Unit::Milliseconds => (",", ",.4~r", " ms"),
        Unit::BitsPerSecond => ("~s", ".4~s", "b/s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::prom::Labels;
    use crate::data::table::Column;
    use serde_json::{json, Value};

    pub(super) fn table(names: &[(&str, f64)]) -> WideTable {
        WideTable {
            row_labels: vec!["2026-11-01".into(), "2026-11-02".into(), "2026-11-03".into()],
            row_times_ms: vec![0, 1, 2],
            partial_last: true,
            calendar: Some(Calendar::Day),
            row_keys: Vec::new(),
            folded: 0,
            hidden: 0,
            instant: false,
            queries: 1,
            columns: names
                .iter()
                .map(|(name, v)| Column {
                    name: name.to_string(),
                    datasource_uid: "c1".into(),
                    datasource_name: "c1".into(),
                    query: 0,
                    labels: Labels::new(),
                    values: vec![Some(*v), None, Some(v / 2.0)].into(),
                })
                .collect(),
        }
    }

    #[test]
    fn annotations_are_lines_and_bands_with_inert_labels_on_time_charts_only() {
        let t = table(&[("a", 1.0)]);
        let mark = |span: bool, masks: bool| Placed {
            x0: Position::Date("2026-11-01 12:00:00".into()),
            x1: Position::Date(if span { "2026-11-02 12:00:00" } else { "2026-11-01 12:00:00" }.into()),
            span,
            masks,
            text: "<img src=x onerror=alert(1)> term starts, a long sentence past the label's length".into(),
            when: "2026-11-02".into(),
        };
        let style = ChartStyle { marks: vec![mark(false, false), mark(true, true)], ..ChartStyle::default() };
        let v = json_of(&figure(&t, &style));
        let shapes = v["layout"]["shapes"].as_array().unwrap();
        assert_eq!(shapes[0]["type"], "line");
        assert_eq!(shapes[0]["x0"], "2026-11-01 12:00:00");
        assert_eq!((shapes[0]["yref"].as_str(), shapes[0]["y1"].as_i64()), (Some("paper"), Some(1)));
        assert_eq!(shapes[1]["type"], "rect");
        assert_eq!(shapes[1]["x1"], "2026-11-02 12:00:00");
        assert_eq!(shapes[1]["layer"], "below");
        let labels = v["layout"]["annotations"].as_array().unwrap();
        assert_eq!(
            (labels[0]["text"].as_str(), labels[1]["text"].as_str()),
            (Some("<b>1</b>"), Some("<b>2</b>"))
        );
        assert!(labels[0]["hovertext"].as_str().unwrap().starts_with("2026-11-02: &lt;img"));
        assert!(!v.to_string().contains("<img"));
        for kind in [ChartKind::Stat, ChartKind::Summary, ChartKind::Table] {
            let v = json_of(&figure(&t, &ChartStyle { kind, ..style.clone() }));
            assert_eq!(v["layout"]["shapes"], Value::Null, "{kind:?}");
        }
    }

    #[test]
    fn thresholds_are_lines_and_bands_on_time_charts_of_values_only() {
        // Values 1 and 0.5.
        let t = table(&[("a", 1.0)]);
        let steps = Thresholds::parse("green,2:orange,5:red").unwrap();
        let style = |kind, thresholds_style| ChartStyle {
            kind,
            thresholds: Some(steps.clone()),
            thresholds_style,
            ..ChartStyle::default()
        };
        let v = json_of(&figure(&t, &style(ChartKind::Line, ThresholdsStyle::LineArea)));
        let shapes = v["layout"]["shapes"].as_array().unwrap();
        let (lo, hi) = value_range(&t).unwrap();
        // Bands: base from the smallest value to 2, 2 to 5, and 5 up to itself (every
        // value is below it: no band, so the axis is not stretched); then the lines.
        let bands: Vec<_> = shapes.iter().filter(|s| s["type"] == "rect").collect();
        assert_eq!(bands.len(), 2);
        assert_eq!((bands[0]["y0"].as_f64(), bands[0]["y1"].as_f64()), (Some(lo.min(2.0)), Some(2.0)));
        assert_eq!(bands[0]["fillcolor"], "rgba(115,191,105,0.15)");
        assert_eq!((bands[1]["y0"].as_f64(), bands[1]["y1"].as_f64()), (Some(2.0), Some(5.0)));
        let lines: Vec<_> = shapes.iter().filter(|s| s["type"] == "line").collect();
        assert_eq!(lines.iter().map(|l| l["y0"].as_f64().unwrap()).collect::<Vec<_>>(), [2.0, 5.0]);
        assert_eq!(lines[1]["line"]["color"], "#f2495c");
        assert_eq!((lines[0]["xref"].as_str(), lines[0]["yref"].as_str()), (Some("paper"), Some("y")));
        assert!(hi < 5.0);
        // Off by default, and never on shares of 100 % or charts without a time axis.
        for (kind, s) in [
            (ChartKind::Line, ThresholdsStyle::Off),
            (ChartKind::Percent, ThresholdsStyle::Line),
            (ChartKind::Stat, ThresholdsStyle::Line),
        ] {
            assert_eq!(json_of(&figure(&t, &style(kind, s)))["layout"]["shapes"], Value::Null, "{kind:?}");
        }
        let options = CellOptions {
            thresholds: Some(steps.clone()),
            thresholds_style: ThresholdsStyle::Line,
            ..CellOptions::default()
        };
        assert!(cell_summary(&t, &options).ends_with(" Thresholds drawn at 2 (orange), 5 (red)."));
    }

    #[test]
    fn a_summary_says_kind_count_range_and_the_largest_series() {
        let t = table(&[("small", 1.0), ("big <b>", 10.0)]);
        assert_eq!(
            summary(ChartKind::StackedBar, &t),
            "Stacked bar chart of 2 series, daily from 2026-11-01 to 2026-11-03 (the last day so far); the largest is big <b>."
        );
        let mut one = table(&[("only", 1.0)]);
        one.row_labels.truncate(1);
        one.calendar = None;
        assert_eq!(summary(ChartKind::Line, &one), "Line chart of 1 series, at 2026-11-01.");
        let mut folded = table(&[("a", 3.0), ("other", 1.0)]);
        folded.folded = 5;
        folded.partial_last = false;
        assert!(summary(ChartKind::Bar, &folded)
            .contains("to 2026-11-03 (5 smaller ones summed as \"other\"); the largest is a."));
    }

    pub(super) fn json_of(plot: &Plot) -> Value {
        serde_json::from_str(&plot.to_json()).unwrap()
    }

    #[test]
    fn one_stacked_trace_per_series_with_a_lighter_partial_day() {
        let style = ChartStyle { partial_label: "so far (until 14:05 UTC)".into(), ..ChartStyle::default() };
        let plot = figure(&table(&[("big", 10.0), ("small", 1.0)]), &style);
        let v = json_of(&plot);
        assert_eq!(v["layout"]["barmode"], "stack");
        assert_eq!(v["layout"]["legend"]["groupclick"], "toggleitem");
        assert_eq!(v["config"]["responsive"], true);
        let data = v["data"].as_array().unwrap();
        assert_eq!(data.len(), 2);
        assert_eq!(data[0]["type"], "bar");
        assert_eq!(data[0]["name"], "big");
        assert_eq!(data[0]["x"], json!(["2026-11-01", "2026-11-02", "2026-11-03"]));
        assert_eq!(data[0]["y"], json!([10.0, null, 5.0]), "a gap stays null, never zero");
        let colors = data[0]["marker"]["color"].as_array().unwrap();
        assert_eq!(colors[0], "rgba(0, 114, 178, 1)");
        assert_eq!(colors[2], "rgba(0, 114, 178, 0.45)");
        assert_eq!(data[0]["hovertext"][2], "big — so far (until 14:05 UTC)");
    }

    #[test]
    fn label_values_cannot_become_markup() {
        let hostile = r#"<img src=x onerror="window.__xss=1">&<b>"#;
        let plot = figure(&table(&[(hostile, 1.0)]), &ChartStyle::default());
        let text = plot.to_json();
        assert!(!text.contains("<img"), "{text}");
        let v = json_of(&plot);
        assert_eq!(v["data"][0]["name"], r#"&lt;img src=x onerror="window.__xss=1"&gt;&amp;&lt;b&gt;"#);
    }

    #[test]
    fn dark_scheme_uses_light_text() {
        let style = ChartStyle { scheme: ColorScheme::Dark, ..ChartStyle::default() };
        let v = json_of(&figure(&table(&[("a", 1.0)]), &style));
        assert_eq!(v["layout"]["font"]["color"], "#e6edf3");
        assert_eq!(v["layout"]["paper_bgcolor"], "rgba(0,0,0,0)");
    }

    #[test]
    fn kinds_and_units_shape_the_figure() {
        let t = table(&[("a", 1.0), ("b", 2.0)]);
        let style = |kind, unit| ChartStyle {
            kind,
            unit,
            image_name: "Daily users / hub".into(),
            ..ChartStyle::default()
        };
        let v = json_of(&figure(&t, &style(ChartKind::Line, Unit::Bytes)));
        assert_eq!(v["data"][0]["type"], "scatter");
        assert_eq!(v["data"][0]["mode"], "lines");
        assert_eq!(v["layout"]["yaxis"]["tickformat"], "~s");
        assert_eq!(v["layout"]["yaxis"]["ticksuffix"], "B");
        assert!(v["data"][0]["hovertemplate"].as_str().unwrap().contains("%{y:.4~s}B"));
        assert_eq!(v["config"]["toImageButtonOptions"]["filename"], "daily-users-hub");
        let v = json_of(&figure(&t, &style(ChartKind::Area, Unit::None)));
        assert_eq!(v["data"][1]["stackgroup"], "stack");
        let v = json_of(&figure(&t, &style(ChartKind::Percent, Unit::None)));
        assert_eq!(v["layout"]["barnorm"], "percent");
        assert_eq!(v["layout"]["yaxis"]["ticksuffix"], "%");
        let v = json_of(&figure(&t, &style(ChartKind::Bar, Unit::Seconds)));
        assert_eq!(v["layout"]["barmode"], "group");
        for name in ChartKind::names() {
            assert_eq!(ChartKind::parse(name).map(ChartKind::name), Some(name));
        }
        for name in Unit::names() {
            assert_eq!(Unit::parse(name).map(Unit::name), Some(name));
        }
    }

    #[test]
    fn a_log_scale_leaves_out_what_it_cannot_draw_and_says_so() {
        let mut t = table(&[("a", 1.0), ("b", 2.0)]);
        t.columns[0].values = vec![Some(100.0), Some(0.0), None].into();
        t.columns[1].values = vec![Some(-3.0), Some(0.5), Some(2.0)].into();
        let style = |kind, scale| ChartStyle { kind, scale, ..ChartStyle::default() };
        let v = json_of(&figure(&t, &style(ChartKind::Line, Scale::Log)));
        assert_eq!(v["layout"]["yaxis"]["type"], "log");
        assert_eq!(v["data"][0]["y"], serde_json::json!([100.0, null, null]));
        assert_eq!(v["data"][1]["y"], serde_json::json!([null, 0.5, 2.0]));
        assert_eq!(
            log_note(ChartKind::Line, &t).as_deref(),
            Some("2 values at or below zero are not drawn: a log scale has no zero (switch to Linear to see them).")
        );
        // Linear draws every value, and says nothing of the axis type.
        let v = json_of(&figure(&t, &style(ChartKind::Line, Scale::Linear)));
        assert!(v["layout"]["yaxis"].get("type").is_none());
        assert_eq!(v["data"][1]["y"], serde_json::json!([-3.0, 0.5, 2.0]));
        // A share of 100 % has no log scale.
        assert!(!has_log_scale(ChartKind::Percent));
        let v = json_of(&figure(&t, &style(ChartKind::Percent, Scale::Log)));
        assert!(v["layout"]["yaxis"].get("type").is_none());
        assert_eq!(Scale::Log.toggled(), Scale::Linear);
        t.columns[1].values.set(0, Some(1.0));
        assert!(log_note(ChartKind::Line, &t).unwrap().starts_with("1 value at or below zero is not drawn"));
        // A histogram's log axis counts series: the values themselves are not drawn on it.
        assert_eq!(log_note(ChartKind::Histogram, &t), None);
    }

    #[test]
    fn every_unit_fits_its_ticks_and_rates_are_plain_decimals() {
        let t = table(&[("a", 0.4), ("b", 1_234_567.0)]);
        for unit in Unit::ALL {
            let v = json_of(&figure(&t, &ChartStyle { unit, ..ChartStyle::default() }));
            let axis = &v["layout"]["yaxis"];
            assert_eq!(axis["automargin"], true, "{}: long tick labels widen the margin", unit.name());
            assert_eq!(v["layout"]["xaxis"]["automargin"], true, "{}: so do turned time labels", unit.name());
            // No fixed precision on a tick: two ticks never read the same.
            let tick = axis["tickformat"].as_str().unwrap_or_default();
            assert!(!tick.contains('.'), "{}: {tick}", unit.name());
            let per_second_count = matches!(unit, Unit::RequestsPerSecond | Unit::PacketsPerSecond);
            if per_second_count {
                assert_eq!(axis["tickformat"], ",", "{}: plain decimals, no SI prefix", unit.name());
                let hover = v["data"][0]["hovertemplate"].as_str().unwrap();
                assert!(
                    hover.contains("%{y:,.4~r}"),
                    "{}: decimal notation at any size: {hover}",
                    unit.name()
                );
            }
        }
    }

    #[test]
    fn long_names_are_short_in_the_legend_and_whole_in_the_hover() {
        let long = "x".repeat(300);
        let v = json_of(&figure(&table(&[(&long, 1.0)]), &ChartStyle::default()));
        let name = v["data"][0]["name"].as_str().unwrap();
        assert_eq!(name.chars().count(), LEGEND_CHARS);
        assert!(name.ends_with('…'));
        assert_eq!(v["data"][0]["hovertext"][0].as_str().unwrap(), long);
        assert_eq!(shorten("short", 10), "short");
    }
}
