//! What a published recording keeps of the variables' answers: only the values the
//! report's variables list after their regexes. A `label_values` answer lists every value
//! of a label; a variable whose regex keeps `node` must not publish `prometheus` beside it.
//! Each kept answer stays in its own form (a replay reads it with the same rules and
//! lists the same values), with only the entries a variable keeps.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::api::prom;
use crate::api::replay::Recording;
use crate::api::request;
use crate::report::front::Variable;
use crate::report::variables::{self, RegexEngine};

use super::accumulate::answer_body;
use super::machine::Machine;
use super::variables::{query_result_lines, VariableValues};

/// The form of a variable query's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// `{"data": ["name", …]}`: label values, metric names, label names.
    Names,
    /// An instant query's answer (`query_result`).
    Instant,
}

/// The variable queries a recorded run asked: for each request (by its replay key), the
/// form of its answer and the regex of every variable that read it (`None`: a variable
/// without one, which lists every value).
#[derive(Debug, Clone, Default)]
pub struct VariableReads {
    reads: BTreeMap<String, (Form, Vec<Option<String>>)>,
}

impl VariableReads {
    /// Notes that `variable` reads its values with `values` (before it is sent: a form
    /// POST that falls back to a GET is noted under both keys).
    pub fn note(&mut self, values: &VariableValues, variable: &Variable) {
        let form = match values {
            VariableValues::Names(_) => Form::Names,
            VariableValues::Instant(_) => Form::Instant,
        };
        let request = values.request();
        for key in std::iter::once(request.replay_key()).chain(request.as_get().map(|get| get.replay_key())) {
            let (_, regexes) = self.reads.entry(key).or_insert_with(|| (form, Vec::new()));
            regexes.push(variable.regex.clone());
        }
    }

    /// Rewrites each noted answer in `recording` to the entries some variable that read
    /// it keeps. An answer that one variable reads without a regex is kept whole; one
    /// that does not read (a failure) is left as it is, and a regex that does not compile
    /// keeps nothing (the variable lists nothing either).
    pub fn minimise(&self, recording: &mut Recording, engine: &dyn RegexEngine) {
        for (key, (form, regexes)) in &self.reads {
            let Some(answer) = recording.answers.get_mut(key) else { continue };
            if answer.error.is_some() || !(200..300).contains(&answer.status) {
                continue;
            }
            let Some(regexes) = regexes.iter().cloned().collect::<Option<Vec<String>>>() else { continue };
            let kept = |value: &str| {
                let value = [value.to_owned()];
                regexes.iter().any(|regex| {
                    variables::filter_values(&value, regex, engine).is_ok_and(|kept| !kept.is_empty())
                })
            };
            if let Some(body) = published_body(*form, &answer.body, &kept) {
                answer.body = body;
            }
        }
    }
}

/// `body` with only the entries whose value `kept` keeps, in the same form; `None` when
/// it does not read as that form.
fn published_body(form: Form, body: &str, kept: &dyn Fn(&str) -> bool) -> Option<String> {
    match form {
        Form::Names => {
            let names = request::parse_names(body).ok()?;
            let names: Vec<String> = names.into_iter().filter(|name| kept(name)).collect();
            Some(serde_json::json!({ "status": "success", "data": names }).to_string())
        }
        Form::Instant => {
            let mut answer: Value = serde_json::from_str(body).ok()?;
            let data = answer.get_mut("data")?;
            match data.get("resultType")?.as_str()? {
                "vector" => {}
                // A scalar or a string is one value: nothing to leave out.
                "scalar" | "string" => return Some(body.to_owned()),
                // Anything else lists nothing for a variable, and publishes nothing.
                other => return Some(answer_body(other, &Value::Array(Vec::new()))),
            }
            let result = data.get_mut("result")?.as_array_mut()?;
            result.retain(|series| {
                let one = answer_body("vector", &Value::Array(vec![series.clone()]));
                prom::decode(&one)
                    .is_ok_and(|decoded| query_result_lines(&decoded).iter().any(|line| kept(line)))
            });
            // Warnings and infos (server texts) are left out.
            Some(answer_body("vector", &Value::Array(std::mem::take(result))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::replay::RecordedAnswer;
    use crate::report::substitute::Bindings;
    use crate::report::variables::{AllValue, Found, Source, VarQuery};
    use crate::run::variables::VariableWindow;

    /// Whole-value and prefix matches: enough of a regex for these tests.
    struct Prefix;

    impl RegexEngine for Prefix {
        fn find(&self, pattern: &str, _flags: &str, text: &str) -> Result<Option<Found>, String> {
            let pattern = pattern.trim_start_matches('^').trim_end_matches('$');
            if pattern == "(" {
                return Err("unclosed group".into());
            }
            let matched = match pattern.strip_suffix(".*") {
                Some(prefix) => text.starts_with(prefix),
                None => text == pattern,
            };
            Ok(matched.then_some(Found { text: None, value: None, group: None }))
        }
    }

    fn variable(query: &str, regex: Option<&str>) -> Variable {
        Variable {
            name: "hub".into(),
            label: None,
            source: Source::Query(VarQuery::parse(query).expect("a variable query")),
            regex: regex.map(str::to_owned),
            multi: false,
            include_all: false,
            all_value: AllValue::Any,
            default: None,
        }
    }

    fn machine(variable: &Variable) -> VariableValues {
        let Source::Query(query) = &variable.source else { panic!("a query variable") };
        let ds = crate::run::machine::tests::ds("prom-a", "prometheus");
        let window = VariableWindow { start_s: 0, end_s: 100, end_ms: 100_000 };
        VariableValues::new(query, &ds, &Bindings::default(), window)
    }

    fn recorded(body: &str) -> RecordedAnswer {
        RecordedAnswer {
            status: 200,
            content_type: Some("application/json".into()),
            body: body.into(),
            error: None,
        }
    }

    #[test]
    fn label_values_keep_only_what_the_regex_keeps() {
        let hub = variable("label_values(up, job)", Some("node.*"));
        let values = machine(&hub);
        let key = values.request().replay_key();
        let mut recording = Recording::new(0);
        recording
            .answers
            .insert(key.clone(), recorded(r#"{"status":"success","data":["node","prometheus","node-2"]}"#));
        let mut reads = VariableReads::default();
        reads.note(&values, &hub);
        reads.minimise(&mut recording, &Prefix);
        let body = &recording.answers[&key].body;
        assert_eq!(request::parse_names(body).unwrap(), ["node", "node-2"]);
        assert!(!body.contains("prometheus"), "{body}");
    }

    #[test]
    fn an_answer_two_variables_read_keeps_what_either_keeps() {
        let (a, b) =
            (variable("label_values(up, job)", Some("node")), variable("label_values(up, job)", Some("api")));
        let mut reads = VariableReads::default();
        reads.note(&machine(&a), &a);
        reads.note(&machine(&b), &b);
        let key = machine(&a).request().replay_key();
        let mut recording = Recording::new(0);
        recording.answers.insert(key.clone(), recorded(r#"{"data":["node","api","secret-db"]}"#));
        reads.minimise(&mut recording, &Prefix);
        assert_eq!(request::parse_names(&recording.answers[&key].body).unwrap(), ["node", "api"]);
        // A variable without a regex lists everything: the answer stays whole.
        let c = variable("label_values(up, job)", None);
        reads.note(&machine(&c), &c);
        let mut recording = Recording::new(0);
        recording.answers.insert(key.clone(), recorded(r#"{"data":["node","api","secret-db"]}"#));
        reads.minimise(&mut recording, &Prefix);
        assert!(recording.answers[&key].body.contains("secret-db"));
    }

    #[test]
    fn query_result_keeps_the_series_whose_line_the_regex_keeps() {
        let hub = variable("query_result(up)", Some(r#"up{job="node".*"#));
        let values = machine(&hub);
        let mut reads = VariableReads::default();
        reads.note(&values, &hub);
        let body = r#"{"status":"success","warnings":["internal host db-7"],"data":{"resultType":"vector","result":[
            {"metric":{"__name__":"up","job":"node"},"value":[1,"1"]},
            {"metric":{"__name__":"up","job":"prometheus"},"value":[1,"1"]}]}}"#;
        let mut recording = Recording::new(0);
        // Noted under the POST and its GET fallback alike.
        let get = values.request().as_get().expect("a form POST").replay_key();
        recording.answers.insert(get.clone(), recorded(body));
        reads.minimise(&mut recording, &Prefix);
        let published = &recording.answers[&get].body;
        let decoded = prom::decode(published).unwrap();
        assert_eq!(query_result_lines(&decoded), [r#"up{job="node"} 1 1000"#]);
        assert!(!published.contains("prometheus") && !published.contains("db-7"), "{published}");
    }

    #[test]
    fn failures_and_unread_answers_are_left_as_they_are() {
        let hub = variable("label_values(up, job)", Some("("));
        let values = machine(&hub);
        let key = values.request().replay_key();
        let mut reads = VariableReads::default();
        reads.note(&values, &hub);
        let mut recording = Recording::new(0);
        recording.answers.insert(key.clone(), recorded(r#"{"data":["node"]}"#));
        reads.minimise(&mut recording, &Prefix);
        // A regex that does not compile lists nothing, and publishes nothing.
        assert_eq!(request::parse_names(&recording.answers[&key].body).unwrap(), Vec::<String>::new());
        let failed =
            RecordedAnswer { status: 0, content_type: None, body: String::new(), error: Some("x".into()) };
        recording.answers.insert(key.clone(), failed.clone());
        reads.minimise(&mut recording, &Prefix);
        assert_eq!(recording.answers[&key], failed);
    }
}
