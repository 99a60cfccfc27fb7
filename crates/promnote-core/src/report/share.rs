//! Share links: a report, its time range, variable values and Grafana URL, packed into
//! a URL fragment (`#share=1.<data>`), which browsers never send to a server. The data
//! is JSON, deflated and base64url-encoded. There is no field for a token, so none can
//! be shared; the page that opens a link asks the user to confirm the Grafana origin
//! before a token can be typed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::api::encoding::{base64url, unbase64url};

/// The share-link format version.
pub const VERSION: u32 = 1;

/// The fragment's prefix, before the version.
pub const PREFIX: &str = "share=";

/// The most a link may expand to (a link is untrusted input).
pub const MAX_INFLATED: usize = 1024 * 1024;

/// What a share link carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shared {
    /// The report's Markdown.
    pub source: String,
    /// Range start as typed.
    pub from: String,
    /// Range end as typed.
    pub to: String,
    /// Variable values, as [`crate::report::variables::Selection::to_values`] writes them.
    #[serde(default)]
    pub vars: BTreeMap<String, Vec<String>>,
    /// The Grafana base URL, if the sharer was connected.
    #[serde(default)]
    pub grafana: Option<String>,
}

/// The marker for "All" in [`Shared::vars`].
pub use crate::report::variables::ALL;

/// Why a link could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareError {
    /// Not a share fragment at all.
    #[error("this link has no report in it (expected #share=…)")]
    NotShare,
    /// A newer format.
    #[error("this link was made by a newer promnote (link format {0}); this page reads format {VERSION}")]
    Version(String),
    /// Damaged in transit (cut off, or changed).
    #[error("this share link is damaged ({0}); ask for the link again, and copy all of it")]
    Damaged(String),
}

/// The fragment (without `#`) for `shared`.
pub fn encode(shared: &Shared) -> String {
    let json = serde_json::to_vec(shared).unwrap_or_default();
    let packed = miniz_oxide::deflate::compress_to_vec(&json, 9);
    format!("{PREFIX}{VERSION}.{}", base64url(&packed))
}

/// Reads a fragment (with or without `#`).
pub fn decode(fragment: &str) -> Result<Shared, ShareError> {
    let rest = fragment.trim_start_matches('#').strip_prefix(PREFIX).ok_or(ShareError::NotShare)?;
    let (version, data) = rest.split_once('.').ok_or_else(|| ShareError::Damaged("no version".into()))?;
    if version != VERSION.to_string() {
        return Err(ShareError::Version(version.chars().take(8).collect()));
    }
    let packed = unbase64url(data).ok_or_else(|| ShareError::Damaged("not base64url".into()))?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, MAX_INFLATED)
        .map_err(|_| ShareError::Damaged("does not decompress, or is larger than 1 MB".into()))?;
    serde_json::from_slice(&json).map_err(|e| ShareError::Damaged(format!("unreadable content: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Shared {
        Shared {
            source: "---\nformat: 1\ntitle: x\n---\n\n```promql\nup\n```\n".repeat(20),
            from: "now-7d".into(),
            to: "now".into(),
            vars: BTreeMap::from([
                ("hub".into(), vec!["prod".into(), "a.b".into()]),
                ("x".into(), vec![ALL.into()]),
            ]),
            grafana: Some("https://grafana.example.org/".into()),
        }
    }

    #[test]
    fn round_trips_and_compresses() {
        let shared = sample();
        let fragment = encode(&shared);
        assert!(fragment.starts_with("share=1."));
        assert!(fragment.len() < shared.source.len() / 3, "{}", fragment.len());
        assert!(fragment.chars().all(|c| c.is_ascii_alphanumeric() || "=.-_".contains(c)));
        assert_eq!(decode(&format!("#{fragment}")), Ok(shared));
    }

    #[test]
    fn damaged_links_say_so() {
        let fragment = encode(&sample());
        assert_eq!(decode("#report=x"), Err(ShareError::NotShare));
        assert!(matches!(decode("share=7.abc"), Err(ShareError::Version(v)) if v == "7"));
        assert!(matches!(decode(&fragment[..fragment.len() - 9]), Err(ShareError::Damaged(_))));
        assert!(matches!(decode("share=1.!!!!"), Err(ShareError::Damaged(_))));
        let junk =
            format!("share=1.{}", base64url(&miniz_oxide::deflate::compress_to_vec(b"{\"token\":1}", 6)));
        assert!(matches!(decode(&junk), Err(ShareError::Damaged(m)) if m.contains("unknown field")));
    }

    #[test]
    fn refuses_a_decompression_bomb() {
        let bomb = vec![b' '; MAX_INFLATED + 10];
        let fragment = format!("share=1.{}", base64url(&miniz_oxide::deflate::compress_to_vec(&bomb, 9)));
        assert!(fragment.len() < 10_000);
        assert!(matches!(decode(&fragment), Err(ShareError::Damaged(m)) if m.contains("1 MB")));
    }
}
