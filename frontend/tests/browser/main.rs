//! Component tests in headless Chromium: every method's view with given data, the countdown
//! with a skewed clock, plurals, the runtime language switch, events, copy, final screens.
//! Run: `cargo test -p frontend --target wasm32-unknown-unknown` (or `wasm-pack test --headless
//! --chrome frontend`).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fake;

use fake::{FakeBackend, SERVER_NOW, Setup, answer, mount, ms, underpaid, update, view};
use frontend::api::{ApiError, FeedEvent};
use shared::api::Locale;
use shared::{Method, SessionStatus};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const NBSP: char = '\u{a0}';
const NNBSP: char = '\u{202f}';

fn resumed(method: Method) -> std::rc::Rc<FakeBackend> {
    FakeBackend::new(view(&[method, Method::Sbp], Some(answer(method))))
}

#[wasm_bindgen_test]
async fn card_transfer_shows_grouped_number_holder_bank_amount_and_copy_buttons() {
    let m = mount(resumed(Method::CardTransfer), Setup::default());
    m.until_testid("requisite-card_number").await;
    assert_eq!(m.text("requisite-card_number"), "2202 2000 0000 0004");
    assert_eq!(m.text("requisite-holder"), "IVAN PETROV");
    assert_eq!(m.text("requisite-bank"), "Сбербанк");
    assert_eq!(m.text("requisite-amount"), format!("1{NNBSP}500{NBSP}₽"));
    for field in ["card_number", "holder", "bank", "amount"] {
        assert!(m.find(&format!("copy-{field}")).is_some(), "copy-{field}");
    }
    assert_eq!(
        m.get("status").get_attribute("data-status").unwrap(),
        "pending"
    );
    assert!(m.find("test-mode").is_some(), "sandbox banner");
    // A resumed payment announces its requisites again.
    let detail = m.detail("requisites_shown").unwrap();
    assert!(
        detail.contains("\"resumed\":true") && detail.contains("card_transfer"),
        "{detail}"
    );
}

#[wasm_bindgen_test]
async fn sbp_shows_the_phone_the_way_people_write_it() {
    let m = mount(resumed(Method::Sbp), Setup::default());
    m.until_testid("requisite-phone").await;
    assert_eq!(m.text("requisite-phone"), "+7 903 111-22-33");
    assert_eq!(m.text("requisite-holder"), "Иван П.");
    assert_eq!(m.text("requisite-bank"), "Т-Банк");
    assert!(m.find("copy-phone").is_some());
}

#[wasm_bindgen_test]
async fn account_transfer_shows_account_bic_holder_bank() {
    let m = mount(resumed(Method::AccountTransfer), Setup::default());
    m.until_testid("requisite-account").await;
    assert_eq!(m.text("requisite-account"), "40817 810 0 0000 0000001");
    assert_eq!(m.text("requisite-bic"), "044525225");
    assert_eq!(m.text("requisite-holder"), "ООО Ромашка");
    assert!(m.find("copy-account").is_some() && m.find("copy-bic").is_some());
}

#[wasm_bindgen_test]
async fn sberpay_on_desktop_draws_a_qr_with_a_text_alternative() {
    let m = mount(resumed(Method::Sberpay), Setup::default());
    m.until_testid("qr").await;
    let qr = m.get("qr");
    assert_eq!(qr.get_attribute("role").unwrap(), "img");
    assert!(qr.get_attribute("aria-label").unwrap().contains("SberPay"));
    let path = qr.query_selector("path").unwrap().unwrap();
    assert!(path.get_attribute("d").unwrap().starts_with("M4 4h7v1h-7z"));
    let link = m.get("redirect");
    assert_eq!(
        link.get_attribute("href").unwrap(),
        "https://p2p.cloudpaypro.com/0f9c2d1e-3b4a-4c5d"
    );
    assert!(link.text_content().unwrap().contains("SberPay"));
}

#[wasm_bindgen_test]
async fn sberpay_on_mobile_is_a_direct_link_without_qr() {
    let m = mount(
        resumed(Method::Sberpay),
        Setup {
            mobile: true,
            ..Setup::default()
        },
    );
    m.until_testid("redirect").await;
    assert!(m.find("qr").is_none());
    assert_eq!(m.get("redirect").get_attribute("target").unwrap(), "_self");
}

#[wasm_bindgen_test]
async fn hosted_forms_open_in_a_new_tab_when_embedded_and_in_place_when_hosted() {
    let m = mount(resumed(Method::CardForm), Setup::default());
    m.until_testid("redirect").await;
    let link = m.get("redirect");
    assert_eq!(
        link.get_attribute("href").unwrap(),
        "https://pay-merchant.alikassa.com/0f9c2d1e"
    );
    assert_eq!(link.get_attribute("target").unwrap(), "_blank");
    drop(m);
    let m = mount(
        resumed(Method::AccountForm),
        Setup {
            hosted: true,
            ..Setup::default()
        },
    );
    m.until_testid("redirect").await;
    assert_eq!(m.get("redirect").get_attribute("target").unwrap(), "_self");
}

#[wasm_bindgen_test]
async fn picker_offers_only_allowed_methods_and_pays_with_the_chosen_one() {
    let fake = FakeBackend::new(view(&[Method::Sbp, Method::CardTransfer], None));
    let m = mount(fake, Setup::default());
    m.until_testid("method-sbp").await;
    assert!(m.find("method-card_transfer").is_some());
    for absent in [
        Method::CardForm,
        Method::Sberpay,
        Method::AccountForm,
        Method::AccountTransfer,
    ] {
        assert!(
            m.find(&format!("method-{absent}")).is_none(),
            "{absent} is not allowed"
        );
    }
    assert_eq!(
        m.get("status").get_attribute("data-status").unwrap(),
        "open"
    );
    m.click("method-sbp");
    m.until_testid("requisite-phone").await;
    assert_eq!(m.fake.count("pay:sbp"), 1);
    assert_eq!(
        m.event_names(),
        ["ready", "method_selected", "requisites_shown"]
    );
    assert_eq!(m.detail("method_selected").unwrap(), r#"{"method":"sbp"}"#);
    let shown = m.detail("requisites_shown").unwrap();
    assert!(
        shown.contains("\"gateway_payment_id\":100000042") && shown.contains("\"resumed\":false"),
        "{shown}"
    );
    // "Choose another method" goes back to the picker.
    m.click("other-method");
    m.until_testid("method-card_transfer").await;
}

#[wasm_bindgen_test]
async fn countdown_trusts_the_server_clock_not_the_buyers() {
    // The buyer's clock runs an hour ahead of the server's.
    let skewed = ms(SERVER_NOW) + 3_600_000;
    let m = mount(
        resumed(Method::Sbp),
        Setup {
            client_now: skewed,
            ..Setup::default()
        },
    );
    m.until_testid("countdown").await;
    let countdown = m.get("countdown");
    assert_eq!(countdown.get_attribute("role").unwrap(), "timer");
    assert_eq!(countdown.text_content().unwrap(), "15:00");
    assert_eq!(
        countdown.get_attribute("title").unwrap(),
        "осталось 15 минут"
    );
    m.clock.set(skewed + 61_500);
    m.until("13:59", |m| m.text("countdown") == "13:59").await;
    assert_eq!(
        m.get("countdown").get_attribute("title").unwrap(),
        "осталось 14 минут"
    );
    m.clock.set(skewed + 14 * 60_000);
    m.until("1 minute", |m| m.text("countdown") == "01:00")
        .await;
    assert_eq!(
        m.get("countdown").get_attribute("title").unwrap(),
        "осталось 1 минута"
    );
    m.clock.set(skewed + 13 * 60_000);
    m.until("2 minutes", |m| m.text("countdown") == "02:00")
        .await;
    assert_eq!(
        m.get("countdown").get_attribute("title").unwrap(),
        "осталось 2 минуты"
    );
    // At zero the widget asks the server what happened instead of deciding by itself (the
    // server's clock has moved on by then too).
    m.fake.view.borrow_mut().as_mut().unwrap().server_time =
        SERVER_NOW + time::Duration::minutes(15);
    let views_before = m.fake.count("view");
    m.clock.set(skewed + 15 * 60_000 + 1);
    m.until("00:00", |m| m.text("countdown") == "00:00").await;
    m.until("a resync", |m| m.fake.count("view") > views_before)
        .await;
    assert_eq!(
        m.get("status").get_attribute("data-status").unwrap(),
        "pending"
    );
}

#[wasm_bindgen_test]
async fn language_switches_at_runtime_without_remounting() {
    let m = mount(resumed(Method::CardTransfer), Setup::default());
    m.until_testid("requisite-card_number").await;
    let countdown = m.get("countdown");
    let heading = m.root().query_selector("h2").unwrap().unwrap();
    assert_eq!(heading.text_content().unwrap(), "Перевод на карту");
    m.handle.set_locale("en").unwrap();
    m.until("English", |m| {
        m.root()
            .query_selector("h2")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap()
            == "Card transfer"
    })
    .await;
    // The same nodes, updated in place: nothing was remounted.
    assert!(countdown.is_connected());
    assert!(m.get("countdown").is_same_node(Some(&countdown)));
    assert_eq!(
        m.get("countdown").get_attribute("title").unwrap(),
        "15 minutes left"
    );
    assert_eq!(m.text("requisite-amount"), "₽1,500");
    assert_eq!(m.handle.locale(), "en");
    // The in-widget switch works too, and a bad locale is refused.
    m.click("lang-ru");
    m.until("Russian", |m| m.text("copy-card_number") == "Копировать")
        .await;
    assert!(m.handle.set_locale("de").is_err());
}

#[wasm_bindgen_test]
async fn session_locale_is_used_unless_one_is_given() {
    let mut v = view(&[Method::Sbp], None);
    v.locale = Locale::En;
    let m = mount(FakeBackend::new(v.clone()), Setup::default());
    m.until_testid("method-sbp").await;
    assert_eq!(
        m.root()
            .query_selector("h2")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap(),
        "Choose a payment method"
    );
    drop(m);
    let m = mount(
        FakeBackend::new(v),
        Setup {
            locale: Some(Locale::Ru),
            ..Setup::default()
        },
    );
    m.until_testid("method-sbp").await;
    assert_eq!(
        m.root()
            .query_selector("h2")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap(),
        "Выберите способ оплаты"
    );
}

#[wasm_bindgen_test]
async fn live_status_ends_on_a_final_screen_with_dom_events_and_callbacks() {
    let m = mount(resumed(Method::Sbp), Setup::default());
    m.until_testid("requisite-phone").await;
    // DOM events bubble out of the shadow root to the document.
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
    let sink = seen.clone();
    let listener = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::CustomEvent)>::new(
        move |e: web_sys::CustomEvent| {
            assert!(e.bubbles() && e.composed());
            let detail = js_sys::JSON::stringify(&e.detail())
                .unwrap()
                .as_string()
                .unwrap();
            sink.borrow_mut().push(format!("{} {detail}", e.type_()));
        },
    );
    let document = web_sys::window().unwrap().document().unwrap();
    document
        .add_event_listener_with_callback("paid", listener.as_ref().unchecked_ref())
        .unwrap();
    m.fake.push(FeedEvent::Update(update(SessionStatus::Paid)));
    m.until_testid("final").await;
    assert_eq!(m.get("final").get_attribute("data-status").unwrap(), "paid");
    assert_eq!(
        m.get("status").get_attribute("data-status").unwrap(),
        "paid"
    );
    assert_eq!(
        seen.borrow().as_slice(),
        [r#"paid {"order_id":"A-1001","status":"paid","method":"sbp"}"#]
    );
    assert_eq!(m.event_names().last().unwrap(), "paid");
    // Final states never regress.
    m.fake
        .push(FeedEvent::Update(update(SessionStatus::Pending)));
    gloo_timers::future::TimeoutFuture::new(0).await;
    assert_eq!(
        m.get("status").get_attribute("data-status").unwrap(),
        "paid"
    );
    assert!(m.find("try-again").is_none(), "no retry after success");
    document
        .remove_event_listener_with_callback("paid", listener.as_ref().unchecked_ref())
        .unwrap();
}

#[wasm_bindgen_test]
async fn ive_paid_asks_the_server_at_once() {
    let fake = resumed(Method::CardTransfer);
    *fake.check_answer.borrow_mut() = update(SessionStatus::Paid);
    let m = mount(fake, Setup::default());
    m.until_testid("ive-paid").await;
    m.click("ive-paid");
    m.until_testid("final").await;
    assert_eq!(m.fake.count("check"), 1);
    assert_eq!(m.get("final").get_attribute("data-status").unwrap(), "paid");
}

#[wasm_bindgen_test]
async fn expired_and_failed_offer_try_again_which_tells_the_shop() {
    for (status, event) in [
        (SessionStatus::Expired, "expired"),
        (SessionStatus::Failed, "failed"),
    ] {
        let m = mount(resumed(Method::Sbp), Setup::default());
        m.until_testid("requisite-phone").await;
        m.fake.push(FeedEvent::Update(update(status)));
        m.until_testid("try-again").await;
        assert_eq!(
            m.get("final").get_attribute("data-status").unwrap(),
            status.as_str()
        );
        assert!(m.event_names().contains(&event.to_owned()));
        m.click("try-again");
        m.until("retry event", |m| {
            m.event_names().contains(&"retry".to_owned())
        })
        .await;
    }
    // Cancelled is final without a retry.
    let m = mount(resumed(Method::Sbp), Setup::default());
    m.until_testid("requisite-phone").await;
    m.fake
        .push(FeedEvent::Update(update(SessionStatus::Cancelled)));
    m.until_testid("final").await;
    assert!(m.find("try-again").is_none());
    assert_eq!(m.event_names().last().unwrap(), "cancelled");
}

/// The final screen says it is not a success: no check mark, no success colours.
fn assert_not_a_success(m: &fake::Mounted) {
    let final_screen = m.get("final");
    assert!(
        !final_screen.class_list().contains("akc-final-ok"),
        "styled as a success: {}",
        final_screen.outer_html()
    );
    let icon = final_screen
        .query_selector(".akc-final-icon")
        .unwrap()
        .unwrap();
    assert_eq!(icon.text_content().unwrap(), "!");
    assert!(!final_screen.text_content().unwrap().contains('✓'));
    assert!(
        m.find("try-again").is_none(),
        "paying again is what we say not to do"
    );
}

#[wasm_bindgen_test]
async fn underpaid_says_received_x_of_y_in_both_languages_and_tells_the_page() {
    let m = mount(resumed(Method::Sbp), Setup::default());
    m.until_testid("requisite-phone").await;
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
    let sink = seen.clone();
    let listener = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::CustomEvent)>::new(
        move |e: web_sys::CustomEvent| {
            let detail = js_sys::JSON::stringify(&e.detail())
                .unwrap()
                .as_string()
                .unwrap();
            sink.borrow_mut().push(format!("{} {detail}", e.type_()));
        },
    );
    let document = web_sys::window().unwrap().document().unwrap();
    for name in ["underpaid", "paid"] {
        document
            .add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
            .unwrap();
    }
    m.fake.push(FeedEvent::Update(underpaid("1.00")));
    m.until_testid("final").await;
    assert_eq!(
        m.get("final").get_attribute("data-status").unwrap(),
        "underpaid"
    );
    assert_eq!(
        m.get("status").get_attribute("data-status").unwrap(),
        "underpaid"
    );
    assert_eq!(m.text("final-title"), "Оплачено не полностью");
    assert_eq!(
        m.text("underpaid-amounts"),
        format!("Получено 1,00{NBSP}₽ из{NBSP}1{NNBSP}500,00{NBSP}₽")
    );
    assert!(
        m.text("final-text").contains("Не платите повторно"),
        "{}",
        m.text("final-text")
    );
    assert_not_a_success(&m);
    let expected =
        r#"{"order_id":"A-1001","status":"underpaid","method":"sbp","paid_amount":"1.00"}"#;
    assert_eq!(seen.borrow().as_slice(), [format!("underpaid {expected}")]);
    assert_eq!(m.detail("underpaid").unwrap(), expected);
    assert!(m.detail("paid").is_none(), "never announced as paid");

    m.handle.set_locale("en").unwrap();
    m.until("English", |m| m.text("final-title") == "Paid in part")
        .await;
    assert_eq!(
        m.text("underpaid-amounts"),
        format!("Received ₽1.00 of{NBSP}₽1,500.00")
    );
    assert!(
        m.text("final-text").contains("Do not pay again"),
        "{}",
        m.text("final-text")
    );
    assert_eq!(m.text("status"), "Paid in part");
    for name in ["underpaid", "paid"] {
        document
            .remove_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
            .unwrap();
    }
}

#[wasm_bindgen_test]
async fn underpaid_on_load_leads_back_by_the_fail_url_never_the_success_url() {
    let mut v = view(&[Method::Sbp], Some(answer(Method::Sbp)));
    v.status = SessionStatus::Underpaid;
    v.paid_amount = Some("1499.99".parse().unwrap());
    let m = mount(
        FakeBackend::new(v),
        Setup {
            hosted: true,
            ..Setup::default()
        },
    );
    m.until_testid("final").await;
    assert_eq!(
        m.text("underpaid-amounts"),
        format!("Получено 1{NNBSP}499,99{NBSP}₽ из{NBSP}1{NNBSP}500,00{NBSP}₽")
    );
    assert_eq!(
        m.get("back-to-shop").get_attribute("href").unwrap(),
        "https://shop.example/fail"
    );
    assert_not_a_success(&m);
    assert_eq!(m.event_names(), ["ready", "underpaid"]);
    assert!(
        m.detail("underpaid")
            .unwrap()
            .ends_with(r#""paid_amount":"1499.99"}"#)
    );
    // A final status: the widget does not keep watching.
    assert_eq!(m.fake.count("subscribe"), 0);
}

#[wasm_bindgen_test]
async fn hosted_final_screen_links_back_to_the_shop() {
    let m = mount(
        resumed(Method::Sbp),
        Setup {
            hosted: true,
            ..Setup::default()
        },
    );
    m.until_testid("requisite-phone").await;
    m.fake.push(FeedEvent::Update(update(SessionStatus::Paid)));
    m.until_testid("back-to-shop").await;
    assert_eq!(
        m.get("back-to-shop").get_attribute("href").unwrap(),
        "https://shop.example/ok"
    );
}

#[wasm_bindgen_test]
async fn copy_falls_back_and_confirms_accessibly() {
    let m = mount(resumed(Method::CardTransfer), Setup::default());
    m.until_testid("copy-card_number").await;
    // Headless Chromium refuses the Clipboard API, so this runs the fallback path.
    m.click("copy-card_number");
    m.until("a copy outcome", |m| {
        m.get("copy-card_number")
            .get_attribute("data-copy-state")
            .unwrap()
            != "idle"
    })
    .await;
    let state = m
        .get("copy-card_number")
        .get_attribute("data-copy-state")
        .unwrap();
    let live = m
        .get("copy-card_number")
        .parent_element()
        .unwrap()
        .query_selector("[aria-live=polite]")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    match state.as_str() {
        "copied" => assert_eq!(live, "Скопировано"),
        "manual" => assert!(live.contains("вручную"), "{live}"),
        other => panic!("unexpected copy state {other}"),
    }
    // The fallback itself: selects a scratch text area and removes it again.
    let scratch = m.root().first_element_child().unwrap();
    let before = scratch.child_element_count();
    let _ = frontend::clipboard::copy_via_selection("2202200000000004", &scratch);
    assert_eq!(
        scratch.child_element_count(),
        before,
        "scratch text area removed"
    );
}

#[wasm_bindgen_test]
async fn a_missing_session_says_so_and_reports_an_error() {
    let fake = FakeBackend::failing(ApiError::Server {
        status: 404,
        code: "session_not_found".into(),
        message: "no such session".into(),
    });
    let m = mount(fake, Setup::default());
    m.until_testid("load-error").await;
    assert_eq!(
        m.get("load-error").get_attribute("data-code").unwrap(),
        "session_not_found"
    );
    assert!(m.text("load-error").contains("не найден"));
    assert_eq!(m.event_names(), ["error"]);
}

#[wasm_bindgen_test]
async fn theme_switches_and_styles_live_in_the_shadow_root() {
    let m = mount(resumed(Method::Sbp), Setup::default());
    m.until_testid("checkout").await;
    let root_el = m.get("checkout");
    assert!(root_el.class_name().contains("akc-theme-auto"));
    m.handle.set_theme("dark").unwrap();
    m.until("dark", |m| {
        m.get("checkout").class_name().contains("akc-theme-dark")
    })
    .await;
    assert!(m.handle.set_theme("pink").is_err());
    // The stylesheet is adopted (no <style> element), and the page cannot see inside.
    let sheets = js_sys::Reflect::get(&m.root(), &"adoptedStyleSheets".into()).unwrap();
    assert_eq!(js_sys::Array::from(&sheets).length(), 1);
    assert!(m.root().query_selector("style").unwrap().is_none());
    let document = web_sys::window().unwrap().document().unwrap();
    assert!(
        document
            .query_selector("[data-testid=checkout]")
            .unwrap()
            .is_none()
    );
}

#[wasm_bindgen_test]
async fn destroy_removes_everything() {
    let m = mount(resumed(Method::Sbp), Setup::default());
    m.until_testid("checkout").await;
    let target = m.target.clone();
    drop(m);
    assert_eq!(target.child_element_count(), 0);
}

/// The browser-side JSON decoders read exactly what the server's serde encoding writes.
#[wasm_bindgen_test]
fn json_decoders_match_the_server_encoding() {
    use frontend::json;
    use shared::api::PayAnswer;
    let all = [
        Method::CardTransfer,
        Method::Sbp,
        Method::AccountTransfer,
        Method::Sberpay,
        Method::CardForm,
        Method::AccountForm,
    ];
    for method in all {
        let mut a: PayAnswer = answer(method);
        a.gateway_payment_id = Some(shared::GatewayPaymentId::new(108_465_371).unwrap());
        let text = serde_json::to_string(&a).unwrap();
        assert_eq!(
            json::pay_answer(&json::parse(&text).unwrap()),
            Ok(a.clone())
        );
        let mut v = view(&all, Some(answer(method)));
        v.description = Some("Заказ \"1\"".parse().unwrap());
        v.success_url = Some(shared::HttpUrl::parse("https://shop.example/ok").unwrap());
        let text = serde_json::to_string(&v).unwrap();
        assert_eq!(json::checkout_view(&json::parse(&text).unwrap()), Ok(v));
    }
    let v = view(&all, None);
    let text = serde_json::to_string(&v).unwrap();
    assert_eq!(json::checkout_view(&json::parse(&text).unwrap()), Ok(v));
    let mut v = view(&all, Some(answer(Method::Sbp)));
    v.status = SessionStatus::Underpaid;
    v.paid_amount = Some("1.00".parse().unwrap());
    let text = serde_json::to_string(&v).unwrap();
    assert!(text.contains(r#""paid_amount":"1.00""#), "{text}");
    assert_eq!(json::checkout_view(&json::parse(&text).unwrap()), Ok(v));
    for u in [
        update(SessionStatus::Paid),
        underpaid("1.00"),
        underpaid("1499.99"),
    ] {
        let text = serde_json::to_string(&u).unwrap();
        assert_eq!(json::status_update(&json::parse(&text).unwrap()), Ok(u));
    }
    // `paid_amount` read as serde reads it: absent or null is none, a whole number is rubles,
    // a malformed one fails the whole update.
    let paid_amounts = [
        ("", Some(None)),
        (r#""paid_amount":null,"#, Some(None)),
        (r#""paid_amount":"0.10","#, Some(Some("0.10"))),
        (r#""paid_amount":700,"#, Some(Some("700.00"))),
        (r#""paid_amount":"1,00","#, None),
        (r#""paid_amount":true,"#, None),
    ];
    for (field, want) in paid_amounts {
        let raw = format!(r#"{{"status":"underpaid",{field}"updated_at":"2026-11-27T12:00:00Z"}}"#);
        let ours = json::status_update(&json::parse(&raw).unwrap()).ok();
        let serde = serde_json::from_str::<shared::api::StatusUpdate>(&raw).ok();
        assert_eq!(ours, serde, "{raw}");
        let want = want.map(|w| w.map(|a: &str| a.parse::<shared::Amount>().unwrap()));
        assert_eq!(ours.map(|u| u.paid_amount), want, "{raw}");
    }
    // Amounts as numbers, ids as strings, as serde accepts them.
    let raw =
        r#"{"status":"pending","payment_status":null,"updated_at":"2026-11-27T12:00:00.250Z"}"#;
    let u = json::status_update(&json::parse(raw).unwrap()).unwrap();
    assert_eq!(ms(u.updated_at), ms(SERVER_NOW) + 250);
    assert!(json::status_update(&json::parse(r#"{"status":"nope"}"#).unwrap()).is_err());
    let body = r#"{"error":{"code":"session_not_found","message":"No such session"}}"#;
    assert_eq!(
        json::error_body(&json::parse(body).unwrap()),
        Ok(("session_not_found".to_owned(), "No such session".to_owned()))
    );
    assert!(json::parse("not json").is_err());
}

#[wasm_bindgen_test]
async fn a_refused_page_says_so_with_the_fix_in_sandbox_and_no_retry() {
    let fake = FakeBackend::failing(ApiError::Refused {
        code: "origin_not_allowed".into(),
        message: "the origin http://shop.test is not in server.cors_origins".into(),
    });
    let m = mount(
        fake,
        Setup {
            locale: Some(Locale::En),
            sandbox: true,
            ..Setup::default()
        },
    );
    m.until_testid("load-error").await;
    let alert = m.get("load-error");
    assert_eq!(alert.get_attribute("role").unwrap(), "alert");
    assert_eq!(
        alert.get_attribute("data-code").unwrap(),
        "origin_not_allowed"
    );
    assert!(m.text("load-error").contains("can't be shown on this page"));
    assert!(
        m.text("dev-hint")
            .contains("http://shop.test is not in server.cors_origins")
    );
    assert!(m.find("retry").is_none(), "retrying cannot help");
    assert_eq!(m.event_names(), ["error"]);
}

#[wasm_bindgen_test]
async fn a_server_error_offers_a_retry_and_no_hint_outside_the_sandbox() {
    let fake = FakeBackend::failing(ApiError::Server {
        status: 502,
        code: "gateway_unavailable".into(),
        message: "The payment gateway is not answering.".into(),
    });
    let m = mount(fake.clone(), Setup::default());
    m.until_testid("load-error").await;
    assert!(m.find("retry").is_some());
    assert!(
        m.find("dev-hint").is_none(),
        "live buyers see no developer text"
    );
    *fake.view.borrow_mut() = Ok(view(&[Method::Sbp], None));
    m.click("retry");
    m.until_testid("method-sbp").await;
}

#[wasm_bindgen_test]
async fn a_prefetched_view_is_used_once_and_its_clock_moved_on() {
    use frontend::api::{Backend, HttpBackend};
    use shared::api::SessionToken;
    let sent = view(&[Method::Sbp], None);
    let answer = js_sys::Object::new();
    let set = |k: &str, v: JsValue| js_sys::Reflect::set(&answer, &k.into(), &v).unwrap();
    set("status", 200.into());
    set("text", serde_json::to_string(&sent).unwrap().into());
    set("at", (js_sys::Date::now() - 5_000.0).into());
    let backend = HttpBackend::new(
        "http://127.0.0.1:9",
        &SessionToken::parse("q9Xr2mKd8Lp0Zt5Wv7Yb3N").unwrap(),
    )
    .with_prefetch(Some(js_sys::Promise::resolve(&JsValue::from(answer))));
    let got = backend.view().await.unwrap();
    assert_eq!(got.order_id, sent.order_id);
    let moved = (got.server_time - sent.server_time).whole_milliseconds();
    assert!((4_900..6_000).contains(&moved), "moved by {moved} ms");
    // The second call asks the server (nothing listens at port 9).
    assert!(matches!(backend.view().await, Err(ApiError::Network(_))));
}
