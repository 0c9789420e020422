// alikassa-checkout widget — the stable entry merchants load:
//
//   <script type="module" src="https://checkout.example.ru/widget/v1/checkout.js"
//           data-token="…" data-target="#pay" data-locale="ru"></script>
//   <alikassa-checkout token="…" locale="en" theme="dark"></alikassa-checkout>
//   AliKassaCheckout.mount(element, { token, locale, theme, onEvent })
//
// It loads the WebAssembly build that sits beside it and talks to the server it came from
// (this module's own origin), so it works on a shop page of any origin. See docs/embedding.md.

import init, { mount as mountWasm } from "./frontend.js";

const apiBase = new URL(import.meta.url).origin;
// The widget's CSS as a file, for browsers without constructed stylesheets (Safari < 16.4).
const styleUrl = new URL("widget.css", import.meta.url).href;
let loading = null;

function load() {
  loading ??= init({ module_or_path: new URL("frontend_bg.wasm", import.meta.url) });
  return loading;
}

function resolveTarget(target) {
  const element = typeof target === "string" ? document.querySelector(target) : target;
  if (!(element instanceof Element)) {
    throw new TypeError("AliKassaCheckout.mount: target element not found");
  }
  return element;
}

function reportLoadError(element, options, error) {
  const detail = { code: "load_failed", message: String(error && error.message ? error.message : error) };
  element.dispatchEvent(new CustomEvent("error", { detail, bubbles: true, composed: true }));
  if (typeof options.onEvent === "function") {
    try {
      options.onEvent({ type: "error", detail });
    } catch (_) {
      // The shop's callback failing must not hide the original problem.
    }
  }
  console.error("AliKassaCheckout:", error);
}

/**
 * Mounts the widget into `target` (an element or a selector). Returns a handle at once; its
 * methods apply as soon as the widget has loaded, and `handle.ready` resolves then.
 */
export function mount(target, options = {}) {
  const element = resolveTarget(target);
  let widget = null;
  let destroyed = false;
  const ready = load()
    .then(() => {
      if (destroyed) return null;
      widget = mountWasm(element, { apiBase, styleUrl, ...options });
      return widget;
    })
    .catch((error) => {
      reportLoadError(element, options, error);
      throw error;
    });
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
    const { token, target, locale, theme, mode } = script.dataset;
    let element = target ? document.querySelector(target) : null;
    if (!element) {
      element = document.createElement("div");
      script.after(element);
    }
    mount(element, { token, locale, theme, mode });
  }
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", autoMount, { once: true });
} else {
  autoMount();
}

globalThis.AliKassaCheckout = Object.freeze({ mount, version: "v1" });
