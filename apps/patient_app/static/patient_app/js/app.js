// Every page: the service worker, the outbox (replay on open, online, focus and a timer), the list of
// what is still on this phone, and the connection banner.
import * as outbox from "./outbox.js";
import { watchJournal } from "./live.js";
import { watchLock } from "./lock.js";

const _ = (s) => (window.gettext ? window.gettext(s) : s);
const interpolate = (fmt, obj) => (window.interpolate ? window.interpolate(fmt, obj, true) : fmt);
const signedIn = document.body.dataset.signedIn === "true";
const RETRY_MS = 15000;
const WARM_EVERY_MS = 10 * 60 * 1000;
// Pages whose choices change what other screens say: refresh the offline copies after each visit.
const REWARM_PAGES = new Set(["consent", "safety-plan", "plan"]);

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" });
    const ready = await navigator.serviceWorker.ready;
    document.body.dataset.sw = "ready";
    const last = Number(sessionStorage.getItem("warmedAt") || 0);
    const due = Date.now() - last > WARM_EVERY_MS || REWARM_PAGES.has(document.body.dataset.page);
    if (signedIn && navigator.onLine && due && ready.active) {
      navigator.serviceWorker.addEventListener("message", (e) => {
        if (e.data && e.data.type === "warmed") document.body.dataset.offlineReady = "true";
      });
      ready.active.postMessage({ type: "warm" });
      sessionStorage.setItem("warmedAt", String(Date.now()));
    } else if (last) {
      document.body.dataset.offlineReady = "true";
    }
  } catch (error) {
    document.body.dataset.sw = "failed";
  }
}

const KIND_LABELS = {
  checkin: () => _("Check-in"),
  questionnaire: () => _("Questionnaire"),
  "journal-text": () => _("Written journal entry"),
  "journal-audio": () => _("Voice journal entry"),
  coping: () => _("Coping log"),
};

function describe(item) {
  if (item.state === "failed") return interpolate(_("not accepted: %s"), [item.error || ""]);
  if (item.state === "sent") {
    if (item.kind === "journal-audio" || item.kind === "journal-text") {
      const status = (item.server && item.server.status) || "";
      if (status === "done") return _("done");
      if (status === "failed") return _("could not be processed");
      if (status && item.kind === "journal-audio") return _("sent · transcribing");
      return _("sent · processing");
    }
    return _("synced");
  }
  if (item.error === "signed_out") return _("waiting: please sign in again");
  if (item.error === "other_account") return _("waiting for the account that made it to sign in");
  if (item.state === "sending" && item.kind === "journal-audio") {
    return interpolate(_("uploading %s%%"), [item.progress || 0]);
  }
  if (item.state === "sending") return _("sending");
  if (!navigator.onLine || item.error === "offline") return _("waiting for connection");
  if (item.error === "server") return _("waiting: the server did not answer, trying again");
  return _("waiting to send");
}

async function render() {
  const lists = document.querySelectorAll("[data-outbox-list]");
  if (!lists.length) return;
  const items = await outbox.all();
  for (const list of lists) {
    list.replaceChildren(
      ...items.map((item) => {
        const li = document.createElement("li");
        li.dataset.outboxItem = item.id;
        li.dataset.state = item.state;
        const label = document.createElement("span");
        label.className = "label";
        label.textContent = (KIND_LABELS[item.kind] || (() => item.kind))() + (item.label ? ` · ${item.label}` : "");
        const status = document.createElement("span");
        status.className = `status status-${item.state}`;
        status.dataset.outboxStatus = "";
        status.textContent = describe(item);
        li.append(label, " ", status);
        if (item.transcript) {
          const p = document.createElement("p");
          p.className = "transcript";
          p.dataset.transcript = "";
          p.textContent = item.transcript;
          li.append(p);
        }
        if (item.state === "sent" && item.kind.startsWith("journal")) {
          const a = document.createElement("a");
          a.href = `/app/journal/${item.id}/`;
          a.textContent = _("Open entry");
          li.append(" ", a);
        }
        return li;
      }),
    );
    const empty = list.parentElement.querySelector("[data-outbox-empty]");
    if (empty) empty.hidden = items.length > 0;
  }
  for (const item of items) {
    if (item.state === "sent" && item.kind.startsWith("journal") && !["done", "failed", "language_unsupported"].includes(item.server?.status)) {
      watchJournal(item.id, async (status, entry) => {
        await outbox.update(item.id, { server: { ...(item.server || {}), status }, transcript: entry ? entry.text : "" });
      });
    }
  }
}

function showNetwork() {
  const banner = document.getElementById("net-status");
  if (!banner) return;
  banner.hidden = navigator.onLine;
  banner.textContent = navigator.onLine ? "" : _("You're offline. What you enter is kept on this phone and sent when you're back online.");
  document.body.dataset.online = String(navigator.onLine);
}

function confirmForms() {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (e) => {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    });
  }
}

function start() {
  watchLock();
  showNetwork();
  confirmForms();
  registerWorker();
  outbox.subscribe(render);
  render();
  if (!signedIn) return;
  outbox.replay();
  window.addEventListener("online", () => {
    showNetwork();
    outbox.replay();
  });
  window.addEventListener("offline", showNetwork);
  window.addEventListener("focus", () => outbox.replay());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") outbox.replay();
  });
  setInterval(async () => {
    if ((await outbox.pendingCount()) > 0) outbox.replay();
  }, RETRY_MS);
}

start();
