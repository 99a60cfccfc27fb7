//! The tidy table: one [`Series`] per datasource × query × label set, with its samples,
//! read from Prometheus answers with notes on what they held that is no number; and
//! what one datasource contributed to a cell ([`Arrival`]).

use crate::api::prom::{InstantSeries, Labels, RangeSeries, Sample};

/// One series of the tidy table: (time, datasource, labels, value) rows in columnar form.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The datasource it came from.
    pub datasource_uid: String,
    /// That datasource's display name.
    pub datasource_name: String,
    /// Which of its cell's queries it answers (0 for the first; see [`Cell::also`]).
    ///
    /// [`Cell::also`]: crate::report::format::Cell::also
    pub query: usize,
    /// The series' labels.
    pub labels: Labels,
    /// Samples in time order.
    pub points: Vec<Sample>,
}

/// Tidy series from a range query's matrix.
pub fn from_matrix(datasource_uid: &str, datasource_name: &str, matrix: Vec<RangeSeries>) -> Vec<Series> {
    matrix
        .into_iter()
        .map(|s| Series {
            datasource_uid: datasource_uid.to_owned(),
            datasource_name: datasource_name.to_owned(),
            query: 0,
            labels: s.metric,
            points: s.values,
        })
        .collect()
}

/// Tidy series from an instant query's vector (one point each).
pub fn from_vector(datasource_uid: &str, datasource_name: &str, vector: Vec<InstantSeries>) -> Vec<Series> {
    vector
        .into_iter()
        .filter_map(|s| {
            Some(Series {
                datasource_uid: datasource_uid.to_owned(),
                datasource_name: datasource_name.to_owned(),
                query: 0,
                labels: s.metric,
                points: vec![s.value?],
            })
        })
        .collect()
}

/// Things the user should know about a datasource's answer.
pub fn answer_notes(datasource_name: &str, range: &[RangeSeries], instant: &[InstantSeries]) -> Vec<String> {
    let histograms = range.iter().filter(|s| s.has_histograms).count()
        + instant.iter().filter(|s| s.has_histograms).count();
    let non_finite =
        range.iter().flat_map(|s| &s.values).chain(instant.iter().filter_map(|s| s.value.as_ref()));
    let non_finite = non_finite.filter(|p| !p.value.is_finite()).count();
    let mut notes = Vec::new();
    if non_finite > 0 {
        notes.push(format!(
            "{datasource_name}: {non_finite} value(s) were NaN or ±Inf and are shown as gaps."
        ));
    }
    if histograms > 0 {
        notes.push(format!(
            "{datasource_name}: {histograms} series hold native histograms, which promnote cannot chart yet; \
             wrap the query in histogram_quantile() or histogram_count()."
        ));
    }
    notes
}

/// What one datasource contributed to a cell: tidy series and notes for the user.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Arrival {
    /// Series of the range query.
    pub range: Vec<Series>,
    /// Series of the instant query (today so far, daily cells).
    pub instant: Vec<Series>,
    /// Warnings and notes.
    pub notes: Vec<String>,
}

impl Arrival {
    /// Every series, range then instant.
    pub fn series(&self) -> impl Iterator<Item = &Series> + Clone {
        self.range.iter().chain(&self.instant)
    }
}
