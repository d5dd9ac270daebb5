// The case library: count the chosen cases and enable "Present" / "Handout" once one is chosen.
(function () {
  "use strict";
  var form = document.querySelector("[data-case-chooser]");
  if (!form) return;
  var counter = form.querySelector("[data-chosen-count]");
  var buttons = form.querySelectorAll("[data-needs-choice]");
  var picks = document.querySelectorAll("[data-case-pick]");

  function update() {
    var n = 0;
    picks.forEach(function (box) { if (box.checked) n += 1; });
    buttons.forEach(function (button) { button.disabled = n === 0; });
    if (!counter) return;
    if (n === 0) counter.textContent = counter.dataset.none;
    else if (n === 1) counter.textContent = counter.dataset.one;
    else counter.textContent = counter.dataset.many.replace("{n}", String(n));
  }

  picks.forEach(function (box) { box.addEventListener("change", update); });
  update();
})();
