// alikassa-checkout widget — the stable entry merchants load:
//
//   <script type="module" src="https://checkout.example.ru/widget/v1/checkout.js"
//           data-token="…" data-target="#pay" data-locale="ru"></script>
//   <alikassa-checkout token="…" locale="en" theme="dark"></alikassa-checkout>
//   AliKassaCheckout.mount(element, { token, locale, theme, onEvent })
//
// It loads the WebAssembly build that sits beside it and talks to the server it came from
// (this module's own origin), so it works on a shop page of any origin. See docs/embedding.md.
//
// This file is small on purpose and runs before the wasm: it paints a skeleton in the widget's
// shadow root at once, starts the session request in parallel with the wasm download (on the
// hosted page the server has put the session in the page), and, when the wasm cannot load or
// run (network, Content-Security-Policy), shows that in the widget's own box with the `error`
// event — never a blank box.

const apiBase = new URL(import.meta.url).origin;
// The widget's CSS as a file, for browsers without constructed stylesheets (Safari < 16.4).
const styleUrl = new URL("widget.css", import.meta.url).href;
let loading = null;

// Content-Security-Policy violations that concern us (our calls, the wasm compile), so that a
// failure can be named for what it is; with those the stable entry saw for the requests it
// started before this module arrived.
const seen = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const uri = e.blockedURI || "";
  if (uri === "wasm-eval" || uri === "eval" || uri.startsWith(apiBase)) seen.push(e);
});
const violations = () => [...(globalThis.__alikassaCheckout?.violations ?? []), ...seen];

// What the stable entry (/widget/v1/checkout.js) started for this build before this module
// arrived: `fetch()` promises of the wasm (by URL) and of session views (by token). Each is
// taken once; a retry or a later mount asks anew.
function handed(kind, key) {
  const started = globalThis.__alikassaCheckout?.[kind];
  const promise = started?.get(key);
  started?.delete(key);
  return promise;
}

function load() {
  // The wasm download starts now, beside the JS glue's, not after it (one round trip less),
  // unless the stable entry already started it: the same request (same URL, no integrity),
  // handed over as its `fetch()`.
  loading ??= (() => {
    const url = new URL("frontend_bg.wasm", import.meta.url).href;
    const wasm = handed("wasm", url) ?? fetch(url);
    wasm.catch(() => {});
    return import("./frontend.js").then(async (glue) => {
      await glue.default({ module_or_path: wasm });
      return glue.mount;
    });
  })();
  // A later retry starts over.
  loading.catch(() => (loading = null));
  return loading;
}

const settle = () => new Promise((r) => setTimeout(r, 0));

// --- the first view, in parallel with the wasm --------------------------------------------------
// Resolves to {status, text, at} (an answer of GET /api/v1/checkout/{token}, `at` when it
// arrived) or {fail, message} (no answer: network_error, origin_not_allowed, csp_blocked).
function prefetch(token, viewId, state) {
  if (viewId) {
    const block = document.getElementById(viewId);
    if (block) {
      const nav = performance.getEntriesByType("navigation")[0];
      const at = performance.timeOrigin + (nav ? nav.responseStart : 0);
      return Promise.resolve({ status: Number(block.dataset.status), text: block.textContent, at });
    }
  }
  const url = `${apiBase}/api/v1/checkout/${encodeURIComponent(token)}`;
  // The stable entry may have asked already (the same request).
  const asked = handed("views", token) ?? fetch(url, { mode: "cors", credentials: "omit", cache: "no-store" });
  return asked.then(
    async (r) => {
      const answer = { status: r.status, text: await r.text(), at: Date.now() };
      // A failed answer carries no test_mode: ask whether this is a sandbox (for the hint).
      if (!r.ok) await serverInfo(state);
      return answer;
    },
    (error) => diagnose(error, state),
  );
}

// `GET /widget/v1/origin` (open to any origin): {origin, allowed, test_mode}, or null.
async function serverInfo(state) {
  try {
    const r = await fetch(`${apiBase}/widget/v1/origin`, { credentials: "omit", cache: "no-store" });
    const info = await r.json();
    state.sandbox ||= info.test_mode === true;
    return info;
  } catch (_) {
    return null;
  }
}

// Why a call to our server got no answer: this page's CSP, its origin, or the network.
async function diagnose(error, state) {
  const origin = await serverInfo(state);
  await settle();
  const csp = violations().find((v) => (v.blockedURI || "").startsWith(apiBase));
  if (csp) {
    return {
      fail: "csp_blocked",
      message: `this page's Content-Security-Policy (${csp.effectiveDirective}) blocks ${apiBase}: add ${apiBase} to connect-src`,
    };
  }
  if (origin && !origin.allowed) {
    return {
      fail: "origin_not_allowed",
      message: `the origin ${origin.origin} is not in server.cors_origins: add it there (the checkout's config file or CHECKOUT_SERVER__CORS_ORIGINS) and restart the server`,
    };
  }
  return { fail: "network_error", message: String(error && error.message ? error.message : error) };
}

// --- the skeleton and the pre-wasm error screen (in the widget's shadow root) -------------------
const SHEET_CSS = `:host{all:initial!important;display:block!important}
.s{font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--akc-fg,#1a1d21);background:var(--akc-bg,#fff);border:1px solid var(--akc-border,#d5dae1);border-radius:var(--akc-radius,14px);max-width:var(--akc-max-width,30rem);margin:0 auto;padding:16px;box-sizing:border-box}
.s *{box-sizing:border-box}.s p{margin:0}
.m{color:var(--akc-muted,#555c66);font-size:14px}
.t{font-size:28px;font-weight:700;margin:4px 0 12px;min-height:40px}
.b{height:56px;border-radius:10px;background:var(--akc-surface,#f3f5f8);border:1px solid var(--akc-border,#d5dae1);margin-top:8px}
.e{color:var(--akc-danger,#b3261e)}
.d{margin-top:8px;padding:8px 10px;border-radius:8px;background:var(--akc-surface,#f3f5f8);color:var(--akc-fg,#1a1d21);font:13px ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere}
button{font:inherit;font-weight:600;margin-top:12px;min-height:44px;padding:8px 16px;border:0;border-radius:10px;color:var(--akc-accent-fg,#fff);background:var(--akc-accent,#1558d6);cursor:pointer}
.h{border:0;max-width:34rem}
@media (prefers-color-scheme:dark){.s{--akc-fg:#eef1f5;--akc-bg:#16191d;--akc-border:#3a414a;--akc-muted:#b4bcc8;--akc-surface:#23282e;--akc-danger:#ffb4ab;--akc-accent:#7fb0ff;--akc-accent-fg:#0b1220}}`;
let sheet = null;

function paint(root, build) {
  try {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(SHEET_CSS);
    }
    root.adoptedStyleSheets = [sheet];
  } catch (_) {
    // No constructed stylesheets (old Safari): the text still shows, unstyled.
  }
  root.replaceChildren(build());
}

const el = (tag, attrs, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  e.append(...children);
  return e;
};

const lang = (locale) => (locale || document.documentElement.lang || navigator.language || "ru").slice(0, 2) === "en" ? "en" : "ru";

const TEXT = {
  ru: {
    loading: "Загружаем платёж…",
    load_failed: "Не удалось загрузить форму оплаты. Проверьте соединение и повторите.",
    csp_blocked: "Форму оплаты нельзя показать на этой странице. Сообщите об этом магазину.",
    retry: "Повторить",
  },
  en: {
    loading: "Loading the payment…",
    load_failed: "Could not load the payment form. Check your connection and try again.",
    csp_blocked: "The payment form can't be shown on this page. Please tell the shop.",
    retry: "Retry",
  },
};

// The box's class: on the hosted page the page's card is the frame, so the box has no border
// of its own (as the widget's `akc-hosted` root).
const box = (options, more) => ["s", options.mode === "hosted" ? "h" : "", more].filter(Boolean).join(" ");

// The amount as the widget writes it (shared::display::amount_display): `1 500 ₽`, `1 500,50 ₽`
// (ru: narrow no-break spaces, a no-break space before ₽) or `₽1,500.50` (en); kopecks only
// when there are any. Not `Intl.NumberFormat`: its first use loads the locale's data, the
// longest task of this module under the phone profile (README, "The widget on the wire").
function money(amount, en) {
  const [int, frac = ""] = String(amount).split(".");
  const kopecks = `${frac}00`.slice(0, 2);
  const grouped = int.replace(/\B(?=(\d{3})+$)/g, en ? "," : "\u202f");
  if (en) return kopecks === "00" ? `₽${grouped}` : `₽${grouped}.${kopecks}`;
  return kopecks === "00" ? `${grouped}\u00a0₽` : `${grouped},${kopecks}\u00a0₽`;
}

function skeleton(root, options, view) {
  const locale = options.locale;
  const t = TEXT[lang(locale || (view && view.locale))];
  paint(root, () => {
    const amount = view ? money(view.amount, lang(locale || view.locale) === "en") : "";
    const rows = (view ? view.methods : [1, 2]).map(() => el("div", { class: "b", "aria-hidden": "true" }));
    return el(
      "div",
      { class: box(options), "aria-busy": "true", "data-testid": "skeleton" },
      el("p", { class: "m" }, view ? view.merchant_name : "\u00a0"),
      el("p", { class: "t" }, amount),
      el("p", { class: "m", role: "status" }, t.loading),
      ...rows,
    );
  });
}

function failure(root, options, { code, message, sandbox, retry }) {
  const t = TEXT[lang(options.locale)];
  paint(root, () =>
    el(
      "div",
      { class: box(options, "e"), role: "alert", "data-testid": "load-error", "data-code": code },
      el("p", {}, t[code] || t.load_failed),
      ...(sandbox ? [el("p", { class: "d", "data-testid": "dev-hint" }, `Sandbox: ${message}`)] : []),
      ...(retry ? [Object.assign(el("button", { type: "button", "data-testid": "retry" }, t.retry), { onclick: retry })] : []),
    ),
  );
}

function resolveTarget(target) {
  const element = typeof target === "string" ? document.querySelector(target) : target;
  if (!(element instanceof Element)) {
    throw new TypeError("AliKassaCheckout.mount: target element not found");
  }
  return element;
}

function emitError(element, options, detail) {
  element.dispatchEvent(new CustomEvent("error", { detail, bubbles: true, composed: true }));
  if (typeof options.onEvent === "function") {
    try {
      options.onEvent({ type: "error", detail });
    } catch (_) {
      // The shop's callback failing must not hide the original problem.
    }
  }
}

// The element whose shadow root holds the widget: the custom element, the host the hosted page
// rendered (with its skeleton), or a new one replacing the target's fallback content.
function shadowHost(element) {
  if (element.localName === "alikassa-checkout" || element.hasAttribute("data-alikassa-checkout")) {
    return [element, false];
  }
  const rendered = element.querySelector(":scope > [data-alikassa-checkout]");
  if (rendered) return [rendered, false];
  const host = document.createElement("div");
  host.setAttribute("data-alikassa-checkout", "");
  element.replaceChildren(host);
  return [host, true];
}

/**
 * Mounts the widget into `target` (an element or a selector). Returns a handle at once; its
 * methods apply as soon as the widget has loaded, and `handle.ready` resolves then.
 */
export function mount(target, options = {}) {
  const element = resolveTarget(target);
  const [host, ownHost] = shadowHost(element);
  const root = host.shadowRoot || host.attachShadow({ mode: "open" });
  // The hosted page's server-rendered first screen stays until the widget replaces it.
  if (!root.firstChild) skeleton(root, options, null);
  const state = { sandbox: options.sandbox === true };
  let widget = null;
  let destroyed = false;
  let ready = null;
  const first = options.token ? prefetch(options.token, options.viewId, state) : null;
  if (first && !options.viewId) {
    first.then((a) => {
      if (a.status !== 200 || widget || destroyed) return;
      try {
        const view = JSON.parse(a.text);
        state.sandbox ||= view.test_mode === true;
        skeleton(root, options, view);
      } catch (_) {}
    });
  }
  // The widget mounts once both the wasm and the first view are here (the view was asked for
  // in parallel; meanwhile the skeleton shows).
  const start = () =>
    Promise.all([load(), first]).then(
      ([mountWasm]) => {
        if (destroyed) return null;
        const { viewId, ...rest } = options;
        widget = mountWasm(host, { apiBase, styleUrl, ...rest, prefetch: first, sandbox: state.sandbox });
        return widget;
      },
      async (error) => {
        await settle();
        const csp = violations().find((v) => v.blockedURI === "wasm-eval" || v.blockedURI === "eval" || (v.blockedURI || "").startsWith(apiBase));
        if (first) {
          try {
            state.sandbox ||= JSON.parse((await first).text).test_mode === true;
          } catch (_) {}
        }
        const detail = csp
          ? {
              code: "csp_blocked",
              message: `this page's Content-Security-Policy (${csp.effectiveDirective}) blocked ${csp.blockedURI}: ${
                csp.blockedURI.endsWith("eval") ? "add 'wasm-unsafe-eval' to script-src" : `allow ${apiBase} in ${csp.effectiveDirective}`
              } (docs/embedding.md)`,
            }
          : { code: "load_failed", message: `the widget's WebAssembly did not load: ${error && error.message ? error.message : error}` };
        if (!destroyed) {
          failure(root, options, {
            ...detail,
            sandbox: state.sandbox,
            retry: csp ? null : () => {
              skeleton(root, options, null);
              ready = start();
              ready.catch(() => {});
            },
          });
        }
        emitError(host, options, detail);
        console.error("AliKassaCheckout:", detail.message);
        throw error;
      },
    );
  ready = start();
  ready.catch(() => {});
  const apply = (fn) => (widget ? fn(widget) : ready.then((w) => w && fn(w)));
  const handle = {
    ready: null,
    destroy() {
      destroyed = true;
      if (widget) {
        widget.destroy();
        widget.free();
        widget = null;
      }
      if (ownHost) host.remove();
      else root.replaceChildren();
    },
    setLocale(locale) {
      return apply((w) => w.setLocale(locale));
    },
    setTheme(theme) {
      return apply((w) => w.setTheme(theme));
    },
    get locale() {
      return widget ? widget.locale : options.locale;
    },
  };
  handle.ready = ready.then(() => handle);
  return handle;
}

/** `<alikassa-checkout token="…" locale="ru" theme="auto" mode="embedded">` */
class AliKassaCheckoutElement extends HTMLElement {
  static get observedAttributes() {
    return ["token", "locale", "theme"];
  }

  connectedCallback() {
    this.#start();
  }

  disconnectedCallback() {
    this.#stop();
  }

  attributeChangedCallback(name, previous, value) {
    if (!this.handle || previous === value) return;
    if (name === "locale" && value) this.handle.setLocale(value);
    else if (name === "theme" && value) this.handle.setTheme(value);
    else if (name === "token") {
      this.#stop();
      this.#start();
    }
  }

  #start() {
    const token = this.getAttribute("token");
    if (!token || this.handle) return;
    this.handle = mount(this, {
      token,
      locale: this.getAttribute("locale") || undefined,
      theme: this.getAttribute("theme") || undefined,
      mode: this.getAttribute("mode") || undefined,
    });
  }

  #stop() {
    if (this.handle) {
      this.handle.destroy();
      this.handle = null;
    }
  }
}

if (!customElements.get("alikassa-checkout")) {
  customElements.define("alikassa-checkout", AliKassaCheckoutElement);
}

// <script type="module" src=".../checkout.js" data-token="…">: mount next to (or into
// data-target of) every such tag. A module runs once per URL, so one run serves them all.
const started = new WeakSet();
function autoMount() {
  for (const script of document.querySelectorAll("script[data-token]")) {
    if (started.has(script) || !script.src) continue;
    if (!new URL(script.src, document.baseURI).pathname.endsWith("/checkout.js")) continue;
    started.add(script);
    const { token, target, locale, theme, mode, view } = script.dataset;
    let element = target ? document.querySelector(target) : null;
    if (!element) {
      element = document.createElement("div");
      script.after(element);
    }
    mount(element, { token, locale, theme, mode, viewId: view, sandbox: "sandbox" in script.dataset });
  }
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", autoMount, { once: true });
} else {
  autoMount();
}

globalThis.AliKassaCheckout = Object.freeze({ mount, version: "v1" });
