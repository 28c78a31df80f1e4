{% autoescape off %}/* Interlude patient app service worker (scope /app/). Version {{ version }}.
 * Shell files are precached at install; the forms and the safety plan are cached on each online visit
 * (network first), so they open with no connection. API calls are never cached: the page's outbox
 * queues writes and replays them itself (Safari has no Background Sync). */
const VERSION = "{{ version }}";
const SHELL_CACHE = `interlude-shell-${VERSION}`;
const PAGE_CACHE = "interlude-pages";
const SHELL = {{ shell }};
const PAGES = {{ pages }};
const OFFLINE_URL = "/app/offline/";

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const shell = await caches.open(SHELL_CACHE);
      await shell.addAll(SHELL);
      const pages = await caches.open(PAGE_CACHE);
      await pages.add(new Request(OFFLINE_URL, { credentials: "same-origin", headers: { "X-Interlude-Prefetch": "1" } }));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("interlude-shell-") && name !== SHELL_CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

function offlinePage(url) {
  return PAGES.includes(url.pathname);
}

async function fromNetworkThenCache(request) {
  const url = new URL(request.url);
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected && offlinePage(url)) {
      const cache = await caches.open(PAGE_CACHE);
      await cache.put(url.pathname, response.clone());
    }
    return response;
  } catch (error) {
    const cache = await caches.open(PAGE_CACHE);
    return (await cache.match(url.pathname)) || (await cache.match(OFFLINE_URL)) || Response.error();
  }
}

async function fromCacheThenNetwork(request) {
  const cached = await caches.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(SHELL_CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/") || url.pathname.startsWith("/ws/")) return;
  if (request.mode === "navigate" && url.pathname.startsWith("/app/")) {
    event.respondWith(fromNetworkThenCache(request));
  } else if (url.pathname.startsWith("/static/") || url.pathname === "/app/jsi18n/") {
    event.respondWith(fromCacheThenNetwork(request));
  }
});

// The page asks for the offline pages to be fetched now (after sign-in), so they open offline later.
self.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "warm") return;
  event.waitUntil(
    (async () => {
      const cache = await caches.open(PAGE_CACHE);
      for (const path of PAGES) {
        try {
          // Marked as a prefetch: the server still audits the read, as one the phone made, not a person.
          const response = await fetch(path, { credentials: "same-origin", headers: { "X-Interlude-Prefetch": "1" } });
          if (response.ok && !response.redirected) await cache.put(path, response);
        } catch (error) {
          return; // offline again: the next visit tries
        }
      }
      if (event.source) event.source.postMessage({ type: "warmed" });
    })(),
  );
});

// Web push (FCM): the payload carries no PHI, only a generic title and the due item's id.
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = {};
  }
  const note = data.notification || data;
  event.waitUntil(
    self.registration.showNotification(note.title || "Interlude", {
      body: note.body || "",
      icon: SHELL.find((u) => u.endsWith("icon-192.png")),
      data: { url: "/app/" },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow((event.notification.data && event.notification.data.url) || "/app/"));
});
{% endautoescape %}
