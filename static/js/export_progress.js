// Polls a background export's status and shows the download link when it is done.
(function () {
  "use strict";
  var section = document.getElementById("export-job");
  if (!section) { return; }
  var url = section.getAttribute("data-status-url");
  var bar = document.getElementById("export-progress");
  var done = document.getElementById("export-done");
  var state = document.getElementById("export-state");
  var download = document.getElementById("export-download");

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (status) {
        bar.max = Math.max(status.total, 1);
        bar.value = status.done;
        done.textContent = status.done;
        state.textContent = status.state_label;
        if (status.state === "done") {
          download.hidden = false;
        } else if (status.state !== "failed") {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  poll();
}());
