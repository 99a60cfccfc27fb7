//! The values in the report's prose (`` `{promql} EXPR` ``), in the page: each prepared
//! and combined by the core ([`promnote_core::run::value`]), asked on every datasource it
//! names at once by the same route rule as cells ([`datasource_outcome`]). A value has its
//! own abort signal: it never holds up a cell, and a cell never holds it up.

use futures::StreamExt;
use leptos::prelude::*;
use promnote_core::api::{ApiError, Datasource};
use promnote_core::report::inline::ValueSpan;
use promnote_core::report::references::uses;
use promnote_core::run::cell::{Outcome, PARALLEL_DATASOURCES};
use promnote_core::run::value::{prepare_value, settle};

use super::cells::datasource_outcome;
use super::variables::bindings;
use super::Connection;
use crate::state::{OpenReport, ValueShown};

/// Runs the values in the prose whose expression uses one of `names`, or (`None`) every
/// one. Values that wait for variables are started by [`run_all`](super::cells::run_all)
/// once the variables are read.
pub fn run_values(conn: Connection, report: OpenReport, names: Option<&[String]>) {
    for (code, span) in report.value_spans() {
        let used = match (&span, names) {
            (_, None) => true,
            (Ok(span), Some(names)) => names.iter().any(|n| uses(&span.expr, n)),
            (Err(_), Some(_)) => false,
        };
        if used {
            run_value(conn, report, code, span);
        }
    }
}

/// Runs the values not shown yet (a text block whose editing just ended).
pub fn run_new_values(conn: Connection, report: OpenReport) {
    if conn.ready.get_untracked() == 0 {
        return;
    }
    for (code, span) in report.value_spans() {
        if report.values.shown.with_untracked(|m| !m.contains_key(&code)) {
            run_value(conn, report, code, span);
        }
    }
}

/// Starts every value in the prose, but those that use one of `waiting` (variables
/// whose values must be read first): those show as loading, and their codes come back
/// for [`run_codes`] once the variables are read.
pub fn start_all(conn: Connection, report: OpenReport, waiting: &[&str]) -> Vec<String> {
    let mut deferred = Vec::new();
    for (code, span) in report.value_spans() {
        if span.as_ref().is_ok_and(|span| waiting.iter().any(|n| uses(&span.expr, n))) {
            let run = report.values.start(&code, None);
            report.values.show(&code, run, ValueShown::Loading);
            deferred.push(code);
        } else {
            run_value(conn, report, code, span);
        }
    }
    deferred
}

/// Runs the values whose span's code is in `codes`.
pub fn run_codes(conn: Connection, report: OpenReport, codes: &[String]) {
    for (code, span) in report.value_spans() {
        if codes.contains(&code) {
            run_value(conn, report, code, span);
        }
    }
}

/// Runs one value now, aborting its previous run.
pub fn run_value(conn: Connection, report: OpenReport, code: String, span: Result<ValueSpan, String>) {
    let Some(transport) = conn.transport() else { return };
    let span = match span {
        Ok(span) => span,
        Err(e) => {
            let run = report.values.start(&code, None);
            report.values.show(&code, run, ValueShown::Failed(e));
            return;
        }
    };
    let datasources: Vec<Datasource> =
        conn.rows.with_untracked(|rows| rows.iter().map(|r| r.ds.clone()).collect());
    let prepared = prepare_value(
        &span,
        (&report.from.get_untracked(), &report.to.get_untracked()),
        &bindings(report),
        conn.now_ms(),
        &conn.zone.get_untracked(),
        &datasources,
    );
    let prepared = match prepared {
        Ok(prepared) => prepared,
        Err(e) => {
            let run = report.values.start(&code, None);
            report.values.show(&code, run, ValueShown::Failed(e));
            return;
        }
    };
    let Some((controller, signal)) = conn.abort_signal() else { return };
    let run = report.values.start(&code, Some(controller));
    report.values.show(&code, run, ValueShown::Loading);
    leptos::task::spawn_local(async move {
        let outcomes: Vec<(String, Option<Outcome>)> = futures::stream::iter(prepared.datasources.clone())
            .map(|ds| {
                let (transport, signal, prepared) = (transport.clone(), signal.clone(), prepared.clone());
                async move {
                    let planned = |route| prepared.on(&ds, route);
                    (ds.name.clone(), datasource_outcome(conn, &transport, &ds, &signal, planned).await)
                }
            })
            .buffered(PARALLEL_DATASOURCES)
            .collect()
            .await;
        if signal.aborted() {
            return;
        }
        let (mut arrivals, mut failed) = (Vec::new(), Vec::new());
        for (name, outcome) in outcomes {
            match outcome {
                Some(Outcome::Arrived(arrival)) => arrivals.push(arrival),
                Some(Outcome::Failed(ApiError::Cancelled)) | None => return,
                Some(Outcome::Failed(e)) => failed.push((name, transport.describe(&e))),
                Some(Outcome::QueryViaDsQuery) => {}
            }
        }
        let shown = match settle(&span, &arrivals, &failed) {
            Ok(value) => ValueShown::Shown {
                number: value.number,
                text: value.text,
                query: prepared.text(),
                at_ms: prepared.at_ms,
                series: value.series,
            },
            Err(why) => ValueShown::Failed(why),
        };
        report.values.show(&code, run, shown);
    });
}
