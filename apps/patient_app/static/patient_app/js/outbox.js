// The offline outbox: every write the app makes (check-ins, questionnaires, journal entries, coping
// taps) is stored here first, with the app's own id, then sent to the API. Replayed on open, on
// `online`, on focus and on a timer while anything waits (Safari has no Background Sync). The server
// treats a repeated id as the same entry, so a retry after a lost response never stores it twice.
// Nothing here is a credential: the API is called with the HttpOnly session cookie.

const DB_NAME = "interlude";
const DB_VERSION = 1;
const KEEP_SENT_MS = 24 * 3600 * 1000;
const listeners = new Set();
let dbPromise = null;
let replaying = null;

export function newId() {
  if (self.crypto && crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function stamp() {
  return { occurred_at: new Date().toISOString(), timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC" };
}

function open() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "id" });
        if (!db.objectStoreNames.contains("drafts")) db.createObjectStore("drafts", { keyPath: "key" });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return dbPromise;
}

async function tx(store, mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const t = db.transaction(store, mode);
    const result = fn(t.objectStore(store));
    t.oncomplete = () => resolve(result && "result" in result ? result.result : result);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error);
  });
}

export const drafts = {
  get: (key) => tx("drafts", "readonly", (s) => s.get(key)),
  put: (draft) => tx("drafts", "readwrite", (s) => s.put(draft)),
  delete: (key) => tx("drafts", "readwrite", (s) => s.delete(key)),
};

export async function all() {
  const items = await tx("outbox", "readonly", (s) => s.getAll());
  return items.sort((a, b) => a.createdAt - b.createdAt);
}

async function put(item) {
  await tx("outbox", "readwrite", (s) => s.put(item));
  notify();
}

export async function update(id, changes) {
  const item = await tx("outbox", "readonly", (s) => s.get(id));
  if (item) await put({ ...item, ...changes });
}

function notify() {
  for (const fn of listeners) fn();
  window.dispatchEvent(new CustomEvent("outbox:change"));
}

export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Queue a write. `item`: {id, kind, url, label, json} or {id, kind, url, label, form: {field: value|Blob}}. */
export async function add(item) {
  // The owner is the signed-in account: an entry is only ever sent under the account that made it.
  const owner = document.body.dataset.user || "";
  await put({ state: "pending", attempts: 0, progress: 0, createdAt: Date.now(), owner, ...item });
  replay();
  return item.id;
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export async function ensureCsrf() {
  if (!csrfToken()) await fetch("/api/v1/auth/csrf/", { credentials: "same-origin" });
  return csrfToken();
}

function sendForm(item, token) {
  // XMLHttpRequest, not fetch: it reports upload progress ("uploading 40%").
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", item.url);
    xhr.withCredentials = true;
    xhr.setRequestHeader("X-CSRFToken", token);
    xhr.setRequestHeader("Accept", "application/json");
    let last = 0;
    xhr.upload.onprogress = (e) => {
      if (!e.lengthComputable) return;
      const pct = Math.floor((e.loaded / e.total) * 100);
      if (pct - last >= 10 || pct === 100) {
        last = pct;
        update(item.id, { progress: pct });
      }
    };
    xhr.onload = () => {
      let body = {};
      try {
        body = JSON.parse(xhr.responseText || "{}");
      } catch (e) {
        body = {};
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => resolve({ status: 0, body: {} });
    xhr.ontimeout = () => resolve({ status: 0, body: {} });
    const data = new FormData();
    for (const [key, value] of Object.entries(item.form)) {
      if (value instanceof Blob) data.append(key, value, item.filename || key);
      else if (value !== undefined && value !== null) data.append(key, value);
    }
    xhr.send(data);
  });
}

async function sendJson(item, token) {
  try {
    const response = await fetch(item.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
      body: JSON.stringify(item.json),
    });
    let body = {};
    try {
      body = await response.json();
    } catch (e) {
      body = {};
    }
    return { status: response.status, body };
  } catch (error) {
    return { status: 0, body: {} };
  }
}

function errorText(body) {
  const error = body && body.error;
  if (!error) return "";
  const fields = error.fields ? Object.values(error.fields).flat().join(" ") : "";
  return [error.message, fields].filter(Boolean).join(" ");
}

async function sendOne(item) {
  const token = await ensureCsrf();
  await update(item.id, { state: "sending", progress: 0 });
  const { status, body } = item.form ? await sendForm(item, token) : await sendJson(item, token);
  if (status >= 200 && status < 300) {
    await update(item.id, { state: "sent", sentAt: Date.now(), server: { status: body.status || "", support: body.support || null }, form: null });
    return "sent";
  }
  if (status === 401 || status === 403) {
    await update(item.id, { state: "pending", error: "signed_out" });
    return "stop";
  }
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
    // The server refused this entry for a reason a retry cannot fix: say so, keep it visible.
    await update(item.id, { state: "failed", error: errorText(body) || String(status) });
    return "next";
  }
  const attempts = (item.attempts || 0) + 1;
  await update(item.id, { state: "pending", attempts, error: status ? "server" : "offline" });
  return "stop";
}

/** Send everything pending, oldest first, one at a time. Safe to call often (single flight). */
export function replay() {
  if (replaying) return replaying;
  replaying = (async () => {
    try {
      const items = await all();
      for (const item of items) {
        if (item.state === "sent" && Date.now() - item.sentAt > KEEP_SENT_MS) {
          await tx("outbox", "readwrite", (s) => s.delete(item.id));
          continue;
        }
        if (item.state !== "pending" && item.state !== "sending") continue;
        if (item.owner !== (document.body.dataset.user || "")) {
          if (item.error !== "other_account") await update(item.id, { error: "other_account" });
          continue;
        }
        if (!navigator.onLine) {
          if (item.error !== "offline") await update(item.id, { error: "offline" });
          continue;
        }
        if ((await sendOne(item)) === "stop") break;
      }
    } finally {
      replaying = null;
      notify();
    }
  })();
  return replaying;
}

export async function pendingCount() {
  return (await all()).filter((i) => i.state === "pending" || i.state === "sending").length;
}

export async function remove(id) {
  await tx("outbox", "readwrite", (s) => s.delete(id));
  notify();
}
