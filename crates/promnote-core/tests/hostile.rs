//! The hostile-input corpus in one place: every input a user, a share link, a report file
//! or a misbehaving server can hand promnote, with its expected outcome — a clear refusal
//! that says what to do, or a correct result where the input is odd but valid. (The
//! browser-side half, hostile label values in legend, hover, table and titles, is
//! `e2e/hostile.spec.mjs`.)

use promnote_core::api::prom::{self, QueryData};
use promnote_core::api::url::BaseUrl;
use promnote_core::data::table::{self, PivotOptions};
use promnote_core::report::format;
use promnote_core::report::prose::{self as markdown, Kind, Node};
use promnote_core::report::share;
use promnote_core::report::substitute as vars;

/// What an input must lead to.
enum Outcome {
    /// Accepted.
    Ok,
    /// Refused with a message containing this text.
    Refused(&'static str),
}
use Outcome::{Ok as Accepted, Refused};

fn check<T, E: std::fmt::Display>(label: &str, result: Result<T, E>, want: &Outcome) -> usize {
    match (result, want) {
        (Ok(_), Accepted) => {}
        (Err(e), Refused(text)) => {
            let message = e.to_string();
            assert!(message.contains(text), "{label}: message {message:?} lacks {text:?}");
            assert!(message.len() > 15, "{label}: {message:?} is too short to help");
        }
        (Ok(_), Refused(text)) => panic!("{label}: accepted, expected a refusal with {text:?}"),
        (Err(e), Accepted) => panic!("{label}: refused: {e}"),
    }
    1
}

#[test]
fn grafana_addresses() {
    let cases: &[(&str, Outcome)] = &[
        ("  https://grafana.example.org  ", Accepted),
        ("https://grafana.example.org/grafana//", Accepted),
        ("http://[::1]:3000", Accepted),
        ("", Refused("Enter your Grafana's address")),
        ("grafana.example.org", Refused("no http:// or https://")),
        ("javascript:alert(1)", Refused("Only http:// and https://")),
        ("data:text/html,<script>x</script>", Refused("Only http:// and https://")),
        ("https://admin:secret@grafana.example.org/", Refused("Remove the user name or password")),
        ("https://grafana.example.org/?orgId=1", Refused("Remove the `?…` part")),
        ("https://grafana.example.org/#/x", Refused("Remove the `#…` part")),
        ("https://gra fana.example.org/", Refused("spaces or control characters")),
        ("https://grafana.example.org:70000/", Refused("not a valid port")),
        ("https://gr<a>fana/", Refused("not a valid host name")),
        ("https://grafana.example.org/d/abc/dash", Refused("points inside Grafana")),
    ];
    let n: usize = cases.iter().map(|(input, want)| check(input, BaseUrl::parse(input), want)).sum();
    assert_eq!(n, 14);
}

#[test]
fn prometheus_answers() {
    let matrix = |values: &str| {
        format!(
            r#"{{"status":"success","data":{{"resultType":"matrix","result":[{{"metric":{{"namespace":"a"}},"values":{values}}}]}}}}"#
        )
    };
    let cases: Vec<(&str, String, Outcome)> = vec![
        ("HTML instead of JSON", "<!doctype html><html><body>Sign in</body></html>".into(), Refused("not a Prometheus API response")),
        ("truncated JSON", matrix(r#"[[1,"1"],[2,"#), Refused("not a Prometheus API response")),
        ("empty body", String::new(), Refused("not a Prometheus API response")),
        ("wrong type in a field", r#"{"status":"success","data":{"resultType":"matrix","result":{"a":1}}}"#.into(), Refused("not a Prometheus API response")),
        ("value not a number", matrix(r#"[[1,"lots"]]"#), Refused("not a Prometheus API response")),
        ("Prometheus error", r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unclosed left parenthesis"}"#.into(), Refused("parse error")),
        ("NaN and ±Inf", matrix(r#"[[1,"NaN"],[2,"+Inf"],[3,"-Inf"],[4,"1"]]"#), Accepted),
        ("duplicate and unsorted timestamps", matrix(r#"[[3,"3"],[1,"1"],[1,"1"],[2,"2"]]"#), Accepted),
        ("float timestamps", matrix(r#"[[1.5,"1"],[2.25,"2"]]"#), Accepted),
        ("zero series", r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#.into(), Accepted),
        ("warnings and infos", r#"{"status":"success","warnings":["w"],"infos":["i"],"data":{"resultType":"vector","result":[]}}"#.into(), Accepted),
        ("non-UTF-8 bytes, read lossily", String::from_utf8_lossy(b"{\"status\":\"success\",\"data\":\xff\xfe}").into_owned(), Refused("not a Prometheus API response")),
        ("label values with markup", matrix(r#"[[1,"1"]]"#).replace("\"a\"", r#""<img src=x onerror=alert(1)>""#), Accepted),
    ];
    for (label, body, want) in &cases {
        check(label, prom::decode(body), want);
    }
    assert_eq!(cases.len(), 13);

    // The odd-but-valid answers give correct tables: gaps, order, no duplicates.
    let odd = prom::decode(&matrix(r#"[[3,"3"],[1,"NaN"],[1,"1"],[2,"+Inf"]]"#)).unwrap();
    let QueryData::Matrix(series) = odd.data else { panic!("matrix expected") };
    let tidy = promnote_core::data::series::from_matrix("u", "n", series);
    let wide = table::pivot_times(
        &[1000, 2000, 3000],
        vec!["1".into(), "2".into(), "3".into()],
        &tidy,
        &PivotOptions::default(),
    );
    assert_eq!(wide.columns[0].values, [Some(1.0), None, Some(3.0)]);
}

#[test]
fn a_big_answer_decodes() {
    // 5,000 series × 24 points (~2.7 MB) and one series of 11,000 points.
    let body = promnote_core::data::synthetic::matrix_answer(5_000, 24, 1_790_000_000, 3600);
    let QueryData::Matrix(series) = prom::decode(&body).expect("decodes").data else { panic!() };
    assert_eq!(series.len(), 5_000);
    let long = promnote_core::data::synthetic::matrix_answer(1, 11_000, 1_790_000_000, 60);
    let QueryData::Matrix(series) = prom::decode(&long).expect("decodes").data else { panic!() };
    assert_eq!(series[0].values.len(), 11_000);
}

#[test]
fn report_files_and_links() {
    let cases: &[(&str, &str, Outcome)] = &[
        (
            "unknown option",
            "```promql colour=red\nup\n```\n",
            Refused("line 1: unknown cell option `colour`"),
        ),
        ("unclosed quote", "```promql title=\"x\nup\n```\n", Refused("no closing quote")),
        ("newer format", "---\nformat: 9\n---\n", Refused("format 9")),
        ("YAML anchor", "---\nformat: 1\ntitle: &a x\n---\n", Refused("anchors")),
        ("huge file", "", Refused("512 KB")),
        ("raw HTML prose", "<script>alert(1)</script>\n\n```promql\nup\n```\n", Accepted),
        ("RTL and emoji title", "---\nformat: 1\ntitle: \"مرحبا 🚀 \u{202e}x\"\n---\n", Accepted),
    ];
    for (label, text, want) in cases {
        let text = if *label == "huge file" { "x".repeat(600 * 1024) } else { (*text).to_owned() };
        check(label, format::parse(&text), want);
    }
    let links: &[(&str, &str, Outcome)] = &[
        ("not a share link", "#/hub-activity", Refused("no report in it")),
        ("newer link", "#share=2.abc", Refused("newer promnote")),
        ("cut-off link", "#share=1.eJzLSM3JyQcABiwCFQ", Refused("damaged")),
        ("not base64", "#share=1.!!!", Refused("damaged")),
    ];
    for (label, text, want) in links {
        check(label, share::decode(text), want);
    }
    assert_eq!(cases.len() + links.len(), 11);
}

#[test]
fn prose_and_variables_stay_inert() {
    // Links keep only http(s) targets; raw HTML is text.
    let nodes =
        markdown::render("[x](javascript:alert(1)) [y](https://ok.example/) <img src=x onerror=alert(1)>");
    let Node::Element(Kind::Paragraph, parts) = &nodes[0] else { panic!() };
    assert!(matches!(&parts[0], Node::Element(Kind::Link(None), _)));
    assert!(parts
        .iter()
        .any(|p| matches!(p, Node::Element(Kind::Link(Some(h)), _) if h == "https://ok.example/")));
    assert!(markdown::plain_text(&nodes).contains("<img src=x onerror=alert(1)>"));
    // A variable value cannot end the PromQL string or widen the regex.
    let values = [(
        "v".to_owned(),
        promnote_core::report::variables::Selection::Values(vec![
            r#"a"}) or vector(1) #"#.to_owned(),
            ".*".to_owned(),
        ]),
    )];
    let query = vars::substitute(
        r#"up{ns=~"$v"}"#,
        &values.into_iter().map(|(name, selection)| (name, vars::Binding::regex(selection))).collect(),
    );
    assert_eq!(query, r#"up{ns=~"(a\"\\}\\) or vector\\(1\\) #|\\.\\*)"}"#);
}
