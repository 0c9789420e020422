//! Copying requisites: the Clipboard API first, then the old select-and-copy way (insecure
//! contexts, older WebViews, and headless browsers refuse the Clipboard API).

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlDocument, HtmlTextAreaElement, Node};

/// How a copy went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyOutcome {
    /// `navigator.clipboard.writeText` succeeded.
    Clipboard,
    /// The fallback (`execCommand("copy")` on a selected text area) succeeded.
    Fallback,
    /// Neither worked: the buyer has to select the text by hand.
    Failed,
}

impl CopyOutcome {
    /// Whether the text is on the clipboard.
    pub fn copied(self) -> bool {
        matches!(self, Self::Clipboard | Self::Fallback)
    }
}

/// Copies `text`, using `scratch` (a node inside the widget) for the fallback's text area.
pub async fn copy_text(text: &str, scratch: &Node) -> CopyOutcome {
    if clipboard_api(text).await {
        return CopyOutcome::Clipboard;
    }
    if copy_via_selection(text, scratch) {
        CopyOutcome::Fallback
    } else {
        CopyOutcome::Failed
    }
}

/// `navigator.clipboard.writeText(text)`; false where missing or refused.
async fn clipboard_api(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let navigator = window.navigator();
    // Missing outside secure contexts: check before calling.
    let present = js_sys::Reflect::get(&navigator, &"clipboard".into())
        .map(|c| !c.is_undefined() && !c.is_null())
        .unwrap_or(false);
    if !present {
        return false;
    }
    JsFuture::from(navigator.clipboard().write_text(text))
        .await
        .is_ok()
}

/// The fallback: a read-only text area under `scratch`, selected, `execCommand("copy")`, removed.
pub fn copy_via_selection(text: &str, scratch: &Node) -> bool {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    let Some(area) = document
        .create_element("textarea")
        .ok()
        .and_then(|e| e.dyn_into::<HtmlTextAreaElement>().ok())
    else {
        return false;
    };
    area.set_value(text);
    area.set_read_only(true);
    area.set_class_name("akc-offscreen");
    let _ = area.set_attribute("aria-hidden", "true");
    if scratch.append_child(&area).is_err() {
        return false;
    }
    area.select();
    let copied = document
        .dyn_into::<HtmlDocument>()
        .ok()
        .and_then(|d| d.exec_command("copy").ok())
        .unwrap_or(false);
    area.remove();
    copied
}
