#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;

use super::assets::WidgetAssets;
use super::{WidgetConfig, routes_with};

const TOKEN: &str = "q9Xr2mKd8Lp0Zt5Wv7Yb3N";

fn config(test_mode: bool) -> WidgetConfig {
    WidgetConfig {
        dist_dir: PathBuf::from("/nonexistent"),
        merchant_name: "Кофе <&> Co".into(),
        merchant_logo_url: Some("https://cdn.shop.example/logo.png".into()),
        test_mode,
        views: None,
    }
}

fn build() -> Arc<WidgetAssets> {
    Arc::new(WidgetAssets::from_memory([
        (
            "checkout.js".to_owned(),
            b"import init from './frontend.js';".to_vec(),
        ),
        (
            "frontend.js".to_owned(),
            b"export default function init() {}".to_vec(),
        ),
        ("frontend_bg.wasm".to_owned(), b"\0asm\x01\0\0\0".to_vec()),
        ("hosted.css".to_owned(), b"body{}".to_vec()),
    ]))
}

async fn get(router: axum::Router, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = router
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn versioned_assets_are_immutable_and_stable_entry_points_at_them() {
    let assets = build();
    let router = routes_with(config(false), Some(Arc::clone(&assets)));
    let url = assets.url("frontend_bg.wasm");
    assert!(url.starts_with("/widget/v1/") && url.ends_with("/frontend_bg.wasm"));
    let (status, headers, _) = get(router.clone(), &url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/wasm");
    assert!(
        headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(headers["cross-origin-resource-policy"], "cross-origin");

    let (status, headers, body) = get(router.clone(), "/widget/v1/checkout.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(
        headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("max-age=300")
    );
    // It re-exports the build's entry, preloads that build's glue (with its integrity) and
    // starts that build's wasm and the widgets' views, for the entry to take over.
    let build_dir = format!("./{}/", assets.build());
    assert!(
        body.contains(&format!(
            "export const {{ mount }} = await import(\"{build_dir}checkout.js\");"
        )),
        "{body}"
    );
    let glue = assets.get("frontend.js").unwrap();
    assert!(
        body.contains(&format!("glue.integrity = \"{}\";", glue.integrity))
            && body.contains(&format!(
                "glue.href = new URL(\"{build_dir}frontend.js\", import.meta.url).href;"
            )),
        "{body}"
    );
    assert!(
        body.contains(&format!(
            "const wasm = new URL(\"{build_dir}frontend_bg.wasm\", import.meta.url).href;"
        )) && body.contains("started.wasm.set(wasm, fetch(wasm))"),
        "{body}"
    );
    assert!(
        body.contains("/api/v1/checkout/${encodeURIComponent(token)}"),
        "{body}"
    );

    // An old build id redirects to the current file; an unknown file is 404.
    let (status, headers, _) = get(router.clone(), "/widget/v1/000000000000/frontend.js").await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(
        headers[header::LOCATION],
        assets.url("frontend.js").as_str()
    );
    let (status, _, _) = get(router, &assets.url("nope.js")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn stable_names_revalidate_with_etags() {
    let router = routes_with(config(false), Some(build()));
    let (status, headers, _) = get(router.clone(), "/widget/v1/frontend.js").await;
    assert_eq!(status, StatusCode::OK);
    let etag = headers[header::ETAG].to_str().unwrap().to_owned();
    let response = router
        .oneshot(
            Request::get("/widget/v1/frontend.js")
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn manifest_lists_sri_hashes() {
    let assets = build();
    let router = routes_with(config(false), Some(Arc::clone(&assets)));
    let (status, _, body) = get(router, "/widget/v1/manifest.json").await;
    assert_eq!(status, StatusCode::OK);
    let manifest: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(manifest["build"], assets.build());
    assert_eq!(manifest["entry"], assets.url("checkout.js"));
    let wasm = &manifest["files"]["frontend_bg.wasm"];
    let expected = {
        use base64::Engine as _;
        let digest = openssl::sha::sha384(b"\0asm\x01\0\0\0");
        format!(
            "sha384-{}",
            base64::engine::general_purpose::STANDARD.encode(digest)
        )
    };
    assert_eq!(wasm["integrity"], expected);
    assert_eq!(wasm["bytes"], 8);
    assert!(manifest["files"].get("index.html").is_none());
}

#[tokio::test]
async fn build_id_follows_content() {
    let a = build();
    let b = WidgetAssets::from_memory([("checkout.js".to_owned(), b"changed".to_vec())]);
    assert_ne!(a.build(), b.build());
    assert_eq!(a.build(), build().build());
    assert_eq!(a.build().len(), 12);
}

#[tokio::test]
async fn hosted_page_is_a_strict_shell() {
    let assets = build();
    let router = routes_with(config(false), Some(Arc::clone(&assets)));
    let (status, headers, body) = get(router.clone(), &format!("/pay/{TOKEN}?lang=en")).await;
    assert_eq!(status, StatusCode::OK);
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'"));
    assert!(csp.contains("img-src 'self' data: https://cdn.shop.example;"));
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
    // No inline script or style: every <script> has a src, no style attribute or element.
    assert_eq!(
        body.matches("<script").count(),
        body.matches("<script type=\"module\" src=").count()
    );
    assert!(!body.contains("<style") && !body.contains("style="));
    assert!(body.contains(&format!("data-token=\"{TOKEN}\"")));
    assert!(body.contains("data-mode=\"hosted\""));
    assert!(body.contains("data-locale=\"en\""));
    assert!(body.contains(&assets.url("checkout.js")));
    assert!(body.contains(&assets.get("checkout.js").unwrap().integrity));
    // The merchant name is escaped.
    assert!(body.contains("Кофе &lt;&amp;&gt; Co"));

    let (status, headers, body) = get(router, "/pay/not*a*token").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(headers.contains_key(header::CONTENT_SECURITY_POLICY));
    assert!(!body.contains("<script"));
}

#[tokio::test]
async fn without_a_build_assets_are_unavailable_and_pages_say_so() {
    let router = routes_with(config(false), None);
    let (status, _, body) = get(router.clone(), "/widget/v1/checkout.js").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("build-widget.sh"));
    let (status, _, body) = get(router, &format!("/pay/{TOKEN}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("not built"));
}

#[tokio::test]
async fn demo_shop_only_in_sandbox_mode() {
    let (status, _, _) = get(routes_with(config(false), Some(build())), "/").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let router = routes_with(config(true), Some(build()));
    let (status, headers, body) = get(router.clone(), "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.contains_key(header::CONTENT_SECURITY_POLICY));
    assert!(body.contains("src=\"/demo/shop.js\""));
    assert!(!body.contains("<style") && !body.contains("style="));
    let (status, headers, body) = get(router, "/demo/shop.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(body.contains("/demo/api/sessions"));
}

#[test]
fn loads_a_real_directory_and_skips_trunks_page() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("checkout.js"), "x").unwrap();
    std::fs::write(dir.path().join("index.html"), "<html>").unwrap();
    std::fs::write(dir.path().join(".stage"), "").unwrap();
    let assets = WidgetAssets::load(dir.path()).unwrap();
    assert!(assets.get("checkout.js").is_some());
    assert!(assets.get("index.html").is_none());
    std::fs::remove_file(dir.path().join("checkout.js")).unwrap();
    assert!(WidgetAssets::load(dir.path()).is_err());
    assert!(WidgetAssets::load(&dir.path().join("missing")).is_err());
}

async fn get_with(
    router: axum::Router,
    uri: &str,
    accept: &str,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = router
        .oneshot(
            Request::get(uri)
                .header(header::ACCEPT_ENCODING, accept)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, headers, body.to_vec())
}

#[tokio::test]
async fn precompressed_copies_follow_accept_encoding_with_their_own_etag() {
    let assets = Arc::new(Arc::unwrap_or_clone(build()).with_copies(
        "frontend_bg.wasm",
        Some(b"BR"),
        Some(b"GZIP"),
    ));
    let router = routes_with(config(false), Some(Arc::clone(&assets)));
    let url = assets.url("frontend_bg.wasm");
    let mut etags = Vec::new();
    for (accept, coding, body) in [
        ("br, gzip", Some("br"), &b"BR"[..]),
        ("gzip, br;q=0.5", Some("gzip"), b"GZIP"),
        ("identity", None, b"\0asm\x01\0\0\0"),
        ("", None, b"\0asm\x01\0\0\0"),
    ] {
        let (status, headers, got) = get_with(router.clone(), &url, accept).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(got, body, "{accept}");
        assert_eq!(
            headers
                .get(header::CONTENT_ENCODING)
                .map(|v| v.to_str().unwrap()),
            coding,
            "{accept}"
        );
        assert_eq!(headers[header::VARY], "accept-encoding");
        assert_eq!(headers[header::CONTENT_TYPE], "application/wasm");
        etags.push(headers[header::ETAG].to_str().unwrap().to_owned());
    }
    assert_ne!(etags[0], etags[1]);
    assert_ne!(etags[0], etags[2]);
    // A revalidation matches the representation it names.
    let response = router
        .oneshot(
            Request::get(&url)
                .header(header::ACCEPT_ENCODING, "br")
                .header(header::IF_NONE_MATCH, &etags[0])
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
}
