//! Keeping the status current: Server-Sent Events while they work, otherwise polling with
//! [`Backoff`] — never two requests in flight, paused while the page is hidden, and an
//! immediate resync (plus an upstream check when a payment is waiting) when it comes back.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use shared::SessionStatus;
use shared::api::{CheckoutView, StatusUpdate};

use crate::api::{ApiError, Backend};
use crate::backoff::Backoff;
use crate::dom::{self, Listener};
use crate::sse::{FeedEvent, Subscription};

/// A request the feed makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// `GET …/status`.
    Status,
    /// `POST …/check` ("I've paid", return from the bank app).
    Check,
    /// `GET …/{token}`: status, payment and a fresh `server_time` for the countdown.
    Resync,
}

/// Where the feed delivers what it learns.
///
/// Hooks run with no borrow held, so they may call back into the feed.
#[derive(Clone)]
pub struct FeedHooks {
    /// A status (from SSE, a poll or a check).
    pub on_update: Rc<dyn Fn(StatusUpdate)>,
    /// A fresh view (resync): status, payment and `server_time`.
    pub on_view: Rc<dyn Fn(CheckoutView)>,
    /// A check finished (the "I've paid" button stops spinning).
    pub on_checked: Rc<dyn Fn(Result<(), ApiError>)>,
}

impl std::fmt::Debug for FeedHooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FeedHooks")
    }
}

struct Inner {
    backend: Rc<dyn Backend>,
    hooks: FeedHooks,
    queue: VecDeque<Job>,
    busy: bool,
    timer: Option<Timeout>,
    backoff: Backoff,
    live: bool,
    stopped: bool,
    payment_waiting: bool,
    last_status: Option<SessionStatus>,
    subscription: Option<Box<dyn Subscription>>,
    visibility: Option<Listener>,
}

/// The running feed; stops when dropped or when a final status arrives.
pub struct StatusFeed {
    inner: Rc<RefCell<Inner>>,
}

impl StatusFeed {
    /// Starts watching: opens the event stream and polls until it is connected.
    pub fn start(backend: Rc<dyn Backend>, hooks: FeedHooks) -> Self {
        let inner = Rc::new(RefCell::new(Inner {
            backend: Rc::clone(&backend),
            hooks,
            queue: VecDeque::new(),
            busy: false,
            timer: None,
            backoff: Backoff::default(),
            live: false,
            stopped: false,
            payment_waiting: false,
            last_status: None,
            subscription: None,
            visibility: None,
        }));
        let weak = Rc::downgrade(&inner);
        let subscription = backend.subscribe(Rc::new(move |event| {
            if let Some(inner) = weak.upgrade() {
                on_feed_event(&inner, event);
            }
        }));
        let weak = Rc::downgrade(&inner);
        let visibility = dom::document().and_then(|d| {
            Listener::new(d.as_ref(), "visibilitychange", move |_| {
                if let Some(inner) = weak.upgrade() {
                    on_visibility(&inner);
                }
            })
        });
        {
            let mut i = inner.borrow_mut();
            i.subscription = subscription;
            i.visibility = visibility;
        }
        schedule(&inner);
        Self { inner }
    }

    /// Runs `job` as soon as nothing else is in flight (a job already queued is not repeated).
    pub fn request(&self, job: Job) {
        enqueue(&self.inner, job);
    }

    /// Tells the feed whether a gateway payment is waiting for money (checks make sense then).
    pub fn set_payment_waiting(&self, waiting: bool) {
        self.inner.borrow_mut().payment_waiting = waiting;
    }

    /// Whether the event stream is connected (tests, diagnostics).
    pub fn is_live(&self) -> bool {
        self.inner.borrow().live
    }
}

impl std::fmt::Debug for StatusFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let i = self.inner.borrow();
        f.debug_struct("StatusFeed")
            .field("live", &i.live)
            .field("busy", &i.busy)
            .field("stopped", &i.stopped)
            .finish_non_exhaustive()
    }
}

impl Drop for StatusFeed {
    fn drop(&mut self) {
        stop(&self.inner);
    }
}

fn stop(inner: &Rc<RefCell<Inner>>) {
    let mut i = inner.borrow_mut();
    i.stopped = true;
    i.timer = None;
    i.queue.clear();
    i.subscription = None;
    i.visibility = None;
}

fn on_feed_event(inner: &Rc<RefCell<Inner>>, event: FeedEvent) {
    match event {
        FeedEvent::Connected => {
            let mut i = inner.borrow_mut();
            i.live = true;
            i.timer = None;
        }
        FeedEvent::Disconnected => {
            let was_live = std::mem::replace(&mut inner.borrow_mut().live, false);
            if was_live {
                inner.borrow_mut().backoff.reset();
            }
            schedule(inner);
        }
        FeedEvent::Update(update) => deliver_update(inner, update),
    }
}

fn on_visibility(inner: &Rc<RefCell<Inner>>) {
    if dom::page_hidden() {
        // Paused: no timers while nobody looks. SSE stays open (it costs nothing).
        inner.borrow_mut().timer = None;
        return;
    }
    let waiting = {
        let mut i = inner.borrow_mut();
        i.backoff.reset();
        i.payment_waiting
    };
    enqueue(inner, Job::Resync);
    if waiting {
        enqueue(inner, Job::Check);
    }
}

fn deliver_update(inner: &Rc<RefCell<Inner>>, update: StatusUpdate) {
    {
        let mut i = inner.borrow_mut();
        if i.stopped {
            return;
        }
        if i.last_status != Some(update.status) {
            i.last_status = Some(update.status);
            i.backoff.reset();
        }
    }
    let hook = Rc::clone(&inner.borrow().hooks.on_update);
    hook(update);
    if update.status.is_final() {
        stop(inner);
    }
}

fn enqueue(inner: &Rc<RefCell<Inner>>, job: Job) {
    {
        let mut i = inner.borrow_mut();
        if i.stopped {
            return;
        }
        if !i.queue.contains(&job) {
            i.queue.push_back(job);
        }
    }
    pump(inner);
}

/// Starts the next queued job unless one is in flight.
fn pump(inner: &Rc<RefCell<Inner>>) {
    let (job, backend) = {
        let mut i = inner.borrow_mut();
        if i.busy || i.stopped {
            return;
        }
        let Some(job) = i.queue.pop_front() else {
            drop(i);
            schedule(inner);
            return;
        };
        i.busy = true;
        i.timer = None;
        (job, Rc::clone(&i.backend))
    };
    let inner = Rc::clone(inner);
    wasm_bindgen_futures::spawn_local(async move {
        match job {
            Job::Status => {
                let result = backend.status().await;
                inner.borrow_mut().busy = false;
                if let Ok(update) = result {
                    deliver_update(&inner, update);
                }
            }
            Job::Check => {
                let result = backend.check().await;
                inner.borrow_mut().busy = false;
                let outcome = match result {
                    Ok(update) => {
                        deliver_update(&inner, update);
                        Ok(())
                    }
                    Err(e) => Err(e),
                };
                let hook = Rc::clone(&inner.borrow().hooks.on_checked);
                hook(outcome);
            }
            Job::Resync => {
                let result = backend.view().await;
                inner.borrow_mut().busy = false;
                if let Ok(view) = result {
                    let (stopped, hook) = {
                        let i = inner.borrow();
                        (i.stopped, Rc::clone(&i.hooks.on_view))
                    };
                    if !stopped {
                        hook(view);
                    }
                }
            }
        }
        pump(&inner);
    });
}

/// Arms the next poll when polling is needed: stream down, page visible, nothing in flight.
fn schedule(inner: &Rc<RefCell<Inner>>) {
    let mut i = inner.borrow_mut();
    if i.stopped || i.live || i.busy || !i.queue.is_empty() || dom::page_hidden() {
        return;
    }
    if i.timer.is_some() {
        return;
    }
    let delay = i.backoff.next_delay_ms();
    let weak = Rc::downgrade(inner);
    i.timer = Some(Timeout::new(delay, move || {
        if let Some(inner) = weak.upgrade() {
            inner.borrow_mut().timer = None;
            enqueue(&inner, Job::Status);
        }
    }));
}
