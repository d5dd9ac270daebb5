// Small page helpers shared by every page (no inline scripts: the CSP forbids them).
(function () {
  "use strict";
  // Close the user menu when tapping elsewhere (tablets have no hover).
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.usermenu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
})();
