//! Report prose, rendered safely. Markdown from a report is untrusted (it arrives in
//! share links and files), so it never becomes HTML text: pulldown-cmark's events are
//! turned into a small tree of known node kinds, which the page builds element by
//! element with text nodes. Raw HTML is kept as visible text, images become their alt
//! text (no request leaves for an address in a report), and a link keeps its target
//! only when that is an absolute `http:` or `https:` URL.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// A node of rendered prose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// Text, shown as is.
    Text(String),
    /// Inline code.
    Code(String),
    /// A value in prose (`` `{promql} EXPR` ``, [`super::inline`]): the span's code as
    /// written, which is also the key its value is kept under.
    Value(String),
    /// A hard line break.
    Break,
    /// An element with children.
    Element(Kind, Vec<Node>),
}

/// The elements prose may contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// `<p>`.
    Paragraph,
    /// `<h1>`..`<h6>`; report headings start at level 1.
    Heading(u8),
    /// `<blockquote>`.
    Quote,
    /// `<ul>` or, with the first number, `<ol>`.
    List(Option<u64>),
    /// `<li>`.
    Item,
    /// `<pre><code>`; its only child is the text.
    CodeBlock,
    /// `<hr>`.
    Rule,
    /// `<em>`.
    Emphasis,
    /// `<strong>`.
    Strong,
    /// `<del>`.
    Strike,
    /// `<a>` with a checked `http(s)` target, or `None` (then only the text is shown).
    Link(Option<String>),
    /// `<table>`.
    Table,
    /// `<thead>` row.
    TableHead,
    /// `<tr>`.
    TableRow,
    /// `<td>` (or `<th>` inside a head).
    TableCell,
}

/// The target of a link if it is safe to follow: an absolute `http` or `https` URL.
pub fn safe_href(href: &str) -> Option<String> {
    let href = href.trim();
    let lower = href.to_ascii_lowercase();
    let ok = (lower.starts_with("https://") || lower.starts_with("http://"))
        && !href.chars().any(|c| c.is_control() || c.is_whitespace());
    ok.then(|| href.to_owned())
}

/// How deep elements may nest. Deeper levels are shown flat, inside the last one: a
/// share link of a few dozen bytes can hold 20,000 nested quotes, and a tree that deep
/// would exhaust the stack of whatever walks it (the page, `Drop`).
pub const MAX_DEPTH: usize = 32;

/// Said after prose that nests deeper than [`MAX_DEPTH`].
pub const TOO_DEEP: &str =
    "(This text is nested more than 32 levels deep: the deeper levels are shown flat.)";

/// Renders prose into nodes.
pub fn render(markdown: &str) -> Vec<Node> {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut stack: Vec<(Option<Kind>, Vec<Node>)> = vec![(None, Vec::new())];
    // Elements open on the stack (entries with a kind), and whether any was flattened.
    let mut depth = 0;
    let mut flattened = false;
    let push = |stack: &mut Vec<(Option<Kind>, Vec<Node>)>, node: Node| {
        if let Some((_, children)) = stack.last_mut() {
            // Adjacent text merges, so raw HTML split into pieces reads as one string.
            if let (Node::Text(new), Some(Node::Text(previous))) = (&node, children.last_mut()) {
                previous.push_str(new);
                return;
            }
            children.push(node);
        }
    };
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(tag) => {
                let kind = match tag {
                    Tag::Paragraph => Some(Kind::Paragraph),
                    Tag::Heading { level, .. } => Some(Kind::Heading(level as u8)),
                    Tag::BlockQuote(_) => Some(Kind::Quote),
                    Tag::CodeBlock(_) => Some(Kind::CodeBlock),
                    Tag::List(first) => Some(Kind::List(first)),
                    Tag::Item => Some(Kind::Item),
                    Tag::Emphasis => Some(Kind::Emphasis),
                    Tag::Strong => Some(Kind::Strong),
                    Tag::Strikethrough => Some(Kind::Strike),
                    Tag::Link { dest_url, .. } => Some(Kind::Link(safe_href(&dest_url))),
                    Tag::Table(_) => Some(Kind::Table),
                    Tag::TableHead => Some(Kind::TableHead),
                    Tag::TableRow => Some(Kind::TableRow),
                    Tag::TableCell => Some(Kind::TableCell),
                    // Images: their alt text only. Anything else: its content, unwrapped.
                    _ => None,
                };
                let kind = match kind {
                    Some(_) if depth >= MAX_DEPTH => {
                        flattened = true;
                        None
                    }
                    other => other,
                };
                depth += usize::from(kind.is_some());
                stack.push((kind, Vec::new()));
            }
            Event::End(end) => {
                let Some((kind, children)) = stack.pop() else { continue };
                depth -= usize::from(kind.is_some());
                match kind {
                    Some(kind) => push(&mut stack, Node::Element(kind, children)),
                    None => {
                        let alt = matches!(end, TagEnd::Image).then(|| Node::Text("[image: ".into()));
                        for node in alt.into_iter().chain(children) {
                            push(&mut stack, node);
                        }
                        if matches!(end, TagEnd::Image) {
                            push(&mut stack, Node::Text("]".into()));
                        }
                    }
                }
            }
            Event::Text(text) | Event::Html(text) | Event::InlineHtml(text) => {
                push(&mut stack, Node::Text(text.into_string()))
            }
            Event::Code(code) => {
                let node = match super::inline::parse_span(&code) {
                    Some(_) => Node::Value(code.into_string()),
                    None => Node::Code(code.into_string()),
                };
                push(&mut stack, node);
            }
            Event::SoftBreak => push(&mut stack, Node::Text(" ".into())),
            Event::HardBreak => push(&mut stack, Node::Break),
            Event::Rule => push(&mut stack, Node::Element(Kind::Rule, Vec::new())),
            Event::TaskListMarker(done) => {
                push(&mut stack, Node::Text(if done { "☑ " } else { "☐ " }.into()))
            }
            Event::FootnoteReference(name) => push(&mut stack, Node::Text(format!("[{name}]"))),
            Event::InlineMath(text) | Event::DisplayMath(text) => {
                push(&mut stack, Node::Text(text.into_string()))
            }
        }
    }
    let mut nodes = stack.into_iter().next().map(|(_, nodes)| nodes).unwrap_or_default();
    if flattened {
        nodes.push(Node::Element(Kind::Paragraph, vec![Node::Text(TOO_DEEP.into())]));
    }
    nodes
}

/// The plain text of nodes (for titles and tests).
pub fn plain_text(nodes: &[Node]) -> String {
    let mut out = String::new();
    for node in nodes {
        match node {
            Node::Text(t) | Node::Code(t) | Node::Value(t) => out.push_str(t),
            Node::Break => out.push('\n'),
            Node::Element(_, children) => out.push_str(&plain_text(children)),
        }
    }
    out
}

/// The headline sentences of `markdown`: each paragraph, list item or heading that holds
/// a value ([`Node::Value`]), as one line of plain text with each value written by
/// `value` (given the span's code). A report's numbers in its own words, for a summary
/// mail or a chat message.
pub fn headlines(markdown: &str, value: &dyn Fn(&str) -> String) -> Vec<String> {
    fn holds_value(nodes: &[Node]) -> bool {
        nodes.iter().any(|n| match n {
            Node::Value(_) => true,
            Node::Element(_, children) => holds_value(children),
            _ => false,
        })
    }
    fn text(nodes: &[Node], value: &dyn Fn(&str) -> String, out: &mut String) {
        for node in nodes {
            match node {
                Node::Text(t) | Node::Code(t) => out.push_str(t),
                Node::Value(code) => out.push_str(&value(code)),
                Node::Break => out.push(' '),
                Node::Element(_, children) => text(children, value, out),
            }
        }
    }
    fn walk(nodes: &[Node], value: &dyn Fn(&str) -> String, found: &mut Vec<String>) {
        for node in nodes {
            let Node::Element(kind, children) = node else { continue };
            if !holds_value(children) {
                continue;
            }
            // The smallest block that holds the value: a list's items one by one.
            let nested_block = children
                .iter()
                .any(|c| matches!(c, Node::Element(Kind::Paragraph | Kind::List(_) | Kind::Item, _)));
            match kind {
                Kind::Paragraph | Kind::Heading(_) | Kind::Item | Kind::TableRow if !nested_block => {
                    let mut line = String::new();
                    text(children, value, &mut line);
                    found.push(line.split_whitespace().collect::<Vec<_>>().join(" "));
                }
                _ => walk(children, value, found),
            }
        }
    }
    let mut found = Vec::new();
    walk(&render(markdown), value, &mut found);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headlines_are_the_sentences_that_hold_values_with_the_values_written() {
        let markdown = "# Usage\n\nIn the last day\n`{promql} sum(up)` people came.\n\nNo number here.\n\n- a list item with `{promql} count(up)` hubs\n- and one without\n\n> quoted `{promql} max(up)`\n";
        let lines = headlines(markdown, &|code| format!("[{code}]"));
        assert_eq!(
            lines,
            [
                "In the last day [{promql} sum(up)] people came.",
                "a list item with [{promql} count(up)] hubs",
                "quoted [{promql} max(up)]",
            ]
        );
        assert!(headlines("Nothing to see.", &|_| String::new()).is_empty());
    }

    #[test]
    fn markdown_becomes_known_nodes() {
        let nodes = render("# Title\n\nSome *em* and **strong** `code`.\n\n- a\n- b\n\n1. one\n");
        assert_eq!(nodes[0], Node::Element(Kind::Heading(1), vec![Node::Text("Title".into())]));
        let Node::Element(Kind::Paragraph, p) = &nodes[1] else { panic!("{nodes:?}") };
        assert_eq!(p[1], Node::Element(Kind::Emphasis, vec![Node::Text("em".into())]));
        assert_eq!(p[5], Node::Code("code".into()));
        let value = render("Users: `{promql} sum(up)`, `{promql oops} up`.");
        let Node::Element(Kind::Paragraph, p) = &value[0] else { panic!("{value:?}") };
        assert_eq!(p[1], Node::Value("{promql} sum(up)".into()));
        assert_eq!(p[3], Node::Value("{promql oops} up".into()));
        assert!(matches!(&nodes[2], Node::Element(Kind::List(None), items) if items.len() == 2));
        assert!(matches!(&nodes[3], Node::Element(Kind::List(Some(1)), _)));
    }

    #[test]
    fn raw_html_stays_text() {
        let hostile = "<script>window.__xss=1</script>\n\nHi <img src=x onerror=\"window.__xss=1\"> there";
        let nodes = render(hostile);
        let text = plain_text(&nodes);
        assert!(text.contains("<script>window.__xss=1</script>"), "{text}");
        assert!(text.contains("<img src=x onerror=\"window.__xss=1\">"), "{text}");
        fn no_elements_but_known(nodes: &[Node]) -> bool {
            nodes.iter().all(|n| match n {
                Node::Element(Kind::Link(Some(href)), c) => {
                    href.starts_with("http") && no_elements_but_known(c)
                }
                Node::Element(_, c) => no_elements_but_known(c),
                _ => true,
            })
        }
        assert!(no_elements_but_known(&nodes));
    }

    #[test]
    fn only_http_links_keep_their_target() {
        let cases = [
            ("[a](https://grafana.com/docs)", Some("https://grafana.com/docs")),
            ("[a](HTTP://x.org)", Some("HTTP://x.org")),
            ("[a](javascript:alert(1))", None),
            ("[a](JaVaScRiPt:alert(1))", None),
            ("[a](data:text/html,x)", None),
            ("[a](/relative)", None),
            ("[a](//evil.org)", None),
            ("<javascript:alert(1)>", None),
        ];
        for (md, href) in cases {
            let nodes = render(md);
            let Node::Element(Kind::Paragraph, p) = &nodes[0] else { panic!() };
            match &p[0] {
                Node::Element(Kind::Link(target), _) => assert_eq!(target.as_deref(), href, "{md}"),
                other => assert_eq!(href, None, "{md}: {other:?}"),
            }
        }
    }

    #[test]
    fn images_are_not_loaded() {
        let nodes = render("![a chart](https://tracker.example/pixel.png)");
        assert_eq!(plain_text(&nodes), "[image: a chart]");
    }

    #[test]
    fn nesting_stops_at_a_limit_with_a_note() {
        fn depth(nodes: &[Node]) -> usize {
            nodes
                .iter()
                .map(|n| match n {
                    Node::Element(_, c) => 1 + depth(c),
                    _ => 0,
                })
                .max()
                .unwrap_or(0)
        }
        let quotes = format!("{} deep", ">".repeat(20_000));
        let nodes = render(&quotes);
        assert!(depth(&nodes) <= MAX_DEPTH, "{}", depth(&nodes));
        let text = plain_text(&nodes);
        assert!(text.contains("deep") && text.ends_with(TOO_DEEP), "{text}");
        let lists = format!("- {}list\n", "- ".repeat(5_000));
        assert!(depth(&render(&lists)) <= MAX_DEPTH);
        // Ordinary nesting is untouched, with no note.
        let nodes = render("> > quoted\n\n- a\n  - b\n");
        assert_eq!(depth(&nodes), 4);
        assert!(!plain_text(&nodes).contains(TOO_DEEP));
    }
}
