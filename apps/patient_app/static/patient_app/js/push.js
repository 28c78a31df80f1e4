// Web push through FCM, turned on only when the patient taps the button (the permission prompt never
// appears on its own). The browser subscribes with the practice's VAPID key on the app's service worker,
// then makes the same two calls the Firebase JS SDK makes (an installation, then an FCM registration) to
// turn that subscription into an FCM token, which is registered through the device API as platform "web".
// No SDK is vendored: the shell stays small. The token is kept only by the server.
import { ensureCsrf } from "./outbox.js";

const _ = (s) => (window.gettext ? window.gettext(s) : s);

function b64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromB64url(text) {
  const padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

function newFid() {
  // A Firebase installation id: 17 random bytes, the first four bits 0111, base64url, 22 characters.
  const bytes = crypto.getRandomValues(new Uint8Array(17));
  bytes[0] = 0b01110000 + (bytes[0] % 0b00010000);
  return b64url(bytes).slice(0, 22);
}

async function postJson(url, body, headers) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", ...headers },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.json();
}

async function fcmToken(config, subscription) {
  const base = `https://firebaseinstallations.googleapis.com/v1/projects/${config.projectId}/installations`;
  const installation = await postJson(
    base,
    { fid: newFid(), authVersion: "FIS_v2", appId: config.appId, sdkVersion: "w:0.6.4" },
    { "x-goog-api-key": config.apiKey },
  );
  const keys = subscription.toJSON().keys;
  const registration = await postJson(
    `https://fcmregistrations.googleapis.com/v1/projects/${config.projectId}/registrations`,
    { web: { endpoint: subscription.endpoint, auth: keys.auth, p256dh: keys.p256dh, applicationPubKey: config.vapidKey } },
    { "x-goog-api-key": config.apiKey, "x-goog-firebase-installations-auth": `FIS ${installation.authToken.token}` },
  );
  return registration.token;
}

async function registerDevice(token) {
  const csrf = await ensureCsrf();
  const response = await fetch("/api/v1/devices/", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
    body: JSON.stringify({ token, platform: "web", app_version: "pwa" }),
  });
  if (!response.ok) throw new Error(`device registration answered ${response.status}`);
}

async function enable(box, status) {
  const config = box.dataset;
  const permission = await Notification.requestPermission();
  if (permission !== "granted") {
    status.textContent = _("Notifications are blocked for this app. Reminders still show on Today.");
    return;
  }
  status.textContent = _("Turning on…");
  try {
    const worker = await navigator.serviceWorker.ready;
    const subscription =
      (await worker.pushManager.getSubscription()) ||
      (await worker.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromB64url(config.vapidKey) }));
    await registerDevice(await fcmToken(config, subscription));
    status.textContent = _("Notifications are on for this phone.");
  } catch (error) {
    status.textContent = _("Notifications could not be turned on. Reminders still show on Today.");
  }
}

function start() {
  const box = document.querySelector("[data-push]");
  if (!box) return;
  const button = box.querySelector("[data-push-enable]");
  const status = box.querySelector("[data-push-status]");
  if (!("Notification" in window) || !("PushManager" in window) || !("serviceWorker" in navigator)) {
    button.hidden = true;
    status.textContent = _("This browser cannot show notifications. Reminders show on Today.");
    return;
  }
  if (Notification.permission === "granted") status.textContent = _("Notifications are allowed on this phone.");
  button.addEventListener("click", () => enable(box, status));
}

start();
