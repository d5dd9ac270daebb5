// What every signed-in page does for working without network: it registers the service worker
// and asks it to refresh the offline kit (what the coming visits need), asks the browser to keep
// this site's data, warns when the device's storage is nearly full and refuses to sign out while
// work is unsent. (device-work.js lists this device's work where a page has room for it.)
(function () {
  "use strict";

  var dataEl = document.querySelector('meta[name="device-data"]');
  if (!dataEl) return;
  var D = JSON.parse(dataEl.content);
  var T = D.t;

  function $(s, el) { return (el || document).querySelector(s); }
  function fmt(s, v) { return s.replace(/\{(\w+)\}/g, function (m, k) { return v[k]; }); }
  function alertBox(kind, text) {
    var box = $("#device-alert-" + kind);
    if (!box) {
      box = document.createElement("p");
      box.id = "device-alert-" + kind;
      box.className = "flash flash-error";
      box.setAttribute("role", "alert");
      $("#main").insertBefore(box, $("#main").firstChild);
    }
    box.textContent = text;
  }
  // This user's unsent changes, from the form's queue in IndexedDB.
  function unsent() {
    return window.OfflineQueue.open().then(function (s) { return s.all("queue"); }).then(function (rows) {
      return rows.filter(function (e) { return e.user === D.user; }).sort(function (a, b) { return a.seq - b.seq; });
    });
  }

  // -- sign-out waits for unsent work

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.matches || !form.matches("form[action$='/logout']") || form.getAttribute("data-checked")) return;
    ev.preventDefault();
    unsent().then(function (rows) {
      if (rows.length) {
        alertBox("signout", fmt(T.signout_blocked, { n: rows.length }));
        window.scrollTo(0, 0);
        return;
      }
      form.setAttribute("data-checked", "1");
      form.submit();
    }, function () { form.setAttribute("data-checked", "1"); form.submit(); });
  }, true);

  // -- storage: keep it, and say when it runs short

  function checkStorage() {
    var s = navigator.storage;
    if (!s) return;
    if (s.persisted && s.persist) {
      s.persisted().then(function (yes) { return yes || s.persist(); }).then(function (yes) {
        document.documentElement.setAttribute("data-persistent", yes ? "1" : "0");
      }).catch(function () {});
    }
    if (s.estimate) {
      s.estimate().then(function (e) {
        if (e.quota && e.usage / e.quota >= 0.9) alertBox("storage", fmt(T.storage_low, { pct: Math.round(100 * e.usage / e.quota) }));
      }).catch(function () {});
    }
  }

  // -- the offline kit: the service worker fetches it while online (at most every 15 minutes,
  // or now when `force`); the page learns the outcome through the "offline-kit" event.

  function kitDone(state, meta) {
    document.documentElement.setAttribute("data-offline-kit", state);
    document.dispatchEvent(new CustomEvent("offline-kit", { detail: { state: state, meta: meta } }));
  }

  function refreshKit(force) {
    if (!navigator.serviceWorker) return;
    if (navigator.onLine === false) return kitDone(force ? "failed" : "offline", null);
    kitDone("busy", null);
    navigator.serviceWorker.register(D.sw, { scope: "/" }).then(function () { return navigator.serviceWorker.ready; }).then(function (reg) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (ev) { kitDone(ev.data.ok ? "ready" : "failed", ev.data.meta); };
      reg.active.postMessage({ type: "refresh", user: D.user, kit: D.kit, force: !!force }, [channel.port2]);
    }).catch(function () { kitDone("failed", null); });
  }

  window.DeviceKit = { refresh: refreshKit, unsent: unsent, user: D.user };
  document.addEventListener("DOMContentLoaded", function () {
    checkStorage();
    refreshKit(false);
  });
})();
