//! Text from a dashboard (a text panel's content, a panel's description) as report prose
//! that stays prose: it is data, never report source. Written as it came, a ` ```promql `
//! fence in it would become a live cell, and an unclosed fence, `<script>`, `<pre>` or
//! `<!--` would swallow the cells after it. The lines that open such blocks are escaped
//! (a backslash before their first character: the page shows the same text); text that
//! still would not read back as prose alone is quoted whole as an indented code block.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag};

use crate::report::format::{self, Block};

/// How many rounds of escaping before the text is quoted whole instead.
const ROUNDS: usize = 8;

/// `text` as prose that reads back as prose and leaves what follows it alone.
pub fn inert(text: &str) -> String {
    let mut out = text.replace("\r\n", "\n").replace('\r', "\n");
    for _ in 0..ROUNDS {
        let starts = openers(&out);
        if starts.is_empty() {
            break;
        }
        for start in starts.into_iter().rev() {
            let at = out[start..].find(|c: char| !c.is_whitespace()).map_or(start, |i| start + i);
            out.insert(at, '\\');
        }
    }
    if stays_prose(&out) {
        out
    } else {
        out.lines().map(|line| format!("    {line}")).collect::<Vec<_>>().join("\n")
    }
}

/// Where the blocks start that are not prose here: a fenced block that would be a cell
/// (`promql…`) or has no closing fence, and every HTML block.
fn openers(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    for (event, range) in
        Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).into_offset_iter()
    {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if info.trim_start().starts_with("promql") || !closed(&text[range.clone()]) =>
            {
                starts.push(range.start);
            }
            Event::Start(Tag::HtmlBlock) => starts.push(range.start),
            _ => {}
        }
    }
    starts.sort_unstable();
    starts.dedup();
    starts
}

/// Whether a fenced block's text ends with a fence that closes it: a line of the
/// opener's character, at least as long.
pub(super) fn closed(block: &str) -> bool {
    let mut lines = block.trim_end_matches('\n').lines();
    let Some(first) = lines.next().map(str::trim_start) else { return false };
    let Some(mark) = first.chars().next().filter(|c| *c == '`' || *c == '~') else { return false };
    let opener = first.chars().take_while(|c| *c == mark).count();
    lines
        .next_back()
        .map(str::trim)
        .is_some_and(|last| last.len() >= opener && last.chars().all(|c| c == mark))
}

/// Whether `text` reads back as prose alone: followed by a cell, the report has that
/// one cell, whole, after it.
fn stays_prose(text: &str) -> bool {
    let source = format!("---\nformat: 1\n---\n\n{text}\n\n```promql\nup\n```\n");
    format::parse(&source).is_ok_and(|report| {
        let cells: Vec<_> = report.cells().collect();
        cells.len() == 1 && cells[0].query == "up" && matches!(report.blocks.last(), Some(Block::Cell(_)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_would_be_source_is_escaped_and_reads_back_as_itself() {
        let cases = [
            "```promql\nsum(rate(x[5m]))\n```",
            "```promql+ legend=x\nup\n```",
            "~~~promql\nup\n~~~",
            "```bash\nunclosed code",
            "<script>alert(1)",
            "<pre>\nunclosed",
            "<!-- a comment that never ends",
            "- a list\n  ```promql\n  up\n  ```",
            "> ```promql\n> up",
            "````\n```promql\nup\n```\n",
            "plain *prose* stays as it is",
        ];
        for text in cases {
            let safe = inert(text);
            assert!(stays_prose(&safe), "{text:?} → {safe:?}");
            let shown = crate::report::prose::plain_text(&crate::report::prose::render(&safe));
            // What the page shows is the text as written (markup aside).
            for word in ["promql", "unclosed", "alert", "comment", "prose"] {
                if text.contains(word) && !safe.starts_with("    ") {
                    assert!(shown.contains(word), "{text:?} shows {shown:?}");
                }
            }
        }
        assert_eq!(inert("plain *prose* stays as it is"), "plain *prose* stays as it is");
        // A closed code fence of another language stays code.
        assert_eq!(inert("```bash\nls\n```"), "```bash\nls\n```");
    }
}
