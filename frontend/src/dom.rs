//! Small browser helpers: the window and document, and event listeners removed on drop.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Document, Event, EventTarget, Window};

/// The browser window (the widget only runs in a window).
pub fn window() -> Option<Window> {
    web_sys::window()
}

/// The page's document.
pub fn document() -> Option<Document> {
    window()?.document()
}

/// The buyer's clock, in milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    // Date.now() is an integral number of milliseconds well inside i64.
    js_sys::Date::now() as i64
}

/// An event listener that is removed when dropped.
pub struct Listener {
    target: EventTarget,
    name: &'static str,
    callback: Closure<dyn FnMut(Event)>,
}

impl Listener {
    /// Listens for `name` on `target`; `None` if the browser refuses.
    pub fn new(
        target: &EventTarget,
        name: &'static str,
        handler: impl FnMut(Event) + 'static,
    ) -> Option<Self> {
        let callback = Closure::<dyn FnMut(Event)>::new(handler);
        target
            .add_event_listener_with_callback(name, callback.as_ref().unchecked_ref())
            .ok()?;
        Some(Self {
            target: target.clone(),
            name,
            callback,
        })
    }
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener")
            .field("name", &self.name)
            .finish()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback(self.name, self.callback.as_ref().unchecked_ref());
    }
}

/// Whether the page is hidden (background tab, phone locked, bank app in front).
pub fn page_hidden() -> bool {
    document().is_some_and(|d| d.hidden())
}

/// Sends the whole page to `url` (hosted page: the gateway's form, back to the shop).
pub fn navigate(url: &str) {
    if let Some(w) = window() {
        let _ = w.location().assign(url);
    }
}

/// Reloads the page.
pub fn reload() {
    if let Some(w) = window() {
        let _ = w.location().reload();
    }
}

/// Whether this looks like a phone or tablet (touch-first, or a mobile user agent): SberPay
/// then opens the app directly instead of showing a QR code.
pub fn is_mobile() -> bool {
    let Some(w) = window() else {
        return false;
    };
    let coarse = w
        .match_media("(hover: none) and (pointer: coarse)")
        .ok()
        .flatten()
        .is_some_and(|m| m.matches());
    let agent = w.navigator().user_agent().unwrap_or_default();
    coarse
        || ["Android", "iPhone", "iPad", "Mobile"]
            .iter()
            .any(|k| agent.contains(k))
}
