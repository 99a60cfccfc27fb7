//! The built-in reports in `reports/` are valid, survive a write-back unchanged, and are
//! all in the site's gallery (`src/state.rs`, which the e2e tests and the recording read).

use promnote_core::report::format::{self, Block};

#[test]
fn built_in_reports_parse_and_round_trip() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../reports");
    let gallery = include_str!("../../../src/state.rs");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).expect("reports/ exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("md") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable report");
        let nb = format::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(nb.cells().count() >= 1, "{} has no cell", path.display());
        assert!(nb.blocks.iter().any(|b| matches!(b, Block::Prose(_))), "{} has no prose", path.display());
        assert_eq!(format::parse(&nb.to_markdown()).as_ref(), Ok(&nb), "{}", path.display());
        let name = path.file_name().and_then(|n| n.to_str()).expect("a file name");
        assert!(
            gallery.contains(&format!("include_str!(\"../reports/{name}\")")),
            "{name} is not in src/state.rs' BUILT_IN"
        );
        seen += 1;
    }
    assert_eq!(
        seen,
        gallery.matches("BuiltIn { id:").count(),
        "src/state.rs lists a report that reports/ lacks"
    );
}
