//! Grafana's table of instant queries: one row per series, its labels as columns and one
//! value column per query (`Value`, or `Value #A`, `Value #B`, … with several), the
//! queries' series joined on the labels they have in common (Grafana's `merge`), and
//! arranged by `columns=` (Grafana's `organize`: order, rename, hide). A series is
//! still datasource × labels: with several datasources a `datasource` column comes
//! first and rows never join across datasources.

use std::collections::{BTreeSet, HashMap};

use super::table::WideTable;
use crate::report::format::query_letter;
use crate::report::options::ColumnRule;

/// One column of a [`RowTable`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowColumn {
    /// Its own name (`datasource`, a label's name, `Value #B`): what `columns=` names.
    pub name: String,
    /// What its header says (`columns=` may rename it).
    pub shown: String,
    /// What it holds.
    pub holds: Holds,
}

/// What a column of a [`RowTable`] holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holds {
    /// The series' datasource name.
    Datasource,
    /// A label's value.
    Label(String),
    /// The value of the cell's query with this index.
    Value(usize),
}

/// One field of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// A label's value or a datasource's name (plain text; empty where the series has
    /// no such label).
    Text(String),
    /// A query's value; `None` where that query has no series for this row.
    Number(Option<f64>),
}

/// One row per (joined) series.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RowTable {
    /// Its columns, as shown.
    pub columns: Vec<RowColumn>,
    /// Its rows, one field per column.
    pub rows: Vec<Vec<Field>>,
    /// What `columns=` named that the table does not have.
    pub unknown: Vec<String>,
    /// Every column's own name, before `columns=` arranged them.
    pub names: Vec<String>,
}

impl RowTable {
    /// What to say when `columns=` names columns the table does not have.
    pub fn unknown_note(&self) -> Option<String> {
        (!self.unknown.is_empty()).then(|| {
            format!(
                "columns= names {}, which this table does not have; its columns are: {}.",
                self.unknown.join(", "),
                self.names.join(", ")
            )
        })
    }
}

/// A row while the table is built: its datasource, labels and one value per query.
struct Row<'a> {
    datasource: &'a str,
    labels: Vec<(&'a str, &'a str)>,
    values: Vec<Option<f64>>,
}

impl Row<'_> {
    fn label(&self, name: &str) -> &str {
        self.labels.iter().find(|(n, _)| *n == name).map_or("", |(_, v)| v)
    }
}

/// The table of an instant cell (one row: [`WideTable::instant`]), each series' last
/// value standing for it.
pub fn row_table(table: &WideTable, rules: &[ColumnRule]) -> RowTable {
    let queries = table.queries.max(1);
    // The labels every series has: the queries' rows join on them (Grafana's merge).
    let mut common: Option<BTreeSet<&str>> = None;
    for column in &table.columns {
        let names: BTreeSet<&str> = column.labels.keys().map(String::as_str).collect();
        common = Some(match common {
            None => names,
            Some(c) => c.intersection(&names).copied().collect(),
        });
    }
    let common: Vec<&str> = common.unwrap_or_default().into_iter().collect();
    let mut rows: Vec<Row<'_>> = Vec::new();
    let mut by_key: HashMap<(&str, Vec<&str>), Vec<usize>> = HashMap::new();
    // Query by query, so each joins the rows the queries before it made.
    let mut columns: Vec<&super::table::Column> = table.columns.iter().collect();
    columns.sort_by_key(|c| c.query);
    for column in columns {
        let key: Vec<&str> =
            common.iter().map(|n| column.labels.get(*n).map_or("", String::as_str)).collect();
        let key = (column.datasource_uid.as_str(), key);
        let query = column.query.min(queries - 1);
        let found =
            by_key.get(&key).and_then(|ids| ids.iter().copied().find(|i| rows[*i].values[query].is_none()));
        let value = column.last();
        match found {
            Some(i) => {
                let row = &mut rows[i];
                row.values[query] = value;
                for (name, v) in &column.labels {
                    if !row.labels.iter().any(|(n, _)| n == name) {
                        row.labels.push((name, v));
                    }
                }
            }
            None => {
                let mut values = vec![None; queries];
                values[query] = value;
                let labels = column.labels.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
                by_key.entry(key).or_default().push(rows.len());
                rows.push(Row { datasource: &column.datasource_name, labels, values });
            }
        }
    }
    let several_datasources =
        table.columns.iter().map(|c| c.datasource_uid.as_str()).collect::<BTreeSet<_>>().len() > 1;
    let label_names: BTreeSet<&str> = rows.iter().flat_map(|r| r.labels.iter().map(|(n, _)| *n)).collect();
    let mut all: Vec<RowColumn> = Vec::new();
    if several_datasources {
        all.push(RowColumn {
            name: "datasource".into(),
            shown: "datasource".into(),
            holds: Holds::Datasource,
        });
    }
    let values: Vec<String> = (0..queries)
        .map(|q| if queries == 1 { "Value".to_owned() } else { format!("Value #{}", query_letter(q)) })
        .collect();
    for name in label_names {
        // A label named like one of promnote's own columns is told apart by a prefix.
        let ours = (several_datasources && name == "datasource") || values.iter().any(|v| v == name);
        let shown = if ours { format!("label_{name}") } else { name.to_owned() };
        all.push(RowColumn { name: shown.clone(), shown, holds: Holds::Label(name.to_owned()) });
    }
    for (q, name) in values.into_iter().enumerate() {
        all.push(RowColumn { shown: name.clone(), name, holds: Holds::Value(q) });
    }
    let names = all.iter().map(|c| c.name.clone()).collect();
    let (columns, unknown) = organize(all, rules);
    // Rows in the order of their text, column by column (Prometheus' own order is none).
    let field = |row: &Row<'_>, column: &RowColumn| match &column.holds {
        Holds::Value(q) => Field::Number(row.values[*q]),
        Holds::Datasource => Field::Text(row.datasource.to_owned()),
        Holds::Label(name) => Field::Text(row.label(name).to_owned()),
    };
    let mut out: Vec<Vec<Field>> =
        rows.iter().map(|row| columns.iter().map(|c| field(row, c)).collect()).collect();
    out.sort_by(|a, b| {
        a.iter()
            .zip(b)
            .map(|pair| match pair {
                (Field::Text(x), Field::Text(y)) => x.cmp(y),
                _ => std::cmp::Ordering::Equal,
            })
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    RowTable { columns, rows: out, unknown, names }
}

/// Grafana's `organize`: the columns `rules` list first, in their order and under their
/// new names, then the rest as they were; hidden ones left out. Returns what the rules
/// named that is not there.
pub fn organize(columns: Vec<RowColumn>, rules: &[ColumnRule]) -> (Vec<RowColumn>, Vec<String>) {
    let unknown =
        rules.iter().filter(|r| !columns.iter().any(|c| c.name == r.name)).map(|r| r.name.clone()).collect();
    let mut out: Vec<RowColumn> = Vec::with_capacity(columns.len());
    for rule in rules.iter().filter(|r| !r.hidden) {
        if let Some(c) = columns.iter().find(|c| c.name == rule.name) {
            out.push(RowColumn { shown: rule.shown.clone().unwrap_or_else(|| c.name.clone()), ..c.clone() });
        }
    }
    for c in columns {
        if !rules.iter().any(|r| r.name == c.name) {
            out.push(c);
        }
    }
    (out, unknown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::table::Column;
    use crate::report::options::parse_columns;

    fn column(ds: &str, query: usize, labels: &[(&str, &str)], value: f64) -> Column {
        Column {
            name: format!("{ds}{query}{labels:?}"),
            datasource_uid: ds.into(),
            datasource_name: format!("name-{ds}"),
            query,
            labels: labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            values: vec![Some(value)].into(),
        }
    }

    fn table(queries: usize, columns: Vec<Column>) -> WideTable {
        WideTable {
            row_labels: vec!["2026-12-06 10:00:00".into()],
            row_times_ms: vec![0],
            columns,
            instant: true,
            queries,
            ..WideTable::default()
        }
    }

    fn texts(t: &RowTable) -> Vec<Vec<String>> {
        t.rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|f| match f {
                        Field::Text(s) => s.clone(),
                        Field::Number(v) => v.map_or("-".into(), |v| v.to_string()),
                    })
                    .collect()
            })
            .collect()
    }

    fn heads(t: &RowTable) -> Vec<&str> {
        t.columns.iter().map(|c| c.shown.as_str()).collect()
    }

    #[test]
    fn one_query_is_one_row_per_series_with_its_labels() {
        let t = row_table(
            &table(
                1,
                vec![
                    column("a", 0, &[("job", "node"), ("instance", "b:9100")], 2.0),
                    column("a", 0, &[("job", "node"), ("instance", "a:9100")], 1.0),
                    column("a", 0, &[("job", "prometheus")], 5.0),
                ],
            ),
            &[],
        );
        assert_eq!(heads(&t), ["instance", "job", "Value"]);
        assert_eq!(texts(&t), [["", "prometheus", "5"], ["a:9100", "node", "1"], ["b:9100", "node", "2"]]);
    }

    #[test]
    fn queries_join_on_their_common_labels_and_never_across_datasources() {
        let t = row_table(
            &table(
                2,
                vec![
                    column("a", 0, &[("instance", "x")], 1.0),
                    column("a", 1, &[("instance", "x"), ("job", "node")], 10.0),
                    column("a", 0, &[("instance", "y")], 2.0),
                    column("b", 1, &[("instance", "x"), ("job", "node")], 30.0),
                ],
            ),
            &[],
        );
        assert_eq!(heads(&t), ["datasource", "instance", "job", "Value #A", "Value #B"]);
        assert_eq!(
            texts(&t),
            [
                ["name-a", "x", "node", "1", "10"],
                ["name-a", "y", "", "2", "-"],
                ["name-b", "x", "node", "-", "30"],
            ]
        );
    }

    #[test]
    fn columns_are_ordered_renamed_and_hidden_as_organize_says() {
        let rules = parse_columns("Value:CPU %, instance:Host, -job, Time").unwrap();
        let t = row_table(&table(1, vec![column("a", 0, &[("job", "n"), ("instance", "x")], 1.5)]), &rules);
        assert_eq!(heads(&t), ["CPU %", "Host"]);
        assert_eq!(texts(&t), [["1.5", "x"]]);
        assert_eq!(t.unknown, ["Time"]);
        assert_eq!(
            t.unknown_note().unwrap(),
            "columns= names Time, which this table does not have; its columns are: instance, job, Value."
        );
        assert!(parse_columns("a:b,-a").unwrap_err().contains("twice"));
        assert!(parse_columns("-a:b").unwrap_err().contains("hides"));
        assert!(parse_columns(":b").unwrap_err().contains("names no column"));
    }
}
