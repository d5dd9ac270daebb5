// Before/after slider: the range input sets --split on the stage; CSS clips the before photo.
// Dragging on the photo itself (mouse, pen or finger) moves the split too.
(function () {
  "use strict";
  document.querySelectorAll("[data-compare]").forEach(function (root) {
    var slider = root.querySelector("[data-compare-slider]");
    var stage = root.querySelector("[data-compare-stage]");
    var range = root.querySelector("[data-compare-range]");
    if (!slider || !stage || !range) return;
    slider.hidden = false;

    function show(value) {
      var percent = Math.max(0, Math.min(100, Number(value)));
      stage.style.setProperty("--split", percent + "%");
      range.value = String(Math.round(percent));
      range.setAttribute("aria-valuetext", Math.round(percent) + "%");
    }

    function fromPointer(event) {
      var box = stage.getBoundingClientRect();
      show(((event.clientX - box.left) / box.width) * 100);
    }

    range.addEventListener("input", function () { show(range.value); });
    stage.addEventListener("pointerdown", function (event) {
      stage.setPointerCapture(event.pointerId);
      fromPointer(event);
    });
    stage.addEventListener("pointermove", function (event) {
      if (stage.hasPointerCapture(event.pointerId)) fromPointer(event);
    });
    show(range.value);
  });
})();
