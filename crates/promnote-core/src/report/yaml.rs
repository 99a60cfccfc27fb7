//! The YAML that report front matter is written in, read into a small tree.
//!
//! Reports are untrusted text (they arrive in share links and files), and their front
//! matter needs only a little of YAML: block mappings, block sequences (of scalars or
//! of mappings), flow sequences of scalars (`[a, b]`), flow mappings of scalars
//! (`{a: b, c: d}`), plain and quoted scalars and comments. That subset is read here,
//! strictly: anything else (anchors, tags, multi-line scalars, nested flow collections,
//! tabs for indentation) is an error that names its line, instead of a 100 KB general YAML parser in the page. Every value stays text;
//! the caller decides what a key means.

/// A front-matter value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Yaml {
    /// A scalar, unquoted and unescaped (`true`, `1` and `now-7d` are all text here).
    Scalar(String),
    /// A sequence.
    List(Vec<Node>),
    /// A mapping, in source order; keys are unique.
    Map(Vec<(String, Node)>),
}

/// A value and the (1-based) line it starts on, for errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The value.
    pub value: Yaml,
    /// Its line in the text that was parsed.
    pub line: usize,
}

/// A syntax error at a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong, for people.
    pub message: String,
}

struct Line<'a> {
    number: usize,
    indent: usize,
    text: &'a str,
}

/// Parses the front matter text (without its `---` lines); `first_line` is the line
/// number of its first line in the whole file. An empty text is an empty mapping.
pub fn parse(text: &str, first_line: usize) -> Result<Node, YamlError> {
    let mut lines = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let number = first_line + i;
        let content = strip_comment(raw);
        if content.trim().is_empty() {
            continue;
        }
        let indent = content.len() - content.trim_start_matches(' ').len();
        if content[indent..].starts_with('\t') {
            return Err(YamlError { line: number, message: "indent with spaces, not tabs".into() });
        }
        lines.push(Line { number, indent, text: content[indent..].trim_end() });
    }
    if lines.is_empty() {
        return Ok(Node { value: Yaml::Map(Vec::new()), line: first_line });
    }
    let mut pos = 0;
    let node = block(&lines, &mut pos, lines[0].indent)?;
    if let Some(extra) = lines.get(pos) {
        return Err(YamlError {
            line: extra.number,
            message: "this line is indented less than its block".into(),
        });
    }
    Ok(node)
}

/// Drops a `#` comment that starts the line or follows a space, outside quotes.
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if previous == ' ' || previous == '\t' => return &line[..i],
            _ => {}
        }
        previous = c;
    }
    line
}

fn block(lines: &[Line<'_>], pos: &mut usize, indent: usize) -> Result<Node, YamlError> {
    let first = &lines[*pos];
    if first.text == "-" || first.text.starts_with("- ") {
        sequence(lines, pos, indent)
    } else {
        mapping(lines, pos, indent, None)
    }
}

fn sequence(lines: &[Line<'_>], pos: &mut usize, indent: usize) -> Result<Node, YamlError> {
    let line = lines[*pos].number;
    let mut items = Vec::new();
    while let Some(l) = lines.get(*pos) {
        if l.indent < indent {
            break;
        }
        if l.indent > indent {
            return Err(YamlError { line: l.number, message: "unexpected indentation".into() });
        }
        let Some(rest) = l.text.strip_prefix('-') else {
            return Err(YamlError { line: l.number, message: "expected a list item (`- …`)".into() });
        };
        let rest = rest.trim_start();
        let item_indent = indent + (l.text.len() - rest.len());
        if rest.is_empty() {
            *pos += 1;
            match lines.get(*pos) {
                Some(next) if next.indent > indent => items.push(block(lines, pos, next.indent)?),
                _ => items.push(Node { value: Yaml::Scalar(String::new()), line: l.number }),
            }
        } else if split_key(rest).is_some() {
            // `- key: value`, then more keys of the same mapping at the item's indent.
            items.push(mapping(lines, pos, item_indent, Some(rest))?);
        } else {
            items.push(Node { value: inline_value(rest, l.number)?, line: l.number });
            *pos += 1;
        }
    }
    Ok(Node { value: Yaml::List(items), line })
}

/// A mapping at `indent`; `first` is the text of its first entry when it follows a `- `.
fn mapping(
    lines: &[Line<'_>],
    pos: &mut usize,
    indent: usize,
    first: Option<&str>,
) -> Result<Node, YamlError> {
    let line = lines[*pos].number;
    let mut entries: Vec<(String, Node)> = Vec::new();
    let mut pending = first;
    loop {
        let (number, text) = match pending.take() {
            Some(text) => (lines[*pos].number, text),
            None => match lines.get(*pos) {
                Some(l) if l.indent == indent => (l.number, l.text),
                Some(l) if l.indent > indent => {
                    return Err(YamlError { line: l.number, message: "unexpected indentation".into() })
                }
                _ => break,
            },
        };
        let Some((key, rest)) = split_key(text) else {
            return Err(YamlError {
                line: number,
                message: format!("expected `key: value`, found `{text}`"),
            });
        };
        if entries.iter().any(|(k, _)| *k == key) {
            return Err(YamlError { line: number, message: format!("`{key}` is given twice") });
        }
        *pos += 1;
        let value = if rest.is_empty() {
            match lines.get(*pos) {
                Some(next) if next.indent > indent => block(lines, pos, next.indent)?,
                // A sequence may sit at its key's own indent, as YAML allows.
                Some(next) if next.indent == indent && next.text.starts_with('-') => {
                    sequence(lines, pos, indent)?
                }
                _ => Node { value: Yaml::Scalar(String::new()), line: number },
            }
        } else {
            Node { value: inline_value(rest, number)?, line: number }
        };
        entries.push((key, value));
    }
    Ok(Node { value: Yaml::Map(entries), line })
}

/// `key: rest` (the key plain or quoted); `None` when the text is not a mapping entry.
fn split_key(text: &str) -> Option<(String, &str)> {
    if let Some(quote @ ('"' | '\'')) = text.chars().next() {
        let (key, after) = quoted(text, quote).ok()?;
        let rest = after.strip_prefix(':')?;
        return (rest.is_empty() || rest.starts_with(' ')).then(|| (key, rest.trim()));
    }
    let colon = text.find(": ").or_else(|| text.ends_with(':').then(|| text.len() - 1))?;
    let key = text[..colon].trim();
    (!key.is_empty() && !key.contains(['[', ']', '{', '}']))
        .then(|| (key.to_owned(), text[colon + 1..].trim()))
}

fn inline_value(text: &str, line: usize) -> Result<Yaml, YamlError> {
    let error = |message: String| YamlError { line, message };
    match text.chars().next() {
        Some('[') => {
            let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) else {
                return Err(error("a `[` list must end with `]` on the same line".into()));
            };
            let mut items = Vec::new();
            let mut rest = inner.trim();
            while !rest.is_empty() {
                let (item, after) = match rest.chars().next() {
                    Some(q @ ('"' | '\'')) => quoted(rest, q).map_err(error)?,
                    _ => {
                        let end = rest.find(',').unwrap_or(rest.len());
                        let item = rest[..end].trim();
                        if item.contains(['[', ']', '{', '}']) {
                            return Err(error("lists inside `[ ]` lists are not supported".into()));
                        }
                        (item.to_owned(), &rest[end..])
                    }
                };
                items.push(Node { value: Yaml::Scalar(item), line });
                let after = after.trim_start();
                rest = match after.strip_prefix(',') {
                    Some(next) => next.trim_start(),
                    None if after.is_empty() => after,
                    None => return Err(error(format!("expected `,` between list items, found `{after}`"))),
                };
            }
            Ok(Yaml::List(items))
        }
        Some(q @ ('"' | '\'')) => {
            let (value, after) = quoted(text, q).map_err(error)?;
            if after.trim().is_empty() {
                Ok(Yaml::Scalar(value))
            } else {
                Err(error(format!("unexpected text after the quoted value: `{}`", after.trim())))
            }
        }
        Some('{') => flow_mapping(text, line),
        Some('&' | '*' | '!') => Err(error("anchors, aliases and tags are not supported".into())),
        Some('|' | '>') => {
            Err(error("multi-line scalars are not supported; keep the value on one line".into()))
        }
        _ => Ok(Yaml::Scalar(text.to_owned())),
    }
}

/// A flow mapping of scalars on one line: `{datasource: utoronto, namespace: "a, b"}`.
fn flow_mapping(text: &str, line: usize) -> Result<Yaml, YamlError> {
    let error = |message: String| YamlError { line, message };
    let Some(inner) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) else {
        return Err(error("a `{` mapping must end with `}` on the same line".into()));
    };
    let mut entries: Vec<(String, Node)> = Vec::new();
    let mut rest = inner.trim();
    while !rest.is_empty() {
        let (key, after) = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => quoted(rest, q).map_err(error)?,
            _ => {
                let end = rest
                    .find(':')
                    .ok_or_else(|| error(format!("expected `key: value` in `{{ }}`, found `{rest}`")))?;
                (rest[..end].trim().to_owned(), &rest[end..])
            }
        };
        let Some(after) = after.trim_start().strip_prefix(':') else {
            return Err(error(format!("expected `:` after `{key}` in `{{ }}`")));
        };
        if key.is_empty() || key.contains(['[', ']', '{', '}', ',']) {
            return Err(error(format!("`{key}` is not a key; write `{{key: value, …}}`")));
        }
        if entries.iter().any(|(k, _)| *k == key) {
            return Err(error(format!("`{key}` is given twice")));
        }
        let after = after.trim_start();
        let (value, after) = match after.chars().next() {
            Some(q @ ('"' | '\'')) => quoted(after, q).map_err(error)?,
            _ => {
                let end = after.find(',').unwrap_or(after.len());
                let value = after[..end].trim();
                if value.contains(['[', ']', '{', '}']) {
                    return Err(error("lists and mappings inside `{ }` are not supported".into()));
                }
                if let Some(colon) = value.find(": ") {
                    let next = value[..colon].rsplit(' ').next().unwrap_or_default();
                    return Err(error(format!("expected `,` between entries, before `{next}:`")));
                }
                (value.to_owned(), &after[end..])
            }
        };
        entries.push((key, Node { value: Yaml::Scalar(value), line }));
        let after = after.trim_start();
        rest = match after.strip_prefix(',') {
            Some(next) => next.trim_start(),
            None if after.is_empty() => after,
            None => return Err(error(format!("expected `,` between entries, found `{after}`"))),
        };
    }
    Ok(Yaml::Map(entries))
}

/// A quoted scalar at the start of `text`: its value and the text after the closing quote.
fn quoted(text: &str, quote: char) -> Result<(String, &str), String> {
    let mut value = String::new();
    let mut chars = text.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            c if c == quote => {
                // In single quotes, '' is one quote.
                if quote == '\'' && text[i + 1..].starts_with('\'') {
                    value.push('\'');
                    chars.next();
                    continue;
                }
                return Ok((value, &text[i + 1..]));
            }
            '\\' if quote == '"' => match chars.next().map(|(_, c)| c) {
                Some('"') => value.push('"'),
                Some('\\') => value.push('\\'),
                Some('n') => value.push('\n'),
                Some('t') => value.push('\t'),
                Some(other) => return Err(format!("unknown escape `\\{other}` in a quoted value")),
                None => break,
            },
            c => value.push(c),
        }
    }
    Err(format!("the quoted value has no closing {quote}"))
}

/// Writes a scalar so that [`parse`] reads it back unchanged: plain when that is
/// unambiguous, else double-quoted.
pub fn scalar(value: &str) -> String {
    let plain = !value.is_empty()
        && value.trim() == value
        && !value.starts_with([
            '-', '[', ']', '{', '}', '"', '\'', '&', '*', '!', '|', '>', '#', '?', '%', '@', '`',
        ])
        && !value.contains(": ")
        && !value.contains(" #")
        && !value.contains([',', '\n', '\t'])
        && !value.ends_with(':');
    if plain {
        return value.to_owned();
    }
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Yaml {
        Yaml::Scalar(v.into())
    }

    fn map(node: &Node) -> Vec<(&str, &Yaml)> {
        match &node.value {
            Yaml::Map(entries) => entries.iter().map(|(k, v)| (k.as_str(), &v.value)).collect(),
            other => panic!("not a map: {other:?}"),
        }
    }

    #[test]
    fn reads_the_front_matter_subset() {
        let text = "format: 1\ntitle: \"Hub activity: daily\"  # a comment\ntime:\n  from: now-1M\n  to: now\nvariables:\n  - name: hub\n    multi: true\n    default: [All, 'it''s', \"a,b\"]\n  - name: x\ntags:\n- a\n- b\n";
        let root = parse(text, 2).unwrap();
        let top = map(&root);
        assert_eq!(top[0], ("format", &s("1")));
        assert_eq!(top[1], ("title", &s("Hub activity: daily")));
        let Yaml::Map(time) = top[2].1 else { panic!() };
        assert_eq!(time[1].0, "to");
        let Yaml::List(vars) = top[3].1 else { panic!() };
        assert_eq!(vars.len(), 2);
        assert_eq!(vars[0].line, 8);
        let first = map(&vars[0]);
        assert_eq!(first[1], ("multi", &s("true")));
        let Yaml::List(defaults) = first[2].1 else { panic!() };
        let values: Vec<&Yaml> = defaults.iter().map(|n| &n.value).collect();
        assert_eq!(values, [&s("All"), &s("it's"), &s("a,b")]);
        let Yaml::List(tags) = top[4].1 else { panic!() };
        assert_eq!(tags.len(), 2);
        let flow = parse("mask: {datasource: utoronto, namespace: \"a, b\", empty: }\nnone: {}", 1).unwrap();
        let top = map(&flow);
        let Yaml::Map(mask) = top[0].1 else { panic!("{top:?}") };
        let entries: Vec<(&str, &Yaml)> = mask.iter().map(|(k, v)| (k.as_str(), &v.value)).collect();
        assert_eq!(entries, [("datasource", &s("utoronto")), ("namespace", &s("a, b")), ("empty", &s(""))]);
        assert_eq!(top[1].1, &Yaml::Map(Vec::new()));
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            ("a: 1\na: 2", 2, "twice"),
            ("a: 1\n  b: 2", 2, "indentation"),
            ("a: [1, 2", 1, "must end"),
            ("a: {b: {c: 1}}", 1, "not supported"),
            ("a: {b: 1", 1, "must end"),
            ("a: {b: 1, b: 2}", 1, "twice"),
            ("x: 1\na: {b}", 2, "key: value"),
            ("a: {b: 1 c: 2}", 1, "`,` between"),
            ("a: |\n  x", 1, "multi-line"),
            ("a: &x 1", 1, "anchors"),
            ("a: 1\n\tb: 2", 2, "tabs"),
            ("a: \"open", 1, "closing"),
            ("just text", 1, "key: value"),
        ];
        for (text, line, needle) in cases {
            let e = parse(text, 1).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e:?}");
            assert!(e.message.contains(needle), "{text:?}: {}", e.message);
        }
    }

    #[test]
    fn scalars_round_trip() {
        for value in
            ["plain", "now-7d", "a: b", "- x", "", " pad", "quote \" and \\", "x # y", "a,b", "[x]", "end:"]
        {
            let text = format!("k: {}", scalar(value));
            let root = parse(&text, 1).unwrap();
            assert_eq!(map(&root)[0].1, &s(value), "{text}");
        }
    }

    #[test]
    fn empty_is_an_empty_map() {
        assert_eq!(parse("# only a comment\n\n", 1).unwrap().value, Yaml::Map(Vec::new()));
    }
}
