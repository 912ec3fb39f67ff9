// Entries kept in this browser while the network is away (the drive entry page and the
// QR self-enrolment page), and the guard that keeps a clerk from logging out with
// entries unsent.
//
// A queue belongs to whoever typed it: its owner (the signed-in user's id, or "public"
// on the QR page) is stored with it. Any page shown to another signed-in user clears
// it, so a shared PC hands nobody else's personal data to the next clerk. Each item
// carries its idempotency key (the form's entry_key), so sending it twice never saves
// the person twice: the server answers "saved" for a key it has seen.
(function () {
  "use strict";

  var PREFIX = "unionreg.queue.";

  function read(storageKey) {
    try { return JSON.parse(window.localStorage.getItem(storageKey)); } catch (e) { return null; }
  }

  function Queue(name, owner) {
    this.storageKey = PREFIX + name;
    this.owner = String(owner);
  }

  Queue.prototype.items = function () {
    var stored = read(this.storageKey);
    if (!stored || stored.owner !== this.owner) return [];
    return stored.items || [];
  };

  Queue.prototype.save = function (items) {
    if (items.length) {
      window.localStorage.setItem(this.storageKey, JSON.stringify({ owner: this.owner, items: items }));
    } else {
      window.localStorage.removeItem(this.storageKey);
    }
  };

  Queue.prototype.add = function (item) {
    var items = this.items().filter(function (other) { return other.key !== item.key; });
    items.push(item);
    this.save(items);
  };

  // Put ``item`` in the place of the item with ``key``; null removes it.
  Queue.prototype.replace = function (key, item) {
    this.save(this.items().map(function (other) { return other.key === key ? item : other; })
      .filter(Boolean));
  };

  Queue.prototype.count = function (state) {
    return this.items().filter(function (item) { return item.state === state; }).length;
  };

  function post(item, token) {
    var body = new FormData();
    item.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    // The token the entry was typed with may have rotated since (a new login).
    if (token) body.set("csrfmiddlewaretoken", token);
    return fetch(item.url, {
      method: "POST", body: body, headers: { Accept: "application/json" }, credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (data) {
        return { saved: response.ok && data.ok, data: data, errors: !response.ok && data.errors, status: response.status };
      }, function () { return { status: response.status }; });
    }, function () { return { network: true }; });
  }

  // Send the waiting items one after another. Stops at the first that cannot be sent
  // (no network, or an answer that is not the form's: the session ended). ``on.saved``,
  // ``on.conflict`` and ``on.refused`` hear about each item; the promise resolves to
  // true when nothing is left waiting.
  Queue.prototype.send = function (token, on) {
    var self = this;
    on = on || {};
    var waiting = this.items().filter(function (item) { return item.state === "waiting"; });
    var chain = Promise.resolve(true);
    waiting.forEach(function (item) {
      chain = chain.then(function (going) {
        if (!going) return false;
        return post(item, token).then(function (result) {
          if (result.network) return false;
          if (result.saved) {
            self.replace(item.key, null);
            if (on.saved) on.saved(item, result.data);
            return true;
          }
          if (result.errors) {
            // Not saved, and sending again will not change that (the person was
            // registered meanwhile, a field is wrong): the clerk decides.
            item.state = "conflict";
            item.errors = result.errors;
            self.replace(item.key, item);
            if (on.conflict) on.conflict(item);
            return true;
          }
          if (on.refused) on.refused(item, result.status);
          return false;
        });
      });
    });
    return chain;
  };

  // A fresh idempotency key; crypto.randomUUID exists only on HTTPS pages.
  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  window.UnionregQueue = { Queue: Queue, newKey: newKey };

  // --- The signed-in user's queue and logout --------------------------------------------
  var logout = document.querySelector("form.logout");
  if (!logout || !logout.dataset.queueOwner) return;
  var owner = logout.dataset.queueOwner;

  // The signed-in user's queues; another user's are removed on the way.
  function ownQueues() {
    var mine = [];
    for (var index = window.localStorage.length - 1; index >= 0; index--) {
      var storageKey = window.localStorage.key(index);
      if (!storageKey || storageKey.indexOf(PREFIX) !== 0) continue;
      var stored = read(storageKey);
      if (stored && stored.owner !== "public" && stored.owner !== owner) {
        window.localStorage.removeItem(storageKey); // another user's entries: not for this one
      } else if (stored && stored.owner === owner) {
        mine.push(new Queue(storageKey.slice(PREFIX.length), owner));
      }
    }
    return mine;
  }
  ownQueues();

  function unsent() {
    return ownQueues().reduce(function (sum, queue) { return sum + queue.items().length; }, 0);
  }

  logout.addEventListener("submit", function (event) {
    if (logout.dataset.confirmed) {
      ownQueues().forEach(function (queue) { queue.save([]); }); // logging out anyway: nothing stays behind
      return;
    }
    if (!unsent()) return;
    event.preventDefault();
    var token = logout.elements.csrfmiddlewaretoken.value;
    ownQueues().reduce(function (chain, queue) {
      return chain.then(function () { return queue.send(token); });
    }, Promise.resolve()).then(function () {
      var left = unsent();
      logout.dataset.confirmed = "1"; // a second click logs out and clears what is left
      if (!left) { logout.requestSubmit(); return; }
      var notice = document.getElementById("queue-logout-notice") || document.createElement("p");
      notice.id = "queue-logout-notice";
      notice.className = "notice";
      notice.setAttribute("role", "alert");
      notice.textContent = logout.dataset.msgPending.replace("%(count)s", left);
      document.querySelector("main").prepend(notice);
    });
  });
})();
