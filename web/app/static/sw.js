// Volt driver app service worker: the offline shell only. Pages, sessions,
// prices and events always come from the network and are never cached.
const CACHE = "volt-shell-SHELL_VERSION";
const SHELL = SHELL_FILES;
self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (e) => {
  e.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k.startsWith("volt-shell-") && k !== CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});
self.addEventListener("fetch", (e) => {
  const req = e.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== location.origin) return;
  if (url.pathname.startsWith("/app/static/")) {
    // Versioned shell files: cache first (only those the shell lists).
    e.respondWith(caches.match(req).then((hit) => hit || fetch(req)));
    return;
  }
  if (req.mode === "navigate") {
    // Pages: always the network; the offline page only when it fails.
    e.respondWith(fetch(req).catch(() => caches.match("/app/offline")));
  }
});
