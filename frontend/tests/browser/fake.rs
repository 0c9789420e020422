//! A [`Backend`] answering from given data, recording calls, with a hand-driven event stream.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use frontend::api::{ApiError, Backend, FeedEvent, LocalFuture, Subscription};
use frontend::clock::Clock;
use frontend::mount::{MountOptions, WidgetHandle, mount_with};
use frontend::theme::Theme;
use shared::api::{CheckoutView, Locale, PayAnswer, Requisites, SessionToken, StatusUpdate};
use shared::{Method, SessionStatus};
use time::OffsetDateTime;
use time::macros::datetime;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Element, ShadowRoot};

/// The server's "now" in the fixtures.
pub const SERVER_NOW: OffsetDateTime = datetime!(2026-11-27 12:00:00 UTC);

pub fn ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn view(methods: &[Method], payment: Option<PayAnswer>) -> CheckoutView {
    CheckoutView {
        order_id: "A-1001".parse().unwrap(),
        amount: "1500.00".parse().unwrap(),
        description: None,
        methods: methods.to_vec(),
        status: if payment.is_some() {
            SessionStatus::Pending
        } else {
            SessionStatus::Open
        },
        paid_amount: None,
        locale: Locale::Ru,
        merchant_name: "Кофейня".into(),
        expires_at: SERVER_NOW + time::Duration::minutes(15),
        server_time: SERVER_NOW,
        test_mode: true,
        payment,
        success_url: Some("https://shop.example/ok".parse().unwrap()),
        fail_url: Some("https://shop.example/fail".parse().unwrap()),
    }
}

pub fn requisites(method: Method) -> Requisites {
    match method {
        Method::CardTransfer => Requisites::Card {
            card_number: "2202200000000004".parse().unwrap(),
            holder: Some("IVAN PETROV".into()),
            bank: Some("Сбербанк".into()),
        },
        Method::Sbp => Requisites::Phone {
            phone: "79031112233".parse().unwrap(),
            holder: Some("Иван П.".into()),
            bank: Some("Т-Банк".into()),
        },
        Method::AccountTransfer => Requisites::Account {
            account: "40817810000000000001".parse().unwrap(),
            bic: Some("044525225".parse().unwrap()),
            holder: Some("ООО Ромашка".into()),
            bank: Some("ПАО Сбербанк".into()),
        },
        Method::Sberpay => Requisites::Sberpay {
            url: "https://p2p.cloudpaypro.com/0f9c2d1e-3b4a-4c5d"
                .parse()
                .unwrap(),
            phone: None,
            holder: None,
        },
        Method::CardForm | Method::AccountForm => Requisites::Redirect {
            url: "https://pay-merchant.alikassa.com/0f9c2d1e"
                .parse()
                .unwrap(),
        },
    }
}

pub fn answer(method: Method) -> PayAnswer {
    PayAnswer {
        method,
        requisites: requisites(method),
        amount: "1500.00".parse().unwrap(),
        expires_at: SERVER_NOW + time::Duration::minutes(15),
        server_time: SERVER_NOW,
        status: SessionStatus::Pending,
        gateway_payment_id: Some(shared::GatewayPaymentId::new(100000042).unwrap()),
    }
}

pub fn update(status: SessionStatus) -> StatusUpdate {
    StatusUpdate {
        status,
        payment_status: None,
        paid_amount: None,
        updated_at: SERVER_NOW,
    }
}

/// `underpaid`, with `paid` received (as the server reports a partial payment).
pub fn underpaid(paid: &str) -> StatusUpdate {
    StatusUpdate {
        paid_amount: Some(paid.parse().unwrap()),
        ..update(SessionStatus::Underpaid)
    }
}

/// The widget's side of the hand-driven event stream.
type StreamSink = Rc<dyn Fn(FeedEvent)>;

/// Answers from data; every call is recorded by name.
pub struct FakeBackend {
    pub view: RefCell<Result<CheckoutView, ApiError>>,
    pub check_answer: RefCell<StatusUpdate>,
    pub calls: RefCell<Vec<String>>,
    pub stream: RefCell<Option<StreamSink>>,
    pub live: Cell<bool>,
}

struct FakeSubscription;
impl Subscription for FakeSubscription {}

impl FakeBackend {
    pub fn new(view: CheckoutView) -> Rc<Self> {
        Rc::new(Self {
            view: RefCell::new(Ok(view)),
            check_answer: RefCell::new(update(SessionStatus::Pending)),
            calls: RefCell::new(Vec::new()),
            stream: RefCell::new(None),
            live: Cell::new(true),
        })
    }

    pub fn failing(error: ApiError) -> Rc<Self> {
        let fake = Self::new(view(&[Method::Sbp], None));
        *fake.view.borrow_mut() = Err(error);
        fake
    }

    pub fn count(&self, name: &str) -> usize {
        self.calls
            .borrow()
            .iter()
            .filter(|c| c.as_str() == name)
            .count()
    }

    /// Pushes an event through the "SSE" stream.
    pub fn push(&self, event: FeedEvent) {
        let stream = self.stream.borrow().clone();
        if let Some(stream) = stream {
            stream(event);
        }
    }
}

impl Backend for FakeBackend {
    fn view(&self) -> LocalFuture<'_, Result<CheckoutView, ApiError>> {
        self.calls.borrow_mut().push("view".into());
        let result = self.view.borrow().clone();
        Box::pin(async move { result })
    }

    fn pay(&self, method: Method) -> LocalFuture<'_, Result<PayAnswer, ApiError>> {
        self.calls.borrow_mut().push(format!("pay:{method}"));
        Box::pin(async move { Ok(answer(method)) })
    }

    fn status(&self) -> LocalFuture<'_, Result<StatusUpdate, ApiError>> {
        self.calls.borrow_mut().push("status".into());
        Box::pin(async move { Ok(update(SessionStatus::Pending)) })
    }

    fn check(&self) -> LocalFuture<'_, Result<StatusUpdate, ApiError>> {
        self.calls.borrow_mut().push("check".into());
        let answer = *self.check_answer.borrow();
        Box::pin(async move { Ok(answer) })
    }

    fn subscribe(&self, on_event: Rc<dyn Fn(FeedEvent)>) -> Option<Box<dyn Subscription>> {
        self.calls.borrow_mut().push("subscribe".into());
        if self.live.get() {
            on_event(FeedEvent::Connected);
        }
        *self.stream.borrow_mut() = Some(on_event);
        Some(Box::new(FakeSubscription))
    }
}

/// A mounted widget and what the test needs to drive it.
pub struct Mounted {
    pub target: Element,
    pub handle: WidgetHandle,
    pub fake: Rc<FakeBackend>,
    pub clock: Clock,
    pub events: Rc<RefCell<Vec<(String, String)>>>,
    _on_event: Closure<dyn FnMut(JsValue)>,
}

pub struct Setup {
    pub locale: Option<Locale>,
    pub hosted: bool,
    pub mobile: bool,
    /// The buyer's clock at start (default: the server's).
    pub client_now: i64,
    /// `checkout.js` said the server is a sandbox.
    pub sandbox: bool,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            locale: None,
            hosted: false,
            mobile: false,
            client_now: ms(SERVER_NOW),
            sandbox: false,
        }
    }
}

pub fn mount(fake: Rc<FakeBackend>, setup: Setup) -> Mounted {
    let document = web_sys::window().unwrap().document().unwrap();
    let target = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&target).unwrap();
    let events = Rc::new(RefCell::new(Vec::new()));
    let sink = Rc::clone(&events);
    let on_event = Closure::<dyn FnMut(JsValue)>::new(move |payload: JsValue| {
        let kind = js_sys::Reflect::get(&payload, &"type".into())
            .unwrap()
            .as_string()
            .unwrap();
        let detail = js_sys::Reflect::get(&payload, &"detail".into()).unwrap();
        let detail = js_sys::JSON::stringify(&detail)
            .unwrap()
            .as_string()
            .unwrap();
        sink.borrow_mut().push((kind, detail));
    });
    let clock = Clock::manual(setup.client_now);
    let options = MountOptions {
        token: SessionToken::parse("q9Xr2mKd8Lp0Zt5Wv7Yb3N").unwrap(),
        locale: setup.locale,
        theme: Theme::Auto,
        style_url: None,
        api_base: "https://checkout.example".into(),
        hosted: setup.hosted,
        prefetch: None,
        sandbox: setup.sandbox,
        on_event: Some(
            on_event
                .as_ref()
                .unchecked_ref::<js_sys::Function>()
                .clone(),
        ),
    };
    let backend: Rc<dyn Backend> = fake.clone();
    let handle = mount_with(&target, options, backend, Some(clock), setup.mobile).unwrap();
    Mounted {
        target,
        handle,
        fake,
        clock,
        events,
        _on_event: on_event,
    }
}

impl Mounted {
    pub fn root(&self) -> ShadowRoot {
        self.target
            .first_element_child()
            .expect("host element")
            .shadow_root()
            .expect("open shadow root")
    }

    pub fn find(&self, testid: &str) -> Option<Element> {
        self.root()
            .query_selector(&format!("[data-testid=\"{testid}\"]"))
            .unwrap()
    }

    pub fn get(&self, testid: &str) -> Element {
        self.find(testid)
            .unwrap_or_else(|| panic!("no [data-testid={testid}] in {}", self.root().inner_html()))
    }

    pub fn text(&self, testid: &str) -> String {
        self.get(testid).text_content().unwrap_or_default()
    }

    pub fn click(&self, testid: &str) {
        self.get(testid)
            .unchecked_into::<web_sys::HtmlElement>()
            .click();
    }

    pub fn event_names(&self) -> Vec<String> {
        self.events
            .borrow()
            .iter()
            .map(|(n, _)| n.clone())
            .collect()
    }

    pub fn detail(&self, name: &str) -> Option<String> {
        self.events
            .borrow()
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| d.clone())
    }

    /// Waits (yielding to the browser's event loop, no fixed delay) until `cond` holds.
    pub async fn until(&self, what: &str, cond: impl Fn(&Self) -> bool) {
        for _ in 0..200 {
            if cond(self) {
                return;
            }
            gloo_timers::future::TimeoutFuture::new(0).await;
        }
        panic!(
            "timed out waiting for {what}; DOM: {}",
            self.root().inner_html()
        );
    }

    pub async fn until_testid(&self, testid: &str) {
        self.until(testid, |m| m.find(testid).is_some()).await;
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.handle.destroy();
        self.target.remove();
    }
}
