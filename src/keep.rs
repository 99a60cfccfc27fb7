//! Keeping the token across reloads — only when the user opts in. By default the token
//! lives in memory and dies with the page. "Keep for this tab" uses sessionStorage
//! (gone when the tab closes); "remember on this device" uses localStorage. Either way
//! it is stored together with the Grafana base URL it belongs to (and a direct
//! Prometheus' sign-in with its address), and "forget" clears both stores.

use serde::{Deserialize, Serialize};

const KEY: &str = "promnote.session";

/// Where the token is kept, if anywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Memory only (the default).
    Memory,
    /// sessionStorage: this tab, until it closes.
    Tab,
    /// localStorage: this browser profile, until "forget".
    Device,
}

/// What is stored: the Grafana it belongs to and the token.
#[derive(Serialize, Deserialize)]
pub struct Kept {
    /// The normalized Grafana base URL (empty when only a Prometheus is used).
    pub grafana: String,
    /// The token (as pasted, trimmed).
    pub token: String,
    /// A Prometheus called directly, with its sign-in.
    #[serde(default)]
    pub prometheus: Option<KeptPrometheus>,
}

/// A direct Prometheus' address and sign-in, as typed.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct KeptPrometheus {
    /// The normalized address.
    pub url: String,
    /// `none`, `bearer` or `basic`.
    pub auth: String,
    /// The user name (basic).
    pub user: String,
    /// The bearer token or the password.
    pub secret: String,
}

fn store(keep: Keep) -> Option<web_sys::Storage> {
    let window = web_sys::window()?;
    match keep {
        Keep::Memory => None,
        Keep::Tab => window.session_storage().ok().flatten(),
        Keep::Device => window.local_storage().ok().flatten(),
    }
}

/// Saves the session where the user asked; clears the other store.
pub fn save(keep: Keep, kept: &Kept) -> Result<(), String> {
    forget();
    let Some(storage) = store(keep) else { return Ok(()) };
    let text = serde_json::to_string(kept).map_err(|e| e.to_string())?;
    storage
        .set_item(KEY, &text)
        .map_err(|_| "The browser refused to store the token (private mode or storage full).".to_owned())
}

/// The kept session, if any, and where it was kept.
pub fn load() -> Option<(Keep, Kept)> {
    [Keep::Tab, Keep::Device].into_iter().find_map(|keep| {
        let text = store(keep)?.get_item(KEY).ok().flatten()?;
        serde_json::from_str(&text).ok().map(|kept| (keep, kept))
    })
}

/// Removes the token from both stores.
pub fn forget() {
    for keep in [Keep::Tab, Keep::Device] {
        if let Some(storage) = store(keep) {
            let _ = storage.remove_item(KEY);
        }
    }
}
