//! Saving a file from the browser (a Blob behind a temporary link), and a name for it
//! that any file system takes. The content is built by the core (`promnote_core::csv`)
//! or opened from a published site; nothing here sees the token or a passphrase.

use wasm_bindgen::{JsCast, JsValue};

/// Offers `text` as a download named `file_name`. Errors are for people.
pub fn save_text(file_name: &str, mime: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    save_parts(file_name, mime, &parts)
}

/// Offers `bytes` as a download named `file_name`. Errors are for people.
pub fn save_bytes(file_name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    save_parts(file_name, mime, &parts)
}

fn save_parts(file_name: &str, mime: &str, parts: &js_sys::Array) -> Result<(), String> {
    let fail = |_| "The browser refused to create the file.".to_owned();
    let document = web_sys::window().and_then(|w| w.document()).ok_or("No document to download from.")?;
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_blob_sequence_and_options(parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let link: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(fail)?.dyn_into().map_err(|_| "No link element.".to_owned())?;
    link.set_href(&url);
    link.set_download(file_name);
    link.click();
    // Revoked once the browser has surely begun the download (it reads the Blob from
    // the URL when it starts); until then the URL is this page's alone.
    leptos::task::spawn_local(async move {
        crate::perf::sleep_ms(30_000).await;
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    Ok(())
}

/// `title` as a file name with `extension`: characters that some file system refuses or
/// reads as a path (`/ \ : * ? " < > |`, controls) become `-`, leading dots and outer
/// spaces go, and it is cut to 100 characters. `Hub activity: prod` → `Hub activity- prod.pdf`.
pub fn file_name(title: &str, extension: &str) -> String {
    let safe: String = title
        .chars()
        .map(|c| if c.is_control() || "/\\:*?\"<>|".contains(c) { '-' } else { c })
        .take(100)
        .collect();
    let safe = safe.trim().trim_start_matches('.').trim();
    let stem = if safe.is_empty() { "report" } else { safe };
    format!("{stem}.{extension}")
}
