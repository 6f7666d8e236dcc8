/* The field app's service worker (served at /sw.js by koperasi_portal.views.service_worker, which puts
   self.FIELD = {version, assets, pages, offline, static} before this text).

   - The app shell (styles, scripts, icons, the offline page) is kept at install.
   - Pages are asked of the network first; what answers is kept for later (only the mentor's own pages: the
     server answers each with what this person may see), and without a signal the kept copy is shown, or the
     offline page that says the page needs a connection, never the browser's error.
   - The page scripts ask for a refresh of the mentor's pages ("refresh") when there is a signal, and for
     everything to be forgotten ("clear") when the mentor signs out.
   Visits are not sent from here: the pages send them (field.js), so that browsers without Background Sync
   send them too. */
"use strict";

var SHELL = "field-shell-" + self.FIELD.version;
var PAGES = "field-pages";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(self.FIELD.assets);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("field-shell-") === 0 && name !== SHELL;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function keepable(url) {
  // The pages a mentor's field work opens: home, the visit forms, follow-ups, their cooperatives.
  return /^\/($|visits\/new\/$|follow-ups\/$|offline\/$|cooperatives\/\d+\/($|visits\/new\/$))/.test(url.pathname);
}

function refresh() {
  return caches.open(PAGES).then(function (cache) {
    return Promise.all(self.FIELD.pages.map(function (path) {
      return fetch(path, { credentials: "same-origin", redirect: "manual" }).then(function (response) {
        if (response.ok) { return cache.put(path, response); }
        if (response.type === "opaqueredirect" || response.status === 403 || response.status === 404) {
          return cache.delete(path);  // signed out, or no longer theirs: not kept
        }
      }).catch(function () { /* no signal: keep what is kept */ });
    }));
  });
}

function offlinePage() {
  return caches.match(self.FIELD.offline, { ignoreVary: true }).then(function (kept) {
    return kept || new Response("<!DOCTYPE html><meta charset=utf-8><title>Offline</title><p>Tidak ada sinyal. " +
      "Halaman ini memerlukan koneksi. / No signal: this page needs a connection.</p>",
      { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf(self.FIELD.static) === 0) {
    event.respondWith(caches.match(request, { ignoreVary: true }).then(function (kept) {
      return kept || fetch(request);
    }));
    return;
  }
  if (request.mode !== "navigate") { return; }
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && !response.redirected && keepable(url) && !url.search) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { return cache.put(url.pathname, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(PAGES).then(function (cache) {
      return cache.match(url.pathname, { ignoreVary: true, ignoreSearch: true });
    }).then(function (kept) { return kept || offlinePage(); });
  }));
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var done = function () { if (event.ports[0]) { event.ports[0].postMessage("done"); } };
  if (data.type === "refresh") {
    event.waitUntil(refresh().then(done, done));
  } else if (data.type === "clear") {
    event.waitUntil(caches.delete(PAGES).then(done, done));
  }
});
