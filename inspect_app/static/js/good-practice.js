// Good practice at hand (issue 17), loaded by the tablet form with the first problem answer
// (the form's page stays light): beside the answer, up to three published cases about the same
// checklist item or hazard area, cheapest first, with their before and after thumbnails. The
// service worker keeps what was fetched (suggestions and thumbnails), so that what was seen
// once shows again without network. One tap opens a new action on the item's finding with the
// case's idea as its description (the finding is made from the item first when there is none).
(function () {
  "use strict";

  var me = document.currentScript;
  var css = me && me.src.replace("/js/good-practice.js", "/css/good-practice.css");
  if (css && !document.querySelector('link[href="' + css + '"]')) {
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = css;
    document.head.appendChild(link);
  }

  var seen = {}; // item id → the server's answer, once fetched
  function h(tag, props) {
    var el = document.createElement(tag);
    for (var k in props || {}) {
      if (k === "text") el.textContent = props[k];
      else if (props[k] != null) el.setAttribute(k, props[k]);
    }
    for (var i = 2; i < arguments.length; i++) if (arguments[i]) el.appendChild(arguments[i]);
    return el;
  }

  function load(page, id) {
    if (seen[id]) return Promise.resolve(seen[id]);
    return fetch(page + "/practice/" + encodeURIComponent(id), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok || r.redirected) throw new Error(String(r.status));
        return r.json();
      }).then(function (data) { return (seen[id] = data); });
  }

  // `it`: the form's item ({id, el}); `on`: whether its answer is a problem now.
  window.GoodPractice = function (it, on, page, actOn) {
    var box = it.el.querySelector(".gp");
    if (box) box.remove();
    if (!on) return;
    box = h("section", { class: "gp", "aria-busy": "true" });
    var anchor = it.el.querySelector(".ph-row") || it.el.querySelector(".ans");
    anchor.parentNode.insertBefore(box, anchor.nextSibling);
    load(page, it.id).then(function (data) {
      if (!box.parentNode) return; // answered otherwise meanwhile
      if (!data.cases.length) return box.remove();
      show(box, data, function (c, button) {
        button.disabled = true;
        button.textContent = data.t.wait;
        actOn(it.id, function (findingId) {
          location.assign(data.new_action.replace("{f}", findingId) + "?description=" + encodeURIComponent(c.idea.slice(0, 2000)));
        });
      });
    }, function () { box.remove(); }); // not seen before and no network: nothing to show
  };

  function show(box, data, use) {
    var t = data.t;
    box.removeAttribute("aria-busy");
    box.setAttribute("aria-label", t.title);
    box.appendChild(h("h4", {}, h("span", { "aria-hidden": "true", text: "★ " }), document.createTextNode(t.title)));
    var list = box.appendChild(h("ul", { class: "gp-list" }));
    data.cases.forEach(function (c) {
      var thumb = function (src, label) {
        return src && h("figure", {}, h("img", { src: src, alt: label + " · " + c.title, width: 160, height: 120 }), h("figcaption", { text: label }));
      };
      var meta = [c.same_item ? t.same_item : t.same_area, c.sector, c.city, c.cost && t.cost.replace("{c}", c.cost)];
      var button = h("button", { type: "button", class: "btn btn-secondary gp-use", text: t.use });
      button.addEventListener("click", function () { use(c, button); });
      list.appendChild(h("li", { "data-case": c.id },
        h("div", { class: "gp-ph" }, thumb(c.before, t.before), thumb(c.after, t.after)),
        h("div", { class: "gp-txt" },
          h("b", { text: c.title }),
          h("p", { class: "gp-idea", text: c.idea }),
          h("p", { class: "hint", text: meta.filter(Boolean).join(" · ") }),
          button)));
    });
  }
})();
