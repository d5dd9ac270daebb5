// The blank form of a checklist version, working for an inspection started on this device with
// no network (offline-start.js made it: ?draft=<client id>). It runs before inspection-form.js
// and changes only what differs from a draft the server rendered:
// - the header (factory, date, kind, inspectors) and the items this factory is not asked come
//   from the device's record of the start;
// - the queue sends the start first ("icreate": idempotent by the client id, so a retry after
//   a lost reply finds the same inspection), learns the server's id, moves the answers and
//   findings queued meanwhile to it, and only then sends them, in their order;
// - once everything is sent, the server's own form of the inspection opens (kept first by the
//   service worker, so that it opens again without network).
(function () {
  "use strict";

  var fill = document.getElementById("fill");
  var formDataElement = document.getElementById("form-data");
  var blankElement = document.getElementById("blank-data");
  if (!fill || !formDataElement || !blankElement || !window.OfflineQueue) return;
  var formData = JSON.parse(formDataElement.textContent);
  var blank = JSON.parse(blankElement.textContent);
  var clientId = new URLSearchParams(location.search).get("draft") || "";
  var storageKey = "inspect-start:" + clientId;
  var record = null;
  try {
    record = JSON.parse(localStorage.getItem(storageKey));
  } catch (error) {
    record = null;
  }

  function note(text) {
    var box = document.getElementById("draft-note");
    if (!box) {
      box = document.createElement("p");
      box.id = "draft-note";
      box.className = "hint";
      box.setAttribute("role", "status");
      var savebar = fill.querySelector(".savebar");
      savebar.parentNode.insertBefore(box, savebar.nextSibling);
    }
    box.textContent = text;
  }

  if (!record || record.user !== formData.user) {
    // Not started here (or by another user of this device): there is nothing to fill in.
    formDataElement.remove(); // inspection-form.js then leaves the page alone
    fill.textContent = "";
    var message = document.createElement("p");
    message.className = "flash flash-error";
    message.id = "draft-missing";
    message.textContent = blank.t.not_here;
    fill.appendChild(message);
    return;
  }

  // -- the page: what the device knows of this inspection

  var chinese = document.documentElement.lang === "zh-CN";
  var heading = fill.querySelector(".fill-head h1");
  document.title = document.title.replace(heading.textContent, record.factory.name);
  heading.textContent = record.factory.name;
  var meta = fill.querySelectorAll(".fill-meta span");
  meta[0].textContent = record.inspected_on;
  meta[1].textContent = record.kind;
  var inspectors = document.getElementById("inspectors");
  inspectors.textContent = inspectors.textContent.replace(/—\s*$/, (record.inspectors || []).join(chinese ? "、" : ", ") || "—");
  Array.prototype.forEach.call(fill.querySelectorAll(".review, .fill-end"), function (link) { link.hidden = true; });
  // Items this factory is not asked (its sector or headcount), and sections left empty.
  (record.left_out || []).forEach(function (itemId) {
    var card = document.getElementById("item-" + itemId);
    if (card) card.remove();
  });
  Array.prototype.forEach.call(fill.querySelectorAll(".fsec"), function (section) {
    if (section.querySelector("article")) return;
    var chip = fill.querySelector('.secnav a[data-section="' + section.getAttribute("data-section") + '"]');
    if (chip) chip.parentNode.remove();
    section.remove();
  });
  formData.inspection = record.server_id || clientId;
  formData.urls.page = location.pathname + location.search;
  // Signing in again (the session expired) comes back here, not to inspection 0.
  formData.urls.login = formData.urls.login.replace(/next=[^&]*/, "next=" + encodeURIComponent(formData.urls.page));
  formDataElement.textContent = JSON.stringify(formData);
  if (!record.server_id) note(blank.t.waiting);

  // -- the queue: the start first, then the rest on the server's id

  var FormQueue = window.OfflineQueue.Queue;
  var queue = null;
  var leaving = false;

  function DraftQueue(options) {
    var formSend = options.send;
    var formReady = options.ready;
    var formChange = options.onChange;
    options.inspection = record.server_id || clientId;
    options.send = function (entry) { return entry.type === "icreate" ? create(entry) : formSend(entry); };
    options.ready = function (entry) {
      return entry.type === "icreate" || (!!record.server_id && formReady(entry));
    };
    options.onChange = function (summary) {
      formChange(summary);
      settled(summary);
    };
    FormQueue.call(this, options);
    queue = this;
  }
  DraftQueue.prototype = Object.create(FormQueue.prototype);
  DraftQueue.prototype.constructor = DraftQueue;

  // The form's URLs name inspection 0 (the blank form has none): the server's id once known.
  DraftQueue.prototype.request = function (method, url, body) {
    var real = url.replace(/\/inspections\/0(?=\/|$)/, "/inspections/" + record.server_id);
    return FormQueue.prototype.request.call(this, method, real, body);
  };

  // A change queued while the start was being adopted still goes to the server's id.
  DraftQueue.prototype.add = function (entry) {
    var self = this;
    return FormQueue.prototype.add.call(this, entry).then(function (added) {
      if (!record.server_id || added.insp !== clientId) return added;
      added.insp = record.server_id;
      return self.save(added).then(function () { self.kick(); return added; });
    });
  };

  window.OfflineQueue.Queue = DraftQueue;

  function create(entry) {
    return queue.request("POST", blank.create, entry.payload).then(function (outcome) {
      if (outcome.kind !== "ok") return outcome;
      return adopt(outcome.body.id).then(function () { return outcome; });
    });
  }

  // The server's id replaces the client id on this inspection's queued changes and on what
  // the device mirrors of it; the record keeps it, for a reload before everything is sent.
  function adopt(serverId) {
    record.server_id = serverId;
    localStorage.setItem(storageKey, JSON.stringify(record));
    var moved = queue.entries.filter(function (entry) { return entry.insp === clientId; });
    moved.forEach(function (entry) { entry.insp = serverId; });
    queue.inspection = serverId;
    var store = queue.store;
    var prefix = clientId + ":";
    return Promise.all(moved.map(function (entry) { return store.put("queue", entry); }))
      .then(function () { return store.all("mirror"); })
      .then(function (rows) {
        return Promise.all(rows.filter(function (row) { return row.key.indexOf(prefix) === 0; }).map(function (row) {
          var oldKey = row.key;
          row.key = serverId + ":" + oldKey.slice(prefix.length);
          return store.put("mirror", row).then(function () { return store.del("mirror", oldKey); });
        }));
      });
  }

  // Everything sent: the server's form of this inspection takes over (not while a dialog is
  // open or a text is being typed: the next change of state tries again).
  function settled(summary) {
    if (leaving || !record.server_id || summary.pending + summary.failed + summary.conflict > 0) return;
    if (navigator.onLine === false || document.querySelector("dialog[open]")) return;
    var focused = document.activeElement;
    if (focused && /^(TEXTAREA|INPUT|SELECT)$/.test(focused.tagName)) return;
    leaving = true;
    note(blank.t.opening);
    var serverForm = "/inspections/" + record.server_id;
    keep(serverForm).then(function (kept) {
      if (kept) localStorage.removeItem(storageKey);
      location.replace(serverForm);
    });
  }

  // The service worker keeps the server's form (and this page's scripts) before it opens.
  function keep(url) {
    if (!navigator.serviceWorker || !navigator.serviceWorker.controller) return Promise.resolve(false);
    return navigator.serviceWorker.ready.then(function (registration) {
      return new Promise(function (resolve) {
        var channel = new MessageChannel();
        var timer = setTimeout(function () { resolve(false); }, 10000);
        channel.port1.onmessage = function (event) {
          clearTimeout(timer);
          resolve(!!event.data.ok);
        };
        var assets = Array.prototype.map.call(document.querySelectorAll("script[src], link[rel=stylesheet], link[rel=icon]"), function (element) {
          return element.src || element.href;
        });
        registration.active.postMessage({ type: "keep", url: url, assets: assets }, [channel.port2]);
      });
    }, function () { return false; });
  }
})();
