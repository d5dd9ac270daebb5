// The report's PDF buttons: ask the API for the PDF, show how far its making got, and put the
// link in place when it is ready, without a reload. A submitted inspection's PDFs are kept, so
// they are usually ready at once. Without this script the buttons are plain links to
// report.pdf, which waits for the PDF (or shows a page that reloads until it is there).
(function () {
  "use strict";
  var box = document.getElementById("pdf-status");
  var buttons = document.querySelectorAll("a[data-report-pdf]");
  if (!box || !buttons.length || !window.fetch) return;
  var token = null;

  function csrf() {
    if (token) return Promise.resolve(token);
    return fetch("/api/v1/csrf-token", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) { token = data.token; return token; });
  }

  function send(method, url, body) {
    return csrf().then(function (t) {
      return fetch(url, {
        method: method,
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": t },
        body: body ? JSON.stringify(body) : undefined,
      });
    }).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    });
  }

  function show(button, job) {
    var line = box.querySelector('[data-for="' + button.id + '"]');
    if (!line) {
      line = document.createElement("p");
      line.setAttribute("data-for", button.id);
      box.appendChild(line);
    }
    line.textContent = button.textContent.trim() + ": " + job.message + " ";
    box.hidden = false;
    if (job.status === "done") {
      var link = document.createElement("a");
      link.className = "btn btn-primary";
      link.href = job.result_url;
      link.textContent = box.getAttribute("data-open");
      line.appendChild(link);
      link.focus();
    } else if (job.status === "failed") {
      var again = document.createElement("button");
      again.type = "button";
      again.className = "btn btn-secondary";
      again.textContent = box.getAttribute("data-retry");
      again.addEventListener("click", function () {
        send("POST", job.retry_url).then(function (next) { follow(button, next, 500); }, function () { failed(button); });
      });
      line.appendChild(again);
    }
  }

  function failed(button) {
    show(button, { status: "error", message: box.getAttribute("data-offline") });
  }

  function follow(button, job, delay) {
    show(button, job);
    if (job.status !== "queued" && job.status !== "running") return;
    setTimeout(function () {
      fetch(job.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
        .then(function (next) { follow(button, next, Math.min(delay * 1.5, 3000)); }, function () { failed(button); });
    }, delay);
  }

  buttons.forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      send("POST", button.getAttribute("data-report-pdf"), { lang: button.getAttribute("data-lang") })
        .then(function (job) {
          if (job.status === "done") window.location.href = job.result_url;
          else follow(button, job, 500);
        }, function () { failed(button); });
    });
  });
})();
