// Idle timeout: warn two minutes before the server-side limit, sign out when it runs out.
// Activity (keys, pointer, scroll, a live session running) is reported to the server at most once a minute.
const WARN_SECONDS = 120;
const PING_EVERY_MS = 60_000;

export function startIdleTimer(body) {
  const limit = Number(body.dataset.idleSeconds) * 1000;
  const keepaliveUrl = body.dataset.keepaliveUrl;
  const dialog = document.getElementById("idle-warning");
  const countdown = document.getElementById("idle-countdown");
  const logoutForm = document.getElementById("logout-form");
  if (!dialog || !logoutForm) return;
  const csrf = logoutForm.querySelector("input[name=csrfmiddlewaretoken]").value;
  let lastActivity = Date.now();
  let lastPing = Date.now();
  let warned = false;

  const signOut = () => {
    logoutForm.querySelector("input[name=reason]").value = "idle";
    logoutForm.submit();
  };
  const ping = () => {
    lastPing = Date.now();
    fetch(keepaliveUrl, { method: "POST", headers: { "X-CSRFToken": csrf }, credentials: "same-origin" })
      .then((r) => { if (r.status === 401) signOut(); })
      .catch(() => {});
  };
  const onActivity = () => {
    if (warned) return; // while the warning is open, only its buttons count
    lastActivity = Date.now();
    if (Date.now() - lastPing > PING_EVERY_MS) ping();
  };
  // interlude:activity: a live session in progress (live_session.js) counts as the clinician being there.
  for (const type of ["keydown", "pointerdown", "wheel", "touchstart", "interlude:activity"]) {
    document.addEventListener(type, onActivity, { passive: true });
  }
  document.getElementById("idle-stay").addEventListener("click", () => {
    warned = false;
    dialog.close();
    lastActivity = Date.now();
    ping();
  });
  document.getElementById("idle-leave").addEventListener("click", signOut);

  setInterval(() => {
    const left = limit - (Date.now() - lastActivity);
    if (left <= 0) return signOut();
    if (left <= WARN_SECONDS * 1000) {
      const s = Math.ceil(left / 1000);
      countdown.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
      if (!warned) {
        warned = true;
        dialog.showModal();
      }
    }
  }, 1000);
}
