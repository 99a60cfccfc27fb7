//! CSV export (RFC 4180, UTF-8, CRLF line ends) in two layouts: *tidy*
//! (`time,datasource,<label columns…>,value`, one row per sample) and *wide*
//! (`time,<one column per series>`). Times are ISO 8601 in the chosen zone with their
//! offset; a sample of a calendar week, month or year is written at its period's first
//! midnight, with a `period` column. Text that a spreadsheet would run as a formula
//! (starting with `=`, `+`, `-`, `@`, tab or carriage return) is prefixed with `'`:
//! label values are untrusted.

use std::collections::BTreeSet;
use std::fmt;

use jiff::tz::TimeZone;

use super::heatmap;
use super::histogram::{self, Histogram};
use super::reduce::{column_totals, grand_total, row_totals, summary, Summary};
use super::rows::{row_table, Field, RowTable};
use super::series::{Arrival, Series};
use super::table::WideTable;
use crate::api::prom::format_value as number;
use crate::report::options::{CellOptions, ChartKind};
use crate::report::reducer::{Reducer, Totals};
use crate::time::clock::iso_time;
use crate::time::periods::{Calendar, PeriodPlan};

/// One text field: formula-escaped, then quoted if it has a comma, quote or line break.
pub fn text_field(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn push_row<W: fmt::Write>(out: &mut W, fields: impl IntoIterator<Item = String>) -> fmt::Result {
    let mut first = true;
    for field in fields {
        if !first {
            out.write_char(',')?;
        }
        first = false;
        out.write_str(&field)?;
    }
    out.write_str("\r\n")
}

/// The tidy layout of one cell's answers: one row per sample; label columns are the
/// union of all label names, sorted, and empty where a series lacks the label. Rows come
/// by datasource, then label set, then time: the same bytes whatever order the
/// datasources answered in. A cell of calendar weeks, months or years (`periods`) writes
/// each sample at its period's start, with the period's name in a `period` column.
pub fn tidy(arrivals: &[Arrival], periods: Option<&PeriodPlan>, zone: &TimeZone) -> String {
    let mut out = String::new();
    let _ = write_tidy(&mut out, arrivals, periods, zone);
    out
}

/// [`tidy`], written to `out` as it goes (the command line streams it to stdout).
pub fn write_tidy<W: fmt::Write>(
    out: &mut W,
    arrivals: &[Arrival],
    periods: Option<&PeriodPlan>,
    zone: &TimeZone,
) -> fmt::Result {
    let cell = TidyCell {
        title: None,
        repeat: None,
        periods,
        series: arrivals.iter().flat_map(Arrival::series).collect(),
    };
    tidy_rows(out, vec![cell], zone)
}

/// One cell of a report's tidy CSV: its title, answers, calendar periods (if any), and
/// for a repeat (`repeat=`), its variable's value.
pub type ReportCell<'a> = (&'a str, &'a [Arrival], Option<&'a PeriodPlan>, Option<&'a str>);

/// The tidy layout of a whole report: a first `cell` column names each sample's cell
/// (its title), then as [`tidy`], with the label columns of every cell.
pub fn report_tidy(cells: &[ReportCell<'_>], zone: &TimeZone) -> String {
    let mut out = String::new();
    let _ = write_report_tidy(&mut out, cells, zone);
    out
}

/// [`report_tidy`], written to `out` as it goes.
pub fn write_report_tidy<W: fmt::Write>(
    out: &mut W,
    cells: &[ReportCell<'_>],
    zone: &TimeZone,
) -> fmt::Result {
    let cells = cells
        .iter()
        .map(|(title, arrivals, periods, repeat)| TidyCell {
            title: Some(*title),
            repeat: *repeat,
            periods: *periods,
            series: arrivals.iter().flat_map(Arrival::series).collect(),
        })
        .collect();
    tidy_rows(out, cells, zone)
}

struct TidyCell<'a> {
    title: Option<&'a str>,
    repeat: Option<&'a str>,
    periods: Option<&'a PeriodPlan>,
    series: Vec<&'a Series>,
}

fn tidy_rows<W: fmt::Write>(out: &mut W, mut cells: Vec<TidyCell<'_>>, zone: &TimeZone) -> fmt::Result {
    for cell in &mut cells {
        // Stable: a label set's range samples stay before its instant sample.
        cell.series.sort_by(|a, b| {
            (&a.datasource_name, &a.datasource_uid, a.query, &a.labels).cmp(&(
                &b.datasource_name,
                &b.datasource_uid,
                b.query,
                &b.labels,
            ))
        });
    }
    let names: BTreeSet<&str> = cells
        .iter()
        .flat_map(|cell| cell.series.iter().flat_map(|s| s.labels.keys().map(String::as_str)))
        .collect();
    let with_cell = cells.iter().any(|cell| cell.title.is_some());
    // A report with repeated cells says which value each sample's repeat is for.
    let with_repeat = cells.iter().any(|cell| cell.repeat.is_some());
    let with_period = cells.iter().any(|cell| cell.periods.is_some());
    // A cell of several queries says which query each sample answers (A, B, …).
    let with_query = cells.iter().any(|cell| cell.series.iter().any(|s| s.query > 0));
    let header = with_cell
        .then_some("cell".to_owned())
        .into_iter()
        .chain(with_repeat.then(|| "repeat".to_owned()))
        .chain(["time".to_owned()])
        .chain(with_period.then(|| "period".to_owned()))
        .chain(["datasource".to_owned()])
        .chain(with_query.then(|| "query".to_owned()))
        .chain(label_columns(&names, if with_period { &TIDY_WITH_PERIOD } else { &TIDY_COLUMNS }))
        .chain(["value".to_owned()]);
    push_row(out, header.map(|name| text_field(&name)))?;
    for cell in &cells {
        let title = cell.title.map(text_field);
        let repeat = with_repeat.then(|| text_field(cell.repeat.unwrap_or_default()));
        let starts = cell.periods.map(PeriodPlan::starts_ms);
        let keys = cell.periods.map(PeriodPlan::keys);
        for s in &cell.series {
            // The fields every row of this series shares: its datasource and labels.
            let mut shared = text_field(&s.datasource_name);
            if with_query {
                shared.push(',');
                shared.push(crate::report::format::query_letter(s.query));
            }
            for name in &names {
                shared.push(',');
                if let Some(value) = s.labels.get(*name) {
                    shared.push_str(&text_field(value));
                }
            }
            for p in &s.points {
                if let Some(title) = &title {
                    out.write_str(title)?;
                    out.write_char(',')?;
                }
                if let Some(repeat) = &repeat {
                    out.write_str(repeat)?;
                    out.write_char(',')?;
                }
                let bucket = cell.periods.and_then(|plan| plan.bucket_of(p.t_ms));
                match (bucket, &starts, &keys) {
                    (Some(i), Some(starts), Some(keys)) => {
                        write!(out, "{},{}", iso_time(starts[i], zone), keys[i])?
                    }
                    _ if with_period => write!(out, "{},", iso_time(p.t_ms, zone))?,
                    _ => out.write_str(&iso_time(p.t_ms, zone))?,
                }
                write!(out, ",{shared},{}\r\n", number(p.value))?;
            }
        }
    }
    Ok(())
}

/// The columns the tidy layout writes itself: a label of the same name is written as
/// `label_<name>`.
pub const TIDY_COLUMNS: [&str; 6] = ["cell", "repeat", "time", "datasource", "query", "value"];

/// The tidy layout's own columns when it writes calendar periods.
const TIDY_WITH_PERIOD: [&str; 7] = ["cell", "repeat", "time", "period", "datasource", "query", "value"];

/// The header of each label's column: its name, or, where that is one of the layout's
/// `own` columns (or taken by another label), its name prefixed with `label_` until it is
/// unique. A label named `value` never makes two `value` columns.
fn label_columns(names: &BTreeSet<&str>, own: &[&str]) -> Vec<String> {
    let own = |name: &str| own.contains(&name);
    // A renamed column starts with `label_`, which no own column does: it can only meet
    // another label's name, or a column renamed before it.
    let mut taken: BTreeSet<String> = names.iter().map(|n| (*n).to_owned()).collect();
    names
        .iter()
        .map(|name| {
            if !own(name) {
                return (*name).to_owned();
            }
            let mut column = format!("label_{name}");
            while taken.contains(&column) {
                column = format!("label_{column}");
            }
            taken.insert(column.clone());
            column
        })
        .collect()
}

/// The wide layout: one row per table row, one column per series; gaps are empty.
/// Rows of calendar days are keyed by their date (`day`), instants by their time. Weeks,
/// months and years by the period's first midnight with its offset (`start`), its name
/// (`period`: `2026-W47`, `2026-11`, `2026`) and whether it had ended (`status`:
/// `complete`, or `so far` for the one still running).
pub fn wide(table: &WideTable, zone: &TimeZone) -> String {
    let mut out = String::new();
    let _ = write_wide(&mut out, table, zone);
    out
}

/// [`wide`], written to `out` as it goes.
pub fn write_wide<W: fmt::Write>(out: &mut W, table: &WideTable, zone: &TimeZone) -> fmt::Result {
    write_table(out, table, None, zone)
}

/// What a cell shows, as CSV: a stat's or summary's rows (one per series, with its labels)
/// and columns (one per reducer); a table with its `Total` column (and `Total values`,
/// how many values each total added) and `Total` row; a histogram's bins and counts; a
/// heatmap's buckets (what fell in each, a column per bucket); otherwise the wide layout.
pub fn shown(table: &WideTable, options: &CellOptions, zone: &TimeZone) -> String {
    let mut out = String::new();
    let _ = write_shown(&mut out, table, options, zone);
    out
}

/// What the file [`shown`] writes holds, for its button: "CSV (one row per series)".
pub fn shown_label(table: Option<&WideTable>, options: &CellOptions) -> &'static str {
    match options.chart {
        ChartKind::Stat | ChartKind::Summary => "CSV (one row per series)",
        ChartKind::Table if table.is_some_and(|t| t.instant) => "CSV (one row per series)",
        ChartKind::Histogram => "CSV (bins and counts)",
        ChartKind::Heatmap => "CSV (one column per bucket)",
        _ => "CSV (one column per series)",
    }
}

/// [`shown`], written to `out` as it goes.
pub fn write_shown<W: fmt::Write>(
    out: &mut W,
    table: &WideTable,
    options: &CellOptions,
    zone: &TimeZone,
) -> fmt::Result {
    match options.chart {
        ChartKind::Stat | ChartKind::Summary => write_summary(out, &summary(table, &options.reducers())),
        ChartKind::Table if table.instant => write_rows(out, &row_table(table, &options.columns)),
        ChartKind::Table => {
            write_table(out, table, options.total.map(|t| (t, options.total_reducer())), zone)
        }
        ChartKind::Histogram => write_histogram(out, &histogram::for_cell(table, options)),
        // What each bucket held at each time, as drawn: not the cumulative series.
        ChartKind::Heatmap => write_table(out, &heatmap::heatmap(table).table, None, zone),
        _ => write_table(out, table, None, zone),
    }
}

/// A table of instant queries: its columns as `columns=` arranged and named them.
fn write_rows<W: fmt::Write>(out: &mut W, rows: &RowTable) -> fmt::Result {
    push_row(out, rows.columns.iter().map(|c| text_field(&c.shown)))?;
    for row in &rows.rows {
        push_row(
            out,
            row.iter().map(|f| match f {
                Field::Text(t) => text_field(t),
                Field::Number(v) => v.map(number).unwrap_or_default(),
            }),
        )?;
    }
    Ok(())
}

/// A histogram: each bin (`0–5`), its edges (empty where it is open) and how many series
/// it counts; a last row counts the series without a value.
fn write_histogram<W: fmt::Write>(out: &mut W, h: &Histogram) -> fmt::Result {
    push_row(out, ["bin", "from", "to", "series"].map(str::to_owned))?;
    for bin in &h.bins {
        let edge = |e: Option<f64>| e.map(number).unwrap_or_default();
        push_row(out, [text_field(&bin.label), edge(bin.from), edge(bin.to), bin.members.len().to_string()])?;
    }
    if h.without_value > 0 {
        push_row(out, ["no value".to_owned(), String::new(), String::new(), h.without_value.to_string()])?;
    }
    Ok(())
}

/// A summary: `series`, its labels, then one column per reducer. A label named like one
/// of those columns is written as `label_<name>`.
fn write_summary<W: fmt::Write>(out: &mut W, summary: &Summary) -> fmt::Result {
    let own: Vec<&str> = std::iter::once("series").chain(summary.reducers.iter().map(|r| r.name())).collect();
    let names: BTreeSet<&str> = summary.label_names.iter().map(String::as_str).collect();
    let header = std::iter::once("series".to_owned())
        .chain(label_columns(&names, &own))
        .chain(summary.reducers.iter().map(|r| r.name().to_owned()));
    push_row(out, header.map(|h| text_field(&h)))?;
    for row in &summary.rows {
        let fields = std::iter::once(text_field(&row.name))
            .chain(row.labels.iter().map(|l| text_field(l)))
            .chain(row.values.iter().map(|v| v.map(number).unwrap_or_default()));
        push_row(out, fields)?;
    }
    Ok(())
}

fn write_table<W: fmt::Write>(
    out: &mut W,
    table: &WideTable,
    totals: Option<(Totals, Reducer)>,
    zone: &TimeZone,
) -> fmt::Result {
    let keys: &[&str] = match table.calendar {
        Some(Calendar::Day) => &["day"],
        Some(_) => &["start", "period", "status"],
        None => &["time"],
    };
    let total_column = totals.is_some_and(|(t, _)| t.column());
    let header =
        keys.iter().map(|k| (*k).to_owned()).chain(table.columns.iter().map(|c| text_field(&c.name))).chain(
            total_column.then(|| ["Total".to_owned(), "Total values".to_owned()]).into_iter().flatten(),
        );
    push_row(out, header)?;
    // Each row's sum, only where a total is written.
    let sums = if totals.is_some() { row_totals(table) } else { Vec::new() };
    let rows = table.row_times_ms.len();
    for (row, t_ms) in table.row_times_ms.iter().enumerate() {
        match table.calendar {
            Some(Calendar::Day) => out.write_str(&table.row_keys[row])?,
            Some(_) => {
                let status = if table.partial_last && row + 1 == rows { "so far" } else { "complete" };
                write!(out, "{},{},{status}", iso_time(*t_ms, zone), table.row_keys[row])?;
            }
            None => out.write_str(&iso_time(*t_ms, zone))?,
        }
        for column in &table.columns {
            out.write_char(',')?;
            if let Some(v) = column.values[row] {
                out.write_str(&number(v))?;
            }
        }
        if total_column {
            write!(out, ",{},{}", sums[row].value.map(number).unwrap_or_default(), sums[row].values)?;
        }
        out.write_str("\r\n")?;
    }
    if let Some((t, reducer)) = totals.filter(|(t, _)| t.row()) {
        // The key columns say `Total` and how the series were reduced.
        out.write_str(&format!("Total ({})", reducer.name()))?;
        for _ in 1..keys.len() {
            out.write_char(',')?;
        }
        for value in column_totals(table, reducer) {
            out.write_char(',')?;
            out.write_str(&value.map(number).unwrap_or_default())?;
        }
        if t.column() {
            let values: usize = sums.iter().map(|s| s.values).sum();
            write!(out, ",{},{values}", grand_total(&sums, reducer).map(number).unwrap_or_default())?;
        }
        out.write_str("\r\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::prom::{Labels, Sample};
    use crate::data::table::{pivot_times, PivotOptions};

    fn series(ds: &str, labels: &[(&str, &str)], points: &[(i64, f64)]) -> Series {
        Series {
            datasource_uid: ds.into(),
            datasource_name: ds.into(),
            query: 0,
            labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Labels>(),
            points: points.iter().map(|&(t_ms, value)| Sample { t_ms, value }).collect(),
        }
    }

    #[test]
    fn tidy_layout_with_a_union_of_labels() {
        let north = series(
            "north",
            &[("namespace", "prod")],
            &[(1_790_000_000_000, 3.0), (1_790_000_060_000, f64::NAN)],
        );
        let south = series(
            "south",
            &[("namespace", "a,b"), ("pod", "=cmd|' /C calc'!A0")],
            &[(1_790_000_000_500, -1.5)],
        );
        let arrival = |range: Vec<Series>| Arrival { range, ..Arrival::default() };
        let text = tidy(&[arrival(vec![north.clone()]), arrival(vec![south.clone()])], None, &TimeZone::UTC);
        // The order the datasources answered in does not matter.
        assert_eq!(tidy(&[arrival(vec![south]), arrival(vec![north])], None, &TimeZone::UTC), text);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], "time,datasource,namespace,pod,value");
        assert_eq!(lines[1], "2026-09-21T14:13:20+00:00,north,prod,,3");
        assert_eq!(lines[2], "2026-09-21T14:14:20+00:00,north,prod,,NaN");
        assert_eq!(lines[3], "2026-09-21T14:13:20.500+00:00,south,\"a,b\",'=cmd|' /C calc'!A0,-1.5");
        assert_eq!(lines[4], "");
    }

    #[test]
    fn wide_layout_in_a_zone_with_offsets() {
        let berlin = crate::time::zone("Europe/Berlin").unwrap();
        // Either side of the 2026-10-25 change: +02:00, then +01:00.
        let times = [1_792_886_400_000, 1_792_976_400_000];
        let all = [
            series("north", &[("namespace", "x")], &[(times[0], 1.0), (times[1], 2.0)]),
            series("north", &[("namespace", "say \"hi\"")], &[(times[1], f64::INFINITY)]),
        ];
        let mut table = pivot_times(&times, vec!["a".into(), "b".into()], &all, &PivotOptions::default());
        let text = wide(&table, &berlin);
        assert_eq!(text, "time,x\r\n2026-10-25T02:00:00+02:00,1\r\n2026-10-26T02:00:00+01:00,2\r\n");
        table.columns[0].values.set(0, None);
        assert!(wide(&table, &TimeZone::UTC).contains("2026-10-25T00:00:00+00:00,\r\n"));
    }

    #[test]
    fn day_tables_are_keyed_by_date() {
        let all = [series("north", &[("namespace", "x")], &[(86_400_000, 4.0), (2 * 86_400_000, 5.0)])];
        let table = crate::data::table::pivot_floored(&all, 86_400_000, &PivotOptions::default());
        assert_eq!(wide(&table, &TimeZone::UTC), "day,x\r\n1970-01-02,4\r\n1970-01-03,5\r\n");
    }

    #[test]
    fn months_are_written_at_their_first_midnight_with_their_name_and_status() {
        use crate::data::table::pivot_periods;
        use crate::time::periods::Calendar;
        let berlin = crate::time::zone("Europe/Berlin").unwrap();
        let at = |text: &str| text.parse::<jiff::Timestamp>().unwrap();
        // From mid-September to 20 November: September (clipped), October (31 days and an
        // hour: the clocks went back), November so far.
        let range =
            crate::time::TimeRange { from: at("2026-09-14T08:00:00Z"), to: at("2026-11-20T10:00:00Z") };
        let plan = PeriodPlan::for_range(Calendar::Month, &range, &berlin);
        let ends = [at("2026-09-30T22:00:00Z").as_millisecond(), at("2026-10-31T23:00:00Z").as_millisecond()];
        let now = range.to.as_millisecond();
        // A label called `period` makes way for the layout's own column.
        let labels = [("namespace", "prod"), ("period", "24h")];
        let range_series = series("north", &labels, &[(ends[0], 10.0), (ends[1], 12.0)]);
        let instant_series = series("north", &labels, &[(now, 7.0)]);
        let table = pivot_periods(&plan, [&range_series], [&instant_series], &PivotOptions::default());
        let text = wide(&table, &berlin);
        let (header, rows) = text.split_once("\r\n").unwrap();
        assert_eq!(header, format!("start,period,status,{}", text_field(&table.columns[0].name)));
        assert_eq!(
            rows,
            "2026-09-01T00:00:00+02:00,2026-09,complete,10\r\n\
             2026-10-01T00:00:00+02:00,2026-10,complete,12\r\n\
             2026-11-01T00:00:00+01:00,2026-11,so far,7\r\n"
        );
        let arrivals =
            [Arrival { range: vec![range_series], instant: vec![instant_series], notes: Vec::new() }];
        assert_eq!(
            tidy(&arrivals, Some(&plan), &berlin),
            "time,period,datasource,namespace,label_period,value\r\n\
             2026-09-01T00:00:00+02:00,2026-09,north,prod,24h,10\r\n\
             2026-10-01T00:00:00+02:00,2026-10,north,prod,24h,12\r\n\
             2026-11-01T00:00:00+01:00,2026-11,north,prod,24h,7\r\n"
        );
        // Without periods, the label keeps its name and samples their times.
        let plain = tidy(&arrivals, None, &TimeZone::UTC);
        assert!(plain.starts_with(
            "time,datasource,namespace,period,value\r\n2026-09-30T22:00:00+00:00,north,prod,24h,10\r\n"
        ));
    }

    #[test]
    fn a_table_writes_its_totals_and_how_many_values_each_added() {
        let all = [
            series("north", &[("namespace", "a")], &[(86_400_000, 4.0), (2 * 86_400_000, 5.0)]),
            series("north", &[("namespace", "b")], &[(2 * 86_400_000, 1.5)]),
        ];
        let table = crate::data::table::pivot_floored(&all, 86_400_000, &PivotOptions::default());
        let options = |info: &str| CellOptions::parse(info).unwrap();
        assert_eq!(
            shown(&table, &options("chart=table total=both"), &TimeZone::UTC),
            "day,a,b,Total,Total values\r\n\
             1970-01-02,4,,4,1\r\n\
             1970-01-03,5,1.5,6.5,2\r\n\
             Total (sum),9,1.5,10.5,3\r\n"
        );
        assert_eq!(
            shown(&table, &options("chart=table total=row reduce=max"), &TimeZone::UTC),
            "day,a,b\r\n1970-01-02,4,\r\n1970-01-03,5,1.5\r\nTotal (max),5,1.5\r\n"
        );
        // Without total=, and for a chart, the wide layout as it was.
        assert_eq!(shown(&table, &options("chart=table"), &TimeZone::UTC), wide(&table, &TimeZone::UTC));
        assert_eq!(
            shown(&table, &options("chart=line total=both"), &TimeZone::UTC),
            wide(&table, &TimeZone::UTC)
        );
    }

    #[test]
    fn a_summary_writes_a_row_per_series_and_a_column_per_reducer() {
        let all = [
            series("north", &[("namespace", "a"), ("max", "label")], &[(0, 4.0), (1, 2.0)]),
            series("north", &[("namespace", "=b")], &[(1, 1.0)]),
        ];
        let table = pivot_times(&[0, 1], vec!["x".into(), "y".into()], &all, &PivotOptions::default());
        let names: Vec<String> = table.columns.iter().map(|c| text_field(&c.name)).collect();
        let options = CellOptions::parse("chart=summary reduce=mean,max,last").unwrap();
        assert_eq!(
            shown(&table, &options, &TimeZone::UTC),
            format!(
                "series,label_max,namespace,mean,max,last\r\n{},label,a,3,4,2\r\n{},,'=b,1,1,1\r\n",
                names[0], names[1]
            )
        );
        // A stat is a summary of its last values unless reduce= says otherwise.
        let stat = CellOptions::parse("chart=stat").unwrap();
        assert!(shown(&table, &stat, &TimeZone::UTC).starts_with("series,max,namespace,last\r\n"));
    }

    #[test]
    fn a_heatmap_writes_what_each_bucket_held_at_each_time() {
        let all = [
            series("north", &[("le", "0.5")], &[(0, 1.0), (60_000, 2.0)]),
            series("north", &[("le", "+Inf")], &[(0, 4.0), (60_000, 2.0)]),
        ];
        let table = pivot_times(&[0, 60_000], vec!["x".into(), "y".into()], &all, &PivotOptions::default());
        let options = CellOptions::parse("chart=heatmap").unwrap();
        assert_eq!(shown_label(Some(&table), &options), "CSV (one column per bucket)");
        assert_eq!(
            shown(&table, &options, &TimeZone::UTC),
            "time,≤ 0.5,> 0.5\r\n1970-01-01T00:00:00+00:00,1,3\r\n1970-01-01T00:01:00+00:00,2,0\r\n"
        );
    }

    #[test]
    fn a_histogram_writes_its_bins_and_counts() {
        let all = [
            series("north", &[("namespace", "a")], &[(0, 4.0), (1, 2.0)]),
            series("north", &[("namespace", "b")], &[(1, 30.0)]),
        ];
        let table = pivot_times(&[0, 1], vec!["x".into(), "y".into()], &all, &PivotOptions::default());
        let options = CellOptions::parse("chart=histogram reduce=max bins=0,5,10").unwrap();
        assert_eq!(
            shown(&table, &options, &TimeZone::UTC),
            "bin,from,to,series\r\n0–5,0,5,1\r\n5–10,5,10,0\r\n≥ 10,10,,1\r\n"
        );
    }

    #[test]
    fn formula_and_quote_escaping() {
        for (raw, want) in [
            ("plain", "plain"),
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("a\"b", "\"a\"\"b\""),
            ("line\nbreak", "\"line\nbreak\""),
            ("日本語 🚀", "日本語 🚀"),
        ] {
            assert_eq!(text_field(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn report_csv_names_each_cell() {
        let a = Series {
            datasource_uid: "u".into(),
            datasource_name: "north".into(),
            query: 0,
            labels: [("namespace".to_owned(), "prod".to_owned())].into_iter().collect(),
            points: vec![crate::api::prom::Sample { t_ms: 0, value: 1.5 }],
        };
        let b =
            Series { labels: [("portnum".to_owned(), "3".to_owned())].into_iter().collect(), ..a.clone() };
        let (a, b) = (
            Arrival { range: vec![a], ..Arrival::default() },
            Arrival { range: vec![b], ..Arrival::default() },
        );
        let text = report_tidy(
            &[("Users", &[a.clone()][..], None, None), ("=Ports", &[b][..], None, None)],
            &TimeZone::UTC,
        );
        assert_eq!(
            text,
            "cell,time,datasource,namespace,portnum,value\r\nUsers,1970-01-01T00:00:00+00:00,north,prod,,1.5\r\n'=Ports,1970-01-01T00:00:00+00:00,north,,3,1.5\r\n"
        );
        // A repeated cell says each repeat's value.
        let text = report_tidy(
            &[("Users", &[a.clone()][..], None, Some("prod")), ("Users", &[a][..], None, Some("=x"))],
            &TimeZone::UTC,
        );
        assert_eq!(
            text,
            "cell,repeat,time,datasource,namespace,value\r\nUsers,prod,1970-01-01T00:00:00+00:00,north,prod,1.5\r\nUsers,'=x,1970-01-01T00:00:00+00:00,north,prod,1.5\r\n"
        );
    }

    #[test]
    fn labels_named_like_the_layout_s_own_columns_get_a_prefix() {
        let s = series(
            "north",
            &[
                ("value", "v"),
                ("time", "t"),
                ("datasource", "d"),
                ("cell", "c"),
                ("query", "q"),
                ("label_value", "x"),
            ],
            &[(0, 1.0)],
        );
        let text = tidy(&[Arrival { range: vec![s], ..Arrival::default() }], None, &TimeZone::UTC);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "time,datasource,label_cell,label_datasource,label_value,label_query,label_time,label_label_value,value"
        );
        // A label already called label_value keeps its name; the one called value goes round it.
        assert_eq!(lines[1], "1970-01-01T00:00:00+00:00,north,c,d,x,q,t,v,1");
    }
}
