// The tablet form's service worker (served at /sw.js, so its scope is the whole site). It keeps
// the inspection form pages and their assets so that a reload without network still opens the
// form; the form itself keeps unsent changes in IndexedDB. The API is never cached.
//   form pages (/inspections/<id>): network first, the kept copy when the network fails
//   static files: from the cache first — the form's own carry a version in their URL (?v=…);
//     the others are refreshed in the background
//   photo thumbnails: kept after the first view (their keys never change)
"use strict";

var PAGES = "inspect-pages-v1";
var ASSETS = "inspect-assets-v1";
var FORM_PAGE = /^\/inspections\/\d+$/;
var THUMB = /^\/photos\/\d+\/thumb$/;
var PRECACHE = [
  "/static/css/app.css",
  "/static/css/inspect-form.css",
  "/static/js/app.js",
  "/static/js/offline-queue.js",
  "/static/js/inspection-form.js",
  "/static/img/icon.svg",
];
var NETWORK_WAIT = 8000;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(ASSETS).then(function (cache) {
    return cache.addAll(PRECACHE);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== PAGES && k !== ASSETS; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function keepable(response, url) {
  return response && response.ok && !response.redirected && response.type === "basic" &&
    new URL(response.url || url, self.location.href).pathname === new URL(url, self.location.href).pathname;
}

// Fetch the page and keep it; a redirect (to sign-in, or to the report once submitted) is
// passed through and never kept.
function fetchAndKeep(request, key) {
  return fetch(request).then(function (response) {
    if (keepable(response, request.url)) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { return cache.put(key, copy); });
    }
    return response;
  });
}

function networkFirst(request) {
  var key = new URL(request.url).pathname;
  var network = fetchAndKeep(request, key);
  var kept = caches.open(PAGES).then(function (cache) { return cache.match(key, { ignoreVary: true }); });
  return new Promise(function (resolve) {
    var done = false;
    var finish = function (response) { if (!done && response) { done = true; resolve(response); } };
    // On a weak network, the kept copy after a few seconds; the network when it answers first.
    var timer = setTimeout(function () { kept.then(finish); }, NETWORK_WAIT);
    network.then(function (response) { clearTimeout(timer); finish(response); }, function () {
      clearTimeout(timer);
      kept.then(function (response) { finish(response || offlinePage()); });
    });
  });
}

function offlinePage() {
  var body = "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
    "<title>Offline · 离线</title>" +
    "<h1>离线 · Offline</h1><p>此页面没有保存在本设备上。请在有网络时再打开。</p>" +
    "<p>This page was not kept on this device. Open it again when the network is back.</p>";
  return new Response(body, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

function staticFile(request) {
  var url = new URL(request.url);
  return caches.open(ASSETS).then(function (cache) {
    return cache.match(request, { ignoreVary: true }).then(function (hit) {
      var network = fetch(request).then(function (response) {
        if (response.ok && response.type === "basic") keepAsset(cache, request, response.clone());
        return response;
      });
      if (hit && url.search) return hit; // versioned: never changes
      if (hit) { network.catch(function () {}); return hit; }
      // Not kept yet: the network, or without it an older copy of the same file.
      return network.catch(function () {
        return cache.match(request, { ignoreSearch: true, ignoreVary: true }).then(function (old) {
          return old || Response.error();
        });
      });
    });
  });
}

// Keep an asset, dropping copies of the same file with another version.
function keepAsset(cache, request, response) {
  var path = new URL(request.url).pathname;
  return cache.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return new URL(k.url).pathname === path && k.url !== request.url;
    }).map(function (k) { return cache.delete(k); }));
  }).then(function () { return cache.put(request, response); });
}

function cacheFirst(request, cacheName) {
  return caches.open(cacheName).then(function (cache) {
    return cache.match(request, { ignoreVary: true }).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok && response.type === "basic") cache.put(request, response.clone());
        return response;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === "/logout") {
    // Signing out forgets the kept pages and photos (the unsent queue stays in IndexedDB).
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (request.method !== "GET" || url.pathname.indexOf("/api/") === 0) return;
  if (request.mode === "navigate") {
    if (FORM_PAGE.test(url.pathname)) event.respondWith(networkFirst(request));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) event.respondWith(staticFile(request));
  else if (THUMB.test(url.pathname)) event.respondWith(cacheFirst(request, PAGES));
});

// The form asks to keep its page and the assets it uses now (the first visit happens before
// the worker controls the page, and after changes were sent the kept copy should show them).
self.addEventListener("message", function (event) {
  var data = event.data || {};
  var port = event.ports && event.ports[0];
  if (data.type !== "keep" || !FORM_PAGE.test(new URL(data.url, self.location.href).pathname)) return;
  var key = new URL(data.url, self.location.href).pathname;
  var page = fetch(key, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
    if (!keepable(response, key)) return false;
    return caches.open(PAGES).then(function (cache) { return cache.put(key, response); }).then(function () { return true; });
  });
  var assets = caches.open(ASSETS).then(function (cache) {
    return Promise.all((data.assets || []).map(function (asset) {
      var request = new Request(asset, { credentials: "same-origin" });
      return cache.match(request).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          if (!response.ok) throw new Error(asset);
          return keepAsset(cache, request, response);
        });
      });
    }));
  });
  event.waitUntil(Promise.all([page, assets]).then(function (done) { return done[0]; }, function () { return false; })
    .then(function (ok) { if (port) port.postMessage({ ok: ok }); }));
});
