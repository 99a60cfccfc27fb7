//! Saving text as a file in the browser (a Blob behind a temporary link). The content
//! is built by the core (`promnote_core::csv`); nothing here sees the token.

use wasm_bindgen::JsCast;

/// Offers `text` as a download named `file_name`. Errors are for people.
pub fn save_text(file_name: &str, mime: &str, text: &str) -> Result<(), String> {
    let fail = |_| "The browser refused to create the file.".to_owned();
    let document = web_sys::window().and_then(|w| w.document()).ok_or("No document to download from.")?;
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let link: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(fail)?.dyn_into().map_err(|_| "No link element.".to_owned())?;
    link.set_href(&url);
    link.set_download(file_name);
    link.click();
    web_sys::Url::revoke_object_url(&url).map_err(fail)
}
