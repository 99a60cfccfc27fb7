//! Charts as data: a [`WideTable`] becomes a `plotly::Plot` here, with no browser
//! involved, so the figure is tested by comparing its JSON. The web app hands the
//! result to plotly.js in exactly one place.
//!
//! Every piece of text that comes from Prometheus (label values become trace names
//! and hover text) passes through [`escape_text`]: plotly.js renders a subset of
//! HTML in those strings, and label values are untrusted.

use plotly::color::Rgba;
use plotly::common::{Font, Marker, Title};
use plotly::layout::{Axis, AxisType, BarMode, GroupClick, HoverMode, Legend, Margin};
use plotly::{Bar, Configuration, Layout, Plot};

use crate::table::WideTable;

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
}

impl Default for ChartStyle {
    fn default() -> Self {
        Self {
            scheme: ColorScheme::Light,
            height: 520,
            value_label: String::new(),
            partial_label: "so far".into(),
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

/// Stacked bars: one trace per column, rows on x (dates), a partial last row lighter.
pub fn stacked_bars(table: &WideTable, style: &ChartStyle) -> Plot {
    let rows = table.row_labels.len();
    let so_far = format!(" — {}", style.partial_label);
    let mut plot = Plot::new();
    for (i, column) in table.columns.iter().enumerate() {
        let (r, g, b) = PALETTE[i % PALETTE.len()];
        let name = escape_text(&column.name);
        let colors: Vec<Rgba> = (0..rows)
            .map(|row| {
                let partial = table.partial_last && row + 1 == rows;
                Rgba::new(r, g, b, if partial { PARTIAL_OPACITY } else { 1.0 })
            })
            .collect();
        let mut hover: Vec<String> = vec![name.clone(); rows];
        if table.partial_last {
            if let Some(last) = hover.last_mut() {
                last.push_str(&so_far);
            }
        }
        let trace = Bar::new(table.row_labels.clone(), column.values.clone())
            .name(&name)
            .marker(Marker::new().color_array(colors))
            .hover_text_array(hover)
            .hover_template("%{hovertext}<br>%{x|%a %d %b %Y}: <b>%{y:,}</b><extra></extra>");
        plot.add_trace(trace);
    }
    let (text, grid) = match style.scheme {
        ColorScheme::Light => ("#1f2328", "#d0d7de"),
        ColorScheme::Dark => ("#e6edf3", "#3d444d"),
    };
    let layout = Layout::new()
        .bar_mode(BarMode::Stack)
        .auto_size(true)
        .height(style.height)
        .margin(Margin::new().left(56).right(16).top(16).bottom(48))
        .paper_background_color("rgba(0,0,0,0)")
        .plot_background_color("rgba(0,0,0,0)")
        .font(Font::new().color(text))
        .hover_mode(HoverMode::Closest)
        .legend(Legend::new().group_click(GroupClick::ToggleItem).title(Title::with_text("")))
        .x_axis(Axis::new().type_(AxisType::Date).grid_color(grid).tick_format("%d %b"))
        .y_axis(
            Axis::new()
                .grid_color(grid)
                .zero_line_color(grid)
                .title(Title::with_text(escape_text(&style.value_label))),
        );
    plot.set_layout(layout);
    plot.set_configuration(Configuration::new().responsive(true).display_logo(false).typeset_math(false));
    plot
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prom::Labels;
    use crate::table::Column;
    use serde_json::{json, Value};

    fn table(names: &[(&str, f64)]) -> WideTable {
        WideTable {
            row_labels: vec!["2026-11-01".into(), "2026-11-02".into(), "2026-11-03".into()],
            row_times_ms: vec![0, 1, 2],
            partial_last: true,
            rows_are_days: true,
            columns: names
                .iter()
                .map(|(name, v)| Column {
                    name: name.to_string(),
                    datasource_uid: "c1".into(),
                    datasource_name: "c1".into(),
                    labels: Labels::new(),
                    values: vec![Some(*v), None, Some(v / 2.0)],
                })
                .collect(),
        }
    }

    fn json_of(plot: &Plot) -> Value {
        serde_json::from_str(&plot.to_json()).unwrap()
    }

    #[test]
    fn one_stacked_trace_per_series_with_a_lighter_partial_day() {
        let style = ChartStyle { partial_label: "so far (until 14:05 UTC)".into(), ..ChartStyle::default() };
        let plot = stacked_bars(&table(&[("big", 10.0), ("small", 1.0)]), &style);
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
        let plot = stacked_bars(&table(&[(hostile, 1.0)]), &ChartStyle::default());
        let text = plot.to_json();
        assert!(!text.contains("<img"), "{text}");
        let v = json_of(&plot);
        assert_eq!(v["data"][0]["name"], r#"&lt;img src=x onerror="window.__xss=1"&gt;&amp;&lt;b&gt;"#);
    }

    #[test]
    fn dark_scheme_uses_light_text() {
        let style = ChartStyle { scheme: ColorScheme::Dark, ..ChartStyle::default() };
        let v = json_of(&stacked_bars(&table(&[("a", 1.0)]), &style));
        assert_eq!(v["layout"]["font"]["color"], "#e6edf3");
        assert_eq!(v["layout"]["paper_bgcolor"], "rgba(0,0,0,0)");
    }
}
