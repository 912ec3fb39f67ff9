// Polls a background import's status; when it has finished, reloads the page, which
// then shows the result (counts, errors, the confirmation).
(function () {
  "use strict";
  var section = document.getElementById("import-job");
  if (!section || section.getAttribute("data-finished")) { return; }
  var url = section.getAttribute("data-status-url");
  var bar = document.getElementById("import-progress");
  var done = document.getElementById("import-done");
  var total = document.getElementById("import-total");
  var state = document.getElementById("import-state");

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (status) {
        bar.max = Math.max(status.total, 1);
        bar.value = status.done;
        done.textContent = status.done;
        total.textContent = status.total;
        state.textContent = status.state_label;
        if (status.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1500);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  poll();
}());
