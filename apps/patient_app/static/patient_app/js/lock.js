// The app lock, on the phone's side: after the patient's chosen idle time (the app unused or in the
// background) the page goes to the lock screen. The server holds the real lock (it refuses pages and
// API reads until the PIN is entered); this makes it show at once, and also for a page the service
// worker serves offline. The safety plan and the crisis lines are never locked.
import { ensureCsrf } from "./outbox.js";

const KEY = "interlude.lastActive"; // a time, nothing about the patient
const PING_EVERY_MS = 60 * 1000;
const CHECK_EVERY_MS = 10 * 1000;

function isOpenPage(path) {
  if (path.startsWith("/app/safety-plan/edit/")) return false;
  return ["/app/lock/", "/app/safety-plan/", "/app/offline/", "/app/signin/", "/app/join/"].some((p) => path.startsWith(p));
}

export function watchLock() {
  const minutes = Number(document.body.dataset.lockMinutes || 0);
  if (!minutes) {
    localStorage.removeItem(KEY);
    return;
  }
  const limit = minutes * 60 * 1000;
  const serverSaw = Number(document.body.dataset.activeAt || 0);
  const lastActive = () => Math.max(Number(localStorage.getItem(KEY) || 0), serverSaw);
  const touch = () => localStorage.setItem(KEY, String(Date.now()));
  const check = () => {
    if (isOpenPage(location.pathname) || Date.now() - lastActive() <= limit) return false;
    location.assign(`/app/lock/?next=${encodeURIComponent(location.pathname + location.search)}`);
    return true;
  };
  if (check()) return;
  touch();
  let pinged = Date.now();
  const activity = async () => {
    touch();
    if (Date.now() - pinged < PING_EVERY_MS || !navigator.onLine) return;
    pinged = Date.now();
    const csrf = await ensureCsrf();
    fetch("/app/lock/keepalive/", { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf } }).catch(() => {});
  };
  for (const type of ["pointerdown", "keydown"]) window.addEventListener(type, activity, { passive: true });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") check();
  });
  window.addEventListener("pageshow", check);
  setInterval(check, CHECK_EVERY_MS);
}
