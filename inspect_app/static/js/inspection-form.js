// The tablet form: one-tap answers saved through the offline queue, applies_if items, progress,
// good points, findings with risk and photos, and a save state that always says where things
// stand. On load: the page as rendered + what this device knows that the page does not.
(function () {
  "use strict";

  var root = document.getElementById("fill");
  var dataEl = document.getElementById("form-data");
  if (!root || !dataEl || !window.OfflineQueue) return;
  var D = JSON.parse(dataEl.textContent);
  var T = D.t;
  var OQ = window.OfflineQueue;
  var FIELDS = ["title", "description", "location", "area", "source", "grade", "likelihood", "severity", "fixed_on_spot"];

  function $(s, el) { return (el || document).querySelector(s); }
  function $$(s, el) { return Array.prototype.slice.call((el || document).querySelectorAll(s)); }
  // Strings come translated in the page's data, with {name} where a value goes.
  // A pair [one, many] is a plural: the count is `n`.
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
  function debounce(fn, ms) {
    var t = null;
    var d = function () { clearTimeout(t); t = setTimeout(function () { t = null; fn(); }, ms); };
    d.now = function () { if (t) { clearTimeout(t); t = null; fn(); } };
    return d;
  }
  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
  function modal(d, show) {
    if (show) { if (d.showModal) d.showModal(); else d.setAttribute("open", ""); } // Safari < 15.4
    else if (d.close) d.close(); else d.removeAttribute("open");
  }

  var Q = null;
  var boot = OQ.open().then(function (store) {
    Q = new OQ.Queue({
      store: store,
      user: D.user,
      inspection: D.inspection,
      token: $('meta[name="csrf-token"]').content,
      csrfUrl: D.urls.csrf,
      send: send,
      ready: ready,
      onChange: function (s) { showStatus(s); renderFindings(); },
      onError: function () { alertEl.setAttribute("data-storage", T.storage_full); Q.changed(); },
    });
    if (!store.persistent) alertEl.setAttribute("data-storage", T.no_storage);
    else if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(function () {});
    return Promise.all([Q.load(), Q.mirrored()]);
  });

  // -- items and answers

  var items = {};
  var order = [];
  $$(".ans button", root).forEach(function (b) {
    if (!b.hasAttribute("aria-pressed")) b.setAttribute("aria-pressed", "false");
  });
  // The labels of the guidance paragraphs, for the style sheet's ::before.
  root.style.setProperty("--why", JSON.stringify(T.why + " "));
  root.style.setProperty("--how", JSON.stringify(T.how + " "));
  $$(".fsec article", root).forEach(function (el) {
    // The controls that need the script are added by it (a lighter page).
    var tools = $(".tools", el);
    var guide = $(".tools > details:not([lang]) > summary:empty", el);
    if (guide) guide.textContent = T.why_how;
    var otherLanguage = $(".tools > details[lang] > summary", el);
    otherLanguage.textContent = otherLanguage.parentNode.lang === "en" ? "EN" : "中文";
    if (!$(".note", el)) tools.insertBefore(h("details", { class: "note" }, h("summary", { text: T.note })), tools.firstChild);
    tools.appendChild(h("button", { class: "addf", text: "+ " + T.add_finding }));
    // Issue 17: the photo rule is shown before the item is answered, with a camera button that
    // makes a finding (pre-filled from the item) with the photo in one step.
    // Its photo rule, where it differs from its section's; "none": no photo rule.
    var ph = el.getAttribute("data-ph") || el.parentNode.getAttribute("data-ph");
    if (ph === "none") ph = null;
    if (ph) {
      var ans = $(".ans", el);
      ans.parentNode.insertBefore(h("div", { class: "ph-row" },
        h("label", { class: "btn btn-secondary cam" }, h("span", { "aria-hidden": "true", text: "📷 " }), T.photo_btn,
          h("input", { type: "file", accept: "image/*", capture: "environment", class: "cam-in" })),
        h("span", { class: "ph-rule", text: ph === "always" ? T.photo_always : T.photo_on_problem })), ans.nextSibling);
    }
    var it = {
      id: el.id.slice(5),
      el: el,
      kind: $(".num", el) ? "number" : $(".txt", el) ? "text" : "options",
      multi: el.hasAttribute("data-multi"),
      cond: el.hasAttribute("data-if") && { item: el.getAttribute("data-if"), values: JSON.parse(el.getAttribute("data-in")) },
      section: el.parentNode.getAttribute("data-section"),
      at: Date.parse(el.getAttribute("data-at")) || 0,
      noteEl: $(".note textarea", el),
      ph: ph,
    };
    it.note = it.noteEl ? it.noteEl.value : "";
    it.value = readValue(it);
    items[it.id] = it;
    order.push(it.id);
  });

  function itemOf(el) {
    var a = el.closest && el.closest(".fsec article");
    return a && items[a.id.slice(5)];
  }
  function numberOf(id) { return items[id] ? $("h3 b", items[id].el).textContent : id; }

  function readValue(it) {
    // Issue 14: a number or text item may offer a "not applicable" button beside its input.
    var na = it.kind !== "options" && $('.ans [aria-pressed="true"]', it.el);
    if (na) return na.value;
    if (it.kind === "number") { var n = $(".num", it.el).value; return n === "" ? null : Number(n); }
    if (it.kind === "text") return $(".txt", it.el).value.trim() || null;
    var on = $$('.ans [aria-pressed="true"]', it.el).map(function (b) { return b.value; });
    return it.multi ? (on.length ? on : null) : on[0] || null;
  }

  function showValue(it) {
    var values = [].concat(it.value == null ? [] : it.value);
    $$(".ans button", it.el).forEach(function (b) { b.setAttribute("aria-pressed", values.indexOf(b.value) >= 0); });
    var input = $(".num, .txt", it.el);
    if (input && document.activeElement !== input) input.value = it.value == null ? "" : it.value;
    if (it.note || it.noteEl) {
      var note = noteArea(it);
      if (document.activeElement !== note) note.value = it.note;
      note.parentNode.classList.toggle("has-note", !!it.note);
      if (it.note) note.parentNode.open = true;
    }
  }

  // A note's text area is made when first needed (69 fewer in the page).
  function noteArea(it) {
    if (!it.noteEl) {
      var details = $(".note", it.el);
      it.noteEl = details.appendChild(h("textarea", { rows: 2, "aria-label": $("summary", details).textContent + " " + numberOf(it.id) }));
    }
    return it.noteEl;
  }

  function setAnswer(it, value) {
    busy();
    it.value = value;
    it.at = Date.now();
    showValue(it);
    refresh();
    saveAnswer(it, true);
    practice(it);
  }

  function saveAnswer(it, send) {
    var at = new Date(it.at).toISOString();
    boot.then(function () {
      Q.mirror("a:" + it.id, { value: it.value, note: it.note, at: at });
      if (!send && it.value == null) return Q.changed(); // a note alone waits for its answer
      Q.add({
        type: "answer", key: "a:" + it.id, coalesce: true, item: it.id,
        payload: { value: it.value, note: it.note, answered_at: at, client_id: OQ.uuid() },
      });
    });
  }

  root.addEventListener("click", function (ev) {
    var fill = ev.target.closest("[data-fill]");
    if (fill) return fillSection(fill.closest(".fsec"), fill.getAttribute("data-fill"));
    var b = ev.target.closest(".ans button, .addf");
    var it = b && itemOf(b);
    if (!it) return;
    if (b.className === "addf") return openFinding(null, { item_id: it.id });
    if (!it.multi) return it.value !== b.value && setAnswer(it, b.value);
    var values = [].concat(it.value || []);
    var at = values.indexOf(b.value);
    if (at >= 0) values.splice(at, 1); else values.push(b.value);
    setAnswer(it, values.length ? values : null);
  });

  root.addEventListener("toggle", function (ev) {
    var it = ev.target.classList.contains("note") && ev.target.open && itemOf(ev.target);
    if (it && !it.noteEl) noteArea(it).focus();
  }, true);

  var typing = {};
  root.addEventListener("input", function (ev) {
    var el = ev.target;
    var it = itemOf(el);
    if (!it) return;
    if (el === it.noteEl) {
      it.note = el.value;
      el.parentNode.classList.toggle("has-note", !!it.note);
    } else if (el.classList.contains("txt")) {
      it.value = el.value.trim() || null;
      $$(".ans button", it.el).forEach(function (b) { b.setAttribute("aria-pressed", "false"); }); // issue 14: typing replaces "not applicable"
      refresh();
    } else return;
    it.at = Date.now();
    busy();
    (typing[it.id] = typing[it.id] || debounce(function () { saveAnswer(it, it.kind === "text"); }, 900))();
  });
  root.addEventListener("focusout", function (ev) {
    var it = itemOf(ev.target);
    if (it && typing[it.id]) typing[it.id].now();
  });

  root.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.classList.contains("cam-in")) return quickPhoto(itemOf(el), el);
    if (!el.classList.contains("num")) return;
    var err = $(".error", el.parentNode);
    if (err) err.remove();
    if (!el.validity.valid) return el.parentNode.appendChild(h("p", { class: "error", role: "alert", text: T.number_invalid }));
    setAnswer(itemOf(el), el.value === "" ? null : Number(el.value));
  });

  // -- applies_if and progress

  function matches(values, answer) {
    return answer != null && [].concat(answer).some(function (a) {
      return values.some(function (v) { return String(v) === String(a); });
    });
  }

  function refresh() {
    var on = {};
    var tally = { all: [0, 0] };
    order.forEach(function (id) {
      var it = items[id];
      var c = it.cond;
      on[id] = !c || (on[c.item] && matches(c.values, items[c.item].value));
      it.el.hidden = !on[id];
      markPhoto(it);
      if (!on[id]) return;
      [it.section, "all"].forEach(function (k) {
        var t = (tally[k] = tally[k] || [0, 0]);
        t[1]++;
        if (it.value != null) t[0]++;
      });
    });
    $$("[data-section]", root).forEach(function (el) {
      var t = tally[el.getAttribute("data-section")] || [0, 0];
      if (el.tagName === "A") {
        $(".secnav-p", el).textContent = t[0] + "/" + t[1];
        el.classList.toggle("is-done", t[1] > 0 && t[0] === t[1]);
      } else $(".sec-p", el).textContent = fmt(T.answered, { a: t[0], b: t[1] });
    });
    $("#progress-all").textContent = fmt(T.answered, { a: tally.all[0], b: tally.all[1] });
    showVerdict();
  }

  // A problem answer: one that needs action (a "p" button; on a No / Yes / Priority or a
  // compliance item, yes, priority or not compliant). The page marks no more than that.
  function problem(it) {
    return $$('.ans [aria-pressed="true"]', it.el).some(function (b) {
      return b.classList.contains("p") || (/k3/.test(b.parentNode.className) && /^(yes|priority|not_compliant)$/.test(b.value));
    });
  }

  // -- the verdict, live (issue 14): a decisive problem answered on this device fails it at
  // once, offline too; otherwise it is the server's, from its latest reply to an answer (a pass
  // mark needs the percentage). Pending takes no room.

  var verdictLine = $("#verdict");
  var serverVerdict = verdictLine && verdictLine.getAttribute("data-result");

  function showVerdict() {
    if (!verdictLine) return;
    var decisive = verdictLine.hasAttribute("data-decisive") && order.some(function (id) {
      return !items[id].el.hidden && !!$('.ans .d[aria-pressed="true"]', items[id].el);
    });
    var result = decisive ? "fail" : serverVerdict;
    verdictLine.hidden = result === "pending";
    verdictLine.setAttribute("data-result", result);
    verdictLine.className = "verdict verdict-" + result;
    $(".verdict-sign", verdictLine).textContent = result === "fail" ? "‼" : "✓";
    $("strong", verdictLine).textContent = verdictLine.getAttribute(result === "fail" ? "data-fail" : "data-pass");
  }

  // -- one tap for a whole section (issue 14): "All OK" gives each unanswered item its own OK
  // answer (button class "g": for an item phrased as a hazard that is "No"), "does not apply"
  // its "not applicable" ("n"). Answered items are never changed; items without such an
  // answer are left, and the one confirmation says all of it. Sub-items are answered one by
  // one like items. The answers go the way single taps go: the queue, offline too.

  $$(".fsec", root).forEach(function (section) {
    var heading = $("h2", section);
    heading.appendChild(h("span", { class: "sec-p" })); // the section's progress (see refresh)
    var row = h("div", { class: "sec-fill" });
    [["ok", ".g", T.fill_ok], ["na", ".n", T.fill_na]].forEach(function (fill) {
      if ($(".ans " + fill[1], section)) row.appendChild(h("button", { type: "button", class: "btn btn-secondary", "data-fill": fill[0], text: fill[2] }));
    });
    if (row.firstChild) section.insertBefore(row, heading.nextSibling);
  });

  function fillPlan(sectionId, fill) {
    var plan = { answers: [], counts: {}, kept: 0, left: 0 };
    order.forEach(function (id) {
      var item = items[id];
      if (item.section !== sectionId || item.el.hidden) return;
      var button = $(".ans " + (fill === "ok" ? ".g" : ".n"), item.el);
      if (item.value != null) plan.kept++;
      else if (!button) plan.left++;
      else {
        plan.answers.push({ item: item, value: item.multi ? [button.value] : button.value });
        plan.counts[button.textContent] = (plan.counts[button.textContent] || 0) + 1;
      }
    });
    return plan;
  }

  function fillSection(section, fill) {
    var sectionId = section.getAttribute("data-section");
    var plan = fillPlan(sectionId, fill);
    var title = $("h2", section).firstChild.textContent;
    var lines = [];
    Object.keys(plan.counts).forEach(function (label) { lines.push(fmt(T.fill_each, { answer: label, n: plan.counts[label] })); });
    if (plan.kept) lines.push(fmt(T.fill_kept, { n: plan.kept }));
    if (plan.left) lines.push(fmt(fill === "ok" ? T.fill_no_ok : T.fill_no_na, { n: plan.left }));
    if (!plan.answers.length) return alert(T.fill_nothing + "\n" + lines.join("\n"));
    if (!confirm(fmt(fill === "ok" ? T.fill_ok_ask : T.fill_na_ask, { section: title }) + "\n\n" + lines.join("\n"))) return;
    busy();
    var now = Date.now();
    plan.answers.forEach(function (planned) {
      planned.item.value = planned.value;
      planned.item.at = now;
      showValue(planned.item);
      saveAnswer(planned.item, true);
    });
    refresh();
  }

  // -- long checklists on a portrait tablet or a phone (issue 14): "All sections" opens every
  // section at once (chips of at most two lines, with their progress), and a section jumped to
  // lands just below the sticky bar, whatever its height on this screen.

  var sideBar = $(".fill-side");
  var sectionNav = $("#secnav");
  var menuButton = $("#secnav-menu");

  function measureBar() {
    if (!sectionNav.classList.contains("is-open")) root.style.setProperty("--bar", sideBar.offsetHeight + "px");
  }
  function openMenu(open) {
    sectionNav.classList.toggle("is-open", open);
    menuButton.setAttribute("aria-expanded", open);
    measureBar();
  }
  menuButton.addEventListener("click", function () { openMenu(!sectionNav.classList.contains("is-open")); });
  sectionNav.addEventListener("click", function (event) { if (event.target.closest("a")) openMenu(false); });
  sectionNav.addEventListener("keydown", function (event) { if (event.key === "Escape") openMenu(false); });
  if (window.ResizeObserver) new ResizeObserver(measureBar).observe(sideBar);
  measureBar();

  // An answer that needs a photo, without a photographed finding yet, says so at once.
  var shot = {}; // item id → it has a finding with a photo (sent or queued)
  function markPhoto(it) {
    var row = it.ph && $(".ph-row", it.el);
    if (!row) return;
    var due = it.ph === "always" ? it.value != null : problem(it);
    row.classList.toggle("is-due", due && !shot[it.id]);
    row.classList.toggle("is-done", !!shot[it.id]);
  }

  // The chip of the section in view is marked, and scrolled into the chip row.
  if (window.IntersectionObserver) {
    var chip = null;
    var seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) {
        if (!e.isIntersecting) return;
        if (chip) chip.removeAttribute("aria-current");
        chip = $('.secnav a[data-section="' + e.target.getAttribute("data-section") + '"]');
        var row = $(".secnav ol");
        if (!chip) return (row.scrollLeft = 0);
        chip.setAttribute("aria-current", "true");
        if (row.scrollWidth > row.clientWidth) row.scrollLeft = chip.offsetLeft - 16;
      });
    }, { rootMargin: "-35% 0px -60% 0px" });
    $$(".fsec, #good-points").forEach(function (s) { seen.observe(s); });
  }

  // -- good points

  var good = $("#good-text");
  var saveGood = debounce(function () {
    var text = good.value;
    boot.then(function () {
      Q.mirror("good", { text: text, at: new Date().toISOString() });
      Q.add({ type: "good", key: "good", coalesce: true, payload: { good_points: text } });
    });
  }, 1000);
  good.addEventListener("input", function () { busy(); saveGood(); });
  good.addEventListener("blur", saveGood.now);

  // Whatever was typed in the last second is written down before the page goes away.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      saveGood.now();
      for (var k in typing) typing[k].now();
    } else if (Q) Q.online();
  });

  // -- findings

  var goodVersion = D.version; // the inspection's version the good points were last saved at
  var F = {}; // ref (client id, or "id" + server id) → { server: the API's finding JSON or null }
  var forder = [];
  var urls = {}; // photo client id → object URL of the queued photo
  var progress = {}; // photo client id → 0…1 while uploading

  function refOf(f) { return f.client_id || "id" + f.id; }
  function finding(ref) {
    if (!F[ref]) { F[ref] = { server: null }; forder.push(ref); }
    return F[ref];
  }
  function entriesOf(ref) { return Q ? Q.mine().filter(function (e) { return e.ref === ref; }) : []; }
  function idOf(ref) { return F[ref] && F[ref].server && F[ref].server.id; }

  // What the user sees: the server's finding with the unsent changes on top.
  function view(ref) {
    var s = F[ref].server;
    var v = { pending: !s };
    if (s) FIELDS.concat("item_id").forEach(function (k) { v[k] = s[k]; });
    entriesOf(ref).forEach(function (e) {
      if (e.type !== "fcreate" && (e.type !== "fupdate" || e.status !== "pending")) return;
      for (var k in e.payload) if (k !== "client_id") v[k] = e.payload[k];
      v.pending = true;
    });
    return v;
  }

  function photosOf(ref) {
    var gone = {};
    var queued = [];
    entriesOf(ref).forEach(function (e) {
      if (e.type === "pdelete") gone[e.photo] = 1;
      if (e.type === "photo") queued.push({ entry: e });
    });
    var s = F[ref].server;
    return ((s && s.photos) || []).filter(function (p) { return !gone[p.id]; })
      .map(function (p) { return { server: p }; }).concat(queued);
  }

  function setServer(ref, json) {
    finding(ref).server = json;
    Q.mirror("f:" + ref, { json: json, at: new Date().toISOString() });
    renderFindings();
    if (going && json.id && json.item_id === going.item) going.go(json.id);
  }

  var fform = $("#fd-form");
  function labels(sel) {
    var out = {};
    $$(sel, fform).forEach(function (el) { out[el.value] = (el.tagName === "OPTION" ? el : el.nextElementSibling).textContent; });
    return out;
  }
  var SOURCE = labels("[name=source]");
  var GRADE = labels("[name=grade]");
  var AREA = labels("#fd-area option");

  function riskBadge(l, s, bare) {
    if (!l || !s) return null; // not rated yet (a photo-first finding before the server's answer)
    var score = l * s;
    var level = "critical";
    D.risk_bands.some(function (b) { return score <= b[0] && (level = b[1]); });
    var tone = { low: "ok", medium: "warn" }[level] || "danger";
    var icon = { low: "●", medium: "▲", high: "⚠", critical: "‼" }[level];
    return h("span", { class: "badge badge-" + tone, "data-level": level }, h("span", { "aria-hidden": "true", text: icon }),
      " " + D.risk_labels[level] + (bare ? "" : " · " + score));
  }
  function itemLabel(id) {
    return items[id] ? $("h3", items[id].el).textContent : id;
  }

  // A preview the browser cannot draw (HEIC outside Safari) says so instead of a broken image.
  function preview(src) {
    var img = h("img", { src: src, alt: "", width: 160, height: 120 });
    img.addEventListener("error", function () { img.replaceWith(h("span", { class: "hint", text: T.no_preview })); });
    return img;
  }

  function photoTile(p, inDialog) {
    var li = h("li");
    if (p.server) {
      li.appendChild(h("img", { src: p.server.thumb_url, alt: "", loading: "lazy", width: 160, height: 120 }));
      if (inDialog) li.appendChild(h("button", { type: "button", "data-drop": p.server.id, text: T.remove }));
      return li;
    }
    var e = p.entry;
    var share = progress[e.cid];
    li.setAttribute("data-photo", e.cid);
    if (urls[e.cid]) li.appendChild(preview(urls[e.cid]));
    if (e.status !== "pending") {
      li.appendChild(h("span", { class: "error", text: T.upload_failed + (e.error && e.error.message ? ": " + e.error.message : "") }));
      li.appendChild(h("button", { type: "button", "data-retry": e.seq, text: T.retry }));
    } else if (share != null) {
      li.appendChild(h("progress", { max: 100, value: Math.round(share * 100) }));
      li.appendChild(h("span", { text: T.uploading + " " + Math.round(share * 100) + "%" }));
    } else {
      li.appendChild(h("span", { text: idOf(e.ref) ? T.waiting : T.waiting_finding }));
    }
    if (inDialog) li.appendChild(h("button", { type: "button", "data-unqueue": e.seq, text: T.remove }));
    return li;
  }

  function renderFindings() {
    var list = $("#findings-list");
    var byItem = {};
    list.textContent = "";
    var shown = forder.filter(function (ref) { return F[ref].server || entriesOf(ref).length; });
    shot = {};
    shown.forEach(function (ref) {
      var v = view(ref);
      var photos = photosOf(ref);
      var card = list.appendChild(h("article", { class: "fcard" + (v.pending ? " is-pending" : ""), id: "finding-" + ref },
        h("h3", { text: v.title }),
        h("p", { class: "badges" },
          riskBadge(v.likelihood, v.severity),
          v.grade === "major" && h("span", { class: "badge badge-danger", text: T.major }),
          v.fixed_on_spot && h("span", { class: "badge badge-ok", text: "✓ " + T.fixed }),
          v.pending && h("span", { class: "badge badge-warn", text: "⇡ " + T.not_sent })),
        h("p", { class: "hint", text: [v.item_id ? itemLabel(v.item_id) : T.free, AREA[v.area || ""], SOURCE[v.source], v.location].filter(Boolean).join(" · ") }),
        v.description && h("p", { text: v.description }),
        photos.length && h("ul", { class: "ph-list" })));
      photos.forEach(function (p) { $(".ph-list", card).appendChild(photoTile(p)); });
      card.appendChild(h("button", { type: "button", class: "btn btn-secondary", "data-edit": ref, text: T.edit }));
      if (v.item_id) (byItem[v.item_id] = byItem[v.item_id] || []).push([ref, v]);
      if (v.item_id && photos.length) shot[v.item_id] = true;
    });
    $("#findings-empty").hidden = shown.length > 0;
    $("#findings-count").textContent = shown.length;
    order.forEach(function (id) {
      var el = items[id].el;
      var box = $(".item-f", el);
      if (box) box.remove();
      el.classList.toggle("is-open", !!byItem[id]);
      if (!byItem[id]) return;
      box = el.appendChild(h("p", { class: "item-f" }, h("span", { class: "muted", text: T.findings_of_item })));
      byItem[id].forEach(function (pair) {
        var badge = riskBadge(pair[1].likelihood, pair[1].severity, true);
        box.appendChild(h("a", { href: "#finding-" + pair[0] }, pair[1].title, badge && " · " + badge.textContent.slice(2)));
      });
    });
    order.forEach(function (id) { markPhoto(items[id]); });
    if (editing) renderPicks();
  }

  // "Try again" on a refused change (a photo, or in the list of changes needing attention).
  function retry(b) {
    var e = Q.find(b.getAttribute("data-retry"));
    if (e) { e.status = "pending"; e.error = null; Q.save(e).then(function () { Q.flush(true); }); }
  }

  $("#findings-list").addEventListener("click", function (ev) {
    var b = ev.target.closest("button");
    if (b && b.hasAttribute("data-edit")) openFinding(b.getAttribute("data-edit"));
    else if (b) retry(b);
  });

  // -- the finding dialog

  var dlg = $("#finding-dialog");
  var editing = null;

  function openFinding(ref, preset) {
    // Issue 17: a new finding's source, grade and risk start unset (the inspector chooses
    // them), or at the item's floor; its title is the item's question.
    var v = ref ? view(ref) : presetFinding(preset.item_id && items[preset.item_id]);
    editing = { ref: ref, item_id: v.item_id || null, base: v, picks: [], removals: [] };
    $("#fd-title").textContent = ref ? T.edit_finding : T.new_finding;
    $("#fd-item").textContent = v.item_id ? fmt(T.for_item, { n: itemLabel(v.item_id) }) : T.free;
    showReferences(v.item_id && items[v.item_id]);
    var el = fform.elements;
    ["title", "description", "location", "area"].forEach(function (k) { el[k].value = v[k] || ""; });
    $$("[type=radio]", fform).forEach(function (i) { i.checked = String(v[i.name]) === i.value; });
    el.fixed_on_spot.checked = !!v.fixed_on_spot;
    $$("#fd-form .error").forEach(function (p) { p.hidden = true; });
    showRisk();
    renderPicks();
    modal(dlg, true);
    if (!ref) el.title.focus();
  }

  // A new finding on an item (or none): its title, hazard area and, where the checklist sets
  // one, its grade and risk floor (issue 14: data-grade/l/s on decisive items).
  function presetFinding(it) {
    var v = {
      title: it ? itemTitle(it) : "", description: "", location: "", area: it ? areaOf(it) : null,
      source: null, grade: null, likelihood: null, severity: null, fixed_on_spot: false, item_id: it ? it.id : null,
    };
    if (it && it.el.hasAttribute("data-grade")) {
      v.grade = it.el.getAttribute("data-grade");
      v.likelihood = Number(it.el.getAttribute("data-l"));
      v.severity = Number(it.el.getAttribute("data-s"));
    }
    return v;
  }
  // The item's legal basis in the dialog, read-only (issue 14): a sub-item's own references,
  // else those of its item (the heading before its cards).
  function showReferences(item) {
    var list = $("#fd-refs ul");
    var card = item && item.el;
    if (card && !$(".refs", card)) while (card && card.classList.contains("sub")) card = card.previousElementSibling;
    list.textContent = "";
    (card ? $$(".refs li", card) : []).forEach(function (entry) { list.appendChild(h("li", { text: entry.textContent })); });
    list.parentNode.hidden = !list.firstChild;
  }
  function itemTitle(it) {
    var head = $("h3", it.el).cloneNode(true);
    var num = $("b", head);
    if (num) num.remove();
    return head.textContent.replace(/\s+/g, " ").trim().slice(0, 200);
  }
  function areaOf(it) { return it.el.getAttribute("data-area") || it.el.parentNode.getAttribute("data-area"); }

  function closeFinding() {
    if (editing) editing.picks.forEach(function (p) { if (p.url) URL.revokeObjectURL(p.url); });
    editing = null;
    modal(dlg, false);
  }

  function readFinding() {
    var el = fform.elements;
    var pick = function (name) { var c = $("[name=" + name + "]:checked", fform); return c && c.value; };
    return {
      title: el.title.value.trim(),
      description: el.description.value.trim(),
      location: el.location.value.trim(),
      area: el.area.value || null,
      source: pick("source"),
      grade: pick("grade"),
      likelihood: pick("likelihood") && Number(pick("likelihood")),
      severity: pick("severity") && Number(pick("severity")),
      fixed_on_spot: el.fixed_on_spot.checked,
    };
  }

  function showRisk() {
    var v = readFinding();
    var line = $("#fd-risk");
    if (!v.likelihood || !v.severity) return (line.textContent = T.rate_first);
    line.textContent = fmt(T.risk, { l: v.likelihood, s: v.severity, score: v.likelihood * v.severity }) + " ";
    line.appendChild(riskBadge(v.likelihood, v.severity, true));
  }
  fform.addEventListener("change", function (ev) { if (/likelihood|severity/.test(ev.target.name)) showRisk(); });

  function renderPicks() {
    var ul = $("#fd-photos");
    ul.textContent = "";
    if (!editing) return;
    if (editing.ref) {
      photosOf(editing.ref).forEach(function (p) {
        if (!p.server || editing.removals.indexOf(p.server.id) < 0) ul.appendChild(photoTile(p, true));
      });
    }
    editing.picks.forEach(function (p, i) {
      ul.appendChild(h("li", {}, p.url ? preview(p.url) : h("span", { text: T.shrinking }),
        h("button", { type: "button", "data-pick": i, text: T.remove })));
    });
  }

  $("#fd-photos").addEventListener("click", function (ev) {
    var b = ev.target.closest("button");
    if (!b || !editing) return;
    var unqueue = Q.find(b.getAttribute("data-unqueue"));
    if (b.hasAttribute("data-pick")) {
      var p = editing.picks.splice(b.getAttribute("data-pick"), 1)[0];
      if (p.url) URL.revokeObjectURL(p.url);
    } else if (b.hasAttribute("data-drop")) {
      editing.removals.push(Number(b.getAttribute("data-drop")));
    } else if (unqueue) {
      if (!Q.inflight[unqueue.seq] && confirm(T.confirm_discard)) Q.remove(unqueue);
    } else retry(b);
    renderPicks();
  });

  // Large photos are shrunk on the device (long side ≤ 2560 px, JPEG 0.85) so that a 3G link
  // copes. When the browser cannot decode one (HEIC outside Safari) the original goes as it is:
  // the server decodes it.
  function shrink(file) {
    if (!window.createImageBitmap) return Promise.resolve(file);
    return createImageBitmap(file, { imageOrientation: "from-image" })
      .catch(function () { return createImageBitmap(file); })
      .then(function (bitmap) {
        var scale = Math.min(1, 2560 / Math.max(bitmap.width, bitmap.height));
        if (scale === 1 && file.type === "image/jpeg") return file;
        var canvas = h("canvas", { width: Math.round(bitmap.width * scale), height: Math.round(bitmap.height * scale) });
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        if (bitmap.close) bitmap.close();
        return new Promise(function (resolve) {
          canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", 0.85);
        });
      })
      .catch(function () { return file; });
  }

  function picked(ev) {
    var job = editing;
    Array.prototype.forEach.call(ev.target.files, function (file) {
      var p = { cid: OQ.uuid() };
      job.picks.push(p);
      p.ready = shrink(file).then(function (blob) {
        p.blob = blob;
        p.url = URL.createObjectURL(blob);
        renderPicks();
      });
    });
    ev.target.value = "";
    renderPicks();
  }
  $("#add-free").addEventListener("click", function () { openFinding(null, {}); });
  $("#fd-camera").addEventListener("change", picked);
  $("#fd-gallery").addEventListener("change", picked);
  $("#fd-cancel").addEventListener("click", closeFinding);
  dlg.addEventListener("cancel", function () { closeFinding(); });

  fform.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var values = readFinding();
    var missing = ["title", "grade", "likelihood", "severity"].filter(function (k) { return !values[k]; });
    $$("#fd-form .error[data-for]").forEach(function (p) { p.hidden = missing.indexOf(p.getAttribute("data-for")) < 0; });
    // Text over its limit is refused here as the server would refuse it, never cut.
    $$("#fd-form .error[data-long]").forEach(function (p) { p.parentNode.removeChild(p); });
    var long = Object.keys(D.limits).filter(function (k) { return typeof values[k] === "string" && Array.from(values[k]).length > D.limits[k]; });
    long.forEach(function (k) {
      fform.elements[k].parentNode.appendChild(h("p", { class: "error", "data-long": k, role: "alert", text: fmt(T.too_long, { n: D.limits[k] }) }));
    });
    missing = missing.concat(long);
    if (missing.length) {
      var first = fform.elements[missing[0]];
      return (first.length ? first[0] : first).focus();
    }
    busy();
    var job = editing;
    var photos = job.picks;
    job.picks = []; // their object URLs live on as the queued photos' previews
    closeFinding();
    queueFinding(job, values, photos);
  });

  // The camera button of an item: its photo goes to the item's finding in this inspection, or
  // to a new one pre-filled from the item (editable later) — no dialog on the way.
  function quickPhoto(it, input) {
    var files = Array.prototype.slice.call(input.files || []);
    input.value = "";
    if (!it || !files.length) return;
    busy();
    var photos = files.map(function (file) {
      var p = { cid: OQ.uuid() };
      p.ready = shrink(file).then(function (blob) { p.blob = blob; p.url = URL.createObjectURL(blob); });
      return p;
    });
    var ref = itemRef(it.id);
    if (ref) return queueFinding({ ref: ref, base: view(ref), removals: [] }, null, photos);
    var values = presetFinding(it);
    delete values.item_id;
    queueFinding({ ref: null, item_id: it.id }, values, photos);
  }

  function itemRef(id) {
    return forder.filter(function (r) { return (F[r].server || entriesOf(r).length) && view(r).item_id === id; })[0];
  }

  // Issue 17: good practice beside a problem answer. Its script (good-practice.js, lighter
  // page) comes with the first one; it asks here for the item's finding to raise an action
  // on: its id now, or once sent (made from the item first if there is none).
  var gp, going;
  function practice(it) {
    var on = problem(it);
    if (!gp && !on) return;
    gp = gp || new Promise(function (ok) {
      var s = document.head.appendChild(h("script", { src: $("script[src*=inspection-form]").src.replace("inspection-form", "good-practice") }));
      s.onload = ok;
      s.onerror = function () { gp = null; };
    });
    gp.then(function () { window.GoodPractice(it, on, D.urls.page, actOn); });
  }
  function actOn(id, go) {
    var ref = itemRef(id);
    if (ref && idOf(ref)) return go(idOf(ref));
    going = { item: id, go: go };
    if (ref) return Q.flush(true);
    var v = presetFinding(items[id]);
    delete v.item_id;
    busy();
    queueFinding({ ref: null, item_id: id }, v, []);
  }

  // Queue a new finding (or the changes to one) and its photos; `values` null: photos only.
  function queueFinding(job, values, photos) {
    Promise.all([boot].concat(photos.map(function (p) { return p.ready; }))).then(function () {
      var ref = job.ref;
      var step = Promise.resolve();
      if (!ref) {
        ref = OQ.uuid();
        finding(ref);
        var payload = { client_id: ref, item_id: job.item_id };
        for (var k in values) if (values[k] != null) payload[k] = values[k]; // unset: the server's default or the item's floor
        step = Q.add({ type: "fcreate", key: "f:" + ref, ref: ref, payload: payload });
      } else {
        var changed = {};
        if (values) FIELDS.forEach(function (k) { if (!same(values[k], job.base[k] == null ? null : job.base[k])) changed[k] = values[k]; });
        if (Object.keys(changed).length) step = queueUpdate(ref, changed);
        job.removals.forEach(function (id) {
          step = step.then(function () { return Q.add({ type: "pdelete", key: "d:" + id, ref: ref, photo: id }); });
        });
      }
      photos.forEach(function (p) {
        step = step.then(function () { return Q.putBlob(p.cid, p.blob); }).then(function () {
          urls[p.cid] = p.url;
          return Q.add({ type: "photo", lane: "photo", key: "p:" + p.cid, ref: ref, cid: p.cid, blob: p.cid, kind: "before" });
        });
      });
      return step.then(function () { Q.changed(); }, Q.onError);
    });
  }

  // A change to a finding is merged into an unsent change when there is one; otherwise it is
  // sent with the version it was based on — or, after earlier changes of ours, the latest.
  function queueUpdate(ref, changed) {
    var earlier = entriesOf(ref).filter(function (e) { return /^f(create|update)$/.test(e.type); });
    var last = earlier[earlier.length - 1];
    if (last && last.status === "pending" && Q.isIdle(last)) {
      Object.assign(last.payload, changed);
      return Q.save(last).then(function () { Q.kick(); });
    }
    var version = earlier.length || !idOf(ref) ? null : F[ref].server.version;
    return Q.add({ type: "fupdate", key: "f:" + ref, ref: ref, payload: changed, version: version });
  }

  // -- sending

  function ready(e) { return !/^(fupdate|photo)$/.test(e.type) || !!idOf(e.ref); }

  function withPhotos(ref, fn) {
    var json = Object.assign({}, F[ref].server);
    json.photos = fn(json.photos || []);
    setServer(ref, json);
  }

  function send(e) {
    var url = D.urls.finding + idOf(e.ref);
    if (e.type === "answer") {
      // sent_at: this device's clock now, so that the server can put answered_at (this
      // device's clock too) on its own clock — a slow or fast clock does not decide who wins.
      var body = Object.assign({}, e.payload, { sent_at: new Date().toISOString() });
      return Q.request("PUT", D.urls.answers + encodeURIComponent(e.item), body).then(function (o) {
        if (o.kind !== "ok") return o;
        if (o.body.scores && o.body.scores.verdict) { serverVerdict = o.body.scores.verdict.result; showVerdict(); }
        Q.mine().forEach(function (x) { // refused earlier answers to this item are moot now
          if (x.item === e.item && x.status !== "pending" && x.seq < e.seq) Q.remove(x);
        });
        var it = items[e.item];
        var mine = Date.parse(e.payload.answered_at);
        // Someone else's answer stands when the server kept another value (times are not
        // compared: the reply's is on the server's clock, ours on this device's).
        var other = !same(o.body.value, e.payload.value) || (o.body.note || "") !== (e.payload.note || "");
        if (it && other && it.at <= mine) {
          it.value = o.body.value; it.note = o.body.note; it.at = mine;
          showValue(it);
          refresh();
          Q.mirror("a:" + it.id, { value: it.value, note: it.note, at: e.payload.answered_at });
        }
        return o;
      });
    }
    if (e.type === "good") {
      // Good points name the version they were edited from: a replayed older text never
      // overwrites a newer one silently.
      var goodBody = Object.assign({}, e.payload, { version: goodVersion });
      return Q.request("PATCH", D.urls.inspection, goodBody).then(function (o) {
        if (o.kind === "conflict" && o.current) {
          goodVersion = o.current.version;
          if (o.current.good_points === e.payload.good_points) o = { kind: "ok", body: o.current }; // ours, reply lost
          else o = { kind: "failed", status: 409, code: o.code, message: o.message + " — " + (o.current.good_points || "—") };
        }
        if (o.kind === "ok") {
          goodVersion = o.body.version;
          Q.mirror("good", { text: e.payload.good_points, at: e.at, version: o.body.version });
        }
        return o;
      });
    }
    if (e.type === "fcreate") {
      return Q.request("POST", D.urls.findings, e.payload).then(function (o) {
        if (o.kind === "ok") setServer(e.ref, o.body);
        return o;
      });
    }
    if (e.type === "fupdate") {
      var body = Object.assign({}, e.payload, { version: e.version != null ? e.version : F[e.ref].server.version });
      return Q.request("PATCH", url, body).then(function (o) {
        if (o.kind === "conflict" && o.current) {
          setServer(e.ref, o.current); // what the server has is now the base we know
          var arrived = Object.keys(e.payload).every(function (k) { return same(e.payload[k], o.current[k]); });
          if (arrived) o = { kind: "ok", body: o.current }; // a retry of ours whose answer was lost
          else setTimeout(function () { resolveConflict(e); });
        }
        if (o.kind === "ok") setServer(e.ref, o.body);
        return o;
      });
    }
    if (e.type === "photo") {
      return Q.getBlob(e.blob).then(function (blob) {
        if (!blob) return { kind: "failed", status: 0, message: "" };
        var form = new FormData();
        form.append("photo", blob, "photo.jpg");
        form.append("kind", e.kind);
        form.append("client_id", e.cid);
        progress[e.cid] = 0;
        renderFindings();
        return Q.upload(url + "/photos", form, function (share) {
          progress[e.cid] = share;
          $$('[data-photo="' + e.cid + '"]').forEach(function (li) {
            var bar = $("progress", li);
            if (bar) { bar.value = Math.round(share * 100); bar.nextSibling.textContent = T.uploading + " " + bar.value + "%"; }
          });
        });
      }).then(function (o) {
        delete progress[e.cid];
        if (o.kind === "ok") {
          withPhotos(e.ref, function (list) { return list.filter(function (p) { return p.id !== o.body.id; }).concat(o.body); });
        }
        return o;
      });
    }
    return Q.request("DELETE", D.urls.photo + e.photo).then(function (o) { // pdelete
      if (o.status === 404) o = { kind: "ok" }; // already gone
      if (o.kind === "ok" && idOf(e.ref)) withPhotos(e.ref, function (list) { return list.filter(function (p) { return p.id !== e.photo; }); });
      return o;
    });
  }

  // -- the save state

  var stateEl = $("#save-state");
  var sendNow = $("#send-now");
  var alertEl = $("#save-alert");
  var hadUnsent = false;

  // A change not yet in the queue already means "Saving…", never "Saved".
  function busy() {
    if (stateEl.getAttribute("data-state") !== "saved") return;
    stateEl.setAttribute("data-state", "saving");
    $(".save-icon", stateEl).textContent = "↻";
    $(".save-text", stateEl).textContent = T.saving;
  }

  function showStatus(s) {
    var n = { n: s.pending + s.failed + s.conflict };
    var state = s.mode === "submitted" ? "submitted" : s.mode === "auth" ? "auth" : !n.n ? "saved"
      : s.mode === "offline" || (navigator.onLine === false && s.pending) ? "offline"
        : s.mode === "unreachable" ? "unreachable" : s.pending > s.blocked ? "saving" : "attention";
    var text = fmt(T[state === "submitted" ? "submitted_short" : state], state === "attention" ? { n: s.failed + s.conflict || s.pending } : n);
    if (stateEl.getAttribute("data-state") !== state || $(".save-text", stateEl).textContent !== text) {
      stateEl.setAttribute("data-state", state);
      $(".save-icon", stateEl).textContent = { saved: "✓", saving: "↻", submitted: "✕" }[state] || "⚠";
      $(".save-text", stateEl).textContent = text;
    }
    sendNow.hidden = !(s.pending > s.blocked && state !== "saving" && state !== "submitted");
    alertEl.textContent = state === "auth" ? text + ". " : state === "submitted" ? fmt(T.submitted, n) : alertEl.getAttribute("data-storage") || "";
    if (state === "auth") alertEl.appendChild(h("a", { href: D.urls.login, target: "_blank", rel: "noopener", text: T.sign_in }));
    alertEl.hidden = !alertEl.textContent;
    renderAttention();
    if (!n.n && hadUnsent && navigator.onLine !== false) keepPage();
    hadUnsent = n.n > 0;
  }

  sendNow.addEventListener("click", function () { Q.flush(true); });
  window.addEventListener("online", function () { if (Q) Q.online(); });
  window.addEventListener("offline", function () { if (Q) Q.changed(); });
  window.addEventListener("focus", function () { if (Q && Q.mode === "auth") Q.checkAuth(); });

  // -- refused changes

  function describe(e) {
    var title = { t: e.ref && F[e.ref] ? view(e.ref).title : "" };
    // A change made elsewhere (starting an inspection offline) carries its own label.
    return e.label || (e.type === "answer" ? fmt(T.answer_of, { n: numberOf(e.item) }) : e.type === "good" ? T.good_points
      : e.type === "fcreate" ? fmt(T.finding_new, title) : e.type === "fupdate" ? fmt(T.finding_edit, title)
        : e.type === "photo" ? fmt(T.photo_for, title) : T.photo_delete);
  }

  // What the server refused, field by field ("Note: At most 2000 characters."), for the user to fix.
  function problems(fields) {
    var names = Object.keys(fields || {}).filter(function (k) { return typeof fields[k] === "string"; });
    if (!names.length) return "";
    var list = h("ul", { class: "problems" });
    names.forEach(function (k) {
      list.appendChild(h("li", { "data-field": k, text: (T.field[k] || k) + ": " + fields[k] }));
    });
    return list;
  }

  function renderAttention() {
    var list = $("#attention-list");
    var bad = Q.mine().filter(function (e) { return e.status !== "pending" || Q.mode === "submitted"; });
    $("#attention").hidden = !bad.length;
    list.textContent = "";
    bad.forEach(function (e) {
      var conflict = e.status === "conflict";
      list.appendChild(h("li", {},
        h("p", {}, h("b", { text: describe(e) }), " — " + (conflict ? T.conflict : e.error ? e.error.message : T.not_sent)),
        !conflict && e.error && problems(e.error.fields),
        conflict ? h("button", { type: "button", class: "btn btn-primary", "data-resolve": e.seq, text: T.resolve })
          : h("button", { type: "button", class: "btn btn-secondary", "data-retry": e.seq, text: T.retry }),
        h("button", { type: "button", class: "btn btn-danger", "data-discard": e.seq, text: T.discard })));
    });
  }

  $("#attention-list").addEventListener("click", function (ev) {
    var b = ev.target.closest("button");
    var e = b && Q.find(b.getAttribute("data-resolve") || b.getAttribute("data-discard") || b.getAttribute("data-retry"));
    if (!e) return;
    if (b.hasAttribute("data-resolve")) return resolveConflict(e);
    if (b.hasAttribute("data-retry")) return retry(b);
    if (!confirm(T.confirm_discard)) return;
    // A finding that never reached the server takes its queued photos and changes with it.
    var drop = e.type === "fcreate" ? entriesOf(e.ref).filter(function (x) { return !Q.inflight[x.seq]; }) : [e];
    drop.forEach(function (x) { Q.remove(x); });
  });

  // -- conflicts: both versions

  var cdlg = $("#conflict-dialog");
  var resolving = null;

  function shown(k, v) {
    return k === "source" ? SOURCE[v] : k === "grade" ? GRADE[v] : k === "area" ? AREA[v || ""]
      : k === "fixed_on_spot" ? (v ? T.yes : T.no) : v == null || v === "" ? "—" : String(v);
  }

  function resolveConflict(e) {
    var current = e.error && e.error.current;
    if (resolving || dlg.open || !current) return;
    resolving = e;
    var rows = $("#cd-rows");
    rows.textContent = "";
    Object.keys(e.payload).forEach(function (k) {
      if (same(e.payload[k], current[k])) return;
      var cell = function (which, v) {
        return h("td", {}, h("label", {}, h("input", { type: "radio", name: "cd-" + k, value: which, checked: which === "mine" }), h("span", { text: shown(k, v) })));
      };
      rows.appendChild(h("tr", {}, h("th", { scope: "row", text: T.field[k] || k }), cell("mine", e.payload[k]), cell("theirs", current[k])));
    });
    modal(cdlg, true);
  }

  function settleConflict(keepMine) {
    var e = resolving;
    var merged = {};
    if (keepMine) {
      Object.keys(e.payload).forEach(function (k) {
        var c = $("[name=cd-" + k + "]:checked", cdlg);
        if (c && c.value === "mine") merged[k] = e.payload[k];
      });
    }
    resolving = null;
    modal(cdlg, false);
    // Keeping any of mine: the page says "Saving" until the merged edit is sent, never "Saved" between.
    var keep = Object.keys(merged).length > 0;
    if (keep) busy();
    Q.remove(e, keep).then(function () { if (keep) queueUpdate(e.ref, merged); });
  }
  $("#cd-form").addEventListener("submit", function (ev) { ev.preventDefault(); settleConflict(true); });
  $("#cd-theirs").addEventListener("click", function () { settleConflict(false); });
  cdlg.addEventListener("cancel", function () { resolving = null; });

  // -- start: rebuild, then send

  function restore(m) {
    Object.keys(m).forEach(function (k) {
      var it = k.slice(0, 2) === "a:" && items[k.slice(2)];
      if (!it) return;
      var at = Date.parse(m[k].at);
      if (at > it.at) {
        it.value = m[k].value; it.note = m[k].note || ""; it.at = at;
        showValue(it);
      } else if (!Q.mine().some(function (e) { return e.key === k; })) Q.mirror(k, null); // nothing new
    });
    var goods = Q.mine().filter(function (e) { return e.type === "good"; });
    if (goods.length) good.value = goods.pop().payload.good_points;
    else if (m.good && m.good.version > D.version) good.value = m.good.text;
    if (m.good && m.good.version > goodVersion) goodVersion = m.good.version;

    D.findings.forEach(function (f) { finding(refOf(f)).server = f; });
    Object.keys(m).forEach(function (k) {
      if (k.slice(0, 2) !== "f:") return;
      var ref = k.slice(2);
      var page = F[ref] && F[ref].server;
      var json = m[k].json;
      var newer = json.version === page.version && Date.parse(m[k].at) > Date.parse(D.rendered_at);
      if (!page || json.version > page.version || newer) finding(ref).server = json;
      else Q.mirror(k, null);
    });
    return Promise.all(Q.mine().map(function (e) {
      if (e.type === "fcreate") finding(e.ref);
      return e.type === "photo" && Q.getBlob(e.blob).then(function (b) { if (b) urls[e.cid] = URL.createObjectURL(b); });
    }));
  }

  // The service worker keeps this page and its assets, for a reload without network.
  function keepPage() {
    if (!navigator.serviceWorker) return;
    navigator.serviceWorker.ready.then(function (reg) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (ev) { if (ev.data.ok) document.documentElement.setAttribute("data-offline-ready", "1"); };
      var assets = $$("script[src], link[rel=stylesheet], link[rel=icon]").map(function (el) { return el.src || el.href; });
      reg.active.postMessage({ type: "keep", url: D.urls.page, assets: assets }, [channel.port2]);
    });
  }

  refresh();
  boot.then(function (loaded) { return restore(loaded[1]); }).then(function () {
    refresh();
    Q.changed();
    Q.flush();
    var conflict = Q.mine().filter(function (e) { return e.status === "conflict"; })[0];
    if (conflict) resolveConflict(conflict);
    if (navigator.serviceWorker && navigator.onLine !== false) {
      navigator.serviceWorker.register(D.urls.sw, { scope: "/" }).then(keepPage, function () {});
    }
  });
})();
