// Unlock the app with the phone's own fingerprint or face sign-in (WebAuthn, platform authenticator).
// The server makes the options and checks the answer (apps/patient_app/lock_passkeys.py); this file
// only converts between the JSON it speaks and the ArrayBuffers the browser wants.
import { ensureCsrf } from "./outbox.js";

const _ = (s) => (window.gettext ? window.gettext(s) : s);

const toBytes = (text) => {
  const padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
};
const toText = (buffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

async function post(url, body) {
  const csrf = await ensureCsrf();
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
    body: body === undefined ? "{}" : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error((data.error && data.error.message) || String(response.status));
  return data;
}

const descriptors = (list) => (list || []).map((c) => ({ ...c, id: toBytes(c.id) }));

async function register(status) {
  const options = await post("/app/lock/passkey/register/options/");
  const credential = await navigator.credentials.create({
    publicKey: { ...options, challenge: toBytes(options.challenge), user: { ...options.user, id: toBytes(options.user.id) }, excludeCredentials: descriptors(options.excludeCredentials) },
  });
  const r = credential.response;
  await post("/app/lock/passkey/register/", {
    id: credential.id,
    rawId: toText(credential.rawId),
    type: credential.type,
    response: { clientDataJSON: toText(r.clientDataJSON), attestationObject: toText(r.attestationObject), transports: r.getTransports ? r.getTransports() : [] },
    clientExtensionResults: credential.getClientExtensionResults(),
  });
  status.textContent = _("Done: you can unlock with fingerprint or face on this phone.");
}

async function unlock(box) {
  const next = encodeURIComponent(box.dataset.passkeyNext || "/app/");
  const options = await post("/app/lock/passkey/unlock/options/");
  const credential = await navigator.credentials.get({
    publicKey: { ...options, challenge: toBytes(options.challenge), allowCredentials: descriptors(options.allowCredentials) },
  });
  const r = credential.response;
  const result = await post(`/app/lock/passkey/unlock/?next=${next}`, {
    id: credential.id,
    rawId: toText(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: toText(r.clientDataJSON),
      authenticatorData: toText(r.authenticatorData),
      signature: toText(r.signature),
      userHandle: r.userHandle ? toText(r.userHandle) : null,
    },
    clientExtensionResults: credential.getClientExtensionResults(),
  });
  location.assign(result.next || "/app/");
}

async function start() {
  const box = document.querySelector("[data-passkey]");
  if (!box || !window.PublicKeyCredential) return;
  const available = await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable().catch(() => false);
  if (!available) return;
  const status = box.querySelector("[data-passkey-status]");
  for (const [selector, action] of [["[data-passkey-register]", () => register(status)], ["[data-passkey-unlock]", () => unlock(box)]]) {
    const button = box.querySelector(selector);
    if (!button) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      status.textContent = "";
      try {
        await action();
      } catch (error) {
        status.textContent = _("That did not work. Use your PIN instead.");
      }
    });
  }
  box.dataset.passkeyReady = "true";
}

start();
