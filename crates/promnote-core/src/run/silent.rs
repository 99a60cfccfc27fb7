//! Datasources that stopped answering during a run. A dead datasource (a cluster that is
//! down behind a proxy that does not say so, a network that drops packets) costs every
//! request sent to it the whole time limit; a report of twelve cells would wait twelve
//! times. Once a datasource's health check or one of its queries has timed out in a run,
//! its other queries in that run fail at once with the same reason; a new run (Retry,
//! Run all, another range, a new connection) asks it again. A health check that timed
//! out while a query beside it answered silences nothing. Both shells keep one
//! [`Silent`] per run and follow [`Silent::before`] and [`Silent::after`].

use std::collections::BTreeMap;

use crate::api::datasource::Route;
use crate::api::error::ApiError;

use super::cell::Outcome;

/// The datasources of a run that did not answer within the time limit, and why.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Silent {
    timed_out: BTreeMap<String, ApiError>,
}

impl Silent {
    /// What a query on the datasource `uid` comes to without being sent: the failure
    /// that silenced it, if one did in this run.
    pub fn before(&self, uid: &str) -> Option<Outcome> {
        self.timed_out.get(uid).map(|e| Outcome::Failed(e.clone()))
    }

    /// Notes what the datasource `uid` gave: its health check's result, when it is known,
    /// and a query's outcome. A timeout silences it for the rest of the run, but a health
    /// check's only when the query did not answer either (a proxied answer counts even
    /// when the health check failed: [`super::cell::after_health`]).
    pub fn after(&mut self, uid: &str, health: Option<&Result<Route, ApiError>>, outcome: Option<&Outcome>) {
        let answered = matches!(outcome, Some(Outcome::Arrived(_)));
        let from_health = health.and_then(|h| h.as_ref().err()).filter(|_| !answered);
        let from_query = match outcome {
            Some(Outcome::Failed(e)) => Some(e),
            _ => None,
        };
        for e in from_health.into_iter().chain(from_query) {
            if matches!(e, ApiError::TimedOut { .. }) {
                self.timed_out.entry(uid.to_owned()).or_insert_with(|| e.clone());
            }
        }
    }

    /// Whether any datasource went silent.
    pub fn is_empty(&self) -> bool {
        self.timed_out.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::series::Arrival;

    fn timeout(what: &str) -> ApiError {
        ApiError::TimedOut { what: what.to_owned(), seconds: 60 }
    }

    #[test]
    fn a_timeout_silences_its_datasource_for_the_run_and_nothing_else_does() {
        let mut silent = Silent::default();
        // A query that answered, a refusal and an unreachable server silence nothing:
        // they cost no waiting, and the next query may well answer.
        silent.after("a", Some(&Ok(Route::Proxy)), Some(&Outcome::Arrived(Arrival::default())));
        silent.after("b", None, Some(&Outcome::Failed(ApiError::Unreachable { origin: "x".into() })));
        silent.after("c", Some(&Err(ApiError::Cancelled)), None);
        assert!(silent.is_empty());
        // A health check that timed out silences its datasource, with its own message.
        silent.after("west", Some(&Err(timeout("cluster-west"))), None);
        assert_eq!(silent.before("west"), Some(Outcome::Failed(timeout("cluster-west"))));
        assert_eq!(silent.before("a"), None);
        // So does a query; the first reason is kept.
        silent.after("east", Some(&Ok(Route::Proxy)), Some(&Outcome::Failed(timeout("Query A"))));
        silent.after("east", None, Some(&Outcome::Failed(timeout("Query B"))));
        assert_eq!(silent.before("east"), Some(Outcome::Failed(timeout("Query A"))));
        // A health check that timed out beside a query that answered silences nothing.
        let mut beside = Silent::default();
        beside.after(
            "north",
            Some(&Err(timeout("cluster-north"))),
            Some(&Outcome::Arrived(Arrival::default())),
        );
        assert!(beside.is_empty());
        // A new run starts from nothing.
        assert!(Silent::default().before("west").is_none());
    }
}
