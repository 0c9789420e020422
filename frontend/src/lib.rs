//! The alikassa-checkout widget: a Leptos (CSR) component tree compiled to WebAssembly.
//!
//! `checkout.js` (hand-written, beside the build) loads this module and calls [`mount`] for
//! `<script data-token>` tags, `<alikassa-checkout>` elements and `AliKassaCheckout.mount()`.
//! The widget renders in a Shadow DOM root, talks to the widget API of the server it was loaded
//! from, and reports what happens as DOM events and an `onEvent` callback.
//!
//! Pure logic ([`i18n`], [`format`], [`countdown`], [`backoff`], [`qr`]) is tested natively;
//! components and the mount in a browser (`tests/*.rs`, wasm-bindgen-test).

pub mod api;
pub mod app;
pub mod backoff;
pub mod clipboard;
pub mod clock;
pub mod countdown;
pub mod dom;
pub mod events;
pub mod feed;
pub mod format;
pub mod i18n;
pub mod json;
pub mod mount;
pub mod qr;
pub mod sse;
pub mod theme;
pub mod views;

pub use mount::{MountError, MountOptions, WidgetHandle, mount, mount_with};
