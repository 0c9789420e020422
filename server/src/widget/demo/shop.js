// The demo shop (sandbox mode): "Pay" creates a session on our server and embeds the widget;
// the sandbox panel plays the gateway (paid / cancel / fail, clock). No inline script anywhere.

const self = document.querySelector('script[src="/demo/shop.js"]');
const widgetUrl = self.dataset.widget;
const $ = (selector) => document.querySelector(selector);
const log = $("#sandbox-log");
const message = $("#shop-message");
const paymentId = $("#sandbox-payment");
const actions = document.querySelectorAll("[data-action]");
let handle = null;
let gatewayId = null;

function note(text) {
  const item = document.createElement("li");
  item.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  log.prepend(item);
}

function setGatewayId(id) {
  gatewayId = id ?? null;
  paymentId.textContent = gatewayId ?? "—";
  for (const button of actions) button.disabled = gatewayId === null;
}

async function post(url) {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" } });
  const text = await response.text();
  if (!response.ok) throw new Error(`${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function startCheckout() {
  message.textContent = "";
  $("#shop-pay").disabled = true;
  try {
    const session = await post("/demo/api/sessions");
    const { mount } = await import(widgetUrl);
    if (handle) handle.destroy();
    setGatewayId(null);
    const locale = $("#shop-locale").value;
    handle = mount("#checkout", {
      token: session.token,
      locale,
      onEvent({ type, detail }) {
        note(`${type} ${JSON.stringify(detail)}`);
        if (type === "requisites_shown") setGatewayId(detail.gateway_payment_id);
        if (type === "retry") startCheckout();
      },
    });
    const link = $("#shop-hosted-link");
    link.href = session.hosted_url;
    link.textContent = session.hosted_url;
    $("#shop-hosted").hidden = false;
  } catch (error) {
    message.textContent = `Could not start the checkout: ${error.message}`;
  } finally {
    $("#shop-pay").disabled = false;
  }
}

$("#shop-pay").addEventListener("click", startCheckout);
$("#shop-locale").addEventListener("change", (event) => handle && handle.setLocale(event.target.value));

for (const button of actions) {
  button.addEventListener("click", async () => {
    try {
      await post(`/sandbox/control/payments/${gatewayId}/${button.dataset.action}`);
      note(`sandbox: payment ${gatewayId} → ${button.dataset.action}`);
    } catch (error) {
      note(`sandbox error: ${error.message}`);
    }
  });
}

for (const button of document.querySelectorAll("[data-advance]")) {
  button.addEventListener("click", async () => {
    try {
      await post(`/sandbox/control/clock/advance?secs=${button.dataset.advance}`);
      note(`sandbox: clock +${button.dataset.advance} s`);
    } catch (error) {
      note(`sandbox error: ${error.message}`);
    }
  });
}
