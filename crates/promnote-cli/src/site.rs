//! A published site's snapshots folder, public or sealed: reading and writing its index,
//! its snapshots and their attachments (report CSV, PDF), each file whole or not at all
//! ([`output::write_atomically`]). On a sealed site every file but `seal.json` is sealed
//! and named by [`Sealer::stem`]; `seal.json` is written before the index, and the index
//! last, so a reader never finds an index naming files that are not there yet.
//! `promnote site-index` and `promnote attach` are here too.

use std::path::{Path, PathBuf};

use promnote_core::api::replay::{self, SnapshotIndex};
use promnote_core::api::seal::{self, SEAL_FILE};

use crate::cli::{AttachArgs, SiteArgs};
use crate::output;
use crate::seal::{passphrase, Sealer};
use crate::secrets::SecretFiles;
use crate::term::say;
use crate::{Exit, Fail};

/// The index's name in the folder.
pub const INDEX_FILE: &str = "index.json";

/// A snapshots folder, and its sealer when the site is private.
pub struct Site {
    dir: PathBuf,
    sealer: Option<Sealer>,
}

impl Site {
    /// The folder `dir`, sealed with `passphrase` when one is given. A folder already
    /// sealed needs its passphrase; a public folder with snapshots is not sealed over
    /// (their public files would stay beside the sealed ones).
    pub fn open(dir: &Path, passphrase: Option<&str>) -> Result<Self, Fail> {
        let sealed_already = dir.join(SEAL_FILE).exists();
        let sealer = match passphrase {
            Some(passphrase) => {
                if !sealed_already && dir.join(INDEX_FILE).exists() {
                    return Err(Fail::input(format!(
                        "{} holds a public site's snapshots: publish a private one into a folder of its own",
                        dir.display()
                    )));
                }
                Some(Sealer::for_site(dir, passphrase)?)
            }
            None if sealed_already => {
                return Err(Fail::input(format!(
                    "{} is a private (sealed) site: pass --encrypt, with its passphrase in PROMNOTE_PASSPHRASE or --passphrase-file",
                    dir.display()
                )))
            }
            None => None,
        };
        Ok(Self { dir: dir.to_owned(), sealer })
    }

    /// Whether the site is sealed.
    pub fn sealed(&self) -> bool {
        self.sealer.is_some()
    }

    /// Its index, or an empty one when it has none yet.
    pub fn read_index(&self) -> Result<SnapshotIndex, Fail> {
        let path = self.dir.join(INDEX_FILE);
        let Ok(bytes) = std::fs::read(&path) else {
            return Ok(SnapshotIndex { format: replay::FORMAT, snapshots: Vec::new() });
        };
        let bytes = match (&self.sealer, seal::is_sealed(&bytes)) {
            (Some(sealer), true) => sealer
                .open(INDEX_FILE, &bytes, "The snapshot index")
                .map_err(|e| Fail::input(format!("{}: {e}", path.display())))?,
            (None, false) => bytes,
            (Some(_), false) => {
                return Err(Fail::input(format!("{} is not sealed, but the site is", path.display())))
            }
            (None, true) => return Err(Fail::input(format!("{} is sealed: pass --encrypt", path.display()))),
        };
        let text =
            String::from_utf8(bytes).map_err(|_| Fail::input(format!("{} is not text", path.display())))?;
        SnapshotIndex::parse(&text).map_err(|e| Fail::input(format!("{}: {e}", path.display())))
    }

    /// The file name of report `id`'s file with `extension` (`json`, `csv`, `pdf`): its
    /// id on a public site, an HMAC of it on a sealed one.
    pub fn file_name(&self, id: &str, extension: &str) -> String {
        let json = replay::snapshot_file_name(id);
        match &self.sealer {
            Some(sealer) => format!("{}.{extension}", sealer.stem(id)),
            None => format!("{}.{extension}", json.trim_end_matches(".json")),
        }
    }

    /// The file `name`, opened on a sealed site (`what` names it in errors). On a sealed
    /// site a file that is not sealed is refused: it was not written by promnote.
    pub fn read(&self, name: &str, what: &str) -> Result<Vec<u8>, Fail> {
        let path = self.dir.join(name);
        let bytes =
            std::fs::read(&path).map_err(|e| Fail::input(format!("cannot read {}: {e}", path.display())))?;
        match &self.sealer {
            Some(sealer) => {
                sealer.open(name, &bytes, what).map_err(|e| Fail::input(format!("{}: {e}", path.display())))
            }
            None => Ok(bytes),
        }
    }

    /// Where the file `name` is.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Writes the file `name` (sealed on a sealed site).
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), Fail> {
        let path = self.dir.join(name);
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)
                .map_err(|e| Fail::input(format!("cannot create {}: {e}", folder.display())))?;
        }
        match &self.sealer {
            Some(sealer) => output::write_bytes_atomically(&path, &sealer.seal(name, bytes)?),
            None => output::write_bytes_atomically(&path, bytes),
        }
        .map_err(Fail::input)
    }

    /// Writes the index's `text`, and before it `seal.json` on a sealed site.
    pub fn write_index(&self, text: &str) -> Result<(), Fail> {
        if let Some(sealer) = &self.sealer {
            output::write_bytes_atomically(&self.dir.join(SEAL_FILE), sealer.info_text().as_bytes())
                .map_err(Fail::input)?;
        }
        self.write(INDEX_FILE, text.as_bytes())
    }
}

/// The passphrase when `encrypt` says the site is sealed.
pub fn site_passphrase(encrypt: bool, file: Option<&Path>) -> Result<Option<String>, Fail> {
    if !encrypt {
        if file.is_some() {
            return Err(Fail::input("--passphrase-file is for --encrypt: add --encrypt, or leave it out"));
        }
        return Ok(None);
    }
    passphrase(&SecretFiles::default(), file).map(Some)
}

/// `promnote site-index DIR`: the index of a published site, opened, as JSON on stdout.
pub fn print_index(args: &SiteArgs) -> Result<Exit, Fail> {
    let passphrase = site_passphrase(args.encrypt, args.passphrase_file.as_deref())?;
    let site = Site::open(&args.dir, passphrase.as_deref())?;
    if !args.dir.join(INDEX_FILE).exists() {
        return Err(Fail::input(format!(
            "{} has no {INDEX_FILE}: no snapshot is published there",
            args.dir.display()
        )));
    }
    let text = index_text(&site.read_index()?)?;
    output::print_line(&text).map_err(|e| Fail::input(format!("cannot write to stdout: {e}")))?;
    Ok(Exit::Ok)
}

/// `promnote attach DIR ID FILE…`: copies each file beside report `ID`'s snapshot, as
/// its `<file>.<extension>` (sealed on a sealed site), and lists it in the index.
pub fn attach(args: &AttachArgs) -> Result<Exit, Fail> {
    let passphrase = site_passphrase(args.site.encrypt, args.site.passphrase_file.as_deref())?;
    let site = Site::open(&args.site.dir, passphrase.as_deref())?;
    let mut index = site.read_index()?;
    let Some(entry) = index.snapshots.iter_mut().find(|e| e.id == args.id) else {
        return Err(Fail::input(format!("{} has no snapshot of {}", args.site.dir.display(), args.id)));
    };
    for file in &args.files {
        let extension = file.extension().and_then(|e| e.to_str()).unwrap_or_default().to_ascii_lowercase();
        if !["pdf", "csv"].contains(&extension.as_str()) {
            return Err(Fail::input(format!("{}: only .pdf and .csv files are attached", file.display())));
        }
        let bytes =
            std::fs::read(file).map_err(|e| Fail::input(format!("cannot read {}: {e}", file.display())))?;
        let name = format!("{}.{extension}", entry.file.trim_end_matches(".json"));
        site.write(&name, &bytes)?;
        if !entry.attachments.contains(&name) {
            entry.attachments.push(name.clone());
        }
        say!("promnote: {} -> {}", file.display(), site.path(&name).display());
    }
    let text = index_text(&index)?;
    site.write_index(&text)?;
    Ok(Exit::Ok)
}

/// The index as it is written.
pub fn index_text(index: &SnapshotIndex) -> Result<String, Fail> {
    serde_json::to_string_pretty(index).map_err(|e| Fail::input(format!("cannot write the index: {e}")))
}
