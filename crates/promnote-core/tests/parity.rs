//! Parity with the notebook promnote replaces: the same recorded Prometheus answers
//! (tests/parity/*.json, recorded by dev/parity/record.py from the real stack) go through
//! the notebook's own pipeline (prometheus-pandas + pandas, dev/parity/notebook.py, whose
//! output is committed as expected_notebook_*.csv) and through the core. The tables must
//! be equal — same days after flooring, same column names, same order, same values —
//! except where the notebook was wrong, listed in `DOCUMENTED_DIFFERENCES`.

// A test: a failed unwrap is a failed test, and the differences are printed for the log.
#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "a test: a panic is its failure; it prints the differences it documents"
)]

use std::collections::BTreeMap;

use promnote_core::api::prom::{decode, QueryData};
use promnote_core::data::series::from_matrix;
use promnote_core::data::table::{pivot_floored, Column, PivotOptions, WideTable};

/// Where the core deliberately differs from the notebook.
const DOCUMENTED_DIFFERENCES: &[&str] =
    &["Same-named hubs on different clusters: the notebook's pd.concat put both clusters' `staging` \
     into one column (its chart stacks them as one trace); the core keeps `cluster-north / staging` \
     and `cluster-south / staging` apart. Their sum equals the notebook's column, day by day."];

const DAY_MS: i64 = 86_400_000;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/parity/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The core's table from the same answers, named like the notebook: `{{namespace}}`.
fn core_table() -> WideTable {
    let datasources: Vec<serde_json::Value> = serde_json::from_str(&fixture("datasources.json")).unwrap();
    let mut series = Vec::new();
    for ds in datasources.iter().filter(|d| d["type"] == "prometheus") {
        let uid = ds["uid"].as_str().unwrap();
        let QueryData::Matrix(matrix) = decode(&fixture(&format!("{uid}.json"))).unwrap().data else {
            panic!()
        };
        series.extend(from_matrix(uid, ds["name"].as_str().unwrap(), matrix));
    }
    let options = PivotOptions { legends: vec![Some("{{namespace}}".into())], ..PivotOptions::default() };
    pivot_floored(&series, DAY_MS, &options)
}

/// The notebook's table: header `day,<names…>`, empty cells are NaN.
/// A notebook table: column order, day labels, values by column name.
type NotebookTable = (Vec<String>, Vec<String>, BTreeMap<String, Vec<Option<f64>>>);

fn notebook_table(name: &str) -> NotebookTable {
    let text = fixture(name);
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').skip(1).map(str::to_owned).collect();
    let mut days = Vec::new();
    let mut columns: BTreeMap<String, Vec<Option<f64>>> =
        header.iter().map(|h| (h.clone(), Vec::new())).collect();
    for line in lines {
        let mut cells = line.split(',');
        days.push(cells.next().unwrap().to_owned());
        for (name, cell) in header.iter().zip(cells) {
            columns.get_mut(name).unwrap().push(if cell.is_empty() {
                None
            } else {
                Some(cell.parse().unwrap())
            });
        }
    }
    (header, days, columns)
}

#[test]
fn the_core_matches_the_notebooks_pipeline() {
    let core = core_table();
    let (notebook_order, notebook_days, notebook) = notebook_table("expected_notebook_wide.csv");

    // Same days after flooring.
    assert_eq!(core.row_labels, notebook_days);

    // Every notebook column is either one core column (same values) or, for a hub name
    // used on several clusters, the sum of the core's per-cluster columns.
    let mut merged = Vec::new();
    for (name, values) in &notebook {
        let parts: Vec<&Column> = core
            .columns
            .iter()
            .filter(|c| c.name == *name || c.name.ends_with(&format!(" / {name}")))
            .collect();
        assert!(!parts.is_empty(), "the core has no column for the notebook's {name}");
        if parts.len() > 1 {
            merged.push(name.clone());
            assert!(parts.iter().all(|c| c.name.ends_with(&format!(" / {name}"))));
        }
        for (day, want) in values.iter().enumerate() {
            let present: Vec<f64> = parts.iter().filter_map(|c| c.values[day]).collect();
            let got = (!present.is_empty()).then(|| present.iter().sum::<f64>());
            assert_eq!(got, *want, "{name} on {}", notebook_days[day]);
        }
    }
    assert_eq!(merged, ["staging"], "the only documented merge: {DOCUMENTED_DIFFERENCES:?}");

    // Same order, for the columns both have: by total, largest first.
    let core_order: Vec<&str> =
        core.columns.iter().map(|c| c.name.as_str()).filter(|n| notebook.contains_key(*n)).collect();
    let notebook_order: Vec<&str> =
        notebook_order.iter().map(String::as_str).filter(|n| !merged.iter().any(|m| m == n)).collect();
    assert_eq!(core_order, notebook_order);

    // Same number of columns, once the documented difference is accounted for.
    assert_eq!(core.columns.len(), notebook.len() + 1);
    println!(
        "parity: {} days × {} notebook columns; documented differences:",
        notebook_days.len(),
        notebook.len()
    );
    for difference in DOCUMENTED_DIFFERENCES {
        println!("  - {difference}");
    }
}

#[test]
fn the_notebooks_rows_are_the_answers_concatenated() {
    // Before its chart added them up, the notebook held one row per datasource and day.
    let (_, days, _) = notebook_table("expected_notebook_rows.csv");
    let core = core_table();
    let per_datasource: BTreeMap<&str, usize> = core.columns.iter().fold(BTreeMap::new(), |mut m, c| {
        *m.entry(c.datasource_uid.as_str()).or_default() = core.row_labels.len();
        m
    });
    assert_eq!(days.len(), per_datasource.values().sum::<usize>());
}
