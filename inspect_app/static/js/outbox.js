// The committee's changes survive a dropped network. A form marked `data-outbox` (an "after"
// photo, a status move on the action page) is sent with fetch; when the network fails, the
// change — photo included — is kept on this device (IndexedDB "inspect-outbox") and sent, in
// order, on the next page load, when the device comes back online, or on "Send now". Each
// change carries a client id (a hidden `client_id`), so one whose answer was lost on the way is
// not made twice. Without this script (or without IndexedDB) the forms post as usual.
(function () {
  "use strict";
  if (window.inspectOutbox || !window.indexedDB || !window.fetch) return;
  var panel = document.getElementById("outbox");
  if (!panel) return;
  var STORE = "changes";
  var text = function (name) { return panel.getAttribute("data-t-" + name) || ""; };

  function newId() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 15) | 64;
    bytes[8] = (bytes[8] & 63) | 128;
    var hex = Array.prototype.map.call(bytes, function (n) { return (n + 256).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // -- the kept changes

  function withStore(mode, work) {
    return new Promise(function (resolve, reject) {
      var opening = indexedDB.open("inspect-outbox", 1);
      opening.onupgradeneeded = function () {
        opening.result.createObjectStore(STORE, { keyPath: "seq", autoIncrement: true });
      };
      opening.onerror = function () { reject(opening.error); };
      opening.onsuccess = function () {
        var database = opening.result;
        var transaction = database.transaction(STORE, mode);
        var request = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () { database.close(); resolve(request && request.result); };
        transaction.onerror = transaction.onabort = function () { database.close(); reject(transaction.error); };
      };
    });
  }
  var allChanges = function () { return withStore("readonly", function (store) { return store.getAll(); }); };
  var keepChange = function (change) { return withStore("readwrite", function (store) { return store.put(change); }); };
  var dropChange = function (seq) { return withStore("readwrite", function (store) { return store.delete(seq); }); };

  // -- sending

  // The server answers a change it made with a redirect (not followed here, so the page it
  // leads to still shows the server's message); a page of its own means it refused.
  function send(change) {
    var body = new FormData();
    change.fields.forEach(function (field) {
      if (field[1] instanceof Blob) body.append(field[0], field[1], field[2] || "photo.jpg");
      else body.append(field[0], field[1]);
    });
    return fetch(change.url, { method: "POST", body: body, credentials: "same-origin", redirect: "manual" })
      .then(function (response) {
        return { made: response.type === "opaqueredirect" || response.ok, status: response.status };
      });
  }

  var flushing = null;
  function flush() {
    if (flushing || navigator.onLine === false) return flushing;
    var sent = 0;
    flushing = allChanges().then(function (changes) {
      return changes.filter(function (change) { return !change.refused; }).reduce(function (previous, change) {
        return previous.then(function (goOn) {
          if (!goOn) return false;
          return send(change).then(function (answer) {
            if (answer.made) { sent += 1; return dropChange(change.seq).then(function () { return true; }); }
            change.refused = answer.status || 1;
            return keepChange(change).then(function () { return true; });
          }, function () { return false; }); // still no network: try again later, in order
        });
      }, Promise.resolve(true));
    }).then(function () {
      flushing = null;
      if (sent) location.reload(); // show what the server now holds
      else render();
    }, function () { flushing = null; });
    return flushing;
  }

  // -- the panel: what is waiting on this device

  function render() {
    return allChanges().then(function (changes) {
      var list = panel.querySelector("ul");
      list.textContent = "";
      changes.forEach(function (change) {
        var item = document.createElement("li");
        var photo = change.fields.filter(function (field) { return field[1] instanceof Blob; })[0];
        if (photo) {
          var thumb = document.createElement("img");
          thumb.src = URL.createObjectURL(photo[1]);
          thumb.alt = "";
          thumb.className = "outbox-thumb";
          item.appendChild(thumb);
        }
        var what = document.createElement("span");
        what.textContent = change.label + (change.refused ? " — " + text("refused").replace("%(status)s", change.refused) : "");
        item.appendChild(what);
        if (change.refused) {
          var discard = document.createElement("button");
          discard.type = "button";
          discard.className = "btn btn-danger";
          discard.textContent = text("discard");
          discard.addEventListener("click", function () {
            if (confirm(text("confirm-discard"))) dropChange(change.seq).then(render);
          });
          item.appendChild(discard);
        }
        list.appendChild(item);
      });
      var waiting = changes.filter(function (change) { return !change.refused; }).length;
      panel.hidden = !changes.length;
      panel.setAttribute("data-waiting", String(waiting));
      panel.querySelector(".outbox-count").textContent = text(navigator.onLine === false ? "offline" : "waiting").replace("%(num)s", waiting);
      panel.querySelector("[data-send]").hidden = !waiting || navigator.onLine === false;
    });
  }

  // -- the forms

  // To the page the server would have led to; the same page (only a #part differs) is loaded
  // again, to show the server's message and what it now holds.
  function go(url) {
    var target = new URL(url, location.href);
    if (target.pathname !== location.pathname || target.search !== location.search) return location.assign(target.href);
    history.replaceState(null, "", target.href);
    location.reload();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("form[data-outbox]");
    if (!form || event.defaultPrevented) return; // a cancelled confirmation sends nothing
    event.preventDefault();
    if (form.elements.client_id) form.elements.client_id.value = newId();
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      fields.push([name, value, value instanceof File ? value.name : null]);
    });
    var change = { url: form.action, label: form.getAttribute("data-outbox"), fields: fields, at: new Date().toISOString() };
    var button = form.querySelector("[type=submit]");
    if (button) button.disabled = true;
    var done = form.getAttribute("data-outbox-done") || location.pathname;
    var keepOnDevice = function () {
      return keepChange(change).then(function () {
        form.reset();
        form.querySelectorAll(".pick-preview").forEach(function (img) { img.hidden = true; });
        form.querySelectorAll(".pick-name").forEach(function (span) { span.textContent = ""; });
        if (button) button.disabled = false;
        return render();
      }).then(function () { panel.scrollIntoView({ block: "center" }); panel.focus(); });
    };
    if (navigator.onLine === false) return keepOnDevice();
    send(change).then(function (answer) {
      if (answer.made) return go(done);
      form.removeAttribute("data-outbox"); // the server's own page says what is wrong
      form.submit();
    }, keepOnDevice);
  });

  panel.querySelector("[data-send]").addEventListener("click", flush);
  window.addEventListener("online", flush);
  window.addEventListener("offline", render);
  window.inspectOutbox = { flush: flush, render: render };
  render().then(flush);
})();
