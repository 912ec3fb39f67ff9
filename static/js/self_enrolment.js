// A drive's QR self-enrolment page, on the worker's phone: the ID checked as it is
// typed (format only: the page never says whether anyone is registered), the app's own
// message for each empty required field, and sending that survives a lost signal (the
// details wait on the phone and go when the network returns). Without this script the
// form still works by plain POST.
(function () {
  "use strict";

  var form = document.getElementById("join-form");
  if (!form) return;

  var idInput = form.elements["id_number"];
  var idType = form.elements["id_type"];
  var birthDate = form.elements["birth_date"];
  var gender = form.elements["gender"];
  var fromNumber = document.getElementById("join-from-number");
  var checkLine = document.getElementById("id-check");
  var statusLine = document.getElementById("join-status");
  var sentLine = document.getElementById("join-sent");
  var RESIDENT_ID = idType.options[0].value;
  var queue = new window.UnionregQueue.Queue("self-enrolment", "public");

  function setErrors(name, messages) {
    var list = document.getElementById("errors-" + name) || document.getElementById("errors-__all__");
    var shown = Array.prototype.map.call(list.children, function (item) { return item.textContent; }).join("\n");
    if (shown !== messages.join("\n")) {
      list.textContent = "";
      messages.forEach(function (message) {
        var item = document.createElement("li");
        item.textContent = message;
        list.appendChild(item);
      });
    }
    var field = form.elements[name];
    if (field && field.setAttribute) {
      if (messages.length) field.setAttribute("aria-invalid", "true");
      else field.removeAttribute("aria-invalid");
    }
    var wrapper = form.querySelector('[data-field="' + name + '"]');
    if (wrapper) wrapper.classList.toggle("has-error", messages.length > 0);
  }

  // ``only``: the names to update (the rest keep what they show); all by default.
  function showErrors(errors, only) {
    var first = null;
    form.querySelectorAll("ul.errors").forEach(function (list) {
      var name = list.id.slice("errors-".length);
      if (!only || only.indexOf(name) >= 0) setErrors(name, errors[name] || []);
      if (!first && list.children.length && form.elements[name] && form.elements[name].focus) first = form.elements[name];
    });
    if (first) first.focus();
  }

  function say(text, kind) {
    statusLine.textContent = text;
    statusLine.className = "status-line" + (kind ? " " + kind : "");
  }

  // A resident ID carries birth date and gender: the page fills them and does not ask.
  function documentChanged() {
    fromNumber.hidden = idType.value === RESIDENT_ID;
  }
  idType.addEventListener("change", function () { documentChanged(); check(); });
  documentChanged();

  var sequence = 0;
  function check() {
    var raw = idInput.value.replace(/\s+/g, "");
    if (raw.length < 15 && idType.value === RESIDENT_ID) { setErrors("id_number", []); checkLine.textContent = ""; return; }
    var mine = ++sequence;
    var params = new URLSearchParams({ id_type: idType.value, id_number: raw });
    fetch(form.dataset.checkUrl + "?" + params.toString(), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (mine !== sequence) return;
        if (!data.ok) { checkLine.textContent = ""; setErrors("id_number", [data.error]); return; }
        setErrors("id_number", []);
        checkLine.textContent = "✓ " + [data.birth_date, data.gender].filter(Boolean).join(" · ");
        if (data.birth_date) birthDate.value = data.birth_date;
        if (data.gender) gender.value = data.gender;
      })
      .catch(function () {}); // offline: the server checks when the details arrive
  }
  idInput.addEventListener("input", function () {
    var length = idInput.value.replace(/\s+/g, "").length;
    if (length === 18 || idType.value !== RESIDENT_ID) check();
    else if (length < 15) { setErrors("id_number", []); checkLine.textContent = ""; }
  });
  idInput.addEventListener("blur", check);
  if (idInput.value.replace(/\s+/g, "").length >= 15) check(); // typed before this script ran

  // The app's own message for every empty required field (and the missing consent).
  function missingRequired() {
    var errors = {};
    var names = [];
    form.querySelectorAll("[data-required-message]").forEach(function (field) {
      // Touch only what this check says: an empty field, or its own message gone stale
      // (the live check's word on the number stays).
      var list = document.getElementById("errors-" + field.name);
      if (list && list.textContent === field.dataset.requiredMessage) names.push(field.name);
      var empty = field.type === "checkbox" ? !field.checked : !field.value.trim();
      if (empty) { errors[field.name] = [field.dataset.requiredMessage]; names.push(field.name); }
    });
    if (!Object.keys(errors).length) return false;
    showErrors(errors, names);
    return true;
  }

  // A required field filled in (the consent ticked): its "required" message goes.
  form.addEventListener("change", function (event) {
    var field = event.target;
    var list = document.getElementById("errors-" + field.name);
    if (!field.dataset || !field.dataset.requiredMessage || !list) return;
    var filled = field.type === "checkbox" ? field.checked : field.value.trim();
    if (filled && list.textContent === field.dataset.requiredMessage) setErrors(field.name, []);
  });

  function done(message) {
    form.hidden = true;
    sentLine.textContent = message;
    sentLine.hidden = false;
    say("");
    document.getElementById("queue").hidden = true;
  }

  function refused(message) {
    say(message, "failed");
  }

  function showQueue() {
    var waiting = queue.count("waiting");
    document.getElementById("queue").hidden = !waiting;
    document.getElementById("queue-text").textContent = waiting ? form.dataset.msgQueued : "";
  }

  function sendQueue() {
    if (!queue.count("waiting")) return;
    queue.send(form.elements.csrfmiddlewaretoken.value, {
      saved: function (item, data) { done(data.message); },
      conflict: function (item) { queue.replace(item.key, null); form.hidden = false; showErrors(item.errors); },
      refused: function () {},
    }).then(showQueue);
  }
  window.addEventListener("online", sendQueue);
  setInterval(sendQueue, 15000);
  showQueue();
  sendQueue();

  var busy = false;
  form.addEventListener("submit", function (event) {
    if (!window.fetch || !window.FormData) return;
    event.preventDefault();
    if (busy) return;
    if (missingRequired()) { say(form.dataset.msgErrors, "failed"); return; }
    var fields = [];
    new FormData(form).forEach(function (value, name) { if (name !== "csrfmiddlewaretoken") fields.push([name, value]); });
    var item = { key: window.UnionregQueue.newKey(), url: form.action || window.location.pathname, fields: fields, state: "waiting" };
    function keep() {
      queue.add(item);
      showQueue();
      say(form.dataset.msgQueued, "failed");
    }
    if (navigator.onLine === false) { keep(); return; }
    busy = true;
    var body = new FormData(form);
    fetch(item.url, { method: "POST", body: body, headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (data) {
          if (data.ok) done(data.message);
          else if (data.errors) { showErrors(data.errors); say(form.dataset.msgErrors, "failed"); }
          else refused(data.message || form.dataset.msgFailed);
        }, function () { refused(form.dataset.msgFailed); });
      }, keep)
      .then(function () { busy = false; });
  });
  form.dataset.ready = "1"; // for the browser tests: every handler is in place
})();
