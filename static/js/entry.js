// Drive entry page: live check of the ID number as it is typed, and saving person after
// person without leaving the page. Without this script the form still works by plain POST.
(function () {
  "use strict";

  var form = document.getElementById("entry-form");
  if (!form) return;

  var idInput = form.elements["id_number"];
  var idType = form.elements["id_type"];
  var birthDate = form.elements["birth_date"];
  var gender = form.elements["gender"];
  var checkBox = document.getElementById("id-check");
  var statusLine = document.getElementById("entry-status");
  var recentList = document.getElementById("recent-list");
  var saveButton = form.querySelector("button[type=submit]");
  var checkUrl = form.dataset.checkUrl;
  var exclude = form.dataset.exclude || "";
  var RECENT_MAX = 20;

  // Fields the script filled from the ID number may be overwritten when the ID changes;
  // a value the clerk typed is left alone (the server then reports any mismatch).
  function fill(field, value) {
    if (!field) return;
    if (field.value === "" || field.dataset.autofilled === "1") {
      field.value = value;
      field.dataset.autofilled = value ? "1" : "";
    }
  }
  [birthDate, gender].forEach(function (field) {
    if (field) field.addEventListener("input", function () { field.dataset.autofilled = ""; });
  });

  function showCheck(kind, text) {
    checkBox.className = "id-check " + kind;
    checkBox.textContent = text;
  }

  // A person who left: offer 重新入会 (members/life_views.py) instead of a new entry.
  function offerRejoin(url, label) {
    var drive = (form.getAttribute("action").match(/drives\/(\d+)\//) || [])[1];
    var link = document.createElement("a");
    link.className = "button rejoin";
    link.href = url + (drive ? "?drive=" + drive : "");
    link.textContent = label;
    checkBox.append(" ", link);
  }

  function clearErrors() {
    form.querySelectorAll("ul.errors").forEach(function (list) { list.textContent = ""; });
    form.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
  }

  function showErrors(errors) {
    var first = null;
    Object.keys(errors).forEach(function (name) {
      var list = document.getElementById("errors-" + name) || document.getElementById("errors-__all__");
      errors[name].forEach(function (message) {
        var item = document.createElement("li");
        item.textContent = message;
        list.appendChild(item);
      });
      var wrapper = form.querySelector('[data-field="' + name + '"]');
      if (wrapper) wrapper.classList.add("has-error");
      if (!first && form.elements[name] && form.elements[name].focus) first = form.elements[name];
    });
    (first || idInput).focus();
  }

  var lastChecked = "";
  var sequence = 0;
  // One request at a time: a check and a save never race each other on the server, and
  // a check whose answer would already be stale is not sent at all.
  var queue = Promise.resolve();
  function enqueue(task) {
    var result = queue.then(task);
    queue = result.catch(function () {});
    return result;
  }

  function check(force) {
    var raw = idInput.value.replace(/\s+/g, "");
    if (!raw) { showCheck("", ""); lastChecked = ""; return; }
    var key = (idType ? idType.value : "") + "|" + raw;
    if (key === lastChecked && !force) return;
    lastChecked = key;
    var mine = ++sequence;
    var params = new URLSearchParams({ id_type: idType ? idType.value : "", id_number: raw });
    if (exclude) params.set("exclude", exclude);
    enqueue(function () {
      if (mine !== sequence) return null;
      return fetch(checkUrl + "?" + params.toString(), {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      }).then(function (response) { return response.json(); });
    })
      .then(function (data) {
        if (!data || mine !== sequence) return; // a later keystroke has its own answer coming
        if (!data.ok) {
          // What an earlier, valid number filled in no longer applies.
          [birthDate, gender].forEach(function (field) {
            if (field && field.dataset.autofilled === "1") { field.value = ""; field.dataset.autofilled = ""; }
          });
          showCheck("bad", data.error);
          return;
        }
        fill(birthDate, data.birth_date);
        fill(gender, data.gender);
        if (data.duplicate) {
          showCheck("duplicate", data.duplicate);
          if (data.rejoin_url) offerRejoin(data.rejoin_url, data.rejoin_label);
        } else showCheck("good", "✓ " + [data.number, data.birth_date, data.gender].filter(Boolean).join(" · "));
      })
      .catch(function () { lastChecked = ""; });
  }

  var pause = null;
  idInput.addEventListener("input", function () {
    var length = idInput.value.replace(/\s+/g, "").length;
    clearTimeout(pause);
    if (length === 18) check(false);
    // 15 digits is an old card, or an 18-digit number half typed: wait for a pause.
    else if (length === 15) pause = setTimeout(function () { check(false); }, 700);
    else if (length < 15) { showCheck("", ""); lastChecked = ""; }
  });
  idInput.addEventListener("blur", function () { check(false); });
  if (idType) idType.addEventListener("change", function () { check(true); });

  if (form.dataset.plain) return; // the correction page saves by plain POST

  var busy = false;
  form.addEventListener("submit", function (event) {
    if (!window.fetch || !window.FormData) return;
    event.preventDefault();
    if (busy) return; // a second Enter while saving must not save the person twice
    busy = true;
    saveButton.disabled = true;
    var body = new FormData(form);
    enqueue(function () {
      return fetch(form.action, {
        method: "POST", body: body, headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
    })
      .then(function (response) {
        return response.json().catch(function () { throw new Error(String(response.status)); });
      })
      .then(function (data) {
        clearErrors();
        if (!data.ok) { showErrors(data.errors || {}); return; }
        var empty = document.getElementById("recent-empty");
        if (empty) empty.remove();
        recentList.insertAdjacentHTML("afterbegin", data.row);
        while (recentList.children.length > RECENT_MAX) recentList.lastElementChild.remove();
        document.getElementById("enrolled-count").textContent = data.enrolled;
        statusLine.textContent = data.message;
        statusLine.className = "status-line saved";
        form.reset();
        [birthDate, gender].forEach(function (field) { if (field) field.dataset.autofilled = ""; });
        showCheck("", "");
        lastChecked = "";
        idInput.focus();
      })
      .catch(function () {
        statusLine.textContent = form.dataset.msgFailed;
        statusLine.className = "status-line failed";
      })
      .then(function () {
        busy = false;
        saveButton.disabled = false;
      });
  });
})();
