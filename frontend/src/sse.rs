//! Live status over Server-Sent Events (`GET …/events`): each event's data is a
//! [`StatusUpdate`](shared::api::StatusUpdate) in JSON. The feed's vocabulary
//! ([`FeedEvent`], [`Subscription`]) lives here, below [`crate::api`], which opens the stream.

use std::rc::Rc;

use shared::api::StatusUpdate;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Event, EventSource, MessageEvent};

/// What the status feed reports besides status updates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedEvent {
    /// The live stream is connected: polling can stop.
    Connected,
    /// A status update arrived.
    Update(StatusUpdate),
    /// The live stream is down (it may come back by itself): poll meanwhile.
    Disconnected,
}

/// A live subscription; dropping it closes the stream.
pub trait Subscription {}

/// Event names the server may use for status changes (`message` is the SSE default).
const STATUS_EVENTS: [&str; 2] = ["status", "message"];

/// An open `EventSource`; closed on drop.
pub struct EventStream {
    source: EventSource,
    on_message: Closure<dyn FnMut(MessageEvent)>,
    on_open: Closure<dyn FnMut(Event)>,
    on_error: Closure<dyn FnMut(Event)>,
}

impl EventStream {
    /// Opens `url`; `None` if the browser refuses (no `EventSource`, bad URL).
    pub fn open(url: &str, on_event: Rc<dyn Fn(FeedEvent)>) -> Option<Self> {
        let source = EventSource::new(url).ok()?;
        let on_message = {
            let on_event = Rc::clone(&on_event);
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let Some(data) = event.data().as_string() else {
                    return;
                };
                // Heartbeats and unknown payloads are not status changes; skip them.
                if let Ok(update) =
                    crate::json::parse(&data).and_then(|v| crate::json::status_update(&v))
                {
                    on_event(FeedEvent::Update(update));
                }
            })
        };
        let on_open = {
            let on_event = Rc::clone(&on_event);
            Closure::<dyn FnMut(Event)>::new(move |_| on_event(FeedEvent::Connected))
        };
        let on_error = Closure::<dyn FnMut(Event)>::new(move |_| on_event(FeedEvent::Disconnected));
        for name in STATUS_EVENTS {
            source
                .add_event_listener_with_callback(name, on_message.as_ref().unchecked_ref())
                .ok()?;
        }
        source
            .add_event_listener_with_callback("open", on_open.as_ref().unchecked_ref())
            .ok()?;
        source
            .add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref())
            .ok()?;
        Some(Self {
            source,
            on_message,
            on_open,
            on_error,
        })
    }
}

impl Subscription for EventStream {}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("url", &self.source.url())
            .finish_non_exhaustive()
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.source.close();
        for name in STATUS_EVENTS {
            let _ = self.source.remove_event_listener_with_callback(
                name,
                self.on_message.as_ref().unchecked_ref(),
            );
        }
        let _ = self
            .source
            .remove_event_listener_with_callback("open", self.on_open.as_ref().unchecked_ref());
        let _ = self
            .source
            .remove_event_listener_with_callback("error", self.on_error.as_ref().unchecked_ref());
    }
}
