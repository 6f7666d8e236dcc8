/* The field app's service worker (served at /sw.js by koperasi_portal.views.service_worker, which puts
   self.FIELD = {version, assets, list, offline, static, every} before this text).

   - The app shell (styles, scripts, icons, the offline page) is kept at install.
   - What a mentor's work needs is kept whenever there is a signal, at most every FIELD.every ms (and at once after
     visits are sent): the server lists the pages (FIELD.list: home, the visit form, the follow-ups and each of the
     mentor's own cooperatives with its visit form, at most 60 of them), the worker fetches them, and drops any
     other cooperative's page it kept. So a cooperative page never opened online still opens without a signal.
   - Pages are asked of the network first; what answers is kept for later (only the mentor's own pages: the
     server answers each with what this person may see), and without a signal the kept copy is shown, or the
     offline page that says the page needs a connection, never the browser's error.
   - The page scripts ask for that refresh ("refresh") on opening a page and when the signal returns, and for
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

var LANES = 3;  // pages fetched side by side: a poor network is not flooded
var running = null, cleared = 0;

function keepable(url) {
  // The pages a mentor's field work opens: home, the visit forms, follow-ups, their cooperatives.
  return /^\/($|visits\/new\/$|follow-ups\/$|offline\/$|cooperatives\/\d+\/($|visits\/new\/$))/.test(url.pathname);
}

function keptList(cache) {
  // {pages, keptAt}: what the server last listed for this mentor, and when.
  return cache.match(self.FIELD.list).then(function (kept) { return kept ? kept.json() : null; })
    .catch(function () { return null; });
}

function keepPages(cache, pages, generation) {
  var wanted = {}, queue = pages.slice(), failed = false;
  pages.forEach(function (path) { wanted[path] = true; });
  var lane = function () {
    var path = queue.shift();
    if (!path || generation !== cleared) { return Promise.resolve(); }
    return fetch(path, { credentials: "same-origin", redirect: "manual" }).then(function (response) {
      if (generation !== cleared) { return; }  // signed out meanwhile: nothing is put back
      if (response.ok) { return cache.put(path, response); }
      if (response.type === "opaqueredirect" || response.status === 403 || response.status === 404) {
        return cache.delete(path);  // signed out, or no longer theirs: not kept
      }
      failed = true;
    }, function () { failed = true; }).then(lane);
  };
  return cache.keys().then(function (requests) {
    return Promise.all(requests.filter(function (request) {  // another cooperative's page, kept before: dropped
      var path = new URL(request.url).pathname;
      return !wanted[path] && path !== self.FIELD.list;
    }).map(function (request) { return cache.delete(request); }));
  }).then(function () {
    var lanes = [];
    for (var i = 0; i < LANES; i++) { lanes.push(lane()); }
    return Promise.all(lanes);
  }).then(function () {
    if (generation !== cleared) { return; }
    // Cut short (the signal went): tried again in a minute rather than at the next full interval.
    var keptAt = failed ? Date.now() - self.FIELD.every + 60000 : Date.now();
    return cache.put(self.FIELD.list, new Response(JSON.stringify({ pages: pages, keptAt: keptAt }),
      { headers: { "Content-Type": "application/json" } }));
  });
}

function refresh(force) {
  if (running) { return running; }
  var generation = cleared;
  running = caches.open(PAGES).then(function (cache) {
    return keptList(cache).then(function (list) {
      if (!force && list && Date.now() - list.keptAt < self.FIELD.every) { return; }  // kept recently enough
      return fetch(self.FIELD.list, {
        credentials: "same-origin", redirect: "manual", headers: { "Accept": "application/json" }
      }).then(function (response) {
        if (response.type === "opaqueredirect" || response.status === 403) {
          return caches.delete(PAGES);  // signed out, or no longer a mentor: nothing of theirs is kept
        }
        if (!response.ok) { return; }
        return response.json().then(function (answer) { return keepPages(cache, answer.pages || [], generation); });
      });
    });
  }).catch(function () { /* no signal: keep what is kept */ }).then(function () { running = null; });
  return running;
}

function keepVisited(path, response) {
  // A page opened with a signal; a cooperative's only if it is one of the mentor's own (the list says which).
  return caches.open(PAGES).then(function (cache) {
    if (path.indexOf("/cooperatives/") !== 0) { return cache.put(path, response); }
    return keptList(cache).then(function (list) {
      if (list && list.pages.indexOf(path) !== -1) { return cache.put(path, response); }
    });
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
      event.waitUntil(keepVisited(url.pathname, response.clone()).catch(function () {}));
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
    event.waitUntil(refresh(Boolean(data.force)).then(done, done));
  } else if (data.type === "clear") {
    cleared += 1;
    event.waitUntil(caches.delete(PAGES).then(done, done));
  }
});
