//! CSV export (RFC 4180, UTF-8, CRLF line ends) in two layouts: *tidy*
//! (`time,datasource,<label columns…>,value`, one row per sample) and *wide*
//! (`time,<one column per series>`). Times are ISO 8601 in the chosen zone with their
//! offset. Text that a spreadsheet would run as a formula (starting with `=`, `+`, `-`,
//! `@`, tab or carriage return) is prefixed with `'`: label values are untrusted.

use std::collections::BTreeSet;
use std::fmt;

use jiff::tz::TimeZone;

use super::series::{Arrival, Series};
use super::table::WideTable;
use crate::api::prom::format_value as number;
use crate::time::clock::iso_time;

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
/// datasources answered in.
pub fn tidy(arrivals: &[Arrival], zone: &TimeZone) -> String {
    let mut out = String::new();
    let _ = write_tidy(&mut out, arrivals, zone);
    out
}

/// [`tidy`], written to `out` as it goes (the command line streams it to stdout).
pub fn write_tidy<W: fmt::Write>(out: &mut W, arrivals: &[Arrival], zone: &TimeZone) -> fmt::Result {
    tidy_rows(out, &[(None, arrivals.iter().flat_map(Arrival::series).collect())], zone)
}

/// The tidy layout of a whole report: a first `cell` column names each sample's cell
/// (its title), then as [`tidy`], with the label columns of every cell.
pub fn report_tidy(cells: &[(&str, &[Arrival])], zone: &TimeZone) -> String {
    let mut out = String::new();
    let _ = write_report_tidy(&mut out, cells, zone);
    out
}

/// [`report_tidy`], written to `out` as it goes.
pub fn write_report_tidy<W: fmt::Write>(
    out: &mut W,
    cells: &[(&str, &[Arrival])],
    zone: &TimeZone,
) -> fmt::Result {
    let named: Vec<(Option<&str>, Vec<&Series>)> = cells
        .iter()
        .map(|(title, arrivals)| (Some(*title), arrivals.iter().flat_map(Arrival::series).collect()))
        .collect();
    tidy_rows(out, &named, zone)
}

fn tidy_rows<W: fmt::Write>(
    out: &mut W,
    cells: &[(Option<&str>, Vec<&Series>)],
    zone: &TimeZone,
) -> fmt::Result {
    let cells: Vec<(Option<&str>, Vec<&Series>)> = cells
        .iter()
        .map(|(title, series)| {
            let mut series = series.clone();
            // Stable: a label set's range samples stay before its instant sample.
            series.sort_by(|a, b| {
                (&a.datasource_name, &a.datasource_uid, a.query, &a.labels).cmp(&(
                    &b.datasource_name,
                    &b.datasource_uid,
                    b.query,
                    &b.labels,
                ))
            });
            (*title, series)
        })
        .collect();
    let names: BTreeSet<&str> = cells
        .iter()
        .flat_map(|(_, series)| series.iter().flat_map(|s| s.labels.keys().map(String::as_str)))
        .collect();
    let with_cell = cells.iter().any(|(title, _)| title.is_some());
    // A cell of several queries says which query each sample answers (A, B, …).
    let with_query = cells.iter().any(|(_, series)| series.iter().any(|s| s.query > 0));
    let header = with_cell
        .then_some("cell".to_owned())
        .into_iter()
        .chain(["time".to_owned(), "datasource".to_owned()])
        .chain(with_query.then(|| "query".to_owned()))
        .chain(label_columns(&names))
        .chain(["value".to_owned()]);
    push_row(out, header.map(|name| text_field(&name)))?;
    for (title, series) in &cells {
        let title = title.map(text_field);
        for s in series {
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
                write!(out, "{},{shared},{}\r\n", iso_time(p.t_ms, zone), number(p.value))?;
            }
        }
    }
    Ok(())
}

/// The columns the tidy layout writes itself: a label of the same name is written as
/// `label_<name>`.
pub const TIDY_COLUMNS: [&str; 5] = ["cell", "time", "datasource", "query", "value"];

/// The header of each label's column: its name, or, where that is one of
/// [`TIDY_COLUMNS`] (or taken by another label), its name prefixed with `label_` until
/// it is unique. A label named `value` never makes two `value` columns.
fn label_columns(names: &BTreeSet<&str>) -> Vec<String> {
    let mut taken: BTreeSet<String> = TIDY_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    taken.extend(names.iter().filter(|n| !TIDY_COLUMNS.contains(n)).map(|n| (*n).to_owned()));
    names
        .iter()
        .map(|name| {
            if !TIDY_COLUMNS.contains(name) {
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
/// Rows of calendar days are keyed by their date (`day`), others by their time.
pub fn wide(table: &WideTable, zone: &TimeZone) -> String {
    let mut out = String::new();
    let _ = write_wide(&mut out, table, zone);
    out
}

/// [`wide`], written to `out` as it goes.
pub fn write_wide<W: fmt::Write>(out: &mut W, table: &WideTable, zone: &TimeZone) -> fmt::Result {
    let key = if table.rows_are_days { "day" } else { "time" };
    push_row(out, std::iter::once(key.to_owned()).chain(table.columns.iter().map(|c| text_field(&c.name))))?;
    for (row, t_ms) in table.row_times_ms.iter().enumerate() {
        let when = if table.rows_are_days { table.row_labels[row].clone() } else { iso_time(*t_ms, zone) };
        out.write_str(&when)?;
        for column in &table.columns {
            out.write_char(',')?;
            if let Some(v) = column.values[row] {
                out.write_str(&number(v))?;
            }
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
        let text = tidy(&[arrival(vec![north.clone()]), arrival(vec![south.clone()])], &TimeZone::UTC);
        // The order the datasources answered in does not matter.
        assert_eq!(tidy(&[arrival(vec![south]), arrival(vec![north])], &TimeZone::UTC), text);
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
        table.columns[0].values[0] = None;
        assert!(wide(&table, &TimeZone::UTC).contains("2026-10-25T00:00:00+00:00,\r\n"));
    }

    #[test]
    fn day_tables_are_keyed_by_date() {
        let all = [series("north", &[("namespace", "x")], &[(86_400_000, 4.0), (2 * 86_400_000, 5.0)])];
        let table = crate::data::table::pivot_floored(&all, 86_400_000, &PivotOptions::default());
        assert_eq!(wide(&table, &TimeZone::UTC), "day,x\r\n1970-01-02,4\r\n1970-01-03,5\r\n");
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
        let text = report_tidy(&[("Users", &[a][..]), ("=Ports", &[b][..])], &TimeZone::UTC);
        assert_eq!(
            text,
            "cell,time,datasource,namespace,portnum,value\r\nUsers,1970-01-01T00:00:00+00:00,north,prod,,1.5\r\n'=Ports,1970-01-01T00:00:00+00:00,north,,3,1.5\r\n"
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
        let text = tidy(&[Arrival { range: vec![s], ..Arrival::default() }], &TimeZone::UTC);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "time,datasource,label_cell,label_datasource,label_value,label_query,label_time,label_label_value,value"
        );
        // A label already called label_value keeps its name; the one called value goes round it.
        assert_eq!(lines[1], "1970-01-01T00:00:00+00:00,north,c,d,x,q,t,v,1");
    }
}
