//! The figures of distributions: a histogram of series counted per bin
//! (`chart=histogram`), and a heatmap of histogram buckets over time (`chart=heatmap`),
//! as data, with their text summaries.

use plotly::color::Rgba;
use plotly::common::{ColorBar, ColorScale, ColorScalePalette, Marker, Title};
use plotly::layout::{Annotation, Axis, AxisType, ShapeLayer};
use plotly::{Bar, HeatMap, Plot};

use super::{
    base_layout, configuration, escape_text, grid_color, rows_words, shorten, time_axis, time_hover,
    unit_format, with_marks, ChartStyle, LEGEND_CHARS, PALETTE,
};
use crate::data::heatmap::Heatmap;
use crate::data::histogram::{Histogram, HOVER_MEMBERS};
use crate::report::options::Scale;

/// What a heatmap without buckets says in place of its cells.
pub const NO_BUCKETS: &str = "No histogram buckets to draw: a heatmap needs series with an `le` label, such as sum by (le) (rate(http_request_duration_seconds_bucket[5m])).";

/// One row of cells per bucket (its bounds on the axis, lowest at the bottom), one column
/// per time; a cell's colour is what fell in that bucket then, on a colour-blind-safe
/// scale whose bar carries the cell's unit. A gap (no sample) is left empty. Without a
/// bucket, the plot says so in words ([`NO_BUCKETS`]).
pub fn heatmap_figure(h: &Heatmap, style: &ChartStyle) -> Plot {
    let (tick_format, hover_format, suffix) = unit_format(style.unit);
    let grid = grid_color(style.scheme);
    let mut plot = Plot::new();
    let x = h.table.row_labels.clone();
    let y: Vec<String> = h.table.columns.iter().map(|c| escape_text(&c.name)).collect();
    let z: Vec<Vec<Option<f64>>> = h.table.columns.iter().map(|c| c.values.to_vec()).collect();
    // The last time's cells say they are a partial period, the first's that it began
    // before the range, as a bar chart's hover does.
    let columns = x.len();
    let notes: Vec<String> = (0..columns)
        .map(|i| {
            match (i == 0 && !style.clipped_label.is_empty(), h.table.partial_last && i + 1 == columns) {
                (_, true) => format!(" — {}", escape_text(&style.partial_label)),
                (true, false) => format!(" — {}", escape_text(&style.clipped_label)),
                (false, false) => String::new(),
            }
        })
        .collect();
    let hover = format!(
        "%{{y}}<br>{}: <b>%{{z:{hover_format}}}{suffix}</b>%{{hovertext}}<extra></extra>",
        time_hover(&h.table)
    );
    if !h.is_empty() {
        plot.add_trace(
            HeatMap::new(x, y, z)
                .name(escape_text(&style.value_label))
                .color_scale(ColorScale::Palette(ColorScalePalette::Viridis))
                .hover_on_gaps(false)
                .hover_text_matrix(vec![notes; h.table.columns.len()])
                .hover_template(hover)
                .color_bar(
                    ColorBar::new()
                        .title(Title::with_text(escape_text(&style.value_label)))
                        .tick_format(tick_format)
                        .tick_suffix(suffix)
                        .outline_width(0),
                ),
        );
    }
    let mut layout = base_layout(style).show_legend(false).x_axis(time_axis(&h.table, grid)).y_axis(
        Axis::new()
            .type_(AxisType::Category)
            .auto_margin(true)
            .grid_color(grid)
            .title(Title::with_text("bucket (le)")),
    );
    if h.is_empty() {
        layout = layout.annotations(vec![Annotation::new()
            .text(NO_BUCKETS)
            .x_ref("paper")
            .y_ref("paper")
            .x(0.5)
            .y(0.5)
            .show_arrow(false)]);
    }
    // The report's notes over the cells (below them, opaque cells would hide them); an
    // empty heatmap keeps its message instead.
    if !style.marks.is_empty() && !h.is_empty() {
        let mut shapes = Vec::new();
        layout = with_marks(layout, &mut shapes, &style.marks, style.scheme);
        layout = layout.shapes(shapes.into_iter().map(|s| s.layer(ShapeLayer::Above)).collect());
    }
    plot.set_layout(layout);
    plot.set_configuration(configuration(style));
    plot
}

/// A heatmap in words: "Heatmap of 11 buckets, from ≤ 0.005 to > 10, from Mon 30 Nov
/// 14:00 to …; the fullest bucket is 0.1–0.25."
pub fn heatmap_summary(h: &Heatmap) -> String {
    if h.is_empty() {
        return NO_BUCKETS.to_owned();
    }
    let buckets = &h.table.columns;
    let mut text = format!("Heatmap of {} buckets", buckets.len());
    if let (Some(first), Some(last)) = (buckets.first(), buckets.last()) {
        text.push_str(&format!(", from {} to {}", first.name, last.name));
    }
    text.push_str(&rows_words(&h.table));
    let fullest = buckets.iter().max_by(|a, b| a.total().total_cmp(&b.total())).filter(|c| c.total() > 0.0);
    if let Some(fullest) = fullest {
        text.push_str(&format!("; the fullest bucket is {}", fullest.name));
    }
    if h.histograms > 1 {
        text.push_str(&format!("; the buckets of {} histograms are added", h.histograms));
    }
    if h.left_out > 0 {
        let verb = if h.left_out == 1 { "is" } else { "are" };
        text.push_str(&format!("; {} series without an `le` label {verb} left out", h.left_out));
    }
    text.push('.');
    text
}

/// One bar per bin, its height the number of series in it; the hover names the largest
/// members with their values. A log scale draws empty bins as gaps.
pub fn histogram_figure(h: &Histogram, style: &ChartStyle) -> Plot {
    let log = style.scale == Scale::Log;
    let (_, _, suffix) = unit_format(style.unit);
    let x: Vec<String> = h.bins.iter().map(|b| escape_text(&b.label)).collect();
    let y: Vec<Option<f64>> =
        h.bins.iter().map(|b| Some(b.members.len() as f64).filter(|n| !log || *n > 0.0)).collect();
    let hover: Vec<String> = h
        .bins
        .iter()
        .map(|b| {
            let mut text: Vec<String> = b
                .members
                .iter()
                .take(HOVER_MEMBERS)
                .map(|(name, v)| {
                    format!("{}: {}", escape_text(&shorten(name, LEGEND_CHARS)), format_hover(*v, suffix))
                })
                .collect();
            if b.members.len() > HOVER_MEMBERS {
                text.push(format!("and {} more", b.members.len() - HOVER_MEMBERS));
            }
            text.join("<br>")
        })
        .collect();
    let (r, g, b) = PALETTE[0];
    let mut plot = Plot::new();
    plot.add_trace(
        Bar::new(x, y)
            .name(escape_text(&format!("series by {}", h.reducer.name())))
            .marker(Marker::new().color(Rgba::new(r, g, b, 1.0)))
            .hover_text_array(hover)
            .hover_template("%{x}: <b>%{y} series</b><br>%{hovertext}<extra></extra>"),
    );
    let grid = grid_color(style.scheme);
    let y_axis = Axis::new()
        .auto_margin(true)
        .grid_color(grid)
        .zero_line_color(grid)
        .title(Title::with_text("series"));
    // Counts are whole: a tick per series while there are few (no "1, 1, 2, 2"); a log
    // axis places its own ticks, which a whole-number format would write twice.
    let fullest = h.bins.iter().map(|b| b.members.len()).max().unwrap_or(0);
    let y_axis = match (log, fullest <= 10) {
        (true, _) => y_axis.type_(AxisType::Log),
        (false, true) => y_axis.tick_format(",d").dtick(1.0),
        (false, false) => y_axis.tick_format(",d"),
    };
    plot.set_layout(
        base_layout(style)
            .show_legend(false)
            .x_axis(
                Axis::new()
                    .type_(AxisType::Category)
                    .auto_margin(true)
                    .grid_color(grid)
                    .title(Title::with_text(escape_text(&format!("{} of each series", h.reducer.name())))),
            )
            .y_axis(y_axis),
    );
    plot.set_configuration(configuration(style));
    plot
}

/// A histogram in words: "Histogram of 10 series by their mean, in 6 bins; the fullest is
/// 0–5 (4 series)."
pub fn histogram_summary(h: &Histogram) -> String {
    let counted: usize = h.bins.iter().map(|b| b.members.len()).sum();
    let mut text =
        format!("Histogram of {counted} series by their {}, in {} bins", h.reducer.name(), h.bins.len());
    let mut fullest: Option<&crate::data::histogram::Bin> = None;
    for bin in &h.bins {
        if fullest.is_none_or(|f| bin.members.len() > f.members.len()) {
            fullest = Some(bin);
        }
    }
    if let Some(fullest) = fullest {
        text.push_str(&format!("; the fullest is {} ({} series)", fullest.label, fullest.members.len()));
    }
    if h.without_value > 0 {
        text.push_str(&format!("; {} series had no value to count", h.without_value));
    }
    text.push('.');
    text
}

/// A member's value as its bin's hover writes it (plotly.js formats only the bar's own
/// height): whole numbers with separators, others to six decimals, then the unit.
fn format_hover(value: f64, suffix: &str) -> String {
    format!("{}{suffix}", crate::data::histogram::edge(value))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{json_of, table};
    use super::super::{cell_figure, cell_summary, has_log_scale, summary};
    use super::*;
    use crate::data::timeline::{Placed, Position};
    use crate::report::options::{CellOptions, ChartKind, Unit};
    use crate::report::thresholds::ThresholdsStyle;
    use serde_json::json;

    #[test]
    fn a_histogram_is_a_bar_per_bin_with_its_largest_members_in_the_hover() {
        let mut t = table(&[("<b>x</b>", 1.0), ("b", 2.0), ("c", 3.0)]);
        t.columns[0].values = vec![Some(1.0), Some(3.0), None].into();
        t.columns[1].values = vec![Some(20.0), Some(40.0), Some(30.0)].into();
        t.columns[2].values = vec![Some(4.0), Some(4.0), Some(4.0)].into();
        let options = CellOptions::parse("chart=histogram reduce=mean bins=0,5,10,25").unwrap();
        let v = json_of(&cell_figure(&t, &options, &ChartStyle::default()));
        assert_eq!(v["data"][0]["x"], json!(["0–5", "5–10", "10–25", "≥ 25"]));
        assert_eq!(v["data"][0]["y"], json!([2.0, 0.0, 0.0, 1.0]));
        // Largest first, names escaped.
        assert_eq!(v["data"][0]["hovertext"][0], "c: 4<br>&lt;b&gt;x&lt;/b&gt;: 2");
        assert_eq!(v["layout"]["xaxis"]["title"]["text"], "mean of each series");
        let h = crate::data::histogram::for_cell(&t, &options);
        assert_eq!(
            histogram_summary(&h),
            "Histogram of 3 series by their mean, in 4 bins; the fullest is 0–5 (2 series)."
        );
        // On a log scale an empty bin is a gap.
        let log = ChartStyle { scale: Scale::Log, ..ChartStyle::default() };
        let v = json_of(&cell_figure(&t, &options, &log));
        assert_eq!(v["data"][0]["y"], json!([2.0, null, null, 1.0]));
        assert_eq!(v["layout"]["yaxis"]["type"], "log");
        // Any other kind is the table's figure.
        let line = CellOptions::parse("chart=line").unwrap();
        assert_eq!(
            json_of(&cell_figure(&t, &line, &ChartStyle::default()))["data"].as_array().unwrap().len(),
            3
        );
        assert_eq!(cell_summary(&t, &options), histogram_summary(&h));
        assert_eq!(cell_summary(&t, &line), summary(ChartKind::Line, &t));
    }

    #[test]
    fn a_heatmap_is_a_row_of_cells_per_bucket_with_what_fell_in_it() {
        let mut t = table(&[("le 1", 0.0), ("le inf", 0.0), ("le 0.5", 0.0), ("no le", 0.0)]);
        for (column, (le, values)) in t.columns.iter_mut().zip([
            (Some("1"), [Some(6.0), Some(8.0), Some(9.0)]),
            (Some("+Inf"), [Some(7.0), Some(8.0), Some(12.0)]),
            (Some("0.5"), [Some(1.0), None, Some(9.0)]),
            (None, [Some(100.0), Some(100.0), Some(100.0)]),
        ]) {
            if let Some(le) = le {
                column.labels.insert("le".into(), le.into());
            }
            column.values = values.to_vec().into();
        }
        let options = CellOptions::parse("chart=heatmap unit=req/s").unwrap();
        let style = ChartStyle {
            kind: ChartKind::Heatmap,
            unit: Unit::RequestsPerSecond,
            value_label: "<i>requests</i>".into(),
            ..ChartStyle::default()
        };
        let v = json_of(&cell_figure(&t, &options, &style));
        assert_eq!(v["data"].as_array().unwrap().len(), 1);
        assert_eq!(v["data"][0]["type"], "heatmap");
        assert_eq!(v["data"][0]["y"], json!(["≤ 0.5", "0.5–1", "&gt; 1"]));
        assert_eq!(v["data"][0]["x"], json!(["2026-11-01", "2026-11-02", "2026-11-03"]));
        assert_eq!(v["data"][0]["z"], json!([[1.0, null, 9.0], [5.0, null, 0.0], [1.0, 0.0, 3.0]]));
        assert_eq!(v["data"][0]["hoverongaps"], false);
        // Only the last (partial) day's cells say "so far".
        assert_eq!(v["data"][0]["hovertext"][0], json!(["", "", " — so far"]));
        assert_eq!(v["data"][0]["hovertext"].as_array().unwrap().len(), 3);
        assert_eq!(v["data"][0]["colorbar"]["title"]["text"], "&lt;i&gt;requests&lt;/i&gt;");
        assert_eq!(v["data"][0]["colorbar"]["ticksuffix"], " req/s");
        assert_eq!(v["layout"]["yaxis"]["type"], "category");
        assert_eq!(v["layout"]["xaxis"]["type"], "date");
        assert_eq!(
            cell_summary(&t, &options),
            "Heatmap of 3 buckets, from ≤ 0.5 to > 1, daily from 2026-11-01 to 2026-11-03 (the last day so far); the fullest bucket is ≤ 0.5; 1 series without an `le` label is left out."
        );
        // Thresholds are not drawn on it (its values are colours), nor a log axis.
        assert!(!has_log_scale(ChartKind::Heatmap));
        let with_lines = ChartStyle {
            thresholds: Some(crate::report::thresholds::Thresholds::parse("green,5:red").unwrap()),
            thresholds_style: ThresholdsStyle::Line,
            ..style.clone()
        };
        assert!(json_of(&cell_figure(&t, &options, &with_lines))["layout"]["shapes"].is_null());
        // The report's notes are drawn over the cells, where they stay visible.
        let mark = Placed {
            x0: Position::Date("2026-11-02 12:00:00".into()),
            x1: Position::Date("2026-11-02 12:00:00".into()),
            span: false,
            masks: false,
            text: "deploy".into(),
            when: "2026-11-02 12:00".into(),
        };
        let marked = ChartStyle { marks: vec![mark], ..style.clone() };
        let v = json_of(&cell_figure(&t, &options, &marked));
        assert_eq!(v["layout"]["shapes"][0]["layer"], "above");
        // Without buckets it says what it needs, in place of the cells, notes or not.
        let none = table(&[("a", 1.0)]);
        assert_eq!(
            json_of(&cell_figure(&none, &options, &marked))["layout"]["annotations"][0]["text"],
            NO_BUCKETS
        );
        let v = json_of(&cell_figure(&none, &options, &style));
        assert_eq!(v["data"], json!([]));
        assert_eq!(v["layout"]["annotations"][0]["text"], NO_BUCKETS);
        assert_eq!(cell_summary(&none, &options), NO_BUCKETS);
    }
}
