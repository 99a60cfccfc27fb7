//! The one place that hands figures to plotly.js. The figure itself is built, as
//! data, by `promnote_core::chart`; here it is serialized and given to the global
//! `Plotly.react`, which updates an existing chart in place instead of re-creating it.
//!
//! plotly.js is off the page's critical path: `index.html` carries it as an inert
//! `<script type="deferred" data-plotly>` (trunk still hashes the file and
//! writes its `integrity`), and [`load_plotly`] makes it a real script once the app is on
//! screen. Every draw waits for it.

use std::cell::RefCell;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Plotly, js_name = react, catch)]
    fn plotly_react(element: &web_sys::HtmlElement, figure: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = Plotly, js_name = purge, catch)]
    fn plotly_purge(element: &web_sys::HtmlElement) -> Result<(), JsValue>;

    #[wasm_bindgen(js_namespace = ["Plotly", "Plots"], js_name = resize, catch)]
    fn plotly_resize(element: &web_sys::HtmlElement) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = Plotly, js_name = relayout, catch)]
    fn plotly_relayout(element: &web_sys::HtmlElement, update: &JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = Plotly, js_name = downloadImage, catch)]
    fn plotly_download_image(
        element: &web_sys::HtmlElement,
        options: &JsValue,
    ) -> Result<js_sys::Promise, JsValue>;
}

thread_local! {
    /// plotly.js being loaded (or loaded): one script element for the whole page.
    static PLOTLY: RefCell<Option<js_sys::Promise>> = const { RefCell::new(None) };
}

/// What a reader sees when plotly.js does not arrive.
const PLOTLY_MISSING: &str =
    "The chart library (plotly.js) could not be loaded from this site, so charts cannot be drawn; tables and CSV downloads still work. Check your connection and reload the page.";

/// Starts loading plotly.js (once) and returns a promise that settles when it has run.
/// A failed load is forgotten, so the next draw tries again.
pub fn load_plotly() -> js_sys::Promise {
    PLOTLY.with(|slot| slot.borrow_mut().get_or_insert_with(start_plotly).clone())
}

fn start_plotly() -> js_sys::Promise {
    let loaded = js_sys::Reflect::get(&js_sys::global(), &"Plotly".into()).is_ok_and(|p| p.is_object());
    if loaded {
        return js_sys::Promise::resolve(&JsValue::UNDEFINED);
    }
    js_sys::Promise::new(&mut |resolve, reject| {
        let script = (|| {
            let document = web_sys::window()?.document()?;
            let inert = document.query_selector("script[data-plotly]").ok()??;
            let script: web_sys::HtmlScriptElement =
                document.create_element("script").ok()?.dyn_into().ok()?;
            script.set_src(&inert.get_attribute("src")?);
            if let Some(integrity) = inert.get_attribute("integrity") {
                script.set_integrity(&integrity);
            }
            document.head()?.append_child(&script).ok()?;
            Some(script)
        })();
        let Some(script) = script else {
            let _ = reject.call1(&JsValue::NULL, &PLOTLY_MISSING.into());
            return;
        };
        let on_error = reject;
        script.set_onload(Some(Closure::once_into_js(move || resolve.call0(&JsValue::NULL)).unchecked_ref()));
        script.set_onerror(Some(
            Closure::once_into_js(move || on_error.call1(&JsValue::NULL, &PLOTLY_MISSING.into()))
                .unchecked_ref(),
        ));
    })
}

/// Waits for plotly.js; what to say if it does not come.
async fn plotly_ready() -> Result<(), String> {
    match JsFuture::from(load_plotly()).await {
        Ok(_) => Ok(()),
        Err(_) => {
            PLOTLY.with(|slot| slot.borrow_mut().take());
            Err(PLOTLY_MISSING.to_owned())
        }
    }
}

/// Saves the chart drawn in `element` as a PNG (what the modebar's camera does, from a
/// button the keyboard reaches).
pub fn download_png(element: &web_sys::HtmlElement, file_name: &str) -> Result<(), String> {
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"format".into(), &"png".into());
    let _ = js_sys::Reflect::set(&options, &"filename".into(), &file_name.into());
    plotly_download_image(element, &options)
        .map(drop)
        .map_err(|_| "The chart is not drawn yet, so there is no image to save.".to_owned())
}

/// Zooms the chart in `element` back out to all of its data.
pub fn reset_zoom(element: &web_sys::HtmlElement) {
    let update = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&update, &"xaxis.autorange".into(), &true.into());
    let _ = js_sys::Reflect::set(&update, &"yaxis.autorange".into(), &true.into());
    let _ = plotly_relayout(element, &update);
}

/// Width of a chart on paper (A4 or Letter with the browser's default margins), in CSS px.
const PRINT_WIDTH_PX: f64 = 680.0;

/// Charts are sized for the screen; on paper they must fit the page. The browser fires
/// `beforeprint` (also for "Save as PDF") before laying the page out for paper: narrow
/// every chart then, and give it back its container's width after printing.
pub fn fit_charts_to_paper() {
    let each_chart = |update: &dyn Fn(&web_sys::HtmlElement)| {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
        let Ok(charts) = document.query_selector_all(".js-plotly-plot") else { return };
        for i in 0..charts.length() {
            if let Some(chart) = charts.item(i).and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) {
                update(&chart);
            }
        }
    };
    let width = |value: JsValue| {
        let update = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&update, &"width".into(), &value);
        update
    };
    let before = window_event_listener(leptos::ev::beforeprint, move |_| {
        each_chart(&|chart| {
            let _ = plotly_relayout(chart, &width(PRINT_WIDTH_PX.into()));
        });
    });
    let after = window_event_listener(leptos::ev::afterprint, move |_| {
        each_chart(&|chart| {
            let _ = plotly_relayout(chart, &width(JsValue::NULL));
            let _ = plotly_resize(chart);
        });
    });
    on_cleanup(move || {
        before.remove();
        after.remove();
    });
}

/// A figure serialized by `plotly::Plot::to_json` (a `Plot` itself is not `Send`, so
/// signals carry this instead). Clones share the text, and comparing two clones is a
/// pointer comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureJson(pub std::sync::Arc<str>);

impl From<&plotly::Plot> for FigureJson {
    fn from(plot: &plotly::Plot) -> Self {
        Self(plot.to_json().into())
    }
}

/// Draws (or redraws) a figure into `element`. Errors are for people.
pub async fn draw(element: &web_sys::HtmlElement, figure: &FigureJson) -> Result<(), String> {
    plotly_ready().await?;
    let started = crate::perf::now_ms();
    let figure = js_sys::JSON::parse(&figure.0).map_err(|_| "The chart could not be prepared.".to_owned())?;
    let promise = plotly_react(element, &figure).map_err(|_| PLOTLY_MISSING.to_owned())?;
    // Most of a draw is this synchronous call; running cells pace their redraws by it.
    crate::perf::record_draw(crate::perf::now_ms() - started);
    JsFuture::from(promise).await.map(|_| ()).map_err(|e| {
        format!(
            "plotly.js could not draw the chart: {}",
            e.as_string().unwrap_or_else(|| "unknown error".into())
        )
    })
}

/// Whether the page is in dark mode (`prefers-color-scheme: dark`).
pub fn prefers_dark() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches())
}

/// A chart container; `figure` is redrawn whenever it changes.
#[component]
pub fn Chart(
    /// The figure to show; `None` keeps the container empty.
    figure: Signal<Option<FigureJson>>,
    /// Called after each successful draw with the figure now on screen (a draw that a
    /// newer figure overtook does not count).
    #[prop(into)]
    on_drawn: Callback<FigureJson>,
    /// Set when drawing fails.
    draw_error: RwSignal<Option<String>>,
) -> impl IntoView {
    let node = NodeRef::<leptos::html::Div>::new();
    // `responsive` only follows the window; the container also changes width when the
    // problems column beside it appears, so follow the container itself.
    let observer = StoredValue::new_local(None::<(web_sys::ResizeObserver, Closure<dyn FnMut()>)>);
    node.on_load(move |element| {
        let element: web_sys::HtmlElement = element.into();
        let target = element.clone();
        let on_resize = Closure::<dyn FnMut()>::new(move || {
            if target.class_list().contains("js-plotly-plot") {
                let _ = plotly_resize(&target);
            }
        });
        if let Ok(resize) = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()) {
            resize.observe(&element);
            observer.set_value(Some((resize, on_resize)));
        }
    });
    on_cleanup(move || {
        observer.try_with_value(|kept| {
            if let Some((resize, _)) = kept {
                resize.disconnect();
            }
        });
    });
    Effect::new(move |_| {
        let wanted = figure.get();
        let Some(element) = node.get() else { return };
        let element: web_sys::HtmlElement = element.into();
        let Some(plot) = wanted else {
            // No data (a new run, or a failed one): never leave an old chart on screen.
            let _ = plotly_purge(&element);
            return;
        };
        leptos::task::spawn_local(async move {
            // Plotly's draw gets a task of its own: the pivot and figure that led here ran in
            // the task that set the figure, and together they would block the page twice as
            // long. A figure replaced meanwhile (or cleared, its chart purged, or its cell
            // removed) is not drawn.
            crate::perf::sleep_ms(0).await;
            let still_wanted = || figure.try_with_untracked(|now| now.as_ref() == Some(&plot)) == Some(true);
            if !still_wanted() {
                return;
            }
            match draw(&element, &plot).await {
                Ok(()) if still_wanted() => {
                    draw_error.set(None);
                    on_drawn.run(plot);
                }
                Ok(()) => {}
                Err(message) => draw_error.set(Some(message)),
            }
        });
    });
    view! { <div class="chart" data-testid="chart" node_ref=node></div> }
}
