//! What the browser loads from us: widget assets under `/widget/v1/`, the hosted payment page
//! `/pay/{token}` and, in sandbox mode, the demo shop at `/`.
//!
//! * [`assets`] — the trunk build in memory: immutable content-addressed URLs, the stable
//!   `checkout.js` entry, `manifest.json` with SRI hashes;
//! * [`hosted`] — the hosted page and the Content-Security-Policy of our pages;
//! * [`demo`] — the demo shop.
//!
//! CORS for the assets comes from the app's CORS layer (the widget-origin allowlist), which the
//! backend wraps around this router.

pub mod assets;
mod demo;
pub mod encoding;
pub mod hosted;

#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::future::BoxFuture;
use shared::api::{CheckoutView, SessionToken};

use assets::{Asset, ENTRY, PREFIX, WidgetAssets};

/// What the hosted page asks the checkout service for a token: the widget API's answer,
/// the view itself or the error status with its JSON body.
pub type ViewAnswer = Result<CheckoutView, (StatusCode, String)>;

/// Loads the session view the hosted page embeds (so the widget needs no round trip of its
/// own, and the page paints the amount before the widget runs).
#[derive(Clone)]
pub struct SessionViews(Arc<dyn Fn(SessionToken) -> BoxFuture<'static, ViewAnswer> + Send + Sync>);

impl SessionViews {
    /// Wraps a loader.
    pub fn new(
        load: impl Fn(SessionToken) -> BoxFuture<'static, ViewAnswer> + Send + Sync + 'static,
    ) -> Self {
        Self(Arc::new(load))
    }

    async fn load(&self, token: SessionToken) -> ViewAnswer {
        (self.0)(token).await
    }
}

impl std::fmt::Debug for SessionViews {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionViews")
    }
}

/// Settings of the browser-facing pages.
#[derive(Debug, Clone)]
pub struct WidgetConfig {
    /// Directory of the trunk build (`dist/`).
    pub dist_dir: PathBuf,
    /// Shop name shown on the hosted page.
    pub merchant_name: String,
    /// Optional logo URL shown on the hosted page.
    pub merchant_logo_url: Option<String>,
    /// Sandbox mode: serve the demo shop at `/` and mark pages as test mode.
    pub test_mode: bool,
    /// Session views for the hosted page; `None`: the page is a shell and the widget
    /// fetches the view itself.
    pub views: Option<SessionViews>,
}

/// Shared by the handlers.
#[derive(Debug, Clone)]
struct WidgetState {
    config: Arc<WidgetConfig>,
    /// `None` when `dist/` is missing or incomplete: pages say so, assets answer 503.
    assets: Option<Arc<WidgetAssets>>,
}

/// A year: content-addressed URLs never change.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Stable names: short cache, then revalidate with the ETag.
const SHORT: &str = "public, max-age=300, must-revalidate";

/// Routes for widget assets, the hosted page and the demo shop; merged into the app router.
/// Reads `dist/` once, now; a missing build is logged and reported by the routes.
pub fn routes(config: WidgetConfig) -> Router {
    let assets = match WidgetAssets::load(&config.dist_dir) {
        Ok(assets) => {
            tracing::info!(build = assets.build(), dir = %config.dist_dir.display(), "widget build loaded");
            Some(Arc::new(assets))
        }
        Err(error) => {
            tracing::warn!(%error, "widget build not available; /widget/v1 answers 503");
            None
        }
    };
    routes_with(config, assets)
}

/// [`routes`] with an already loaded build (tests).
pub fn routes_with(config: WidgetConfig, assets: Option<Arc<WidgetAssets>>) -> Router {
    let test_mode = config.test_mode;
    let state = WidgetState {
        config: Arc::new(config),
        assets,
    };
    let mut router = Router::new()
        .route(&format!("{PREFIX}/{ENTRY}"), get(stable_entry))
        .route(&format!("{PREFIX}/manifest.json"), get(manifest))
        .route(&format!("{PREFIX}/{{file}}"), get(stable_file))
        .route(&format!("{PREFIX}/{{build}}/{{file}}"), get(versioned_file))
        .route("/pay/{token}", get(hosted::page));
    if test_mode {
        router = router
            .route("/", get(demo::page))
            .route("/demo/shop.js", get(demo::script))
            .route("/demo/shop.css", get(demo::style));
    }
    router.with_state(state)
}

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CACHE_CONTROL, "no-store")],
        "the widget is not built on this server: run scripts/build-widget.sh\n",
    )
        .into_response()
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, "no-store")],
        "not found\n",
    )
        .into_response()
}

/// Headers of every asset answer: type, caching, and what lets other origins use it.
fn asset_headers(headers: &mut HeaderMap, content_type: &'static str, cache: &'static str) {
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Shop pages with Cross-Origin-Embedder-Policy may load us.
    headers.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
}

/// One file in the coding the client prefers among those built (`Vary: Accept-Encoding`;
/// each representation has its own ETag, and its own length).
fn serve(asset: &Asset, cache: &'static str, request: &HeaderMap) -> Response {
    let accept = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok());
    let coding = encoding::choose(accept, &asset.codings());
    let (body, etag) = asset.representation(coding);
    let etag_matches = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if etag_matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body.into_response()
    };
    let headers = response.headers_mut();
    asset_headers(headers, asset.content_type, cache);
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(name) = coding.header() {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
    }
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    response
}

async fn stable_entry(State(state): State<WidgetState>) -> Response {
    let Some(assets) = &state.assets else {
        return unavailable();
    };
    let mut response = assets.stable_entry().into_response();
    asset_headers(
        response.headers_mut(),
        "text/javascript; charset=utf-8",
        SHORT,
    );
    response
}

async fn manifest(State(state): State<WidgetState>) -> Response {
    let Some(assets) = &state.assets else {
        return unavailable();
    };
    let mut response = axum::Json(assets.manifest()).into_response();
    asset_headers(response.headers_mut(), "application/json", SHORT);
    response
}

async fn stable_file(
    State(state): State<WidgetState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(assets) = &state.assets else {
        return unavailable();
    };
    match assets.get(&file) {
        Some(asset) => serve(asset, SHORT, &headers),
        None => not_found(),
    }
}

async fn versioned_file(
    State(state): State<WidgetState>,
    Path((build, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(assets) = &state.assets else {
        return unavailable();
    };
    if assets.get(&file).is_none() {
        return not_found();
    }
    if build != assets.build() {
        // An older build (a cached stable entry, a pinned shop): send it to the current one.
        let mut response = StatusCode::FOUND.into_response();
        if let Ok(location) = HeaderValue::from_str(&assets.url(&file)) {
            response.headers_mut().insert(header::LOCATION, location);
        }
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return response;
    }
    match assets.get(&file) {
        Some(asset) => serve(asset, IMMUTABLE, &headers),
        None => not_found(),
    }
}
