//! The report's variables in the page: their values read in the core's order ([`load_order`]:
//! free ones together, chained ones after, in order), each choice that follows from
//! them ([`after_reading`]), and what a change re-runs. How they are written into
//! queries is the core's too ([`promnote_core::run::variables::bindings`]).

use std::collections::BTreeMap;

use leptos::prelude::*;
use promnote_core::report::front::Variable;
use promnote_core::report::substitute::Bindings;
use promnote_core::report::variables::{Selection, Source};
use promnote_core::run::variables::{
    self as rules, after_reading, dependents, listed_values, load_order, window as variable_window,
};
use web_sys::AbortSignal;

use super::cells::run_cell;
use super::Connection;
use crate::perf;
use crate::regex::JsRegex;
use crate::state::OpenReport;

/// How the open report's variables are written into its queries now.
pub fn bindings(report: OpenReport) -> Bindings {
    let values: BTreeMap<String, Vec<String>> = report.var_values.with_untracked(|m| {
        m.iter().filter_map(|(name, r)| r.as_ref().ok().map(|v| (name.clone(), v.clone()))).collect()
    });
    report.front.with_untracked(|f| report.vars.with_untracked(|s| rules::bindings(&f.variables, s, &values)))
}

/// Reads the values of the variables named in `names`, in the core's waves: each wave's
/// queries at once, bound with the choices made so far. A variable with nothing chosen
/// takes its first value; after a change upstream (`recheck`), one whose choice is no
/// longer listed takes "All" or its first value.
pub async fn load_variables(
    conn: Connection,
    report: OpenReport,
    names: &[String],
    recheck: bool,
    signal: &AbortSignal,
) {
    let variables: Vec<Variable> = report.front.with_untracked(|f| f.variables.clone());
    let range = (report.from.get_untracked(), report.to.get_untracked());
    let window = variable_window((&range.0, &range.1), conn.now_ms(), &conn.zone.get_untracked());
    for wave in load_order(&variables, names) {
        let bound = bindings(report);
        let reads = wave.iter().map(|v| {
            let bound = &bound;
            async move {
                match &v.source {
                    Source::Query(query) => conn.variable_values(query, bound, window, signal).await,
                    _ => Ok(Vec::new()),
                }
            }
        });
        let answers = futures::future::join_all(reads).await;
        if signal.aborted() {
            return;
        }
        for (variable, found) in wave.into_iter().zip(answers) {
            let listed = found.and_then(|list| listed_values(variable, list, &JsRegex::default()));
            if let Ok(list) = &listed {
                let now = report.vars.with_untracked(|m| m.get(&variable.name).cloned());
                if let Some(next) = after_reading(variable, now.as_ref(), list, recheck) {
                    report.vars.update(|m| {
                        m.insert(variable.name.clone(), next);
                    });
                }
            }
            report.var_values.update(|m| {
                m.insert(variable.name.clone(), listed);
            });
        }
    }
}

/// The reader chose `selection` for the variable `name`: variables chained on it read
/// their values again first (`label_values(up{job="$job"}, instance)`), then every cell
/// and value that uses any of them runs again; the others keep what they show.
pub fn changed(conn: Connection, report: OpenReport, name: String, selection: Selection) {
    report.vars.update(|m| {
        m.insert(name.clone(), selection);
    });
    perf::mark("promnote:click");
    report.runs.update(|n| *n += 1);
    let chained = report.front.with_untracked(|f| dependents(&f.variables, &name));
    let rerun = move |names: Vec<String>| {
        for cell in report.cells() {
            if names.iter().any(|n| cell.uses(n)) {
                run_cell(conn, report, cell);
            }
        }
        super::values::run_values(conn, report, Some(&names));
    };
    if chained.is_empty() || conn.transport().is_none() {
        rerun(vec![name]);
        return;
    }
    let Some((_, signal)) = conn.abort_signal() else { return };
    leptos::task::spawn_local(async move {
        load_variables(conn, report, &chained, true, &signal).await;
        if !signal.aborted() {
            rerun(chained.into_iter().chain([name]).collect());
        }
    });
}
