//! Keeping the token, and a sealed site's passphrase, across reloads — only when the user
//! opts in. By default both live in memory and die with the page. "Keep for this tab"
//! uses sessionStorage (gone when the tab closes); "remember on this device" uses
//! localStorage. Either way the token is stored together with the Grafana base URL it
//! belongs to (and a direct Prometheus' sign-in with its address), and the passphrase,
//! under a key of its own, with the address of the site it opens; "forget" clears both
//! stores.

use serde::{Deserialize, Serialize};

const KEY: &str = "promnote.session";
const PASSPHRASE_KEY: &str = "promnote.passphrase";

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

/// Stores `value` under `key` where the user asked (nowhere for [`Keep::Memory`]), after
/// removing it from both stores; `what` names it in the error.
fn put<T: Serialize>(keep: Keep, key: &str, value: &T, what: &str) -> Result<(), String> {
    remove(key);
    let Some(storage) = store(keep) else { return Ok(()) };
    let text = serde_json::to_string(value).map_err(|e| e.to_string())?;
    storage
        .set_item(key, &text)
        .map_err(|_| format!("The browser refused to store the {what} (private mode or storage full)."))
}

/// What is stored under `key`, and where.
fn get<T: serde::de::DeserializeOwned>(key: &str) -> Option<(Keep, T)> {
    [Keep::Tab, Keep::Device].into_iter().find_map(|keep| {
        let text = store(keep)?.get_item(key).ok().flatten()?;
        serde_json::from_str(&text).ok().map(|kept| (keep, kept))
    })
}

/// Removes `key` from both stores.
fn remove(key: &str) {
    for keep in [Keep::Tab, Keep::Device] {
        if let Some(storage) = store(keep) {
            let _ = storage.remove_item(key);
        }
    }
}

/// Saves the session where the user asked; clears the other store.
pub fn save(keep: Keep, kept: &Kept) -> Result<(), String> {
    put(keep, KEY, kept, "token")
}

/// The kept session, if any, and where it was kept.
pub fn load() -> Option<(Keep, Kept)> {
    get(KEY)
}

/// Removes the token from both stores.
pub fn forget() {
    remove(KEY);
}

/// What is stored of a sealed site: its address and its passphrase. One site's at a
/// time: keeping another's replaces it.
#[derive(Serialize, Deserialize)]
struct KeptPassphrase {
    /// The address of the site's snapshots folder (`https://host/path/snapshots/`).
    site: String,
    /// The passphrase, as typed.
    passphrase: String,
}

/// Saves the passphrase of the sealed site at `site` where the user asked; clears the
/// other store.
pub fn save_passphrase(keep: Keep, site: &str, passphrase: &str) -> Result<(), String> {
    let kept = KeptPassphrase { site: site.to_owned(), passphrase: passphrase.to_owned() };
    put(keep, PASSPHRASE_KEY, &kept, "passphrase")
}

/// The passphrase kept for the sealed site at `site`, if any, and where it was kept.
pub fn load_passphrase(site: &str) -> Option<(Keep, String)> {
    get::<KeptPassphrase>(PASSPHRASE_KEY)
        .filter(|(_, kept)| kept.site == site)
        .map(|(keep, kept)| (keep, kept.passphrase))
}

/// Removes the passphrase from both stores.
pub fn forget_passphrase() {
    remove(PASSPHRASE_KEY);
}
