//! The numbers a cell computes from its table: a table's `Total` column (each row's sum
//! across series) and `Total` row (each series reduced over its rows), and a summary's
//! rows (each series reduced by each reducer). A total over gaps says how many values it
//! added.

use std::collections::BTreeSet;

use super::table::WideTable;
use crate::report::reducer::Reducer;

/// A sum across what is there: its value, and how many values it added of how many
/// places there were (a total over gaps says so).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summed {
    /// The sum; `None` when nothing was there to add.
    pub value: Option<f64>,
    /// How many values were added.
    pub values: usize,
    /// Of how many places (series in a row; rows in a series).
    pub of: usize,
}

impl Summed {
    /// Adds the values there are.
    pub fn of(values: impl IntoIterator<Item = Option<f64>>) -> Self {
        let mut summed = Summed { value: None, values: 0, of: 0 };
        for v in values {
            summed.of += 1;
            if let Some(v) = v.filter(|v| v.is_finite()) {
                summed.value = Some(summed.value.unwrap_or(0.0) + v);
                summed.values += 1;
            }
        }
        summed
    }

    /// Whether some places had no value.
    pub fn has_gaps(&self) -> bool {
        self.values < self.of
    }
}

/// The `Total` column of a table: for each row, the sum across its series.
pub fn row_totals(table: &WideTable) -> Vec<Summed> {
    (0..table.row_labels.len()).map(|row| Summed::of(table.columns.iter().map(|c| c.values[row]))).collect()
}

/// The `Total` row of a table: each series reduced over its rows (`sum` unless the cell
/// says otherwise).
pub fn column_totals(table: &WideTable, reducer: Reducer) -> Vec<Option<f64>> {
    table.columns.iter().map(|c| reducer.apply(&c.values)).collect()
}

/// The corner of a table with both totals: the `Total` column reduced as the `Total` row
/// reduces each series (the grand sum, for `sum`).
pub fn grand_total(row_totals: &[Summed], reducer: Reducer) -> Option<f64> {
    let of_rows: Vec<Option<f64>> = row_totals.iter().map(|s| s.value).collect();
    reducer.apply(&of_rows)
}

/// A summary: one row per series (its name and labels), one column per reducer — the
/// table people paste into a slide, and what a stat shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The reducers, one column each.
    pub reducers: Vec<Reducer>,
    /// The label names of every series, sorted: one column each.
    pub label_names: Vec<String>,
    /// One row per series, in the table's order.
    pub rows: Vec<SummaryRow>,
}

/// One series of a [`Summary`].
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// The series' name (its column's name in the table).
    pub name: String,
    /// Its value of each of [`Summary::label_names`] (empty where it has none).
    pub labels: Vec<String>,
    /// Each reducer's value.
    pub values: Vec<Option<f64>>,
}

/// Reduces every series of `table` with each of `reducers`.
pub fn summary(table: &WideTable, reducers: &[Reducer]) -> Summary {
    let label_names: Vec<String> = table
        .columns
        .iter()
        .flat_map(|c| c.labels.keys().cloned())
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect();
    let rows = table
        .columns
        .iter()
        .map(|c| SummaryRow {
            name: c.name.clone(),
            labels: label_names.iter().map(|n| c.labels.get(n).cloned().unwrap_or_default()).collect(),
            values: reducers.iter().map(|r| r.apply(&c.values)).collect(),
        })
        .collect();
    Summary { reducers: reducers.to_vec(), label_names, rows }
}

/// A computed number as a table shows it to people: thousands separated, at most two
/// decimals from 1 up (`1,234.57`, `103.67`), three significant digits below (`0.00123`).
/// The CSV keeps every digit.
pub fn readable(value: f64) -> String {
    if !value.is_finite() {
        return crate::api::prom::format_value(value);
    }
    let magnitude = value.abs();
    if magnitude == 0.0 {
        return "0".to_owned();
    }
    if magnitude < 1.0 {
        let decimals = (2 - magnitude.log10().floor() as i32).clamp(0, 15) as usize;
        let text = format!("{value:.decimals$}");
        return text.trim_end_matches('0').trim_end_matches('.').to_owned();
    }
    let text = format!("{magnitude:.2}");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    let fraction = fraction.trim_end_matches('0');
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    if value < 0.0 {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: Option<f64> = None;

    #[test]
    fn computed_numbers_read_as_people_write_them() {
        let cases = [
            (103.666_666_666_666_67, "103.67"),
            (1_234_567.0, "1,234,567"),
            (-1234.5, "-1,234.5"),
            (0.001_234_5, "0.00123"),
            (0.5, "0.5"),
            (0.0, "0"),
            (999.999, "1,000"),
            (f64::NAN, "NaN"),
        ];
        for (value, text) in cases {
            assert_eq!(readable(value), text, "{value}");
        }
    }

    #[test]
    fn a_sum_over_gaps_says_how_many_it_added() {
        let s = Summed::of([Some(1.0), NONE, Some(2.5)]);
        assert_eq!(s, Summed { value: Some(3.5), values: 2, of: 3 });
        assert!(s.has_gaps());
        let none = Summed::of([NONE, NONE]);
        assert_eq!((none.value, none.has_gaps()), (None, true));
        assert!(!Summed::of([Some(0.0)]).has_gaps());
    }
}
