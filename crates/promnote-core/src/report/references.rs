//! Where a query names variables: `$name`, `${name}`, `${name:format}`,
//! `${name.field}`, `[[name]]` and `[[name:format]]`, found as Grafana's template
//! service finds them. Variables' values ([`super::variables`]) and their substitution
//! ([`super::substitute`]) both read queries through this.

/// Whether `name` is a valid variable name (a letter or `_`, then letters, digits, `_`).
pub fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A variable reference in a query: where it is, its name, and its format (`regex` in
/// `${name:regex}`), as Grafana's template service finds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference<'a> {
    /// Where it is in the query (bytes).
    pub range: std::ops::Range<usize>,
    /// The variable's name.
    pub name: &'a str,
    /// Its format, `regex` in `${name:regex}`.
    pub format: Option<&'a str>,
}

fn word_end(text: &str, from: usize) -> usize {
    text[from..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map_or(text.len(), |n| from + n)
}

/// Every `$name`, `${name}`, `${name:format}`, `${name.field}`, `[[name]]` and
/// `[[name:format]]` in `query`, in order.
pub fn references(query: &str) -> Vec<Reference<'_>> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < query.len() {
        let rest = &query[i..];
        if rest.starts_with("[[") {
            let end = word_end(query, i + 2);
            let name = &query[i + 2..end];
            let after = &query[end..];
            let (format, close) = match after.strip_prefix(':') {
                Some(_) => {
                    let fend = word_end(query, end + 1);
                    (Some(&query[end + 1..fend]).filter(|f| !f.is_empty()), fend)
                }
                None => (None, end),
            };
            if !name.is_empty()
                && query[close..].starts_with("]]")
                && (format.is_some() || !after.starts_with(':'))
            {
                found.push(Reference { range: i..close + 2, name, format });
                i = close + 2;
                continue;
            }
            i += 1;
            continue;
        }
        if !rest.starts_with('$') {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        }
        if rest.starts_with("${") {
            let end = word_end(query, i + 2);
            let name = &query[i + 2..end];
            if let (false, Some(close)) = (name.is_empty(), query[end..].find('}')) {
                let inner = &query[end..end + close];
                // `.field` (ignored, as for a plain value) then `:format`.
                let format = inner.find(':').map(|c| &inner[c + 1..]);
                let field_ok = inner.split(':').next().is_some_and(|f| f.is_empty() || f.starts_with('.'));
                if field_ok && !inner.split(':').next().unwrap_or_default().contains('^') {
                    found.push(Reference { range: i..end + close + 1, name, format });
                    i = end + close + 1;
                    continue;
                }
            }
            i += 1;
            continue;
        }
        let end = word_end(query, i + 1);
        let name = &query[i + 1..end];
        // `$1` in label_replace is a capture group, not a variable.
        if is_name(name) {
            found.push(Reference { range: i..end, name, format: None });
        }
        i = end.max(i + 1);
    }
    found
}

/// Whether `query` uses the variable `name` (so changing it must re-run the cell).
pub fn uses(query: &str, name: &str) -> bool {
    references(query).iter().any(|r| r.name == name)
}
