//! The widget side of start-up: its build in `dist_dir` (if any) and the hosted page's view
//! loader.

use std::path::Path;
use std::sync::Arc;

use crate::config::Config;
use crate::sessions::Sessions;
use crate::widget::assets::WidgetAssets;
use crate::widget::{self, WidgetConfig};

/// The widget's routes over `assets`.
pub(super) fn routes(
    config: &Config,
    sessions: &Sessions,
    test_mode: bool,
    assets: Option<Arc<WidgetAssets>>,
) -> axum::Router {
    widget::routes_with(
        WidgetConfig {
            dist_dir: config.server.dist_dir.clone(),
            merchant_name: config.checkout.merchant_name.clone(),
            merchant_logo_url: config.checkout.merchant_logo_url.clone(),
            test_mode,
            views: Some(session_views(sessions)),
        },
        assets,
    )
}

/// The hosted page's view loader: the widget API's own answer (view or error body).
fn session_views(sessions: &Sessions) -> widget::SessionViews {
    let sessions = sessions.clone();
    widget::SessionViews::new(move |token| {
        let sessions = sessions.clone();
        Box::pin(async move {
            match sessions.view(&token).await {
                Ok(view) => Ok(view),
                Err(error) => {
                    let response = axum::response::IntoResponse::into_response(
                        crate::error::ApiError::from(error),
                    );
                    let status = response.status();
                    let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
                        .await
                        .unwrap_or_default();
                    Err((status, String::from_utf8_lossy(&body).into_owned()))
                }
            }
        })
    })
}

/// The widget build in `dist_dir`, or `None` (logged; `/widget/v1` answers 503 and `/readyz`
/// says `widget: not built`).
pub(super) fn assets(dist_dir: &Path) -> Option<Arc<WidgetAssets>> {
    match WidgetAssets::load(dist_dir) {
        Ok(assets) => {
            tracing::info!(build = assets.build(), dir = %dist_dir.display(), "widget build loaded");
            Some(Arc::new(assets))
        }
        Err(error) => {
            tracing::warn!(%error, "widget build not available; /widget/v1 answers 503");
            None
        }
    }
}
