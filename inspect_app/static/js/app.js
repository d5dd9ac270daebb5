// Small page helpers shared by every page (no inline scripts: the CSP forbids them).
(function () {
  "use strict";
  // Close the user menu when tapping elsewhere (tablets have no hover).
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.usermenu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  // A step that cannot be taken back (submit, verify) says what will happen and asks once more.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);
  // Folded filters open on screens wide enough to show them beside the list (a phone keeps
  // them behind their button, so its first screen shows the list).
  if (window.matchMedia && window.matchMedia("(min-width: 700px)").matches) {
    document.querySelectorAll("details[data-open-wide]").forEach(function (box) {
      box.setAttribute("open", "");
    });
  }
  // A filter that applies as soon as it is chosen (one tap on a tablet, no extra button).
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.requestSubmit();
    }
  });
})();
