// One websocket per page (/ws/events/, authenticated by the session cookie). Alert events re-fetch the
// parts of the page that show alerts (elements with hx-trigger="interlude:alerts from:body"), update
// the title badge, announce new alerts to screen readers and, if switched on, play a short tone.
// After a reconnect the page asks for the alert events it missed ("resume" from the newest server
// time it saw) and drops any it already had, by delivery id.
const SOUND_KEY = "interlude.alertSound";
const baseTitle = document.title;

function updateBadge() {
  const el = document.getElementById("nav-alert-count");
  const n = el ? Number(el.dataset.openCount || 0) : 0;
  document.title = n > 0 ? `(${n}) ${baseTitle}` : baseTitle;
}

function beep() {
  try {
    const ctx = new AudioContext();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 880;
    gain.gain.value = 0.1;
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.25);
  } catch { /* no audio device: the badge and the announcement still work */ }
}

function setupSoundToggle() {
  const button = document.getElementById("sound-toggle");
  if (!button) return () => false;
  button.hidden = false;
  const on = () => localStorage.getItem(SOUND_KEY) === "on";
  button.setAttribute("aria-pressed", String(on()));
  button.addEventListener("click", () => {
    localStorage.setItem(SOUND_KEY, on() ? "off" : "on");
    button.setAttribute("aria-pressed", String(on()));
  });
  return on;
}

export function startLiveEvents(body) {
  // htmx attaches the page's "from:body" listeners once the document is parsed, after this module has run
  // and possibly after the socket opened: an event dispatched before then reached nobody (a processing
  // session page then waited forever for an update that had come). Every event waits for htmx.
  const htmxReady = new Promise((resolve) => {
    if (window.htmx && document.readyState === "complete") resolve();
    body.addEventListener("htmx:load", () => resolve(), { once: true });
    window.addEventListener("load", () => resolve(), { once: true }); // after every script and its ready work
  });
  // A processing session page is swapped whole (outerHTML) on each refresh, and htmx attaches the new
  // panel's listener only when the swap settles (20 ms later, with its "htmx:load"): a status event in that
  // gap reached nobody, and a typed summary's "done" (0.1 s after "drafting") left the page on "Drafting"
  // for good (CI, session 13). So the page counts the session events it dispatched, notes the count when the
  // panel asks for its state, and asks once more when the new panel has loaded if any came meanwhile.
  let sessionEvents = 0;
  let sessionAsked = 0;
  const dispatch = (name, detail) =>
    htmxReady.then(() => {
      if (name === "interlude:session") sessionEvents += 1;
      body.dispatchEvent(new CustomEvent(name, { detail }));
    });
  body.addEventListener("htmx:beforeRequest", (e) => {
    if (e.detail.elt && e.detail.elt.id === "session-page") sessionAsked = sessionEvents;
  });
  body.addEventListener("htmx:load", (e) => {
    if (e.target.id === "session-page" && sessionEvents > sessionAsked) dispatch("interlude:session", { missed: true });
  });
  const soundOn = setupSoundToggle();
  const live = document.getElementById("live-region");
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  let delay = 1000;
  let opened = false;
  let since = null; // server time ("sent_at" of the newest alert event, or of the first "connected")
  const seen = new Set(); // delivery ids already handled
  updateBadge();
  body.addEventListener("htmx:afterSettle", updateBadge);

  const connect = () => {
    const socket = new WebSocket(`${scheme}://${location.host}/ws/events/`);
    socket.addEventListener("open", () => {
      delay = 1000;
      body.dataset.live = "connected";
      // Anything missed while disconnected is fetched again.
      if (opened) dispatch("interlude:alerts", { reconnect: true });
      // A session page still processing asks for its state once the socket is open, the first time too: an
      // input can finish between the page's render and the socket's subscription (a typed summary drafts in
      // a second), and its event then reached nobody, so the page waited for an update that had come.
      dispatch("interlude:session", { reconnect: true });
      if (since) socket.send(JSON.stringify({ type: "resume", since }));
      opened = true;
    });
    socket.addEventListener("message", (message) => {
      let payload;
      try { payload = JSON.parse(message.data); } catch { return; }
      const event = payload.event || "";
      const data = payload.data || {};
      if (event === "connected" && !since) since = data.at;
      if (data.delivery_id) {
        if (seen.has(data.delivery_id)) return;
        seen.add(data.delivery_id);
        if (data.sent_at && (!since || data.sent_at > since)) since = data.sent_at;
      }
      if (event.startsWith("alert.")) {
        dispatch("interlude:alerts", payload);
        if (event === "alert.new" || event === "alert.escalated") {
          live.textContent = `New ${payload.data.severity} alert`;
          if (soundOn()) beep();
        }
      } else if (event === "session_input.progress") {
        const { input_id: id, seconds_done: done, seconds_total: total } = payload.data;
        const bar = document.querySelector(`progress[data-input-progress="${id}"]`);
        const text = document.querySelector(`[data-input-progress-text="${id}"]`);
        if (bar && total) { bar.max = total; bar.value = done; }
        if (text) text.textContent = `${Math.round(done / 60)} of ${Math.round(total / 60)} min transcribed`;
      } else if (event.startsWith("session_input.")) {
        dispatch("interlude:session", payload.data);
      } else if (event) {
        dispatch(`interlude:${event}`, payload.data);
      }
    });
    socket.addEventListener("close", (e) => {
      body.dataset.live = "disconnected";
      if (e.code === 4401) return; // signed out
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30_000);
    });
  };
  connect();
}
