//! Private snapshots (`promnote snapshot --encrypt`): the passphrase, read from
//! `PROMNOTE_PASSPHRASE` or `--passphrase-file`, and the [`Sealer`] that seals each
//! published file in the core's format ([`promnote_core::api::seal`]) with `ring`:
//! PBKDF2-HMAC-SHA-256 → AES-256-GCM, a random nonce per file, the file's name bound in.
//! A sealed site's files have names that say nothing either: an HMAC of the report's id
//! under a key derived from the passphrase, so no hub name or title is in a file name.

use std::num::NonZeroU32;
use std::path::Path;

use promnote_core::api::seal::{
    Envelope, SealError, SealInfo, CHECK_TEXT, ITERATIONS, NONCE_LEN, SALT_LEN, SEAL_FILE,
};
use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use ring::{hmac, pbkdf2};

use crate::secrets::SecretFiles;
use crate::term::say;
use crate::Fail;

/// A passphrase shorter than this is said to be guessable.
const SHORT_PASSPHRASE: usize = 12;

/// The passphrase of `--passphrase-file` (`-`: standard input), else of
/// `PROMNOTE_PASSPHRASE`; a flag never holds it (it would show in `ps` and in shell
/// history). Its last line ending is not part of it.
pub fn passphrase(files: &SecretFiles, file: Option<&Path>) -> Result<String, Fail> {
    let (text, source) =
        match file {
            Some(path) => (files.read_secret("--passphrase-file", path)?, path.display().to_string()),
            None => match std::env::var("PROMNOTE_PASSPHRASE") {
                Ok(text) => (text, "PROMNOTE_PASSPHRASE".to_owned()),
                Err(_) => return Err(Fail::input(
                    "--encrypt needs a passphrase: set PROMNOTE_PASSPHRASE, or pass --passphrase-file FILE",
                )),
            },
        };
    let text = text.strip_suffix('\n').map(|t| t.strip_suffix('\r').unwrap_or(t)).unwrap_or(&text);
    if text.is_empty() {
        return Err(Fail::input(format!("{source} holds an empty passphrase")));
    }
    if text.contains('\n') {
        return Err(Fail::input(format!(
            "{source} holds several lines; a passphrase is one line (readers type it)"
        )));
    }
    if text.chars().count() < SHORT_PASSPHRASE {
        say!(
            "promnote: warning: the passphrase is shorter than {SHORT_PASSPHRASE} characters: anyone with the site's files can try passphrases offline; several random words are stronger"
        );
    }
    Ok(text.to_owned())
}

/// Seals a site's files under one passphrase and the site's salt.
pub struct Sealer {
    key: LessSafeKey,
    names: hmac::Key,
    salt: [u8; SALT_LEN],
    info: SealInfo,
    random: SystemRandom,
}

impl Sealer {
    /// The sealer of the site in `dir`: the salt and iterations of its `seal.json` when
    /// it has one (the passphrase must open it), else a new random salt.
    pub fn for_site(dir: &Path, passphrase: &str) -> Result<Self, Fail> {
        let path = dir.join(SEAL_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let info =
                    SealInfo::parse(&text).map_err(|e| Fail::input(format!("{}: {e}", path.display())))?;
                let salt = info.salt_bytes().map_err(|e| Fail::input(e.to_string()))?;
                let sealer = Self::derive(passphrase, salt, info.iterations, Some(info))?;
                let check = sealer.info.check_bytes().map_err(|e| Fail::input(e.to_string()))?;
                match sealer.open(SEAL_FILE, &check, "seal.json") {
                    Ok(text) if text == CHECK_TEXT => Ok(sealer),
                    _ => Err(Fail::input(format!(
                        "the passphrase does not open the site sealed in {}: give the passphrase it was sealed with, or publish into an empty folder",
                        dir.display()
                    ))),
                }
            }
            // Only a site with no seal.json is a new one: one that cannot be read must not
            // be sealed over with a new salt (its other files would no longer open).
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(Fail::input(format!("cannot read {}: {e}", path.display())))
            }
            Err(_) => {
                let mut salt = [0; SALT_LEN];
                SystemRandom::new()
                    .fill(&mut salt)
                    .map_err(|_| Fail::input("the system gave no random bytes for the salt"))?;
                Self::derive(passphrase, salt, ITERATIONS, None)
            }
        }
    }

    /// The key for `passphrase` and `salt`; `info` is the site's description when it has
    /// one, else made here with a new check.
    fn derive(
        passphrase: &str,
        salt: [u8; SALT_LEN],
        iterations: u32,
        info: Option<SealInfo>,
    ) -> Result<Self, Fail> {
        let rounds = NonZeroU32::new(iterations).unwrap_or(NonZeroU32::MIN);
        let mut bytes = [0_u8; 32];
        pbkdf2::derive(pbkdf2::PBKDF2_HMAC_SHA256, rounds, &salt, passphrase.as_bytes(), &mut bytes);
        let key = LessSafeKey::new(
            UnboundKey::new(&aead::AES_256_GCM, &bytes)
                .map_err(|_| Fail::input("AES-256-GCM is not available"))?,
        );
        // File names get their own key, derived from the AES key, never the key itself.
        let names = hmac::Key::new(
            hmac::HMAC_SHA256,
            hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &bytes), b"promnote file names").as_ref(),
        );
        let random = SystemRandom::new();
        let mut sealer = Self { key, names, salt, info: SealInfo::new(&salt, iterations, &[]), random };
        sealer.info = match info {
            Some(info) => info,
            None => SealInfo::new(&salt, iterations, &sealer.seal(SEAL_FILE, CHECK_TEXT)?),
        };
        Ok(sealer)
    }

    /// `seal.json`'s text.
    pub fn info_text(&self) -> String {
        serde_json::to_string_pretty(&self.info).unwrap_or_default()
    }

    /// `plain` sealed as the file `name` of the snapshots folder, with a random nonce.
    pub fn seal(&self, name: &str, plain: &[u8]) -> Result<Vec<u8>, Fail> {
        let mut nonce = [0_u8; NONCE_LEN];
        self.random
            .fill(&mut nonce)
            .map_err(|_| Fail::input("the system gave no random bytes for a nonce"))?;
        Ok(self.seal_with_nonce(name, plain, nonce))
    }

    fn seal_with_nonce(&self, name: &str, plain: &[u8], nonce: [u8; NONCE_LEN]) -> Vec<u8> {
        let mut sealed = plain.to_vec();
        let aad = Envelope::additional_data(&self.salt, name);
        // Sealing in place only fails for inputs over AES-GCM's limit (64 GB).
        if self
            .key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad), &mut sealed)
            .is_err()
        {
            sealed.clear();
        }
        Envelope::to_bytes(&self.salt, &nonce, &sealed)
    }

    /// The sealed file `name` opened (`what` names it in the error).
    pub fn open(&self, name: &str, bytes: &[u8], what: &str) -> Result<Vec<u8>, SealError> {
        let envelope = Envelope::parse(bytes, what)?;
        envelope.check_salt(&self.info, what)?;
        let nonce = Nonce::try_assume_unique_for_key(envelope.nonce)
            .map_err(|_| SealError::Damaged { what: what.to_owned() })?;
        let mut data = envelope.sealed.to_vec();
        let aad = Envelope::additional_data(&self.salt, name);
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(aad), &mut data)
            .map_err(|_| SealError::Damaged { what: what.to_owned() })?;
        Ok(plain.to_vec())
    }

    /// The file name stem of report `id` on this site: 24 hex digits of an HMAC, the same
    /// for the same id and passphrase, telling nothing of the id.
    pub fn stem(&self, id: &str) -> String {
        hmac::sign(&self.names, id.as_bytes()).as_ref()[..12].iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixed vector the page's WebCrypto is checked against (e2e/fixtures/sealed):
    /// passphrase, salt and nonce fixed, the sealed bytes as base64url.
    #[test]
    fn a_fixed_vector_seals_to_the_same_bytes() {
        let sealer = Sealer::derive("correct horse battery staple", [7; SALT_LEN], ITERATIONS, None).unwrap();
        let sealed = sealer.seal_with_nonce("index.json", b"{\"format\":1}", [9; NONCE_LEN]);
        assert_eq!(
            promnote_core::api::encoding::base64url(&sealed),
            "UE5TRUFMMDEHBwcHBwcHBwcHBwcHBwcHCQkJCQkJCQkJCQkJ9zhy7u1Exczmx3uJnzPMsqzGMzdtUuWQ6VLTNg"
        );
        assert_eq!(sealer.open("index.json", &sealed, "the index").unwrap(), b"{\"format\":1}");
    }

    #[test]
    fn a_file_opens_only_under_its_name_whole_and_with_its_passphrase() {
        let dir = std::env::temp_dir().join(format!("promnote-seal-{}", std::process::id()));
        let sealer = Sealer::for_site(&dir, "a passphrase long enough").unwrap();
        let sealed = sealer.seal("a.json", b"hub prod: 140 users").unwrap();
        assert!(!String::from_utf8_lossy(&sealed).contains("prod"));
        assert_eq!(sealer.open("a.json", &sealed, "A").unwrap(), b"hub prod: 140 users");
        // Another name, a flipped byte, a cut: damaged.
        assert_eq!(sealer.open("b.json", &sealed, "A"), Err(SealError::Damaged { what: "A".into() }));
        let mut flipped = sealed;
        *flipped.last_mut().unwrap() ^= 1;
        assert!(matches!(sealer.open("a.json", &flipped, "A"), Err(SealError::Damaged { .. })));
        // Another site's salt: another passphrase.
        let other = Sealer::for_site(&dir, "another passphrase entirely").unwrap();
        let theirs = other.seal("a.json", b"x").unwrap();
        assert!(matches!(sealer.open("a.json", &theirs, "A"), Err(SealError::OtherPassphrase { .. })));
        // Names are stable per passphrase and say nothing of the id.
        assert_eq!(sealer.stem("hub-activity--prod"), sealer.stem("hub-activity--prod"));
        assert_ne!(sealer.stem("hub-activity--prod"), other.stem("hub-activity--prod"));
        assert_eq!(sealer.stem("x").len(), 24);
    }

    #[test]
    fn an_existing_site_is_opened_with_its_own_salt_and_refused_another_passphrase() {
        let dir = std::env::temp_dir().join(format!("promnote-seal-site-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let first = Sealer::for_site(&dir, "the site's passphrase").unwrap();
        std::fs::write(dir.join(SEAL_FILE), first.info_text()).unwrap();
        let again = Sealer::for_site(&dir, "the site's passphrase").unwrap();
        assert_eq!(again.salt, first.salt);
        assert_eq!(again.stem("r"), first.stem("r"));
        let refused = Sealer::for_site(&dir, "a wrong passphrase").err().unwrap();
        assert!(refused.message.contains("does not open the site sealed in"), "{}", refused.message);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
