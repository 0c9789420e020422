#!/usr/bin/env -S node --experimental-websocket
// Widget timing benchmark in headless Chromium over the DevTools protocol (no npm packages,
// no browser download: /usr/bin/chromium). Not a test: it prints figures, it never fails on them.
//
// For the hosted page (/pay/{token}) and the embed (a shop page on another origin with the
// script tag), on two profiles — "localhost" (no throttling) and "phone" (375 px, CPU 4× slower,
// 1.6 Mbit/s down, 150 ms RTT, like a cheap phone on a weak 3G/4G) — it measures, each in a fresh
// browser context (cold cache, new session), then the median of RUNS:
//   skeleton navigation start → the widget's box shows its skeleton (amount and placeholders
//            before the wasm runs; the hosted page's comes with the HTML);
//   picker   navigation start → the widget's method buttons are painted;
//   click    click on a method → its requisites are painted (one POST …/pay);
//   reload   reload (warm cache) → the requisites are painted again.
// Times come from the page itself (performance.now() at the first animation frame where the
// element exists), so the harness's own round trips do not count.
//
// Usage (scripts/widget-bench.sh wraps it; --only localhost|phone picks one profile):
//   node --experimental-websocket scripts/widget-bench.mjs --server BIN --dist DIR [--runs 5]

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith("--")) pairs.push([arg.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);
const RUNS = Number(args.runs ?? 5);
const ONLY = args.only;
const SERVER_BIN = args.server ?? "target/release/alikassa-checkout";
const DIST = args.dist ?? "dist";
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const API_KEY = "sk_test_bench0123456789abcdefghijklmnopqrstuv";

const PROFILES = {
  localhost: null,
  phone: { cpu: 4, latency: 150, down: 1.6e6 / 8, up: 0.75e6 / 8 },
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Failed runs (NaN) count as slower than any other.
const median = (xs) => {
  const s = xs.map((x) => (Number.isNaN(x) ? Infinity : x)).sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// --- the checkout server (release binary, sandbox mode) ----------------------------------------
async function startServer(tmp, shopOrigin) {
  const port = await freePort();
  const config = join(tmp, "checkout.toml");
  writeFileSync(
    config,
    `[server]\ndist_dir = ${JSON.stringify(DIST)}\ncors_origins = [${JSON.stringify(shopOrigin)}]\n` +
      `api_key = ${JSON.stringify(API_KEY)}\nrate_limit_per_minute = 100000\nrate_limit_burst = 100000\n` +
      `[checkout]\nmerchant_name = "Кофейня «Зерно»"\n`,
  );
  const child = spawn(
    SERVER_BIN,
    ["serve", "--listen", `127.0.0.1:${port}`, "--data-dir", join(tmp, "data"), "--config", config],
    { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, RUST_LOG: "warn" } },
  );
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return { base, child };
    } catch (_) {}
    await sleep(100);
  }
  child.kill();
  throw new Error(`server did not start:\n${log}`);
}

async function createSession(base) {
  const res = await fetch(`${base}/api/v1/sessions`, {
    method: "POST",
    headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({
      order_id: `bench-${Date.now()}-${Math.random().toString(16).slice(2)}`,
      amount: "1500.00",
      customer_user_id: "buyer-42",
      methods: ["card_transfer", "sbp"],
      locale: "ru",
    }),
  });
  if (res.status !== 201) throw new Error(`create session: ${res.status} ${await res.text()}`);
  return (await res.json()).token;
}

// --- a shop on another origin (localhost vs 127.0.0.1) -----------------------------------------
function startShop(port, checkout) {
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://localhost");
    const token = url.searchParams.get("token") ?? "";
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<title>Shop</title></head><body><h1>Оформление заказа</h1>
<div id="pay">Загружаем форму оплаты…</div>
<script type="module" src="${checkout()}/widget/v1/checkout.js" data-token="${token}" data-target="#pay"></script>
</body></html>`);
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

// --- Chromium over CDP -------------------------------------------------------------------------
async function startChromium(tmp) {
  const child = spawn(
    CHROMIUM,
    [
      "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0",
      `--user-data-dir=${join(tmp, "profile")}`, "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
      "--disable-extensions", "about:blank",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const wsUrl = await new Promise((resolve, reject) => {
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
      const m = err.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    child.on("exit", () => reject(new Error(`chromium exited:\n${err}`)));
  });
  const ws = new WebSocket(wsUrl);
  await new Promise((r, j) => {
    ws.onopen = r;
    ws.onerror = j;
  });
  let next = 1;
  const pending = new Map();
  ws.onmessage = (msg) => {
    const data = JSON.parse(msg.data);
    if (data.id && pending.has(data.id)) {
      const { resolve, reject } = pending.get(data.id);
      pending.delete(data.id);
      if (data.error) reject(new Error(JSON.stringify(data.error)));
      else resolve(data.result);
    }
  };
  const send = (method, params = {}, sessionId) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params, sessionId }));
    });
  return { child, ws, send };
}

// Records, in the page, when the picker and the requisites are first painted (shadow roots too).
const PROBE = `(() => {
  const find = (sel) => {
    const d = document.querySelector(sel);
    if (d) return d;
    for (const h of document.querySelectorAll("[data-alikassa-checkout], alikassa-checkout")) {
      const el = h.shadowRoot && h.shadowRoot.querySelector(sel);
      if (el) return el;
    }
    return null;
  };
  window.__akcFind = find;
  const tick = () => {
    if (!window.__akcSkeleton && find('[data-testid="skeleton"], button[data-testid^="method-"]')) window.__akcSkeleton = performance.now();
    if (!window.__akcPicker && find('button[data-testid^="method-"]')) window.__akcPicker = performance.now();
    if (!window.__akcRequisites && find('[data-testid^="requisite-"]')) window.__akcRequisites = performance.now();
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();`;

async function waitFor(send, sessionId, expr, what) {
  for (let i = 0; i < 400; i++) {
    try {
      const { result } = await send("Runtime.evaluate", { expression: expr, returnByValue: true }, sessionId);
      if (typeof result.value === "number") return result.value;
    } catch (_) {
      // The context went away mid-navigation: ask the new one.
    }
    await sleep(50);
  }
  const { result } = await send("Runtime.evaluate", {
    expression: "JSON.stringify({ready: document.readyState, old: !!window.__akcOld, req: window.__akcRequisites, url: location.href, html: (document.querySelector('[data-alikassa-checkout]')?.shadowRoot?.innerHTML || document.body?.innerHTML || '').slice(0, 600)})",
    returnByValue: true,
  }, sessionId).catch((e) => ({ result: { value: String(e) } }));
  throw new Error(`timed out waiting for ${what}: ${result.value}`);
}

async function run(cdp, profile, url) {
  const { send } = cdp;
  const { browserContextId } = await send("Target.createBrowserContext");
  const { targetId } = await send("Target.createTarget", { url: "about:blank", browserContextId });
  const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
  try {
    await send("Page.enable", {}, sessionId);
    await send("Runtime.enable", {}, sessionId);
    await send("Network.enable", {}, sessionId);
    await send("Emulation.setDeviceMetricsOverride", { width: 375, height: 740, deviceScaleFactor: 2, mobile: true }, sessionId);
    if (profile) {
      await send("Emulation.setCPUThrottlingRate", { rate: profile.cpu }, sessionId);
      await send("Network.emulateNetworkConditions", {
        offline: false, latency: profile.latency, downloadThroughput: profile.down, uploadThroughput: profile.up,
      }, sessionId);
    }
    await send("Page.addScriptToEvaluateOnNewDocument", { source: PROBE }, sessionId);
    await send("Page.navigate", { url }, sessionId);
    const picker = await waitFor(send, sessionId, "window.__akcPicker", "the picker");
    const { result: first } = await send("Runtime.evaluate", { expression: "window.__akcSkeleton", returnByValue: true }, sessionId);
    const skeleton = first.value;
    const { result } = await send("Runtime.evaluate", {
      expression: `(async () => {
        const button = window.__akcFind('[data-testid="method-card_transfer"]');
        const t0 = performance.now();
        button.click();
        while (!window.__akcFind('[data-testid^="requisite-"]')) await new Promise(requestAnimationFrame);
        return performance.now() - t0;
      })()`,
      awaitPromise: true, returnByValue: true,
    }, sessionId);
    const click = result.value;
    await send("Runtime.evaluate", { expression: "window.__akcOld = true" }, sessionId);
    await send("Page.reload", {}, sessionId);
    let reload = NaN;
    try {
      reload = await waitFor(send, sessionId, "window.__akcOld ? null : window.__akcRequisites", "the requisites after reload");
    } catch (error) {
      console.error(`widget-bench: ${url}: ${error.message.slice(0, 400)}`);
    }
    return { skeleton, picker, click, reload };
  } finally {
    await send("Target.closeTarget", { targetId });
    await send("Target.disposeBrowserContext", { browserContextId });
  }
}

async function main() {
  const tmp = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), "widget-bench-"));
  const shopPort = await freePort();
  const shopOrigin = `http://localhost:${shopPort}`;
  let checkoutBase = "";
  const server = await startServer(tmp, shopOrigin);
  checkoutBase = server.base;
  const shop = await startShop(shopPort, () => checkoutBase);
  const cdp = await startChromium(tmp);
  const rows = [];
  try {
    for (const [name, profile] of Object.entries(PROFILES)) {
      if (ONLY && ONLY !== name) continue;
      for (const page of ["hosted", "embed"]) {
        const samples = [];
        for (let i = 0; i < RUNS; i++) {
          const token = await createSession(server.base);
          const url = page === "hosted" ? `${server.base}/pay/${token}` : `${shopOrigin}/embed?token=${token}`;
          samples.push(await run(cdp, profile, url));
        }
        const m = (k) => median(samples.map((s) => s[k]));
        rows.push({ profile: name, page, skeleton: m("skeleton"), picker: m("picker"), click: m("click"), reload: m("reload") });
        const all = (k) => samples.map((s) => Math.round(s[k])).join(" ");
        console.error(`widget-bench: ${name} ${page}: skeleton [${all("skeleton")}] picker [${all("picker")}] click [${all("click")}] reload [${all("reload")}] ms`);
      }
    }
  } finally {
    cdp.ws.close();
    cdp.child.kill();
    server.child.kill();
    shop.close();
    await sleep(300);
    rmSync(tmp, { recursive: true, force: true });
  }
  const s = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : "failed").padStart(8);
  console.log(`widget-bench: median of ${RUNS} fresh contexts each`);
  console.log("profile    page     skeleton   picker   click→req  reload→req");
  for (const r of rows) {
    console.log(`${r.profile.padEnd(10)} ${r.page.padEnd(7)} ${s(r.skeleton)}   ${s(r.picker)} ${s(r.click)}  ${s(r.reload)}`);
  }
}

main().catch((error) => {
  console.error(`widget-bench: ${error.stack ?? error}`);
  process.exit(1);
});
