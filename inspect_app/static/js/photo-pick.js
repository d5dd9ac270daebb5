// Photo fields on the action page: two big buttons (camera, or the photos already on the
// device) instead of the browser's small file input, and a preview of the chosen photo before
// it is uploaded. Without this script the plain file input still works.
(function () {
  "use strict";
  document.querySelectorAll("[data-photo-pick]").forEach(function (box) {
    var input = box.querySelector("input[type=file]");
    var preview = box.querySelector(".pick-preview");
    var name = box.querySelector(".pick-name");
    box.classList.add("enhanced");
    box.querySelectorAll("[data-pick]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        if (button.getAttribute("data-pick") === "camera") input.setAttribute("capture", "environment");
        else input.removeAttribute("capture");
        input.click();
      });
    });
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (preview.src) URL.revokeObjectURL(preview.src);
      preview.hidden = !file;
      if (file) preview.src = URL.createObjectURL(file);
      else preview.removeAttribute("src");
      name.textContent = file ? file.name : "";
    });
  });
})();
