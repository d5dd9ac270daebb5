// Where a page has room for it (home, "Available offline"): this device's drafts and unsent
// work, the pages kept for working without network and when they were refreshed, and "Export
// unsent work" — one JSON file with the photos inside (base64), for import on the server.
(function () {
  "use strict";

  var dataEl = document.getElementById("device-work");
  if (!dataEl || !window.DeviceKit || !window.OfflineQueue) return;
  var T = JSON.parse(dataEl.getAttribute("data-t"));
  var K = window.DeviceKit;
  var PAGES = "inspect-pages-v1";
  var FORM_PAGE = /^\/inspections\/(\d+)$/;

  function $(s, el) { return (el || document).querySelector(s); }
  function fmt(s, v) {
    if (typeof s !== "string") s = s[v.n === 1 ? 0 : 1];
    return s.replace(/\{(\w+)\}/g, function (m, k) { return v[k]; });
  }
  function h(tag, props) {
    var el = document.createElement(tag);
    for (var k in props || {}) {
      if (k === "text") el.textContent = props[k];
      else if (props[k] != null && props[k] !== false) el.setAttribute(k, props[k] === true ? "" : props[k]);
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c) el.appendChild(typeof c === "object" ? c : document.createTextNode(c));
    }
    return el;
  }
  // The pages the service worker keeps: [{url, title, at}].
  function kept() {
    if (!window.caches) return Promise.resolve([]);
    return caches.open(PAGES).then(function (cache) {
      return cache.keys().then(function (keys) {
        return Promise.all(keys.map(function (k) {
          return cache.match(k).then(function (r) {
            var u = new URL(k.url);
            return r && r.headers.get("X-Kept-At") && {
              url: u.pathname + u.search, at: r.headers.get("X-Kept-At"),
              title: decodeURIComponent(r.headers.get("X-Kept-Title") || "").split(" · ").slice(0, -1).join(" · "),
            };
          });
        }));
      });
    }).then(function (rows) { return rows.filter(Boolean); }, function () { return []; });
  }

  // Inspections started on this device with no network (offline-start.js keeps a record of
  // each until the server's form of it opens).
  function startedHere() {
    var records = [];
    for (var index = 0; index < localStorage.length; index++) {
      var key = localStorage.key(index);
      if (key.indexOf("inspect-start:") !== 0) continue;
      try {
        var record = JSON.parse(localStorage.getItem(key));
        if (record && record.user === K.user) records.push(record);
      } catch (error) { /* not ours to read */ }
    }
    return records;
  }

  // Drafts kept on this device, inspections started on it offline and inspections with
  // unsent changes, with their counts.
  function renderWork(el) {
    return Promise.all([K.unsent(), kept()]).then(function (got) {
      var by = {};
      var order = [];
      var of = function (id) {
        if (!by[id]) { by[id] = { id: id, pending: 0, refused: 0, title: "" }; order.push(id); }
        return by[id];
      };
      got[1].forEach(function (p) {
        var m = FORM_PAGE.exec(p.url);
        if (m) of(Number(m[1])).title = p.title;
      });
      startedHere().forEach(function (record) {
        var row = of(record.server_id || record.client_id);
        row.title = record.factory.name + " · " + record.checklist_title + " · " + record.inspected_on;
        row.started = !record.server_id;
        row.href = record.server_id ? "/inspections/" + record.server_id : record.form + "?draft=" + record.client_id;
      });
      got[0].forEach(function (e) { of(e.insp)[e.status === "pending" ? "pending" : "refused"]++; });
      var list = $("ul", el);
      list.textContent = "";
      order.forEach(function (id) {
        var w = by[id];
        var state = w.refused ? fmt(T.refused, { n: w.refused }) : w.pending ? fmt(T.changes, { n: w.pending }) : T.all_sent;
        list.appendChild(h("li", { "data-inspection": id, "data-unsent": w.pending + w.refused, "data-started-offline": w.started },
          h("a", { class: "rowlink", href: w.href || "/inspections/" + id, text: w.title || fmt(T.inspection, { id: id }) }),
          h("div", { class: w.pending + w.refused ? "" : "muted" },
            h("span", { class: "badge badge-" + (w.refused ? "danger" : w.pending ? "warn" : "ok"), text: (w.refused || w.pending ? "⚠ " : "✓ ") + state }),
            w.started && h("span", { class: "hint", text: " " + T.started_offline }))));
      });
      var n = got[0].length;
      $(".device-none", el).hidden = order.length > 0;
      $(".device-export", el).hidden = !n;
      el.setAttribute("data-unsent", n);
      el.hidden = false;
    });
  }

  // -- export: one JSON file, photos inside as base64

  function base64(buffer) {
    var bytes = new Uint8Array(buffer);
    var out = "";
    for (var i = 0; i < bytes.length; i += 0x8000) out += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(out);
  }

  function exportWork(button) {
    return Promise.all([K.unsent(), window.OfflineQueue.open()]).then(function (got) {
      return Promise.all(got[0].map(function (e) {
        var row = {};
        ["seq", "insp", "type", "key", "item", "ref", "payload", "version", "cid", "kind", "photo", "at", "status", "error"]
          .forEach(function (k) { if (e[k] !== undefined) row[k] = e[k]; });
        if (!e.blob) return row;
        return got[1].get("blobs", e.blob).then(function (b) {
          if (b) row.blob = { type: b.type, data: base64(b.data) };
          return row;
        });
      }));
    }).then(function (entries) {
      var now = new Date();
      var doc = { format: "inspect-unsent-work", version: 1, exported_at: now.toISOString(), user: K.user, origin: location.origin, entries: entries };
      var name = "unsent-work-" + now.toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-") + ".json";
      var a = h("a", { href: URL.createObjectURL(new Blob([JSON.stringify(doc)], { type: "application/json" })), download: name });
      document.body.appendChild(a);
      a.click();
      a.remove();
      var note = button.parentNode.querySelector(".device-exported") || button.parentNode.appendChild(h("p", { class: "hint device-exported", role: "status" }));
      note.textContent = fmt(T.exported, { name: name });
    });
  }

  // -- what is kept, and when

  function showKit(state, meta) {
    var el = $("#kit-state");
    if (el && state === "busy") {
      el.setAttribute("data-state", state);
      el.textContent = T.refreshing;
    } else if (el && window.caches) {
      // The time of the last complete refresh, kept by the service worker beside the pages.
      (meta ? Promise.resolve(meta) : caches.open(PAGES).then(function (c) { return c.match("/offline/kit-meta"); })
        .then(function (r) { return r && r.json(); })).then(function (m) {
        el.setAttribute("data-state", state);
        el.textContent = (state === "failed" ? T.failed + " " : "") + (m ? fmt(T.refreshed, { at: new Date(m.refreshed_at).toLocaleString() }) : T.never);
      });
    }
    var list = $("#kit-pages");
    if (list && state !== "busy") {
      kept().then(function (pages) {
        list.textContent = "";
        pages.forEach(function (p) {
          list.appendChild(h("li", {}, h("a", { href: p.url, text: p.title || p.url }), " ", h("span", { class: "muted", text: p.url })));
        });
      });
    }
    var work = $("#device-work");
    if (work && state !== "busy") renderWork(work);
  }

  document.addEventListener("offline-kit", function (ev) { showKit(ev.detail.state, ev.detail.meta); });
  document.addEventListener("DOMContentLoaded", function () {
    var work = $("#device-work");
    if (work) {
      renderWork(work);
      $(".device-export", work).addEventListener("click", function (ev) { exportWork(ev.target); });
    }
    var again = $("#kit-refresh");
    if (again) again.addEventListener("click", function () { K.refresh(true); });
    var note = $("#device-persist");
    if (note && navigator.storage && navigator.storage.persisted) {
      navigator.storage.persisted().then(function (yes) { note.textContent = yes ? "" : T.storage_denied; });
    }
  });
})();
