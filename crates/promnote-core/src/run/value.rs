//! A value in prose, run (sans-IO): the span prepared like a cell (variables and macros
//! written in, its datasources picked), one instant query per datasource at the end of the
//! report's range ([`DatasourceQuery::instant`], by the same route rule as cells), and the
//! answers combined into one number written with its unit ([`settle`]). The page and the
//! command line both run values through this file.

use jiff::tz::TimeZone;

use crate::api::datasource::{Datasource, Route};
use crate::data::series::Arrival;
use crate::data::units::with_unit;
use crate::report::inline::ValueSpan;
use crate::report::substitute::{self, Bindings, Query};
use crate::time::periods::period_duration;
use crate::time::step::{choose_step, StepSpec};
use crate::time::TimeRange;

use super::cell::{chosen_datasources, DatasourceQuery, AUTO_STEP_WIDTH_PX};

/// A value ready to run.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedValue {
    /// When it is evaluated: the end of the range (a range that ends on a second's last
    /// millisecond, as `now-1d/d` does, at the next second: the day's midnight).
    pub at_ms: i64,
    /// The PromQL with variables and macros written in.
    pub query: Query,
    /// `$__period`: the range's length.
    pub period: String,
    /// The datasources it asks, in the connection's order.
    pub datasources: Vec<Datasource>,
}

impl PreparedValue {
    /// Its query on `ds` by `route`.
    pub fn on(&self, ds: &Datasource, route: Route) -> DatasourceQuery {
        DatasourceQuery::instant(ds, route, std::slice::from_ref(&self.query), self.at_ms, &self.period)
    }

    /// The query as sent (for the reader: what the number is).
    pub fn text(&self) -> String {
        self.query.with_period(&self.period)
    }
}

/// Prepares `span` over the report's range at `now_ms` in `zone`, with the chosen
/// variable values, as a cell over that range would be (`$__interval` for its auto step,
/// `$__range`), on the datasources it names or every one.
pub fn prepare_value(
    span: &ValueSpan,
    report_range: (&str, &str),
    bindings: &Bindings,
    now_ms: i64,
    zone: &TimeZone,
    datasources: &[Datasource],
) -> Result<PreparedValue, String> {
    let now = jiff::Timestamp::from_millisecond(now_ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let range = TimeRange::parse(report_range.0, report_range.1, now, zone)
        .map_err(|e| format!("Time range: {e}"))?;
    let datasources = chosen_datasources(
        span.datasources.as_deref(),
        datasources,
        "This value",
        "its `{promql …}` options",
    )?;
    let range_ms = range.duration_ms();
    let step_ms = choose_step(StepSpec::Auto, range_ms, AUTO_STEP_WIDTH_PX).step_ms;
    let mut bindings = bindings.clone();
    bindings.extend(substitute::macros(step_ms, range_ms));
    Ok(PreparedValue {
        at_ms: range.instant_ms(),
        query: Query::new(&span.expr, &bindings),
        period: period_duration(range_ms),
        datasources,
    })
}

/// A value worked out.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    /// The number.
    pub number: f64,
    /// The number as the prose shows it (`1.2 GB`).
    pub text: String,
    /// How many series it combines.
    pub series: usize,
    /// Samples left out because they were NaN or ±Inf.
    pub skipped: usize,
}

/// Combines what the datasources answered into the span's number; `failed` holds each
/// failed datasource's name and message (a sentence that starts with its name). A value that misses a datasource it asks is not shown
/// (a sum without one cluster would read as the whole), nor one without any sample
/// (except a count, which is then 0): the reason comes back instead.
pub fn settle(
    span: &ValueSpan,
    arrivals: &[Arrival],
    failed: &[(String, String)],
) -> Result<Evaluated, String> {
    if !failed.is_empty() {
        return Err(format!("{} The value needs every datasource it asks.", grouped(failed)));
    }
    let samples = arrivals.iter().flat_map(Arrival::series).flat_map(|s| &s.points);
    let (finite, skipped): (Vec<f64>, Vec<f64>) = samples.map(|p| p.value).partition(|v| v.is_finite());
    let series = arrivals.iter().map(|a| a.series().count()).sum();
    let number = span.aggregate.apply(&finite).ok_or_else(|| match skipped.len() {
        0 => "no series at the end of the range: the query matched nothing then".to_owned(),
        n => format!("every sample ({n}) was NaN or ±Inf"),
    })?;
    Ok(Evaluated {
        number,
        text: with_unit(number, span.unit, span.decimals),
        series,
        skipped: skipped.len(),
    })
}

/// Failures said once per reason: three datasources refusing a query for the same
/// reason read "a, b, c refused the query (…)", not the reason three times.
fn grouped(failed: &[(String, String)]) -> String {
    let mut groups: Vec<(Vec<&str>, &str)> = Vec::new();
    for (name, message) in failed {
        let reason = message.strip_prefix(name.as_str()).filter(|_| !name.is_empty());
        match reason {
            Some(reason) => match groups.iter_mut().find(|(names, r)| !names.is_empty() && *r == reason) {
                Some((names, _)) => names.push(name),
                None => groups.push((vec![name], reason)),
            },
            None => groups.push((Vec::new(), message)),
        }
    }
    let said: Vec<String> =
        groups.into_iter().map(|(names, reason)| format!("{}{reason}", names.join(", "))).collect();
    said.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::prom::Sample;
    use crate::data::series::Series;
    use crate::report::inline::parse_span;
    use crate::report::options::Unit;
    use crate::report::variables::Selection;
    use crate::run::machine::tests::ds;
    use crate::run::Machine;

    fn arrival(values: &[f64]) -> Arrival {
        let instant = values
            .iter()
            .map(|v| Series {
                datasource_uid: "u".into(),
                datasource_name: "n".into(),
                query: 0,
                labels: Default::default(),
                points: vec![Sample { t_ms: 0, value: *v }],
            })
            .collect();
        Arrival { instant, ..Arrival::default() }
    }

    #[test]
    fn a_value_is_asked_at_the_end_of_the_range_with_its_variables() {
        let span = parse_span(r#"{promql datasources=b} sum(x{hub=~"$hub"}[$__range])"#).unwrap().unwrap();
        let mut bindings = Bindings::new();
        bindings.insert("hub".into(), substitute::Binding::regex(Selection::Values(vec!["a.b".into()])));
        let now_ms = 1_795_399_726_500; // 2026-11-23T02:08:46.500Z
        let all = [ds("a", "prometheus"), ds("b", "prometheus")];
        let prepared =
            prepare_value(&span, ("now-1d/d", "now-1d/d"), &bindings, now_ms, &TimeZone::UTC, &all).unwrap();
        // The end of yesterday is evaluated at today's midnight.
        assert_eq!(prepared.at_ms, 1_795_392_000_000);
        assert_eq!(prepared.text(), r#"sum(x{hub=~"a\\.b"}[86400s])"#);
        assert_eq!(prepared.datasources.iter().map(|d| d.uid.as_str()).collect::<Vec<_>>(), ["b"]);
        let request = prepared.on(&all[1], Route::Proxy).exchanges()[0].request().clone();
        assert_eq!(request.path, "api/datasources/proxy/uid/b/api/v1/query");
        let body = format!("{:?}", request.body);
        assert!(body.contains("time=1795392000.000"), "{body}");
        let unknown = parse_span("{promql datasources=zz} up").unwrap().unwrap();
        let e =
            prepare_value(&unknown, ("now-1h", "now"), &bindings, now_ms, &TimeZone::UTC, &all).unwrap_err();
        assert!(e.starts_with("This value asks for datasources zz"), "{e}");
    }

    #[test]
    fn values_combine_every_datasource_or_say_why_not() {
        let span = ValueSpan { unit: Unit::Bytes, ..ValueSpan::default() };
        let both = [arrival(&[1e9, 2e8]), arrival(&[f64::NAN])];
        let v = settle(&span, &both, &[]).unwrap();
        assert_eq!((v.number, v.text.as_str(), v.series, v.skipped), (1.2e9, "1.2 GB", 3, 1));
        let count = ValueSpan { aggregate: crate::report::inline::Aggregate::Count, ..ValueSpan::default() };
        assert_eq!(settle(&count, &both, &[]).unwrap().number, 2.0);
        assert_eq!(settle(&count, &[], &[]).unwrap().text, "0");
        assert!(settle(&span, &[Arrival::default()], &[]).unwrap_err().contains("matched nothing"));
        assert!(settle(&span, &[arrival(&[f64::INFINITY])], &[]).unwrap_err().contains("NaN or ±Inf"));
        let failed = |name: &str, message: &str| (name.to_owned(), message.to_owned());
        let e = settle(&span, &both[..1], &[failed("cluster-b", "cluster-b did not answer.")]).unwrap_err();
        assert_eq!(e, "cluster-b did not answer. The value needs every datasource it asks.");
        let same = [
            failed("a", "a refused the query (bad_data): x."),
            failed("b", "b timed out."),
            failed("c", "c refused the query (bad_data): x."),
        ];
        assert_eq!(
            settle(&span, &[], &same).unwrap_err(),
            "a, c refused the query (bad_data): x. b timed out. The value needs every datasource it asks."
        );
    }
}
