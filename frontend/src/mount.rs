//! `mount(element, options)`: the widget inside a Shadow DOM root with its own constructed
//! stylesheet, so the shop's CSS cannot reach it and it cannot reach the shop — and no inline
//! `<style>` is needed under a strict Content-Security-Policy. Browsers without constructed
//! stylesheets (Safari before 16.4) get the same CSS as a stylesheet link from the widget's
//! own build directory, which a policy allowing the checkout's origin (or `'self'` on the
//! hosted page) lets through too.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::str::FromStr;

use leptos::prelude::*;
use shared::api::{Locale, SessionToken};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{CssStyleSheet, Element, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

use crate::api::HttpBackend;
use crate::app::{AppSetup, checkout_app};
use crate::events::Emitter;
use crate::theme::Theme;
use crate::views::Ui;
use crate::{clock::Clock, dom};

/// The widget's stylesheet (`style/widget.css`, minified by `build.rs`), adopted by every
/// shadow root.
pub const WIDGET_CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/widget.min.css"));

/// Tag of the custom element; a target with this tag hosts the shadow root itself.
const CUSTOM_ELEMENT: &str = "ALIKASSA-CHECKOUT";

/// Why `mount` refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MountError {
    /// No `token` option.
    #[error("AliKassaCheckout: the `token` option is required")]
    MissingToken,
    /// The token is malformed.
    #[error("AliKassaCheckout: invalid token: {0}")]
    BadToken(String),
    /// An unsupported `locale`.
    #[error("AliKassaCheckout: {0}")]
    BadLocale(String),
    /// An unsupported `theme`.
    #[error("AliKassaCheckout: {0}")]
    BadTheme(String),
    /// An unsupported `mode`.
    #[error("AliKassaCheckout: unknown mode {0:?}; expected embedded or hosted")]
    BadMode(String),
    /// The browser refused to build the widget's DOM.
    #[error("AliKassaCheckout: the browser refused to create the widget: {0}")]
    Dom(String),
}

/// Options read from the JS object given to `mount`.
#[derive(Debug, Clone)]
pub struct MountOptions {
    /// The session token.
    pub token: SessionToken,
    /// Explicit language (else the session's).
    pub locale: Option<Locale>,
    /// Colour scheme.
    pub theme: Theme,
    /// Our server's origin (`checkout.js` passes its own).
    pub api_base: String,
    /// The widget's stylesheet as a file (`checkout.js` passes the one beside it), for
    /// browsers without constructed stylesheets.
    pub style_url: Option<String>,
    /// Full page rather than embedded.
    pub hosted: bool,
    /// The merchant's callback.
    pub on_event: Option<js_sys::Function>,
    /// The first view, already requested by `checkout.js` (see [`HttpBackend::with_prefetch`]).
    pub prefetch: Option<js_sys::Promise>,
    /// Sandbox server (as far as `checkout.js` knows before the view): failures also tell
    /// the developer their cause and fix.
    pub sandbox: bool,
}

fn get_string(options: &JsValue, key: &str) -> Option<String> {
    js_sys::Reflect::get(options, &key.into())
        .ok()
        .and_then(|v| v.as_string())
        .filter(|s| !s.is_empty())
}

impl MountOptions {
    /// Reads `{token, locale?, theme?, apiBase?, styleUrl?, mode?, onEvent?}`.
    pub fn from_js(options: &JsValue) -> Result<Self, MountError> {
        let token = get_string(options, "token").ok_or(MountError::MissingToken)?;
        let token = SessionToken::parse(token).map_err(|e| MountError::BadToken(e.to_string()))?;
        let locale = get_string(options, "locale")
            .map(|l| Locale::from_str(&l).map_err(|e| MountError::BadLocale(e.to_string())))
            .transpose()?;
        let theme = get_string(options, "theme")
            .map(|t| Theme::from_str(&t).map_err(|e| MountError::BadTheme(e.to_string())))
            .transpose()?
            .unwrap_or_default();
        let hosted = match get_string(options, "mode").as_deref() {
            None | Some("embedded") => false,
            Some("hosted") => true,
            Some(other) => return Err(MountError::BadMode(other.to_owned())),
        };
        let api_base = get_string(options, "apiBase")
            .or_else(|| dom::window().and_then(|w| w.location().origin().ok()))
            .unwrap_or_default();
        let on_event = js_sys::Reflect::get(options, &"onEvent".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        let field = |key: &str| js_sys::Reflect::get(options, &key.into()).unwrap_or_default();
        Ok(Self {
            token,
            locale,
            theme,
            api_base,
            style_url: get_string(options, "styleUrl"),
            hosted,
            on_event,
            prefetch: field("prefetch").dyn_into::<js_sys::Promise>().ok(),
            sandbox: field("sandbox").is_truthy(),
        })
    }
}

thread_local! {
    static SHEET: RefCell<Option<CssStyleSheet>> = const { RefCell::new(None) };
}

/// The shared constructed stylesheet, made once.
fn stylesheet() -> Option<CssStyleSheet> {
    SHEET.with(|cell| {
        let mut sheet = cell.borrow_mut();
        if sheet.is_none() {
            let made = CssStyleSheet::new().ok()?;
            made.replace_sync(WIDGET_CSS).ok()?;
            *sheet = Some(made);
        }
        sheet.clone()
    })
}

/// Gives `root` the widget's CSS: adopted where supported; else a stylesheet link to
/// `style_url`, returned so the caller can keep the widget hidden until it has loaded; else
/// (no URL given) a `<style>` element, which needs a policy that allows inline styles.
fn style(root: &ShadowRoot, style_url: Option<&str>) -> Result<Option<Element>, MountError> {
    if let Some(sheet) = stylesheet() {
        root.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
        return Ok(None);
    }
    let dom_error = |e: JsValue| MountError::Dom(format!("{e:?}"));
    let document = dom::document().ok_or_else(|| MountError::Dom("no document".into()))?;
    let element = match style_url {
        Some(url) => {
            let link = document.create_element("link").map_err(dom_error)?;
            link.set_attribute("rel", "stylesheet").map_err(dom_error)?;
            link.set_attribute("href", url).map_err(dom_error)?;
            link
        }
        None => {
            let element = document.create_element("style").map_err(dom_error)?;
            element.set_text_content(Some(WIDGET_CSS));
            element
        }
    };
    root.append_child(&element).map_err(dom_error)?;
    Ok(style_url.map(|_| element))
}

/// Hides `container` until the stylesheet `link` has loaded (or failed: the widget then
/// shows unstyled rather than not at all); the listeners live as long as the widget.
fn hide_until_loaded(container: &HtmlElement, link: &Element) -> Vec<dom::Listener> {
    if container.set_attribute("hidden", "").is_err() {
        return Vec::new();
    }
    ["load", "error"]
        .into_iter()
        .filter_map(|name| {
            let container = container.clone();
            dom::Listener::new(link.as_ref(), name, move |_| {
                let _ = container.remove_attribute("hidden");
            })
        })
        .collect()
}

/// A mounted widget (`destroy`, `setLocale`, `setTheme`).
#[wasm_bindgen]
pub struct WidgetHandle {
    unmount: Option<Box<dyn Any>>,
    host: Element,
    owned_host: bool,
    locale: RwSignal<Locale>,
    theme: RwSignal<Theme>,
    /// Waiting for the stylesheet link, where one was needed.
    _style_wait: Vec<dom::Listener>,
}

impl std::fmt::Debug for WidgetHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WidgetHandle")
            .field("mounted", &self.unmount.is_some())
            .finish_non_exhaustive()
    }
}

#[wasm_bindgen]
impl WidgetHandle {
    /// Removes the widget and stops everything it runs (event stream, timers).
    pub fn destroy(&mut self) {
        self.unmount.take();
        if self.owned_host {
            self.host.remove();
        } else if let Some(root) = self.host.shadow_root() {
            root.set_inner_html("");
        }
    }

    /// Switches the language in place (`ru`, `en`), without remounting.
    #[wasm_bindgen(js_name = setLocale)]
    pub fn set_locale(&self, locale: &str) -> Result<(), JsError> {
        let locale = Locale::from_str(locale).map_err(|e| JsError::new(&e.to_string()))?;
        self.locale.try_set(locale);
        Ok(())
    }

    /// Switches the colour scheme (`light`, `dark`, `auto`).
    #[wasm_bindgen(js_name = setTheme)]
    pub fn set_theme(&self, theme: &str) -> Result<(), JsError> {
        let theme = Theme::from_str(theme).map_err(|e| JsError::new(&e.to_string()))?;
        self.theme.try_set(theme);
        Ok(())
    }

    /// The current language.
    #[wasm_bindgen(getter)]
    pub fn locale(&self) -> String {
        self.locale
            .try_get_untracked()
            .unwrap_or_default()
            .as_str()
            .to_owned()
    }
}

/// Where the shadow root lives: the custom element itself, the host `checkout.js` (or the
/// hosted page) already made with its skeleton, or a new element of ours inside the shop's
/// target.
fn shadow_host(target: &Element) -> Result<(Element, bool), MountError> {
    if target.tag_name().eq_ignore_ascii_case(CUSTOM_ELEMENT)
        || target.has_attribute("data-alikassa-checkout")
    {
        return Ok((target.clone(), false));
    }
    let document = dom::document().ok_or_else(|| MountError::Dom("no document".into()))?;
    let host = document
        .create_element("div")
        .map_err(|e| MountError::Dom(format!("{e:?}")))?;
    let _ = host.set_attribute("data-alikassa-checkout", "");
    target
        .append_child(&host)
        .map_err(|e| MountError::Dom(format!("{e:?}")))?;
    Ok((host, true))
}

/// Mounts a widget with the given parts (the public [`mount`] and tests use this).
pub fn mount_with(
    target: &Element,
    options: MountOptions,
    backend: Rc<dyn crate::api::Backend>,
    clock: Option<Clock>,
    mobile: bool,
) -> Result<WidgetHandle, MountError> {
    let (host, owned_host) = shadow_host(target)?;
    let root = match host.shadow_root() {
        Some(root) => {
            root.set_inner_html("");
            root
        }
        None => host
            .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
            .map_err(|e| MountError::Dom(format!("{e:?}")))?,
    };
    let link = style(&root, options.style_url.as_deref())?;
    let document = dom::document().ok_or_else(|| MountError::Dom("no document".into()))?;
    let container = document
        .create_element("div")
        .map_err(|e| MountError::Dom(format!("{e:?}")))?
        .dyn_into::<HtmlElement>()
        .map_err(|_| MountError::Dom("div is not an HTML element".into()))?;
    root.append_child(&container)
        .map_err(|e| MountError::Dom(format!("{e:?}")))?;
    let style_wait = link
        .map(|link| hide_until_loaded(&container, &link))
        .unwrap_or_default();

    let emitter = Rc::new(Emitter::new(host.clone(), options.on_event.clone()));
    let signals = Rc::new(Cell::new(None));
    let out = Rc::clone(&signals);
    let unmount = leptos::mount::mount_to(container, move || {
        let ui = Ui::new(options.locale.unwrap_or_default(), options.hosted, mobile);
        let theme = RwSignal::new(options.theme);
        out.set(Some((ui.locale, theme)));
        checkout_app(AppSetup {
            backend,
            emitter,
            ui,
            theme,
            clock,
            follow_session_locale: options.locale.is_none(),
            sandbox: options.sandbox,
        })
    });
    let (locale, theme) = signals
        .take()
        .ok_or_else(|| MountError::Dom("the widget did not start".into()))?;
    Ok(WidgetHandle {
        unmount: Some(Box::new(unmount)),
        host,
        owned_host,
        locale,
        theme,
        _style_wait: style_wait,
    })
}

/// `mount(element, {token, locale?, theme?, apiBase?, styleUrl?, mode?, onEvent?, prefetch?,
/// sandbox?})` → a handle.
#[wasm_bindgen]
pub fn mount(target: Element, options: JsValue) -> Result<WidgetHandle, JsError> {
    let options = MountOptions::from_js(&options).map_err(|e| JsError::new(&e.to_string()))?;
    let backend = Rc::new(
        HttpBackend::new(&options.api_base, &options.token).with_prefetch(options.prefetch.clone()),
    );
    mount_with(&target, options, backend, None, dom::is_mobile())
        .map_err(|e| JsError::new(&e.to_string()))
}
