// The app's service worker (served at /sw.js, so its scope is the whole site). While online it
// keeps what an inspector needs for the coming visits (the offline kit: start page, factories,
// start forms, checklists and their blank forms, drafts, recent reports — the list comes from
// /offline/kit.json; and each action page once opened, for the committee's phones), so that with
// no network those pages open from the device (an inspection started offline opens its
// checklist's blank form, kept once whatever ?draft= it names); a page not kept answers with a
// small offline page that lists what is. A kept form whose inspection was submitted since (its
// report, seen online, says so) opens read-only. The form keeps unsent changes in IndexedDB. The API is
// never cached.
//   kept pages: network first, the kept copy when the network fails (or is too slow)
//   static files: from the cache first — the form's own carry a version in their URL (?v=…);
//     the others are refreshed in the background
//   photo thumbnails: kept after the first view (their keys never change)
//   good practice beside a problem answer (/inspections/N/practice/ITEM, JSON): network
//     first, the kept copy without network (kept with the pages: forgotten on sign-out)
"use strict";

var PAGES = "inspect-pages-v1";
var ASSETS = "inspect-assets-v1";
var META = "/offline/kit-meta";
var FORM_PAGE = /^\/inspections\/\d+$/;
// A checklist's blank form, for inspections started with no network (?draft=<client id>).
var BLANK_FORM = /^\/inspections\/start\/[\w-]+\/\d+$/;
var KEPT = /^\/(|offline|factories|factories\/\d+|inspections|inspections\/new|inspections\/\d+(\/report)?|inspections\/start\/[\w-]+\/\d+|checklists|checklists\/[\w-]+|actions\/\d+)$/;
// A report page names its inspection when it was submitted: its kept form then opens read-only.
var SUBMITTED = /<meta name="inspection-submitted" content="(\d+)">/;
var THUMB = /^\/photos\/\d+\/thumb$/;
var PRACTICE = /^\/inspections\/\d+\/practice\/[^/]+$/;
var FRESH = 15 * 60 * 1000; // the kit is fetched again after this long (or on "Refresh now")
var PRECACHE = [
  "/static/css/app.css",
  "/static/css/inspect-form.css",
  "/static/js/app.js",
  "/static/js/offline-queue.js",
  "/static/js/device.js",
  "/static/js/device-work.js",
  "/static/js/inspection-form.js",
  "/static/js/outbox.js",
  "/static/js/photo-pick.js",
  "/static/js/good-practice.js",
  "/static/css/good-practice.css",
  "/static/js/offline-start.js",
  "/static/js/offline-draft.js",
  "/static/css/submitted-form.css",
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

// The cache key of a page worth keeping, or null: the kit's pages without a query, and the
// start form of one factory (?factory=N).
function keyOf(url) {
  url = new URL(url, self.location.href);
  if (!KEPT.test(url.pathname)) return null;
  if (!url.search || BLANK_FORM.test(url.pathname)) return url.pathname;
  return url.pathname === "/inspections/new" && /^\?factory=\d+$/.test(url.search) ? url.pathname + url.search : null;
}

function keepable(response, url) {
  return response && response.ok && !response.redirected && response.type === "basic" &&
    new URL(response.url || url, self.location.href).pathname === new URL(url, self.location.href).pathname &&
    (response.headers.get("Content-Type") || "").indexOf("text/html") === 0;
}

// A page is kept with its title and the time it was kept (headers of the kept copy), so that
// the lists of what is available offline read neither the pages nor a separate index.
function keep(cache, key, response) {
  return response.text().then(function (html) {
    var title = (/<title>([^<]*)<\/title>/.exec(html) || ["", ""])[1].replace(/\s+/g, " ").trim();
    var headers = new Headers(response.headers);
    headers.set("X-Kept-Title", encodeURIComponent(title));
    headers.set("X-Kept-At", new Date().toISOString());
    var submitted = SUBMITTED.exec(html);
    return cache.put(key, new Response(html, { status: response.status, headers: headers })).then(function () {
      if (submitted) return markSubmitted(cache, "/inspections/" + submitted[1]);
    });
  });
}

// The kept form of an inspection submitted since (seen on its report) says so: it opens
// read-only offline, instead of taking changes the server would refuse.
function markSubmitted(cache, formUrl) {
  return cache.match(formUrl).then(function (kept) {
    if (!kept || kept.headers.get("X-Kept-Submitted")) return;
    var headers = new Headers(kept.headers);
    headers.set("X-Kept-Submitted", new Date().toISOString());
    return kept.text().then(function (html) {
      return cache.put(formUrl, new Response(html, { status: kept.status, headers: headers }));
    });
  });
}

// A submitted inspection's kept form, read-only: a note (in the page's language) with a link
// to its report, the form's controls hidden (submitted-form.css) and its answers inert.
function readOnly(kept, formUrl) {
  return kept.text().then(function (html) {
    var chinese = /<html lang="zh-CN"/.test(html);
    var text = chinese ? "此检查已提交，只能查看，不能再修改。" : "This inspection was submitted: it is read-only.";
    var link = chinese ? "查看报告" : "Open the report";
    var banner = '<p class="flash flash-info" id="submitted-note" role="status">' + esc(text) +
      ' <a href="' + formUrl + '/report">' + esc(link) + "</a></p>";
    html = html.replace('<div class="fill" id="fill">', banner + '<div class="fill is-submitted" id="fill">')
      .replace('<div class="fill-main">', '<div class="fill-main" inert>')
      .replace("</head>", '<link rel="stylesheet" href="/static/css/submitted-form.css">\n</head>');
    return new Response(html, { status: kept.status, headers: kept.headers });
  });
}

// Fetch the page and keep it; a redirect (to sign-in, or to the report once submitted) is
// passed through and never kept.
function fetchAndKeep(request, key) {
  return fetch(request).then(function (response) {
    if (keepable(response, request.url)) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { return keep(cache, key, copy); });
    }
    return response;
  });
}

function networkFirst(request, key) {
  var network = fetchAndKeep(request, key);
  var kept = caches.open(PAGES).then(function (cache) { return cache.match(key, { ignoreVary: true }); })
    .then(function (response) {
      return response && response.headers.get("X-Kept-Submitted") ? readOnly(response, key) : response;
    });
  return new Promise(function (resolve) {
    var done = false;
    var finish = function (response) { if (!done && response) { done = true; resolve(response); } };
    // On a weak network, the kept copy after a few seconds; the network when it answers first.
    var timer = setTimeout(function () { kept.then(finish); }, NETWORK_WAIT);
    network.then(function (response) { clearTimeout(timer); finish(response); }, function () {
      clearTimeout(timer);
      kept.then(function (response) { return response || offlinePage(); }).then(finish);
    });
  });
}

// What this device keeps: [{url, title, at}], the kit's order (start page, factories, …).
function keptPages() {
  return caches.open(PAGES).then(function (cache) {
    return cache.keys().then(function (keys) {
      return Promise.all(keys.map(function (k) {
        return cache.match(k).then(function (r) {
          var path = new URL(k.url).pathname;
          if (!r || path === META || !r.headers.get("X-Kept-At")) return null; // not a page
          return { url: path + new URL(k.url).search, title: decodeURIComponent(r.headers.get("X-Kept-Title") || ""), at: r.headers.get("X-Kept-At") };
        });
      }));
    });
  }).then(function (rows) { return rows.filter(Boolean); });
}

function esc(text) {
  return String(text).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
}

// A page that was not kept: say so in both languages and list what opens without network.
function offlinePage() {
  return keptPages().then(function (pages) {
    var links = pages.filter(function (p) { return p.url.indexOf("/inspections/new") !== 0; }).map(function (p) {
      return "<li><a href='" + esc(p.url) + "'>" + esc(p.title.split(" · ")[0] || p.url) + "</a></li>";
    }).join("");
    var body = "<!doctype html><html lang=zh-CN><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
      "<title>离线 · Offline</title><style>body{font:18px/1.5 system-ui,sans-serif;margin:1.5rem;max-width:40rem}" +
      "a{display:inline-block;min-height:48px;line-height:48px}</style>" +
      "<h1>离线 · Offline</h1><p>此页面没有保存在本设备上。请在有网络时再打开。</p>" +
      "<p lang=en>This page was not kept on this device. Open it again when the network is back.</p>" +
      (links ? "<h2>离线可用 · Available offline</h2><ul id=kept>" + links + "</ul>"
        : "<p>本设备上还没有离线页面：请在有网络时打开一次应用。<br><span lang=en>Nothing is kept on this device yet: open the app once with network.</span></p>");
    return new Response(body, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
  });
}

// -- the offline kit

var refreshing = null;

function readMeta(cache) {
  return cache.match(META).then(function (r) { return r ? r.json() : null; });
}

// Fetch the kit's pages and files one by one (a weak network is not flooded) and keep them.
// Another user's pages are forgotten first; pages of an earlier kit that left it (a draft
// submitted since) are dropped.
function refresh(data) {
  if (refreshing) return refreshing;
  refreshing = caches.open(PAGES).then(function (cache) {
    return readMeta(cache).then(function (meta) {
      if (meta && meta.user !== data.user) {
        return caches.delete(PAGES).then(function () { return caches.open(PAGES); }).then(function (c) { return fill(c, null, data); });
      }
      if (!data.force && meta && meta.ok && Date.now() - Date.parse(meta.refreshed_at) < FRESH) return meta;
      return fill(cache, meta, data);
    });
  }).then(function (meta) { refreshing = null; return meta; }, function (err) { refreshing = null; throw err; });
  return refreshing;
}

// Every request of a refresh says so (X-Inspect-Kit): the server then never writes the session
// cookie in its answer, so a refresh still under way when the user signs in again cannot sign
// them out (inspect_app/sessions.py). A page that sends to sign-in ends the refresh.
var KIT_HEADERS = { "X-Inspect-Kit": "1" };

function signedOut(response) {
  return response.redirected && new URL(response.url).pathname === "/login";
}

function fill(cache, old, data) {
  var opts = { credentials: "same-origin", cache: "no-store", headers: KIT_HEADERS };
  return fetch(data.kit, opts).then(function (r) {
    if (!r.ok || r.redirected) throw new Error("kit " + r.status);
    return r.json();
  }).then(function (kit) {
    var kept = [];
    var step = caches.open(ASSETS).then(function (assets) {
      return Promise.all(kit.assets.map(function (url) {
        var request = new Request(url, { credentials: "same-origin", headers: KIT_HEADERS });
        return assets.match(request).then(function (hit) {
          return hit || fetch(request).then(function (response) {
            if (response.ok) return keepAsset(assets, request, response);
          });
        });
      }));
    });
    kit.pages.forEach(function (url) {
      step = step.then(function () { return fetch(url, opts); }).then(function (response) {
        if (signedOut(response)) throw new Error("signed out: the kit is refreshed after sign-in");
        if (!keepable(response, url)) return;
        kept.push(url);
        return keep(cache, url, response);
      });
    });
    return step.then(function () {
      var gone = ((old && old.pages) || []).filter(function (url) { return kept.indexOf(url) < 0; });
      return Promise.all(gone.map(function (url) {
        // A form submitted since stays (read-only) while its report is kept.
        return cache.match(url).then(function (page) {
          var submitted = page && page.headers.get("X-Kept-Submitted") && kept.indexOf(url + "/report") >= 0;
          if (submitted) kept.push(url);
          else return cache.delete(url);
        });
      }));
    }).then(function () {
      var meta = { user: kit.user, ok: true, refreshed_at: new Date().toISOString(), pages: kept };
      return cache.put(META, new Response(JSON.stringify(meta), { headers: { "Content-Type": "application/json" } }))
        .then(function () { return meta; });
    });
  });
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
    var key = keyOf(request.url);
    if (key) event.respondWith(networkFirst(request, key));
    else event.respondWith(fetch(request).catch(offlinePage));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) event.respondWith(staticFile(request));
  else if (THUMB.test(url.pathname)) event.respondWith(cacheFirst(request, PAGES));
  else if (PRACTICE.test(url.pathname)) event.respondWith(networkOrKept(request));
});

// Data the form asks for (not a page): the network's answer is kept; without network, the
// kept one.
function networkOrKept(request) {
  return caches.open(PAGES).then(function (cache) {
    return fetch(request).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (response.ok && !response.redirected && json) cache.put(request, response.clone());
      return response;
    }, function () {
      return cache.match(request, { ignoreVary: true }).then(function (kept) { return kept || Response.error(); });
    });
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  var port = event.ports && event.ports[0];
  var reply = function (message) { if (port) port.postMessage(message); };
  if (data.type === "refresh") {
    event.waitUntil(refresh(data).then(function (meta) { reply({ ok: true, meta: meta }); },
      function () { reply({ ok: false }); }));
  } else if (data.type === "keep") event.waitUntil(keepForm(data).then(function (ok) { reply({ ok: ok }); }));
});

// The form asks to keep its page and the assets it uses now (the first visit happens before
// the worker controls the page, and after changes were sent the kept copy should show them).
function keepForm(data) {
  var key = new URL(data.url, self.location.href).pathname;
  if (!FORM_PAGE.test(key)) return Promise.resolve(false);
  var page = fetch(key, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
    if (!keepable(response, key)) return false;
    return caches.open(PAGES).then(function (cache) { return keep(cache, key, response); }).then(function () { return true; });
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
  return Promise.all([page, assets]).then(function (done) { return done[0]; }, function () { return false; });
}
