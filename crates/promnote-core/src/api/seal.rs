//! Sealed (private) published sites: the file format both shells share, and what each
//! failure to open one means. The cryptography itself is not here: the command line
//! seals with `ring`, the page opens with the browser's WebCrypto. Both follow these
//! rules, so that one reads what the other writes:
//!
//! - the key is PBKDF2-HMAC-SHA-256 of the passphrase's UTF-8 bytes, with the site's
//!   random 16-byte salt and [`SealInfo::iterations`] (at least [`MIN_ITERATIONS`]),
//!   32 bytes long, for AES-256-GCM;
//! - a sealed file is [`MAGIC`], the salt, a random 12-byte nonce, then the ciphertext
//!   with its 16-byte tag ([`Envelope`]);
//! - its additional data is [`MAGIC`], the salt and the file's name in the snapshots
//!   folder ([`Envelope::additional_data`]): a file moved to another name does not open;
//! - `seal.json` ([`SealInfo`]) is public: the parameters, and the check text sealed under
//!   the name `seal.json`, which tells a wrong passphrase from a damaged file.

use serde::{Deserialize, Serialize};

use super::encoding::{base64url, unbase64url};

/// The first bytes of every sealed file (format 1).
pub const MAGIC: &[u8; 8] = b"PNSEAL01";
/// The salt's length.
pub const SALT_LEN: usize = 16;
/// The nonce's length (AES-GCM's standard 96 bits).
pub const NONCE_LEN: usize = 12;
/// The authentication tag's length.
pub const TAG_LEN: usize = 16;
/// The fewest PBKDF2 iterations a site may use: OWASP's figure for PBKDF2-HMAC-SHA-256.
pub const MIN_ITERATIONS: u32 = 600_000;
/// The iterations `promnote snapshot --encrypt` uses.
pub const ITERATIONS: u32 = 600_000;
/// The public file that says how a site is sealed, beside its index.
pub const SEAL_FILE: &str = "seal.json";
/// What `seal.json` seals, to check a passphrase before any report is opened.
pub const CHECK_TEXT: &[u8] = b"promnote: this passphrase opens this site";

const CIPHER: &str = "AES-256-GCM";
const KDF: &str = "PBKDF2-SHA-256";

/// Why a sealed site or file does not open, in words for its reader.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The passphrase does not open `seal.json`'s check.
    #[error("This passphrase does not open this site's reports. Check it (letters, case and spaces count) or ask whoever shared the site for it.")]
    WrongPassphrase,
    /// A passphrase kept from an earlier visit no longer opens the site.
    #[error("The passphrase this browser kept no longer opens this site: it has been published again with another passphrase. Ask whoever shared the site for the new one.")]
    KeptPassphraseOutdated,
    /// The file was sealed under another salt (another passphrase) than the site.
    #[error("{what} was sealed with another passphrase than the rest of this site (a publishing run with another passphrase left it here), so it cannot be opened. Ask whoever publishes the site to publish it again with one passphrase.")]
    OtherPassphrase {
        /// Which file, for people ("The report's snapshot").
        what: String,
    },
    /// The file's bytes are not what was sealed: cut short, damaged, or altered.
    #[error("{what} is damaged or was altered after it was sealed, so it cannot be opened. Reload the page; if this stays, ask whoever publishes the site to publish it again.")]
    Damaged {
        /// Which file, for people.
        what: String,
    },
    /// `seal.json` is missing or not one this page reads.
    #[error("This site's reports are sealed, but how they are sealed cannot be read ({detail}). Ask whoever publishes the site to publish it again.")]
    Unreadable {
        /// What is wrong with it.
        detail: String,
    },
}

/// `seal.json`: how a site is sealed. Public: none of it helps to guess the passphrase
/// faster than trying each one through PBKDF2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealInfo {
    /// The file's version.
    pub format: u32,
    /// Always `AES-256-GCM`.
    pub cipher: String,
    /// Always `PBKDF2-SHA-256`.
    pub kdf: String,
    /// PBKDF2's iterations.
    pub iterations: u32,
    /// The site's salt, base64url.
    pub salt: String,
    /// [`CHECK_TEXT`] sealed under the name [`SEAL_FILE`], base64url.
    pub check: String,
}

impl SealInfo {
    /// The description of a site sealed with `salt` and `iterations`, whose check is
    /// `check` (the sealed [`CHECK_TEXT`]).
    pub fn new(salt: &[u8; SALT_LEN], iterations: u32, check: &[u8]) -> Self {
        Self {
            format: 1,
            cipher: CIPHER.into(),
            kdf: KDF.into(),
            iterations,
            salt: base64url(salt),
            check: base64url(check),
        }
    }

    /// Reads `seal.json`, refusing parameters this build does not use (another cipher,
    /// fewer iterations than [`MIN_ITERATIONS`]: a weakened file is not trusted).
    pub fn parse(text: &str) -> Result<Self, SealError> {
        let unreadable = |detail: String| SealError::Unreadable { detail };
        let info: Self = serde_json::from_str(text).map_err(|e| unreadable(e.to_string()))?;
        if info.format != 1 {
            return Err(unreadable(format!("format {} is newer than this page", info.format)));
        }
        if info.cipher != CIPHER || info.kdf != KDF {
            return Err(unreadable(format!(
                "{} with {} is not what promnote seals with",
                info.cipher, info.kdf
            )));
        }
        if info.iterations < MIN_ITERATIONS {
            return Err(unreadable(format!("{} iterations is fewer than {MIN_ITERATIONS}", info.iterations)));
        }
        info.salt_bytes()?;
        let check = info.check_bytes()?;
        let envelope = Envelope::parse(&check, "seal.json").map_err(|e| unreadable(e.to_string()))?;
        if envelope.salt != info.salt_bytes()? {
            return Err(unreadable("its check was sealed with another salt".into()));
        }
        Ok(info)
    }

    /// The salt's bytes.
    pub fn salt_bytes(&self) -> Result<[u8; SALT_LEN], SealError> {
        unbase64url(&self.salt)
            .and_then(|bytes| <[u8; SALT_LEN]>::try_from(bytes).ok())
            .ok_or_else(|| SealError::Unreadable { detail: "its salt is not 16 bytes of base64url".into() })
    }

    /// The sealed check's bytes (an [`Envelope`] named [`SEAL_FILE`]).
    pub fn check_bytes(&self) -> Result<Vec<u8>, SealError> {
        unbase64url(&self.check)
            .ok_or_else(|| SealError::Unreadable { detail: "its check is not base64url".into() })
    }
}

/// Whether `bytes` are a sealed file (they start with [`MAGIC`]).
pub fn is_sealed(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// A sealed file, cut into its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// The salt of the key it was sealed with.
    pub salt: &'a [u8],
    /// Its nonce.
    pub nonce: &'a [u8],
    /// The ciphertext, then the tag.
    pub sealed: &'a [u8],
}

impl<'a> Envelope<'a> {
    /// Cuts a sealed file into its parts; `what` names it in the error (a file that is
    /// not sealed, or too short to hold a tag, is damaged).
    pub fn parse(bytes: &'a [u8], what: &str) -> Result<Self, SealError> {
        let header = MAGIC.len() + SALT_LEN + NONCE_LEN;
        if !is_sealed(bytes) || bytes.len() < header + TAG_LEN {
            return Err(SealError::Damaged { what: what.to_owned() });
        }
        Ok(Self {
            salt: &bytes[MAGIC.len()..MAGIC.len() + SALT_LEN],
            nonce: &bytes[MAGIC.len() + SALT_LEN..header],
            sealed: &bytes[header..],
        })
    }

    /// The file's bytes from its parts.
    pub fn to_bytes(salt: &[u8; SALT_LEN], nonce: &[u8; NONCE_LEN], sealed: &[u8]) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(MAGIC.len() + SALT_LEN + NONCE_LEN + sealed.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(salt);
        bytes.extend_from_slice(nonce);
        bytes.extend_from_slice(sealed);
        bytes
    }

    /// What AES-GCM authenticates beside the ciphertext: the magic, the salt and the
    /// file's `name` in the snapshots folder.
    pub fn additional_data(salt: &[u8], name: &str) -> Vec<u8> {
        let mut data = Vec::with_capacity(MAGIC.len() + salt.len() + name.len());
        data.extend_from_slice(MAGIC);
        data.extend_from_slice(salt);
        data.extend_from_slice(name.as_bytes());
        data
    }

    /// Refuses a file sealed for another site's key (another salt) than `info`'s.
    pub fn check_salt(&self, info: &SealInfo, what: &str) -> Result<(), SealError> {
        if self.salt == info.salt_bytes()? {
            Ok(())
        } else {
            Err(SealError::OtherPassphrase { what: what.to_owned() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(iterations: u32) -> SealInfo {
        let salt = [7_u8; SALT_LEN];
        let check = Envelope::to_bytes(&salt, &[1; NONCE_LEN], &[9; 60]);
        SealInfo::new(&salt, iterations, &check)
    }

    #[test]
    fn seal_json_round_trips_and_refuses_weakened_parameters() {
        let text = serde_json::to_string(&info(ITERATIONS)).unwrap();
        assert_eq!(SealInfo::parse(&text).unwrap(), info(ITERATIONS));
        let weak = serde_json::to_string(&info(1000)).unwrap();
        assert!(matches!(SealInfo::parse(&weak), Err(SealError::Unreadable { .. })));
        let other = text.replace("AES-256-GCM", "AES-128-CBC");
        assert!(SealInfo::parse(&other).unwrap_err().to_string().contains("AES-128-CBC"));
    }

    #[test]
    fn an_envelope_is_cut_where_it_was_joined() {
        let bytes = Envelope::to_bytes(&[2; SALT_LEN], &[3; NONCE_LEN], b"ciphertext and tag....");
        let envelope = Envelope::parse(&bytes, "x").unwrap();
        assert_eq!(envelope.salt, [2; SALT_LEN]);
        assert_eq!(envelope.nonce, [3; NONCE_LEN]);
        assert_eq!(envelope.sealed, b"ciphertext and tag....");
        // Cut short, or not sealed at all: damaged.
        assert_eq!(Envelope::parse(&bytes[..40], "x"), Err(SealError::Damaged { what: "x".into() }));
        assert!(Envelope::parse(b"{\"format\":1}", "x").is_err());
        // Another site's salt.
        assert_eq!(
            envelope.check_salt(&info(ITERATIONS), "The index"),
            Err(SealError::OtherPassphrase { what: "The index".into() })
        );
    }

    #[test]
    fn the_additional_data_binds_the_name() {
        assert_ne!(
            Envelope::additional_data(&[1; 16], "a.json"),
            Envelope::additional_data(&[1; 16], "b.json")
        );
        assert!(Envelope::additional_data(&[1; 16], "a.json").starts_with(MAGIC));
    }
}
