//! One cell per value (`repeat=hub`, Grafana's repeated panels): the values a repeated
//! cell is drawn for (the variable's chosen ones, or every listed one for "All"), at most
//! [`MAX_REPEATS`], and each repeat's bindings, with the variable bound to its one value.
//! The page and the command line both expand repeats here.

use crate::report::substitute::{Binding, Bindings};
use crate::report::variables::Selection;

/// The most repeats a cell draws.
pub const MAX_REPEATS: usize = 50;

/// Every value chosen for `variable` (every listed one for "All"), once each, in the
/// variable's order, then any chosen value it does not list; `None` when the variable is
/// not bound. A report's snapshots per value (`snapshot --each`) are taken for these.
pub fn chosen(bindings: &Bindings, variable: &str) -> Option<Vec<String>> {
    let Some(Binding::Variable { selection, listed, .. }) = bindings.get(variable) else { return None };
    let mut values: Vec<String> = match selection {
        Selection::All => listed.clone(),
        Selection::Values(chosen) => listed
            .iter()
            .filter(|v| chosen.contains(v))
            .chain(chosen.iter().filter(|v| !listed.contains(v)))
            .cloned()
            .collect(),
    };
    let mut seen = std::collections::BTreeSet::new();
    values.retain(|v| seen.insert(v.clone()));
    Some(values)
}

/// The values a cell repeated over `variable` is drawn for ([`chosen`]), at most
/// [`MAX_REPEATS`], and a note when there were more; `None` when the variable is not bound.
pub fn values(bindings: &Bindings, variable: &str) -> Option<(Vec<String>, Option<String>)> {
    let mut values = chosen(bindings, variable)?;
    let note = (values.len() > MAX_REPEATS).then(|| {
        format!(
            "Drawn for the first {MAX_REPEATS} values of ${variable}, and {} more: pick fewer values.",
            values.len() - MAX_REPEATS
        )
    });
    values.truncate(MAX_REPEATS);
    Some((values, note))
}

/// `bindings` with `variable` bound to `value` alone (written as the variable writes one
/// value: regex-escaped where it is a regex).
pub fn bindings_for(bindings: &Bindings, variable: &str, value: &str) -> Bindings {
    let mut bindings = bindings.clone();
    if let Some(Binding::Variable { selection, .. }) = bindings.get_mut(variable) {
        *selection = Selection::Values(vec![value.to_owned()]);
    }
    bindings
}

/// A repeat's title: `Daily users — prod`.
pub fn title(title: &str, value: &str) -> String {
    format!("{title} — {value}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::substitute::Query;
    use crate::report::variables::AllValue;

    fn bound(selection: Selection, listed: &[&str]) -> Bindings {
        let listed = listed.iter().map(|s| (*s).to_owned()).collect();
        [("hub".to_owned(), Binding::Variable { selection, regex: true, all: AllValue::Any, listed })].into()
    }

    #[test]
    fn a_repeat_per_chosen_value_in_the_variables_order() {
        let all = bound(Selection::All, &["a", "b.c", "d"]);
        assert_eq!(values(&all, "hub"), Some((vec!["a".into(), "b.c".into(), "d".into()], None)));
        let some = bound(Selection::Values(vec!["d".into(), "a".into(), "x".into()]), &["a", "b.c", "d"]);
        assert_eq!(values(&some, "hub").unwrap().0, ["a", "d", "x"]);
        assert_eq!(values(&all, "other"), None);
        let many: Vec<String> = (0..60).map(|i| format!("h{i}")).collect();
        let many = bound(Selection::All, &many.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(chosen(&many, "hub").unwrap().len(), 60, "snapshots per value are not capped");
        let (first, note) = values(&many, "hub").unwrap();
        assert_eq!(first.len(), 50);
        assert_eq!(note.unwrap(), "Drawn for the first 50 values of $hub, and 10 more: pick fewer values.");
    }

    #[test]
    fn each_repeat_binds_the_variable_to_its_value_alone() {
        let all = bound(Selection::All, &["a", "b.c"]);
        let one = bindings_for(&all, "hub", "b.c");
        assert_eq!(Query::new(r#"up{ns=~"$hub"}"#, &one).text(), r#"up{ns=~"b\\.c"}"#);
        assert_eq!(title("Users", "b.c"), "Users — b.c");
    }
}
