// Starting an inspection with no network (issue 12), on a factory's start form kept by the
// offline kit. Online, the form is posted as usual. With no network, "Start" makes the
// inspection on the device: its client id (a UUID made here), the checklist version pinned
// from the kept form, a record of what was chosen (localStorage, read at once by the blank
// form) and, first in the queue, the change that creates it on the server — sent by the blank
// form when the network is back, before the answers given meanwhile. Then the blank form of
// the checklist (kept by the kit) opens for it: /inspections/start/<slug>/<version>?draft=<id>.
(function () {
  "use strict";

  var dataElement = document.getElementById("offline-start");
  var form = document.getElementById("start-form");
  if (!dataElement || !form || !window.OfflineQueue) return;
  var data = JSON.parse(dataElement.textContent);
  var errorBox = document.getElementById("offline-start-error");

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = false;
    window.scrollTo(0, 0);
  }

  function chosen(name) {
    return Array.prototype.map.call(form.elements[name].selectedOptions || [], function (option) {
      return option.value;
    }).filter(Boolean).map(Number);
  }

  // The device's date (the kept form may have been rendered on an earlier day).
  function today() {
    var now = new Date();
    return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
  }

  // The same questions the server asks first; what only the server can check (the second
  // inspector of an enforcement, …) is checked when the start is sent, and shown then.
  function problems(start) {
    var found = [];
    if (!start.checklist) found.push("checklist");
    if (!data.kinds[start.kind]) found.push("kind");
    if (!start.inspected_on || start.inspected_on > today()) found.push("inspected_on");
    return found;
  }

  function markProblems(names) {
    ["checklist", "kind", "inspected_on"].forEach(function (name) {
      var field = form.elements[name];
      if (names.indexOf(name) >= 0) field.setAttribute("aria-invalid", "true");
      else field.removeAttribute("aria-invalid");
    });
    if (names.length) form.elements[names[0]].focus();
  }

  function keptForm(url) {
    if (!window.caches) return Promise.resolve(false);
    return caches.match(url, { ignoreVary: true }).then(function (response) { return !!response; }, function () { return false; });
  }

  function startOffline() {
    var slug = form.elements.checklist.value;
    var checklist = data.checklists[slug];
    var dateField = form.elements.inspected_on;
    // Left at the kept form's day: today on this device.
    var day = dateField.value === dateField.defaultValue ? today() : dateField.value;
    var start = {
      client_id: window.OfflineQueue.uuid(),
      factory_id: data.factory.id,
      checklist: checklist ? slug : "",
      checklist_version: checklist ? checklist.version : null,
      kind: form.elements.kind.value,
      inspected_on: day,
      inspector_ids: chosen("inspector_ids"),
      committee_member_ids: chosen("committee_member_ids"),
    };
    if (Number(form.elements.factory_id.value) !== data.factory.id) return showError(data.t.other_factory);
    var missing = problems(start);
    markProblems(missing);
    if (missing.length) return showError(data.t.missing);
    var record = {
      client_id: start.client_id,
      user: data.user,
      factory: data.factory,
      checklist: slug,
      version: checklist.version,
      checklist_title: checklist.title,
      kind: data.kinds[start.kind],
      inspected_on: day,
      inspectors: chosen("inspector_ids").map(function (id) {
        return form.elements.inspector_ids.querySelector("option[value='" + id + "']").textContent;
      }),
      form: checklist.form,
      left_out: checklist.left_out,
      started_at: new Date().toISOString(),
      server_id: null,
    };
    keptForm(checklist.form).then(function (kept) {
      if (!kept) return showError(data.t.not_kept);
      return window.OfflineQueue.open().then(function (store) {
        if (!store.persistent) return showError(data.t.no_storage);
        localStorage.setItem("inspect-start:" + start.client_id, JSON.stringify(record));
        var create = {
          type: "icreate", key: "i:" + start.client_id, insp: start.client_id, user: data.user,
          at: record.started_at, tries: 0, status: "pending", payload: start,
          label: data.t.start_label + " · " + data.factory.name,
        };
        return store.put("queue", create).then(function () {
          location.href = checklist.form + "?draft=" + start.client_id;
        });
      });
    }).catch(function () { showError(data.t.no_storage); });
  }

  form.addEventListener("submit", function (event) {
    if (navigator.onLine !== false) return; // online: the server starts it, as always
    event.preventDefault();
    startOffline();
  });
})();
