// Drive entry page: live check of the ID number as it is typed, saving person after
// person without leaving the page, a queue in this browser when the network is away,
// and a keyboard path without detours (digits tick the categories, Esc reaches the list
// of people entered). Without this script the form still works by plain POST.
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
  var RESIDENT_ID = idType ? idType.options[0].value : "";

  // --- Errors: one message per error, in its field's list, tied by aria-describedby ------

  // Show ``messages`` for field ``name``. A list already showing the same text is left
  // alone, so a live region does not announce it a second time.
  function setErrors(name, messages, kind) {
    var list = document.getElementById("errors-" + name) || document.getElementById("errors-__all__");
    var text = messages.join("\n");
    var shown = Array.prototype.map.call(list.children, function (item) { return item.textContent; }).join("\n");
    if (shown !== text) {
      list.textContent = "";
      messages.forEach(function (message) {
        var item = document.createElement("li");
        item.textContent = message;
        list.appendChild(item);
      });
    }
    list.classList.toggle("duplicate", kind === "duplicate" && messages.length > 0);
    var field = form.elements[name];
    if (field && field.setAttribute) {
      if (messages.length) field.setAttribute("aria-invalid", "true");
      else field.removeAttribute("aria-invalid");
    }
    var wrapper = form.querySelector('[data-field="' + name + '"]');
    if (wrapper) wrapper.classList.toggle("has-error", messages.length > 0);
  }

  // Show ``errors`` (field name → messages) and put the focus on the first field in
  // error. ``only``: the names to update (the rest keep what they show); all by default.
  function showErrors(errors, only) {
    var first = null;
    form.querySelectorAll("ul.errors").forEach(function (list) {
      var name = list.id.slice("errors-".length);
      if (!only || only.indexOf(name) >= 0) setErrors(name, errors[name] || []);
      var field = form.elements[name];
      if (!first && list.children.length && field && field.focus) first = field;
    });
    if (first) first.focus();
  }

  function clearErrors() { showErrors({}); idInput.focus(); }

  // The app's own message for every empty required field, before anything is sent;
  // what the live check said about the number stays.
  function missingRequired() {
    var errors = {};
    var names = [];
    form.querySelectorAll("[data-required-message]").forEach(function (field) {
      // Touch only what this check says: an empty field, or its own message gone stale
      // (the live check's word on the number stays).
      var list = document.getElementById("errors-" + field.name);
      if (list && list.textContent === field.dataset.requiredMessage) names.push(field.name);
      if (!field.value.trim()) { errors[field.name] = [field.dataset.requiredMessage]; names.push(field.name); }
    });
    if (!Object.keys(errors).length) return false;
    showErrors(errors, names);
    return true;
  }

  // --- The live ID check -------------------------------------------------------------------

  // Fields the script filled from the ID number may be overwritten when the ID changes;
  // a value the clerk typed is left alone (the server then reports any mismatch).
  function fill(field, value) {
    if (!field) return;
    if (field.value === "" || field.dataset.autofilled === "1") {
      field.value = value;
      field.dataset.autofilled = value ? "1" : "";
    }
  }
  function unfill() {
    [birthDate, gender].forEach(function (field) {
      if (field && field.dataset.autofilled === "1") { field.value = ""; field.dataset.autofilled = ""; }
    });
  }
  [birthDate, gender].forEach(function (field) {
    if (field) field.addEventListener("input", function () { field.dataset.autofilled = ""; });
  });

  function showCheck(text) { checkBox.textContent = text; checkBox.className = text ? "id-check good" : "id-check"; }

  // A person who left: offer 重新入会 (members/life_views.py) instead of a new entry.
  function offerRejoin(url, label) {
    var drive = (form.getAttribute("action").match(/drives\/(\d+)\//) || [])[1];
    var link = document.createElement("a");
    link.className = "button rejoin";
    link.href = url + (drive ? "?drive=" + drive : "");
    link.textContent = label;
    checkBox.append(" ", link);
  }

  var lastChecked = "";
  var sequence = 0;
  // One request at a time: a check and a save never race each other on the server, and
  // a check whose answer would already be stale is not sent at all.
  var chain = Promise.resolve();
  function enqueue(task) {
    var result = chain.then(task);
    chain = result.catch(function () {});
    return result;
  }

  function check(force) {
    var raw = idInput.value.replace(/\s+/g, "");
    if (!raw) { showCheck(""); setErrors("id_number", []); lastChecked = ""; return; }
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
          unfill(); // what an earlier, valid number filled in no longer applies
          showCheck("");
          setErrors("id_number", [data.error]);
          return;
        }
        fill(birthDate, data.birth_date);
        fill(gender, data.gender);
        showCheck("✓ " + [data.number, data.birth_date, data.gender].filter(Boolean).join(" · "));
        setErrors("id_number", data.duplicate ? [data.duplicate] : [], "duplicate");
        if (data.duplicate && data.rejoin_url) offerRejoin(data.rejoin_url, data.rejoin_label);
      })
      .catch(function () { lastChecked = ""; }); // offline: checked again on blur, and by the server
  }

  var pause = null;
  idInput.addEventListener("input", function () {
    var length = idInput.value.replace(/\s+/g, "").length;
    clearTimeout(pause);
    if (length === 18) check(false);
    // 15 digits is an old card, or an 18-digit number half typed: wait for a pause.
    else if (length === 15) pause = setTimeout(function () { check(false); }, 700);
    else if (length < 15) { showCheck(""); setErrors("id_number", []); lastChecked = ""; }
  });
  idInput.addEventListener("blur", function () { check(false); });

  // A resident ID carries birth date and gender: Tab passes them by. Other documents
  // do not, and then Tab stops there.
  function documentChanged() {
    var fromNumber = !idType || idType.value === RESIDENT_ID;
    [birthDate, gender].forEach(function (field) {
      if (!field) return;
      if (fromNumber) field.setAttribute("tabindex", "-1");
      else field.removeAttribute("tabindex");
    });
  }
  if (idType) idType.addEventListener("change", function () { documentChanged(); check(true); });

  // --- Categories: one Tab stop; digits 1–6 tick and untick, Enter saves -----------------

  var categories = Array.prototype.slice.call(form.querySelectorAll("#categories input[type=checkbox]"));
  categories.forEach(function (box, index) {
    if (index > 0) box.setAttribute("tabindex", "-1");
    box.addEventListener("keydown", function (event) {
      var target = null;
      if (/^[1-9]$/.test(event.key) && categories[event.key - 1]) {
        categories[event.key - 1].click();
        event.preventDefault();
      } else if (event.key === "ArrowRight" || event.key === "ArrowDown") {
        target = categories[(index + 1) % categories.length];
      } else if (event.key === "ArrowLeft" || event.key === "ArrowUp") {
        target = categories[(index - 1 + categories.length) % categories.length];
      } else if (event.key === "Enter") {
        event.preventDefault();
        form.requestSubmit();
      }
      if (target) {
        event.preventDefault();
        box.setAttribute("tabindex", "-1");
        target.removeAttribute("tabindex");
        target.focus();
      }
    });
  });

  // The page's autofocus puts the cursor in the ID field before this script runs: what
  // was typed meanwhile is checked now.
  if (idInput.value.replace(/\s+/g, "").length >= 15) check(false);

  if (form.dataset.plain) { form.dataset.ready = "1"; return; } // the correction page saves by plain POST

  // --- The list of people entered: Esc reaches it, arrows walk it, Esc goes back -----------

  function editLinks() { return Array.prototype.slice.call(recentList.querySelectorAll("a.edit")); }
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !editLinks().length) return;
    event.preventDefault();
    editLinks()[0].focus();
  });
  recentList.addEventListener("keydown", function (event) {
    var links = editLinks();
    var at = links.indexOf(document.activeElement);
    if (at < 0) return;
    var step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
    if (step) {
      event.preventDefault();
      links[Math.min(Math.max(at + step, 0), links.length - 1)].focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      idInput.focus();
    }
  });

  // --- Saving, and the queue while the network is away --------------------------------------

  var queue = new window.UnionregQueue.Queue("entry", form.dataset.queueOwner);
  var queueBox = document.getElementById("queue");
  var token = form.elements.csrfmiddlewaretoken.value;

  function say(text, kind) {
    statusLine.textContent = text;
    statusLine.className = "status-line" + (kind ? " " + kind : "");
  }

  function addRow(data) {
    var empty = document.getElementById("recent-empty");
    if (empty) empty.remove();
    var holder = document.createElement("ol");
    holder.innerHTML = data.row;
    var row = holder.firstElementChild;
    var old = recentList.querySelector('[data-member="' + row.dataset.member + '"]');
    if (old) old.remove(); // the same person answered again (a retry): one row
    recentList.prepend(row);
    while (recentList.children.length > RECENT_MAX) recentList.lastElementChild.remove();
    document.getElementById("enrolled-count").textContent = data.enrolled;
  }

  function nextPerson() {
    form.reset();
    form.elements["entry_key"].value = window.UnionregQueue.newKey();
    [birthDate, gender].forEach(function (field) { if (field) field.dataset.autofilled = ""; });
    documentChanged();
    showCheck("");
    clearErrors();
    lastChecked = "";
    idInput.focus();
  }

  function formFields() {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken") fields.push([name, value]);
    });
    return fields;
  }

  function keep() {
    queue.add({
      key: form.elements["entry_key"].value, url: form.action, fields: formFields(),
      name: form.elements["name"].value, state: "waiting",
    });
    showQueue();
    say(document.getElementById("queue-text").textContent, "failed");
    nextPerson();
  }

  function showQueue() {
    var waiting = queue.count("waiting");
    var conflicts = queue.items().filter(function (item) { return item.state === "conflict"; });
    queueBox.hidden = !waiting && !conflicts.length;
    var lines = [];
    if (waiting) lines.push(form.dataset.msgQueued.replace("%(count)s", waiting));
    if (conflicts.length) lines.push(form.dataset.msgConflicts.replace("%(count)s", conflicts.length));
    document.getElementById("queue-text").textContent = lines.join(" ");
    var list = document.getElementById("queue-conflicts");
    list.textContent = "";
    conflicts.forEach(function (item) { list.appendChild(conflictRow(item)); });
  }

  function conflictRow(item) {
    var row = document.createElement("li");
    var who = document.createElement("strong");
    who.textContent = item.name;
    var why = document.createElement("span");
    why.textContent = Object.keys(item.errors).map(function (name) { return item.errors[name].join(" "); }).join(" ");
    var load = button(form.dataset.msgFix, function () {
      queue.replace(item.key, null);
      loadIntoForm(item);
      showQueue();
    });
    var discard = button(form.dataset.msgDiscard, function () {
      queue.replace(item.key, null);
      showQueue();
      idInput.focus();
    });
    row.append(who, " ", why, " ", load, " ", discard);
    return row;
  }

  function button(text, action) {
    var element = document.createElement("button");
    element.type = "button";
    element.textContent = text;
    element.addEventListener("click", action);
    return element;
  }

  function loadIntoForm(item) {
    form.reset();
    categories.forEach(function (box) { box.checked = false; });
    item.fields.forEach(function (pair) {
      var field = form.elements[pair[0]];
      if (!field) return;
      if (field.type === "checkbox") field.checked = true;
      else field.value = pair[1];
    });
    documentChanged();
    lastChecked = "";
    showErrors(item.errors);
    if (!Object.keys(item.errors).length) idInput.focus();
  }

  var sending = false;
  function sendQueue() {
    if (sending || !queue.count("waiting")) return;
    sending = true;
    enqueue(function () {
      return queue.send(token, {
        saved: function (item, data) { addRow(data); say(data.message, "saved"); },
        conflict: showQueue,
        refused: function () { say(form.dataset.msgSession, "failed"); },
      });
    }).then(function () { sending = false; showQueue(); }, function () { sending = false; });
  }
  window.addEventListener("online", sendQueue);
  // Besides the browser's "online" event (not every lost signal fires it): try again
  // now and then while something waits.
  setInterval(sendQueue, 15000);
  showQueue();
  sendQueue();
  form.dataset.ready = "1"; // for the browser tests: every handler is in place

  var busy = false;
  form.addEventListener("submit", function (event) {
    if (!window.fetch || !window.FormData) return;
    event.preventDefault();
    if (busy) return; // a second Enter while saving must not save the person twice
    if (missingRequired()) { say(form.dataset.msgErrors, "failed"); return; }
    // Confirming a QR submission needs the server (it holds the submission): it is
    // not kept in the browser, and once saved the page starts again without it.
    var confirming = form.elements["application"] && form.elements["application"].value;
    if (navigator.onLine === false && !confirming) { keep(); return; }
    busy = true;
    saveButton.disabled = true;
    var body = new FormData(form);
    enqueue(function () {
      return fetch(form.action, {
        method: "POST", body: body, headers: { Accept: "application/json" },
        credentials: "same-origin",
      }).then(function (response) {
        return response.json().catch(function () { throw new Error(String(response.status)); });
      }, function () { return { offline: true }; });
    })
      .then(function (data) {
        if (data.offline && confirming) throw new Error("offline");
        if (data.offline) { keep(); return; }
        if (!data.ok) { showErrors(data.errors || {}); say(form.dataset.msgErrors, "failed"); return; }
        if (confirming) { window.location.replace(form.action); return; }
        addRow(data);
        say(data.message, "saved");
        nextPerson();
        sendQueue(); // the network is here: anything waiting goes too
      })
      .catch(function () { say(form.dataset.msgFailed, "failed"); })
      .then(function () {
        busy = false;
        saveButton.disabled = false;
      });
  });
})();
