//! Report prose on the page: the core's tree of known node kinds becomes elements, and
//! every piece of text a text node. No string from a report is ever parsed as HTML.

use leptos::prelude::*;
use promnote_core::report::prose::{self as markdown, Kind, Node};

/// Renders Markdown prose.
#[component]
pub fn Prose(#[prop(into)] text: Signal<String>) -> impl IntoView {
    view! { <div class="prose">{move || text.with(|t| nodes(&markdown::render(t)))}</div> }
}

fn nodes(list: &[Node]) -> Vec<AnyView> {
    list.iter().map(node).collect()
}

fn node(n: &Node) -> AnyView {
    match n {
        Node::Text(t) => t.clone().into_any(),
        Node::Code(t) => view! { <code>{t.clone()}</code> }.into_any(),
        Node::Break => view! { <br /> }.into_any(),
        Node::Element(kind, children) => {
            let inner = nodes(children);
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
