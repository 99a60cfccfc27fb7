//! Builds the site into the binary for `promnote serve`: every file of the site's build
//! (trunk's `dist/`, or the folder `PROMNOTE_SITE_DIR` names) becomes a byte string in
//! `$OUT_DIR/site.rs`. Without a built site the list is empty, and `promnote serve` says
//! how to get one (the release binaries always carry it).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-env-changed=PROMNOTE_SITE_DIR");
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let site =
        std::env::var_os("PROMNOTE_SITE_DIR").map_or_else(|| manifest.join("../../dist"), PathBuf::from);
    // Trunk rewrites index.html on every build: watching it notices a new site.
    println!("cargo:rerun-if-changed={}", site.join("index.html").display());
    let mut files = Vec::new();
    if site.join("index.html").is_file() {
        collect(&site, &site, &mut files);
    }
    files.sort();
    let mut out = String::from("/// The site's files: path (without a leading slash) and bytes.\npub static FILES: &[(&str, &[u8])] = &[\n");
    for (name, path) in &files {
        let _ = writeln!(out, "    ({name:?}, include_bytes!({:?})),", path.display().to_string());
    }
    out.push_str("];\n");
    let target = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("site.rs");
    if let Err(e) = std::fs::write(&target, out) {
        panic!("cannot write {}: {e}", target.display());
    }
}

/// Every file under `dir`, named by its path from `root` with `/` between folders. Hidden
/// names are left out: trunk stages a build in `dist/.stage`, which may be half-written
/// (or gone) while this runs; a site never serves them.
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, files);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let name: Vec<String> =
                relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            let absolute = path.canonicalize().unwrap_or(path.clone());
            files.push((name.join("/"), absolute));
        }
    }
}
