// Live journal status: one websocket (/ws/events/, signed in by the session cookie) tells the page when
// an entry moves on; when it is done the page fetches the transcript. If the socket is unavailable it
// polls the status endpoint instead.
const watchers = new Map();
let socket = null;
let pollTimer = null;
const POLL_MS = 3000;

async function fetchEntry(id) {
  const response = await fetch(`/api/v1/me/journals/${id}/`, { credentials: "same-origin", headers: { Accept: "application/json" } });
  return response.ok ? response.json() : null;
}

async function deliver(id, status) {
  const fn = watchers.get(id);
  if (!fn) return;
  if (status === "done" || status === "failed" || status === "language_unsupported") {
    watchers.delete(id);
    fn(status, status === "done" ? await fetchEntry(id) : null);
  } else {
    fn(status, null);
  }
}

function connect() {
  if (socket || !("WebSocket" in window)) return;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws/events/`, ["interlude.v1"]);
  socket.onopen = () => {
    document.body.dataset.live = "connected";
    for (const id of watchers.keys()) poll(id);
  };
  socket.onmessage = (event) => {
    let message = {};
    try {
      message = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    if (message.event === "journal.status" && message.data) deliver(message.data.id, message.data.status);
  };
  socket.onclose = () => {
    socket = null;
    document.body.dataset.live = "closed";
    startPolling();
  };
}

async function poll(id) {
  try {
    const response = await fetch(`/api/v1/me/journals/${id}/status/`, { credentials: "same-origin" });
    if (response.ok) {
      const body = await response.json();
      deliver(id, body.status);
    }
  } catch (e) {
    // offline: the next tick or the socket will tell
  }
}

function startPolling() {
  if (pollTimer) return;
  pollTimer = setInterval(() => {
    if (!watchers.size) {
      clearInterval(pollTimer);
      pollTimer = null;
      return;
    }
    for (const id of watchers.keys()) poll(id);
    if (!socket && navigator.onLine) connect();
  }, POLL_MS);
}

/** Call `fn(status, entry)` as the journal entry `id` progresses; `entry` (with its transcript) once done. */
export function watchJournal(id, fn) {
  const known = watchers.has(id);
  watchers.set(id, fn);
  if (known) return;
  connect();
  startPolling();
  poll(id);
}
