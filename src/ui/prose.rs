//! Report prose on the page: the core's tree of known node kinds becomes elements, and
//! every piece of text a text node. No string from a report is ever parsed as HTML, and
//! a value in prose (`` `{promql} EXPR` ``) is shown as its number's text.

use leptos::prelude::*;
use promnote_core::report::prose::{self as markdown, Kind, Node};
use promnote_core::time::clock::taken_at_text;

use crate::state::{ValueShown, Values};

/// Renders Markdown prose, with its values as `values` holds them.
#[component]
pub fn Prose(#[prop(into)] text: Signal<String>, values: Values) -> impl IntoView {
    view! { <div class="prose">{move || text.with(|t| nodes(&markdown::render(t), values))}</div> }
}

fn nodes(list: &[Node], values: Values) -> Vec<AnyView> {
    list.iter().map(|n| node(n, values)).collect()
}

/// A value in prose: `…` until it is worked out, then its number (the query, the time
/// and the series it combines in its title), or `—` with the reason beside it. Changes
/// are announced (a polite live region).
#[component]
fn InlineValue(code: String, values: Values) -> impl IntoView {
    let shown = move || values.shown.with(|m| m.get(&code).cloned());
    let inner = move || {
        match shown() {
        None => view! {
            <span class="value-text muted" data-state="idle" title="Connect to Grafana to see this value">"…"</span>
        }
        .into_any(),
        Some(ValueShown::Loading) => {
            view! { <span class="value-text muted" data-state="loading" aria-busy="true" title="Loading">"…"</span> }
                .into_any()
        }
        Some(ValueShown::Shown { number, text, query, at_ms, series }) => {
            let title = format!(
                "{query} at {}, over {series} series",
                taken_at_text(at_ms)
            );
            view! {
                <span class="value-text" data-state="shown" data-number=number.to_string() data-at=at_ms.to_string()
                    title=title>{text}</span>
            }
            .into_any()
        }
        Some(ValueShown::Failed(why)) => view! {
            <span class="value-text failed" data-state="error">
                <span aria-hidden="true">"—"</span><span class="sr-only">"no value"</span>
                " "<span class="value-why" tabindex="0">"(" {why} ")"</span>
            </span>
        }
        .into_any(),
    }
    };
    view! { <span class="value" data-testid="value" aria-live="polite" aria-atomic="true">{inner}</span> }
}

fn node(n: &Node, values: Values) -> AnyView {
    match n {
        Node::Text(t) => t.clone().into_any(),
        Node::Code(t) => view! { <code>{t.clone()}</code> }.into_any(),
        Node::Value(code) => view! { <InlineValue code=code.clone() values /> }.into_any(),
        Node::Break => view! { <br /> }.into_any(),
        Node::Element(kind, children) => {
            let inner = nodes(children, values);
            match kind {
                Kind::Paragraph => view! { <p>{inner}</p> }.into_any(),
                // Report headings sit below the report's own title.
                Kind::Heading(1) => view! { <h2>{inner}</h2> }.into_any(),
                Kind::Heading(2) => view! { <h3>{inner}</h3> }.into_any(),
                Kind::Heading(3) => view! { <h4>{inner}</h4> }.into_any(),
                Kind::Heading(4) => view! { <h5>{inner}</h5> }.into_any(),
                Kind::Heading(_) => view! { <h6>{inner}</h6> }.into_any(),
                Kind::Quote => view! { <blockquote>{inner}</blockquote> }.into_any(),
                Kind::List(None) => view! { <ul>{inner}</ul> }.into_any(),
                Kind::List(Some(start)) => view! { <ol start=start.to_string()>{inner}</ol> }.into_any(),
                Kind::Item => view! { <li>{inner}</li> }.into_any(),
                Kind::CodeBlock => view! { <pre><code>{inner}</code></pre> }.into_any(),
                Kind::Rule => view! { <hr /> }.into_any(),
                Kind::Emphasis => view! { <em>{inner}</em> }.into_any(),
                Kind::Strong => view! { <strong>{inner}</strong> }.into_any(),
                Kind::Strike => view! { <del>{inner}</del> }.into_any(),
                Kind::Link(Some(href)) => {
                    view! { <a href=href.clone() rel="noopener noreferrer nofollow" target="_blank">{inner}</a> }
                        .into_any()
                }
                Kind::Link(None) => view! { <span class="dead-link">{inner}</span> }.into_any(),
                Kind::Table => view! { <table class="md-table">{inner}</table> }.into_any(),
                Kind::TableHead => view! { <thead><tr>{inner}</tr></thead> }.into_any(),
                Kind::TableRow => view! { <tr>{inner}</tr> }.into_any(),
                Kind::TableCell => view! { <td>{inner}</td> }.into_any(),
            }
        }
    }
}
