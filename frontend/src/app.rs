//! The root component: loads the session, shows the right screen, keeps the status current and
//! tells the page what happened.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::{CheckoutView, PayAnswer, Requisites};
use shared::{Amount, Method, SessionStatus};

use crate::api::{ApiError, Backend};
use crate::clock::Clock;
use crate::countdown::{ClockSync, epoch_ms};
use crate::dom;
use crate::events::{
    Emitter, ErrorDetail, OutcomeDetail, ReadyDetail, RequisitesDetail, WidgetEvent,
};
use crate::feed::{FeedHooks, Job, StatusFeed};
use crate::i18n::{Msg, tr};
use crate::theme::Theme;
use crate::views::{
    FinalScreen, Header, LanguageSwitch, MethodPicker, RequisitesView, TestBanner, Ui,
};

/// Loading the session.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    Loading,
    Failed(ApiError),
    Ready,
}

/// What is on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Screen {
    Loading,
    Failed(ApiError),
    Picker,
    Requisites(Box<PayAnswer>),
    Final(SessionStatus),
}

/// All state of one widget, and what the buyer can do. `Copy`: signals and arena handles only.
#[derive(Clone, Copy)]
struct Controller {
    ui: Ui,
    clock: Clock,
    follow_session_locale: bool,
    sandbox: bool,
    phase: RwSignal<Phase>,
    view: RwSignal<Option<CheckoutView>>,
    answer: RwSignal<Option<PayAnswer>>,
    status: RwSignal<SessionStatus>,
    /// Money received, as the server last reported it.
    paid_amount: RwSignal<Option<Amount>>,
    sync: RwSignal<ClockSync>,
    preparing: RwSignal<Option<Method>>,
    pay_error: RwSignal<Option<ApiError>>,
    checking: RwSignal<bool>,
    picking: RwSignal<bool>,
    backend: StoredValue<Rc<dyn Backend>, LocalStorage>,
    emitter: StoredValue<Rc<Emitter>, LocalStorage>,
    feed: StoredValue<Option<StatusFeed>, LocalStorage>,
}

impl Controller {
    /// False once the widget was destroyed: late answers are then dropped.
    fn alive(self) -> bool {
        !self.phase.is_disposed()
    }

    fn emit(self, event: WidgetEvent) {
        self.emitter.with_value(|e| e.emit(&event));
    }

    fn emit_error(self, error: &ApiError) {
        self.emit(WidgetEvent::Error(ErrorDetail {
            code: error.code().to_owned(),
            message: error.to_string(),
        }));
    }

    fn outcome(self, status: SessionStatus) -> Option<OutcomeDetail> {
        let order_id = self
            .view
            .with_untracked(|v| v.as_ref().map(|v| v.order_id.clone()))?;
        Some(OutcomeDetail {
            order_id,
            status,
            method: self.answer.with_untracked(|a| a.as_ref().map(|a| a.method)),
            paid_amount: match status {
                SessionStatus::Underpaid => self.paid_amount.get_untracked(),
                SessionStatus::Open
                | SessionStatus::Pending
                | SessionStatus::Paid
                | SessionStatus::Failed
                | SessionStatus::Cancelled
                | SessionStatus::Expired => None,
            },
        })
    }

    fn backend(self) -> Rc<dyn Backend> {
        self.backend.with_value(Rc::clone)
    }

    fn measure(self, server_time: time::OffsetDateTime) {
        self.sync.set(ClockSync::measure(
            epoch_ms(server_time),
            self.clock.now_untracked(),
        ));
    }

    fn load(self) {
        self.phase.set(Phase::Loading);
        let backend = self.backend();
        spawn_local(async move {
            let result = backend.view().await;
            if !self.alive() {
                return;
            }
            match result {
                Ok(view) => self.loaded(view),
                Err(error) => {
                    self.phase.try_set(Phase::Failed(error.clone()));
                    self.emit_error(&error);
                }
            }
        });
    }

    fn loaded(self, view: CheckoutView) {
        self.measure(view.server_time);
        if self.follow_session_locale {
            self.ui.locale.set(view.locale);
        }
        let status = view.status;
        let payment = view.payment.clone();
        self.status.set(status);
        self.paid_amount.set(view.paid_amount);
        self.answer.set(payment.clone());
        self.view.set(Some(view.clone()));
        self.phase.set(Phase::Ready);
        self.emit(WidgetEvent::Ready(ReadyDetail {
            order_id: view.order_id.clone(),
            amount: view.amount,
            status,
            methods: view.methods.clone(),
            locale: self.ui.locale.get_untracked(),
            test_mode: view.test_mode,
        }));
        if status.is_final() {
            if let Some(event) = self
                .outcome(status)
                .and_then(|d| WidgetEvent::for_final(status, d))
            {
                self.emit(event);
            }
            return;
        }
        if let Some(answer) = payment {
            self.shown(&answer, true);
        }
        self.start_feed(status == SessionStatus::Pending);
    }

    fn start_feed(self, payment_waiting: bool) {
        let hooks = FeedHooks {
            on_update: Rc::new(move |update| {
                if self.alive() {
                    self.apply_status(update.status, update.paid_amount);
                }
            }),
            on_view: Rc::new(move |view| {
                if self.alive() {
                    self.resynced(view);
                }
            }),
            on_checked: Rc::new(move |result| {
                if !self.alive() {
                    return;
                }
                self.checking.set(false);
                if let Err(error) = result {
                    self.emit_error(&error);
                }
            }),
        };
        let feed = StatusFeed::start(self.backend(), hooks);
        feed.set_payment_waiting(payment_waiting);
        self.feed.set_value(Some(feed));
    }

    fn request(self, job: Job) {
        self.feed.with_value(|f| {
            if let Some(f) = f {
                f.request(job);
            }
        });
    }

    /// A status (and the money received, when reported) from anywhere; final statuses never
    /// regress.
    fn apply_status(self, next: SessionStatus, paid_amount: Option<Amount>) {
        let Some(current) = self.status.try_get_untracked() else {
            return;
        };
        if current == next || current.is_final() {
            return;
        }
        if paid_amount.is_some() {
            self.paid_amount.set(paid_amount);
        }
        self.status.set(next);
        self.feed.with_value(|f| {
            if let Some(f) = f {
                f.set_payment_waiting(next == SessionStatus::Pending);
            }
        });
        if next.is_final() {
            self.checking.set(false);
            if let Some(event) = self
                .outcome(next)
                .and_then(|d| WidgetEvent::for_final(next, d))
            {
                self.emit(event);
            }
        }
    }

    fn resynced(self, view: CheckoutView) {
        self.measure(view.server_time);
        if let Some(payment) = view.payment.clone()
            && self.answer.with_untracked(|a| a.as_ref() != Some(&payment))
        {
            self.answer.set(Some(payment));
        }
        self.apply_status(view.status, view.paid_amount);
    }

    fn shown(self, answer: &PayAnswer, resumed: bool) {
        self.emit(WidgetEvent::RequisitesShown(RequisitesDetail {
            method: answer.method,
            amount: answer.amount,
            expires_at: crate::json::rfc3339_utc(answer.expires_at),
            resumed,
            gateway_payment_id: answer.gateway_payment_id,
        }));
    }

    fn pick(self, method: Method) {
        if self.preparing.get_untracked().is_some() {
            return;
        }
        self.preparing.set(Some(method));
        self.pay_error.set(None);
        self.emit(WidgetEvent::MethodSelected { method });
        let backend = self.backend();
        spawn_local(async move {
            let result = backend.pay(method).await;
            if !self.alive() {
                return;
            }
            self.preparing.set(None);
            match result {
                Ok(answer) => {
                    self.measure(answer.server_time);
                    self.picking.set(false);
                    self.answer.set(Some(answer.clone()));
                    self.apply_status(answer.status, None);
                    self.shown(&answer, false);
                    self.feed.with_value(|f| {
                        if let Some(f) = f {
                            f.set_payment_waiting(true);
                        }
                    });
                    if let (true, Requisites::Redirect { url }) =
                        (self.ui.hosted, &answer.requisites)
                    {
                        dom::navigate(url.as_str());
                    }
                }
                Err(error) => {
                    self.emit_error(&error);
                    self.pay_error.set(Some(error));
                }
            }
        });
    }

    fn ive_paid(self) {
        if self.feed.with_value(Option::is_some) {
            self.checking.set(true);
            self.request(Job::Check);
        }
    }

    fn time_up(self) {
        self.request(Job::Resync);
    }

    fn retry(self) {
        let status = self.status.get_untracked();
        if let Some(detail) = self.outcome(status) {
            self.emit(WidgetEvent::Retry(detail));
        }
        if self.ui.hosted {
            match self
                .view
                .with_untracked(|v| v.as_ref().and_then(|v| v.fail_url.clone()))
            {
                Some(url) => dom::navigate(url.as_str()),
                None => dom::reload(),
            }
        }
    }

    fn screen(self) -> Screen {
        match self.phase.get() {
            Phase::Loading => Screen::Loading,
            Phase::Failed(e) => Screen::Failed(e),
            Phase::Ready => {
                let status = self.status.get();
                if status.is_final() {
                    return Screen::Final(status);
                }
                match self.answer.get() {
                    Some(answer) if !self.picking.get() => Screen::Requisites(Box::new(answer)),
                    _ => Screen::Picker,
                }
            }
        }
    }
}

/// For the shop's developer (sandbox only, English): what failed and what to do.
fn dev_hint(error: &ApiError) -> String {
    let fix = match error {
        ApiError::Refused { .. } => "",
        ApiError::Server { status: 404, .. } => {
            " — no session has this token on this server: create one with POST /api/v1/sessions"
        }
        ApiError::Server { status: 500.., .. } => " — the server's log has the cause",
        ApiError::Network(_) => " — is the checkout server running, and reachable from this page?",
        ApiError::Server { .. } | ApiError::Decode(_) => "",
    };
    ["Sandbox: ", &error.to_string(), fix].concat()
}

/// How the root is set up by [`crate::mount`] (or a test).
pub struct AppSetup {
    /// The widget API.
    pub backend: Rc<dyn Backend>,
    /// Where events go.
    pub emitter: Rc<Emitter>,
    /// Language, presentation.
    pub ui: Ui,
    /// Light / dark / auto.
    pub theme: RwSignal<Theme>,
    /// "Now"; `None` = the buyer's ticking clock.
    pub clock: Option<Clock>,
    /// Take the session's language (no explicit `locale` was given).
    pub follow_session_locale: bool,
    /// A sandbox server: failures also show the developer their cause and fix.
    pub sandbox: bool,
}

impl std::fmt::Debug for AppSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppSetup")
            .field("ui", &self.ui)
            .finish_non_exhaustive()
    }
}

/// The whole widget.
pub fn checkout_app(setup: AppSetup) -> AnyView {
    let AppSetup {
        backend,
        emitter,
        ui,
        theme,
        clock,
        follow_session_locale,
        sandbox,
    } = setup;
    provide_context(ui);
    let clock = clock.unwrap_or_else(Clock::ticking);
    let c = Controller {
        ui,
        clock,
        follow_session_locale,
        sandbox,
        phase: RwSignal::new(Phase::Loading),
        view: RwSignal::new(None),
        answer: RwSignal::new(None),
        status: RwSignal::new(SessionStatus::Open),
        paid_amount: RwSignal::new(None),
        sync: RwSignal::new(ClockSync::default()),
        preparing: RwSignal::new(None),
        pay_error: RwSignal::new(None),
        checking: RwSignal::new(false),
        picking: RwSignal::new(false),
        backend: StoredValue::new_local(backend),
        emitter: StoredValue::new_local(emitter),
        feed: StoredValue::new_local(None),
    };
    c.load();
    let screen = Memo::new(move |_| c.screen());
    let status_text = move || {
        let msg = match c.status.get() {
            SessionStatus::Open => Msg::StatusOpen,
            SessionStatus::Pending => Msg::StatusPending,
            SessionStatus::Paid => Msg::PaidTitle,
            SessionStatus::Underpaid => Msg::UnderpaidTitle,
            SessionStatus::Failed => Msg::FailedTitle,
            SessionStatus::Cancelled => Msg::CancelledTitle,
            SessionStatus::Expired => Msg::ExpiredTitle,
        };
        tr(ui.lang(), msg)
    };
    let body = move || match screen.get() {
        Screen::Loading => view! {
            <p class="akc-note akc-loading" role="status">{ui.t(Msg::Loading)}</p>
        }
        .into_any(),
        Screen::Failed(error) => {
            let msg = match &error {
                e if e.is_not_found() => Msg::NotFound,
                ApiError::Refused { .. } => Msg::Refused,
                ApiError::Network(_) | ApiError::Server { .. } | ApiError::Decode(_) => {
                    Msg::LoadFailed
                }
            };
            view! {
                <div class="akc-error" role="alert" data-testid="load-error" data-code=error.code().to_owned()>
                    <p>{ui.t(msg)}</p>
                    {c.sandbox.then(|| view! {
                        <p class="akc-dev" data-testid="dev-hint">{dev_hint(&error)}</p>
                    })}
                    {error.retryable().then(|| view! {
                        <button type="button" class="akc-button akc-button-primary" data-testid="retry" on:click=move |_| c.load()>
                            {ui.t(Msg::Retry)}
                        </button>
                    })}
                </div>
            }
            .into_any()
        }
        Screen::Picker => {
            let methods = c
                .view
                .with_untracked(|v| v.as_ref().map(|v| v.methods.clone()))
                .unwrap_or_default();
            view! {
                <MethodPicker
                    methods=methods
                    busy=c.preparing
                    on_pick=Callback::new(move |m| c.pick(m))
                />
                {move || {
                    c.pay_error.with(Option::is_some).then(|| view! {
                        <p class="akc-error" role="alert" data-testid="pay-error">{ui.t(Msg::PayFailed)}</p>
                    })
                }}
            }
            .into_any()
        }
        Screen::Requisites(answer) => {
            let several = c
                .view
                .with_untracked(|v| v.as_ref().is_some_and(|v| v.methods.len() > 1));
            view! {
                <RequisitesView
                    answer=*answer
                    sync=c.sync
                    clock=c.clock
                    on_time_up=Callback::new(move |()| c.time_up())
                    on_paid=Callback::new(move |()| c.ive_paid())
                    checking=c.checking
                    on_other_method=several.then(|| Callback::new(move |()| c.picking.set(true)))
                />
            }
            .into_any()
        }
        Screen::Final(status) => c
            .view
            .with_untracked(|v| {
                v.as_ref().map(|v| {
                    // Only a full payment leads to the shop's success page: after a partial one
                    // its "thank you, order paid" would be wrong, so the buyer goes back by the
                    // fail URL.
                    let back_url = match status {
                        SessionStatus::Paid => v.success_url.as_ref(),
                        SessionStatus::Underpaid
                        | SessionStatus::Failed
                        | SessionStatus::Cancelled
                        | SessionStatus::Expired
                        | SessionStatus::Open
                        | SessionStatus::Pending => v.fail_url.as_ref(),
                    };
                    view! {
                        <FinalScreen
                            status=status
                            amount=v.amount
                            paid_amount=c.paid_amount.get_untracked()
                            back_url=back_url.map(|u| u.as_str().to_owned())
                            on_retry=Callback::new(move |()| c.retry())
                        />
                    }
                })
            })
            .into_any(),
    };
    let header = move || {
        c.view.with(|v| {
            v.as_ref().map(|v| {
                view! {
                    {v.test_mode.then(|| view! { <TestBanner /> })}
                    <Header
                        merchant_name=v.merchant_name.clone()
                        order_id=v.order_id.as_str().to_owned()
                        amount=v.amount
                    />
                }
            })
        })
    };
    view! {
        <div
            class=move || format!("akc-root akc-theme-{}", theme.get().as_str())
            class:akc-hosted=ui.hosted
            lang=move || ui.lang().as_str()
            role="region"
            aria-label=ui.t(Msg::WidgetLabel)
            data-testid="checkout"
        >
            <div class="akc-topbar">
                <LanguageSwitch />
            </div>
            {header}
            {move || c.phase.with(|p| *p == Phase::Ready).then(|| view! {
                <p
                    class="akc-status"
                    // On a final screen the heading says it; the line stays for screen readers.
                    class:akc-sr=move || c.status.get().is_final()
                    role="status"
                    aria-live="polite"
                    data-testid="status"
                    data-status=move || c.status.get().as_str()
                >
                    {status_text}
                </p>
            })}
            <div class="akc-body">{body}</div>
        </div>
    }
    .into_any()
}
