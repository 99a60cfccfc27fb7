//! The page's regex engine for variable regexes: the browser's own `RegExp`, so a
//! dashboard's regex means here what it means in Grafana, whose regexes are JavaScript's.

use js_sys::{Array, Reflect, RegExp};
use promnote_core::report::variables::{Found, RegexEngine};
use wasm_bindgen::JsValue;

/// `RegExp`, compiled once per pattern (a variable applies one regex to all its values).
#[derive(Default)]
pub struct JsRegex {
    last: std::cell::RefCell<Option<(String, String, RegExp)>>,
}

impl RegexEngine for JsRegex {
    fn find(&self, pattern: &str, flags: &str, text: &str) -> Result<Option<Found>, String> {
        let mut last = self.last.borrow_mut();
        if last.as_ref().is_none_or(|(p, f, _)| p != pattern || f != flags) {
            // `new RegExp` throws a SyntaxError on a bad pattern: catch it as a message.
            let constructor = Reflect::get(&js_sys::global(), &JsValue::from_str("RegExp"))
                .map_err(|_| "this browser has no RegExp".to_owned())?;
            let args = Array::of2(&JsValue::from_str(pattern), &JsValue::from_str(flags));
            let made = Reflect::construct(&constructor.into(), &args).map_err(|e| {
                js_sys::Error::from(e).message().as_string().unwrap_or_else(|| "not a regex".to_owned())
            })?;
            *last = Some((pattern.to_owned(), flags.to_owned(), made.into()));
        }
        let Some((_, _, re)) = last.as_ref() else { return Ok(None) };
        re.set_last_index(0);
        let Some(found) = re.exec(text) else { return Ok(None) };
        let group = |name: &str| {
            let groups = Reflect::get(&found, &JsValue::from_str("groups")).ok().filter(|g| g.is_object())?;
            Reflect::get(&groups, &JsValue::from_str(name)).ok()?.as_string()
        };
        Ok(Some(Found { group: found.get(1).as_string(), value: group("value"), text: group("text") }))
    }
}
