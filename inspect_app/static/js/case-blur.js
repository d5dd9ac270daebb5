// Blur tool on the case editing page: drag a rectangle on a photo (mouse, pen or finger),
// then send it, normalised to 0..1 of the displayed image, to the server, which blurs the
// case's own copy and answers with the new photo URLs. Repeat for more areas.
(function () {
  "use strict";
  var csrf = (document.querySelector("input[name=csrf_token]") || {}).value || "";

  document.querySelectorAll("[data-blur]").forEach(function (item) {
    var stage = item.querySelector("[data-blur-stage]");
    var img = item.querySelector("[data-blur-img]");
    var rect = item.querySelector("[data-blur-rect]");
    var apply = item.querySelector("[data-blur-apply]");
    var clear = item.querySelector("[data-blur-clear]");
    var status = item.querySelector("[data-blur-status]");
    var start = null;
    var region = null;

    function clamp(v) { return Math.max(0, Math.min(1, v)); }

    function point(event) {
      var box = img.getBoundingClientRect();
      return { x: clamp((event.clientX - box.left) / box.width), y: clamp((event.clientY - box.top) / box.height) };
    }

    function draw(r) {
      rect.hidden = !r;
      if (!r) return;
      rect.style.setProperty("--x", r.x * 100 + "%");
      rect.style.setProperty("--y", r.y * 100 + "%");
      rect.style.setProperty("--w", r.w * 100 + "%");
      rect.style.setProperty("--h", r.h * 100 + "%");
    }

    function setRegion(r) {
      region = r;
      draw(r);
      apply.disabled = !r;
      clear.disabled = !r;
    }

    stage.addEventListener("pointerdown", function (event) {
      if (item.classList.contains("is-busy")) return;
      event.preventDefault();
      stage.setPointerCapture(event.pointerId);
      start = point(event);
      setRegion(null);
    });
    stage.addEventListener("pointermove", function (event) {
      if (!start || !stage.hasPointerCapture(event.pointerId)) return;
      var p = point(event);
      draw({ x: Math.min(start.x, p.x), y: Math.min(start.y, p.y), w: Math.abs(p.x - start.x), h: Math.abs(p.y - start.y) });
    });
    function finish(event) {
      if (!start) return;
      var p = point(event);
      var r = { x: Math.min(start.x, p.x), y: Math.min(start.y, p.y), w: Math.abs(p.x - start.x), h: Math.abs(p.y - start.y) };
      start = null;
      setRegion(r.w > 0.01 && r.h > 0.01 ? r : null);
    }
    stage.addEventListener("pointerup", finish);
    stage.addEventListener("pointercancel", function () { start = null; setRegion(null); });

    clear.addEventListener("click", function () { setRegion(null); status.textContent = ""; });

    apply.addEventListener("click", function () {
      if (!region) return;
      item.classList.add("is-busy");
      apply.disabled = true;
      status.classList.remove("is-error");
      status.textContent = "…";
      fetch(item.dataset.blurUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify(region)
      }).then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error((body.error && body.error.message) || item.dataset.error);
          return body;
        });
      }).then(function (body) {
        img.src = body.photo.url;
        setRegion(null);
        status.textContent = "✓";
      }).catch(function (error) {
        status.classList.add("is-error");
        status.textContent = error && error.message ? error.message : item.dataset.error;
        apply.disabled = false;
      }).finally(function () {
        item.classList.remove("is-busy");
      });
    });
  });
})();
