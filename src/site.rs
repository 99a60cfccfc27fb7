//! A published site's snapshots, plain or sealed: what `snapshots/` holds, where a sealed
//! site stands (locked, or open with its key, which lives in memory only), and each
//! published file read and, on a sealed site, opened. The HTTP is [`crate::api`]'s, the
//! cryptography [`crate::seal`]'s; every failure ends as one [`ReadError`].

use std::fmt;
use std::rc::Rc;

use promnote_core::api::encoding::text_from_bytes;
use promnote_core::api::replay::{Snapshot, SnapshotEntry, SnapshotIndex};
use promnote_core::api::seal::{SealError, SealInfo, SEAL_FILE};
use promnote_core::api::ApiError;
use web_sys::{AbortSignal, CryptoKey};

use crate::api::{self, PublishedIndex};
use crate::keep::Keep;
use crate::seal::{self, OpenError};

/// The index's name in the snapshots folder (its additional data when sealed).
const INDEX_FILE: &str = "index.json";
/// The index, for people.
const INDEX_WHAT: &str = "The site's snapshot index";

/// Where the site's sealed snapshots stand.
#[derive(Clone, Default)]
pub enum Access {
    /// Nothing is sealed: plain snapshots, or none.
    #[default]
    Plain,
    /// Sealed, waiting for the passphrase.
    Locked(Rc<Sealed>),
    /// Sealed, and open with its key.
    Open {
        /// What opens its files.
        opener: Opener,
        /// Where its passphrase is kept, or why the browser would not keep it.
        kept: Result<Keep, String>,
    },
}

impl Access {
    /// The sealed site, while it waits for its passphrase.
    pub fn locked(&self) -> Option<Rc<Sealed>> {
        match self {
            Access::Locked(sealed) => Some(Rc::clone(sealed)),
            _ => None,
        }
    }

    /// What opens the site's files, once it is open.
    pub fn opener(&self) -> Option<Opener> {
        match self {
            Access::Open { opener, .. } => Some(opener.clone()),
            _ => None,
        }
    }

    /// Whether the site is sealed and waits for its passphrase.
    pub fn is_locked(&self) -> bool {
        matches!(self, Access::Locked(_))
    }

    /// Whether the site is sealed and open.
    pub fn is_open(&self) -> bool {
        matches!(self, Access::Open { .. })
    }
}

/// A sealed site as found: how it is sealed (`seal.json`), its sealed index, and the
/// address of its snapshots folder (what a kept passphrase is kept for).
#[derive(Debug)]
pub struct Sealed {
    info: SealInfo,
    index: Vec<u8>,
    /// `https://host/path/snapshots/`.
    pub address: String,
}

/// A sealed site's key, which opens its files.
#[derive(Clone)]
pub struct Opener {
    key: CryptoKey,
    site: Rc<Sealed>,
}

impl Opener {
    /// Opens the sealed `bytes` published as `name`; `what` names them for people.
    pub async fn open(&self, bytes: &[u8], name: &str, what: &str) -> Result<Vec<u8>, OpenError> {
        seal::open(&self.key, bytes, name, what, &self.site.info).await
    }

    /// The site it opens (to lock it again).
    pub fn site(&self) -> Rc<Sealed> {
        Rc::clone(&self.site)
    }
}

/// Why a published file did not load or open; each is said once, where it shows.
#[derive(Debug)]
pub enum ReadError {
    /// Fetching it failed (or was cancelled: [`ReadError::is_cancelled`]).
    Api(ApiError),
    /// It did not open.
    Open(OpenError),
    /// It opened, but is not a file this page reads (the reader's words).
    Content(String),
}

impl ReadError {
    /// Whether the user (or a newer request) cancelled it: nothing to say.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, ReadError::Api(ApiError::Cancelled))
    }

    /// Whether the passphrase given does not open the site.
    pub fn is_wrong_passphrase(&self) -> bool {
        matches!(self, ReadError::Open(OpenError::Seal(SealError::WrongPassphrase)))
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Api(e) => e.fmt(f),
            ReadError::Open(e) => e.fmt(f),
            ReadError::Content(message) => f.write_str(message),
        }
    }
}

impl From<ApiError> for ReadError {
    fn from(e: ApiError) -> Self {
        ReadError::Api(e)
    }
}

impl From<OpenError> for ReadError {
    fn from(e: OpenError) -> Self {
        ReadError::Open(e)
    }
}

impl From<SealError> for ReadError {
    fn from(e: SealError) -> Self {
        ReadError::Open(OpenError::Seal(e))
    }
}

/// What the site publishes.
pub enum Found {
    /// Plain snapshots.
    Plain(SnapshotIndex),
    /// Sealed ones, to unlock.
    Sealed(Rc<Sealed>),
}

/// The site's published snapshots, if it has any: a plain index, or a sealed one with
/// its `seal.json` (which, missing or unreadable, is [`SealError::Unreadable`]).
pub async fn find(abort: &AbortSignal) -> Result<Option<Found>, ReadError> {
    match api::load_snapshot_index(abort).await? {
        None => Ok(None),
        // A plain index beside a seal.json is not the site's: someone replaced a sealed
        // index with a readable one, whose reports must not show as this site's.
        Some(PublishedIndex::Plain(_)) if load_seal_info(abort).await.is_ok() => {
            Err(SealError::Damaged { what: INDEX_WHAT.to_owned() }.into())
        }
        Some(PublishedIndex::Plain(index)) => Ok(Some(Found::Plain(index))),
        Some(PublishedIndex::Sealed(index)) => {
            let info = load_seal_info(abort).await?;
            Ok(Some(Found::Sealed(Rc::new(Sealed { info, index, address: snapshots_address() }))))
        }
    }
}

/// `snapshots/seal.json`, read.
async fn load_seal_info(abort: &AbortSignal) -> Result<SealInfo, ReadError> {
    let url = api::published_url(SEAL_FILE);
    let unreadable = |detail: String| ReadError::from(SealError::Unreadable { detail });
    match api::load_bytes(&url, "The site's seal.json", abort).await {
        Ok(bytes) => Ok(SealInfo::parse(&text_from_bytes(bytes))?),
        Err(ApiError::Cancelled) => Err(ApiError::Cancelled.into()),
        Err(ApiError::Status { status, .. }) => Err(unreadable(format!("{url} answered with HTTP {status}"))),
        Err(e) => Err(unreadable(e.to_string().trim_end_matches('.').to_owned())),
    }
}

/// The absolute address of this page's snapshots folder, without query or fragment.
fn snapshots_address() -> String {
    let href = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    web_sys::Url::new_with_base("snapshots/", &href).map(|url| url.href()).unwrap_or(href)
}

/// Unlocks `site` with `passphrase`: its key, and its index opened and read.
pub async fn unlock(site: &Rc<Sealed>, passphrase: &str) -> Result<(Opener, SnapshotIndex), ReadError> {
    let key = seal::unlock(passphrase, &site.info).await?;
    let opener = Opener { key, site: Rc::clone(site) };
    let bytes = opener.open(&site.index, INDEX_FILE, INDEX_WHAT).await?;
    let index = SnapshotIndex::parse(&text_from_bytes(bytes)).map_err(ReadError::Content)?;
    Ok((opener, index))
}

/// The snapshot of `entry`: read as it is from a plain site, opened with `opener` from a
/// sealed one (where a file that is not sealed is refused as damaged: a plain file put
/// in a sealed one's place must not show).
pub async fn read_snapshot(
    entry: &SnapshotEntry,
    opener: Option<&Opener>,
    abort: &AbortSignal,
) -> Result<Snapshot, ReadError> {
    let Some(opener) = opener else { return Ok(api::load_snapshot(&entry.file, abort).await?) };
    let what = format!("The snapshot of {}", entry.title);
    let bytes = read_sealed(&entry.file, &what, opener, abort).await?;
    Snapshot::parse(&text_from_bytes(bytes)).map_err(ReadError::Content)
}

/// The sealed file published as `name`, fetched and opened; `what` names it for people.
pub async fn read_sealed(
    name: &str,
    what: &str,
    opener: &Opener,
    abort: &AbortSignal,
) -> Result<Vec<u8>, ReadError> {
    let bytes = api::load_bytes(&api::published_url(name), what, abort).await?;
    Ok(opener.open(&bytes, name, what).await?)
}
