//! The browser's WebCrypto calls that open a sealed site, and nothing else: the key
//! derived from the passphrase (PBKDF2), a sealed file opened with it (AES-256-GCM), and
//! the passphrase checked against `seal.json`. The format and what each failure means
//! are the core's ([`promnote_core::api::seal`]); no cryptography is compiled into the
//! page, every step is `crypto.subtle`'s. The passphrase is handed to the browser once,
//! and never written into an error.

use std::fmt;

use js_sys::{Array, ArrayBuffer, Promise, Uint8Array};
use promnote_core::api::seal::{self, Envelope, SealError, SealInfo};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AesDerivedKeyParams, AesGcmParams, CryptoKey, Pbkdf2Params, SubtleCrypto};

/// Why a sealed file does not open in this page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenError {
    /// The passphrase or the file: the core's words ([`SealError`]).
    Seal(SealError),
    /// The browser cannot do it here: no WebCrypto (a page not served over HTTPS), or a
    /// step it refused; what it said.
    Browser(String),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::Seal(e) => e.fmt(f),
            OpenError::Browser(detail) => write!(
                f,
                "This browser cannot open private reports here ({detail}). Open the site at its https:// address in a current browser."
            ),
        }
    }
}

impl From<SealError> for OpenError {
    fn from(e: SealError) -> Self {
        OpenError::Seal(e)
    }
}

/// The tag's length in bits, as WebCrypto takes it.
const TAG_BITS: u8 = 128;

/// `crypto.subtle`: undefined outside a secure context (https:, or localhost).
fn subtle() -> Result<SubtleCrypto, OpenError> {
    let crypto = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .ok_or_else(|| OpenError::Browser("it offers no WebCrypto".into()))?;
    let subtle = js_sys::Reflect::get(&crypto, &JsValue::from_str("subtle")).unwrap_or(JsValue::UNDEFINED);
    if subtle.is_undefined() || subtle.is_null() {
        return Err(OpenError::Browser("it offers WebCrypto only to pages served over HTTPS".into()));
    }
    Ok(subtle.unchecked_into())
}

/// Waits for a WebCrypto promise (or the exception that stopped it being made).
async fn settle<T: JsCast>(promise: Result<Promise, JsValue>) -> Result<T, JsValue> {
    let value = JsFuture::from(promise?).await?;
    value.dyn_into::<T>()
}

/// What the browser said, for [`OpenError::Browser`] (its own words hold no secret).
fn browser_said(error: &JsValue) -> OpenError {
    let said = error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "WebCrypto refused".into());
    OpenError::Browser(said)
}

/// The site's key: PBKDF2-HMAC-SHA-256 of the passphrase with `info`'s salt and
/// iterations, as a non-extractable AES-GCM 256 key that can only decrypt.
pub async fn derive_key(passphrase: &str, info: &SealInfo) -> Result<CryptoKey, OpenError> {
    let subtle = subtle()?;
    let salt = info.salt_bytes()?;
    let secret = Uint8Array::from(passphrase.as_bytes());
    let base = settle::<CryptoKey>(subtle.import_key_with_str(
        "raw",
        &secret,
        "PBKDF2",
        false,
        &Array::of1(&JsValue::from_str("deriveKey")),
    ))
    .await;
    // importKey copied it: the passphrase's bytes do not wait for the garbage collector.
    secret.fill(0, 0, secret.length());
    let base = base.map_err(|e| browser_said(&e))?;
    let params =
        Pbkdf2Params::new_with_str("PBKDF2", "SHA-256", info.iterations, &Uint8Array::from(&salt[..]));
    let aes = AesDerivedKeyParams::new("AES-GCM", 256);
    settle::<CryptoKey>(subtle.derive_key_with_object_and_object(
        &params,
        &base,
        &aes,
        false,
        &Array::of1(&JsValue::from_str("decrypt")),
    ))
    .await
    .map_err(|e| browser_said(&e))
}

/// Opens the sealed file `bytes`, published as `name` in the snapshots folder (its
/// additional data: a file moved to another name does not open); `what` names it for
/// people. A file that is not sealed, was sealed for another salt, or whose bytes were
/// changed does not open.
pub async fn open(
    key: &CryptoKey,
    bytes: &[u8],
    name: &str,
    what: &str,
    info: &SealInfo,
) -> Result<Vec<u8>, OpenError> {
    let envelope = Envelope::parse(bytes, what)?;
    envelope.check_salt(info, what)?;
    let subtle = subtle()?;
    let params = AesGcmParams::new_with_u8_array("AES-GCM", &Uint8Array::from(envelope.nonce));
    params
        .set_additional_data_u8_array(&Uint8Array::from(&Envelope::additional_data(envelope.salt, name)[..]));
    params.set_tag_length(TAG_BITS);
    // WebCrypto copies `sealed` before decrypt returns: the view into wasm memory is not
    // kept. Its only failure past `subtle()` is a tag that does not match.
    let opened =
        settle::<ArrayBuffer>(subtle.decrypt_with_object_and_u8_array(&params, key, envelope.sealed))
            .await
            .map_err(|_| SealError::Damaged { what: what.to_owned() })?;
    Ok(Uint8Array::new(&opened).to_vec())
}

/// The site's key, once the passphrase opens `seal.json`'s check: a passphrase that
/// does not is [`SealError::WrongPassphrase`].
pub async fn unlock(passphrase: &str, info: &SealInfo) -> Result<CryptoKey, OpenError> {
    let key = derive_key(passphrase, info).await?;
    let check = info.check_bytes()?;
    match open(&key, &check, seal::SEAL_FILE, "seal.json's check", info).await {
        Ok(text) if text == seal::CHECK_TEXT => Ok(key),
        // The right key (the tag matched), but not promnote's check text.
        Ok(_) => {
            Err(SealError::Unreadable { detail: "its check is not the one promnote seals".into() }.into())
        }
        Err(OpenError::Seal(SealError::Damaged { .. })) => Err(SealError::WrongPassphrase.into()),
        Err(e) => Err(e),
    }
}
