#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The exposition text: route-template labels (no tokens), cumulative histogram buckets,
//! escaping, registration rules, gauges that fail, statuses with zeros.

use std::collections::BTreeSet;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::middleware::from_fn;
use axum::routing::{get, post};
use tower::ServiceExt as _;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;

use super::http::BUCKETS as HTTP_BUCKETS;
use super::*;
use crate::routes::layers::record_request;

/// Checks the text is well-formed exposition: every sample belongs to the family whose
/// `# HELP` and `# TYPE` came just before it, no family appears twice, every value parses.
/// Returns the sample lines.
fn well_formed(text: &str) -> Vec<String> {
    let mut families = BTreeSet::new();
    let mut current: Option<(String, String)> = None;
    let mut samples = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap().to_owned();
            let kind = lines.next().unwrap();
            let kind = kind
                .strip_prefix(&format!("# TYPE {name} "))
                .unwrap_or_else(|| panic!("no TYPE after HELP of {name}: {kind}"));
            assert!(["counter", "gauge", "histogram"].contains(&kind), "{kind}");
            assert!(families.insert(name.clone()), "family {name} repeated");
            current = Some((name, kind.to_owned()));
            continue;
        }
        let (family, kind) = current.as_ref().expect("sample before any family");
        let (series, value) = line.rsplit_once(' ').unwrap();
        let name = series.split('{').next().unwrap();
        let allowed = if kind == "histogram" {
            [
                format!("{family}_bucket"),
                format!("{family}_sum"),
                format!("{family}_count"),
            ]
            .contains(&name.to_owned())
        } else {
            name == family
        };
        assert!(allowed, "{name} in family {family}");
        assert!(
            value.parse::<f64>().is_ok() || ["+Inf", "-Inf", "NaN"].contains(&value),
            "{line}"
        );
        samples.push(line.to_owned());
    }
    samples
}

/// The value of the sample line that starts with `series` (name and labels).
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.parse().unwrap())
}

const TOKEN: &str = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde";

#[tokio::test]
async fn requests_are_labelled_by_route_template_never_the_raw_path() {
    let metrics = Metrics::new();
    let recorder = metrics.clone();
    let app = Router::new()
        .route("/api/v1/checkout/{token}", get(|| async { "view" }))
        .route(
            "/api/v1/checkout/{token}/pay",
            post(|| async { StatusCode::UNPROCESSABLE_ENTITY }),
        )
        .nest(
            "/sandbox",
            Router::new().route("/v1/payment", post(|| async { "ok" })),
        )
        .layer(from_fn(move |req, next| {
            let metrics = recorder.clone();
            async move { record_request(&metrics, req, next).await }
        }));
    let send = |method: &str, uri: String| {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        app.clone().oneshot(request)
    };
    for _ in 0..3 {
        send("GET", format!("/api/v1/checkout/{TOKEN}"))
            .await
            .unwrap();
    }
    send("POST", format!("/api/v1/checkout/{TOKEN}/pay"))
        .await
        .unwrap();
    send("POST", "/sandbox/v1/payment".into()).await.unwrap();
    let missed = send("GET", format!("/nowhere/{TOKEN}")).await.unwrap();
    assert_eq!(missed.status(), StatusCode::NOT_FOUND);
    send("BREW", "/api/v1/checkout/x".into()).await.unwrap();

    let text = metrics.render().await;
    well_formed(&text);
    assert!(
        !text.contains(TOKEN),
        "a token leaked into the metrics:\n{text}"
    );
    assert!(!text.contains("nowhere"), "{text}");
    let requests = |route: &str, method: &str, status: u16| {
        value(
            &text,
            &format!(
                "checkout_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}}"
            ),
        )
    };
    assert_eq!(requests("/api/v1/checkout/{token}", "GET", 200), Some(3.0));
    assert_eq!(
        requests("/api/v1/checkout/{token}/pay", "POST", 422),
        Some(1.0)
    );
    assert_eq!(requests("/sandbox/v1/payment", "POST", 200), Some(1.0));
    assert_eq!(requests("unmatched", "GET", 404), Some(1.0));
    assert_eq!(
        requests("/api/v1/checkout/{token}", "other", 405),
        Some(1.0)
    );
    assert_eq!(
        value(
            &text,
            "checkout_http_request_duration_seconds_count{route=\"/api/v1/checkout/{token}\",method=\"GET\"}"
        ),
        Some(3.0)
    );
}

#[tokio::test]
async fn histogram_buckets_are_cumulative_ascending_and_end_at_the_count() {
    let metrics = Metrics::new();
    for ms in [0, 1, 3, 3, 40, 700, 2_000, 60_000] {
        metrics.http().record(
            Some("/x"),
            &axum::http::Method::GET,
            200,
            Duration::from_millis(ms),
        );
    }
    let text = metrics.render().await;
    let samples = well_formed(&text);
    let series = "checkout_http_request_duration_seconds";
    let labels = "route=\"/x\",method=\"GET\"";
    let buckets: Vec<(f64, f64)> = samples
        .iter()
        .filter(|l| l.starts_with(&format!("{series}_bucket{{{labels}")))
        .map(|l| {
            let le = l.split("le=\"").nth(1).unwrap().split('"').next().unwrap();
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().unwrap()
            };
            (le, l.rsplit_once(' ').unwrap().1.parse().unwrap())
        })
        .collect();
    assert_eq!(buckets.len(), HTTP_BUCKETS.len() + 1);
    for pair in buckets.windows(2) {
        assert!(pair[0].0 < pair[1].0, "bounds not ascending: {pair:?}");
        assert!(pair[0].1 <= pair[1].1, "counts not cumulative: {pair:?}");
    }
    assert_eq!(buckets.last().unwrap(), &(f64::INFINITY, 8.0));
    let sample =
        |suffix: &str, extra: &str| value(&text, &format!("{series}_{suffix}{{{labels}{extra}}}"));
    assert_eq!(sample("count", ""), Some(8.0));
    // 1 ms lands in the 0.001 bucket (upper bounds are inclusive); 60 s only in +Inf.
    assert_eq!(sample("bucket", ",le=\"0.001\""), Some(2.0));
    assert_eq!(sample("bucket", ",le=\"10\""), Some(7.0));
    let sum = sample("sum", "").unwrap();
    assert!((sum - 62.747).abs() < 1e-9, "{sum}");
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct Kind {
    kind: String,
}

#[tokio::test]
async fn counters_escape_label_values_and_registration_refuses_clashes() {
    let metrics = Metrics::new();
    let counter = Family::<Kind, Counter>::default();
    metrics
        .register("checkout_test_events", "Test events", counter.clone())
        .unwrap();
    let kind = |k: &str| Kind { kind: k.to_owned() };
    counter
        .get_or_create(&kind("quote\" back\\ line\nend"))
        .inc();
    counter.get_or_create(&kind("plain")).inc_by(4);
    let text = metrics.render().await;
    well_formed(&text);
    assert!(
        text.contains(r#"checkout_test_events_total{kind="quote\" back\\ line\nend"} 1"#),
        "{text}"
    );
    assert_eq!(
        value(&text, "checkout_test_events_total{kind=\"plain\"}"),
        Some(4.0)
    );

    assert_eq!(
        metrics
            .register("checkout_test_events", "Again", Counter::<u64>::default())
            .unwrap_err(),
        MetricsError::Duplicate("checkout_test_events".into())
    );
    assert!(matches!(
        metrics.gauge_fn("checkout_http_requests", "Taken by HTTP", || async {
            Ok(Vec::new())
        }),
        Err(MetricsError::Duplicate(_))
    ));
    assert!(matches!(
        metrics.gauge_fn(COLLECT_ERRORS, "Taken by the scrape", || async {
            Ok(Vec::new())
        }),
        Err(MetricsError::Duplicate(_))
    ));
    assert!(matches!(
        metrics.register("bad-name", "x", Counter::<u64>::default()),
        Err(MetricsError::InvalidName(_))
    ));
}

#[tokio::test]
async fn gauges_are_computed_at_scrape_and_a_failing_one_is_left_out() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    let metrics = Metrics::new();
    let depth = Arc::new(AtomicU64::new(3));
    let seen = Arc::clone(&depth);
    metrics
        .gauge_fn("checkout_test_depth", "Test depth.", move || {
            let n = seen.load(Ordering::SeqCst);
            async move { Ok(vec![(vec![("queue", "a".to_owned())], n as i64)]) }
        })
        .unwrap();
    metrics
        .gauge_fn("checkout_test_broken", "Always fails.", || async {
            Err("database unavailable".to_owned())
        })
        .unwrap();
    let text = metrics.render().await;
    well_formed(&text);
    assert_eq!(value(&text, "checkout_test_depth{queue=\"a\"}"), Some(3.0));
    assert!(!text.contains("checkout_test_broken"), "{text}");
    assert_eq!(value(&text, "checkout_metrics_collect_errors"), Some(1.0));
    depth.store(9, Ordering::SeqCst);
    let text = metrics.render().await;
    assert_eq!(value(&text, "checkout_test_depth{queue=\"a\"}"), Some(9.0));
}

#[test]
fn every_known_status_has_a_sample_and_unknown_ones_are_kept() {
    let counts = vec![("paid".to_owned(), 3), ("odd".to_owned(), 1)];
    let samples = with_zeros("status", ["open", "paid"], counts);
    let pairs: Vec<(&str, &str, i64)> = samples
        .iter()
        .map(|(labels, n)| (labels[0].0, labels[0].1.as_str(), *n))
        .collect();
    assert_eq!(
        pairs,
        [
            ("status", "open", 0),
            ("status", "paid", 3),
            ("status", "odd", 1)
        ]
    );
}
