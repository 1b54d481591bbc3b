/* Nothing typed is lost (issue 19), when JavaScript runs (the pages work without it):
 *
 * - a warning before the session ends, with "Stay signed in" (a POST to the session's
 *   status address, monitor.security.keepalive; asking how long is left does not count as
 *   activity, and nothing extends the absolute limit);
 * - what is typed into a form is kept in this browser (localStorage) as it is typed, per
 *   signed-in user and page, and offered back when the form is opened again (after signing
 *   in again, say). Drafts are deleted once the form was saved, on signing out, and after the
 *   session's absolute lifetime; passwords, files and hidden fields are never kept. See
 *   docs/drafts.md for why drafts live in the browser and what that means.
 *
 * No inline script: loaded with `defer` from base.html, its texts come from the page
 * (translated there), so the Content-Security-Policy stays `script-src 'self'`.
 */
(function () {
  "use strict";

  var body = document.body;
  var user = body.getAttribute("data-user") || "";
  var statusUrl = body.getAttribute("data-session-url");
  var maxHours = 12; // the session's absolute lifetime, as the status answer tells it
  var PREFIX = "monitor.draft:";
  var PENDING = "monitor.draft-pending";
  var SKIPPED_TYPES = ["hidden", "password", "file", "submit", "button", "reset", "image"];
  var SKIPPED_NAMES = ["csrfmiddlewaretoken", "seen", "version", "next"];

  function storage() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // storage refused (private mode, a policy): drafts are simply not kept
    }
  }

  // -- drafts ---------------------------------------------------------------------------

  function kept(field) {
    if (!field.name || field.disabled || field.hasAttribute("data-no-draft")) {
      return false;
    }
    if (SKIPPED_TYPES.indexOf((field.type || "").toLowerCase()) !== -1) {
      return false;
    }
    return SKIPPED_NAMES.indexOf(field.name) === -1 && !/-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$/.test(field.name);
  }

  function draftForms() {
    var forms = document.querySelectorAll("main form");
    return Array.prototype.filter.call(forms, function (form) {
      var method = (form.getAttribute("method") || "get").toLowerCase();
      if (method !== "post" || form.hasAttribute("data-no-draft")) {
        return false;
      }
      return Array.prototype.some.call(form.elements, function (field) {
        return kept(field) && (field.tagName === "TEXTAREA" || field.type === "text");
      });
    });
  }

  function keyOf(form, index) {
    return PREFIX + user + ":" + window.location.pathname + ":" + (form.id || index);
  }

  function read(form) {
    var values = [];
    var seen = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!kept(field)) {
        return;
      }
      var nth = seen[field.name] = (seen[field.name] || 0) + 1;
      if (field.type === "checkbox" || field.type === "radio") {
        values.push([field.name, nth, field.checked]);
      } else if (field.tagName === "SELECT" && field.multiple) {
        var chosen = Array.prototype.filter.call(field.options, function (o) { return o.selected; });
        values.push([field.name, nth, chosen.map(function (o) { return o.value; })]);
      } else {
        values.push([field.name, nth, field.value]);
      }
    });
    return values;
  }

  function write(form, values) {
    var byKey = {};
    values.forEach(function (entry) { byKey[entry[0] + "#" + entry[1]] = entry[2]; });
    var seen = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!kept(field)) {
        return;
      }
      var nth = seen[field.name] = (seen[field.name] || 0) + 1;
      var key = field.name + "#" + nth;
      if (!(key in byKey)) {
        return;
      }
      var value = byKey[key];
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = !!value;
      } else if (field.tagName === "SELECT" && field.multiple) {
        Array.prototype.forEach.call(field.options, function (o) { o.selected = value.indexOf(o.value) !== -1; });
      } else {
        field.value = value;
      }
      field.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  function same(one, other) {
    return JSON.stringify(one) === JSON.stringify(other);
  }

  function forget(store, key) {
    store.removeItem(key);
    if (store.getItem(PENDING) === key) {
      store.removeItem(PENDING);
    }
  }

  function tidy(store) {
    // Drafts older than a session can last, and a saved form's draft, are deleted.
    var oldest = Date.now() - maxHours * 3600 * 1000;
    for (var i = store.length - 1; i >= 0; i--) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX) === 0) {
        try {
          if (JSON.parse(store.getItem(key)).saved < oldest) {
            store.removeItem(key);
          }
        } catch (error) {
          store.removeItem(key);
        }
      }
    }
  }

  function offer(store, form, key, draft) {
    var template = document.getElementById("draft-offer");
    if (!template) {
      return;
    }
    var box = template.content.firstElementChild.cloneNode(true);
    var when = new Date(draft.saved);
    box.querySelector("[data-draft-time]").textContent = when.toLocaleString(document.documentElement.lang || undefined);
    box.querySelector("[data-draft-restore]").addEventListener("click", function () {
      write(form, draft.fields);
      box.remove();
      var first = form.querySelector("textarea, input[type=text]");
      if (first) {
        first.focus();
      }
    });
    box.querySelector("[data-draft-discard]").addEventListener("click", function () {
      forget(store, key);
      box.remove();
    });
    form.parentNode.insertBefore(box, form);
  }

  function setUpDrafts() {
    var store = storage();
    if (!store || !user) {
      return;
    }
    tidy(store);
    var forms = draftForms();
    var keys = forms.map(keyOf);
    var pending = store.getItem(PENDING);
    var saved = document.querySelector(".message--success");
    if (pending && pending.indexOf(PREFIX + user + ":") === 0 && (saved || keys.indexOf(pending) === -1)) {
      // The form was sent and this page is not it again, or says it was saved: it was.
      forget(store, pending);
    }
    forms.forEach(function (form, index) {
      var key = keys[index];
      var draft = null;
      try {
        draft = JSON.parse(store.getItem(key) || "null");
      } catch (error) {
        draft = null;
      }
      if (draft && draft.fields && !same(draft.fields, read(form))) {
        offer(store, form, key, draft);
      }
      var timer = null;
      function save() {
        timer = null;
        store.setItem(key, JSON.stringify({ saved: Date.now(), fields: read(form) }));
      }
      form.addEventListener("input", function () {
        if (timer === null) {
          timer = window.setTimeout(save, 400);
        }
      });
      form.addEventListener("change", function () { window.setTimeout(save, 0); });
      form.addEventListener("submit", function () {
        save();
        store.setItem(PENDING, key);
      });
    });
    // Signing out deletes this user's drafts: the next person at this browser finds none.
    Array.prototype.forEach.call(document.querySelectorAll("form[data-sign-out]"), function (form) {
      form.addEventListener("submit", function () {
        for (var i = store.length - 1; i >= 0; i--) {
          var key = store.key(i);
          if (key && key.indexOf(PREFIX + user + ":") === 0) {
            store.removeItem(key);
          }
        }
        store.removeItem(PENDING);
      });
    });
  }

  // -- the session warning --------------------------------------------------------------

  var warning = document.getElementById("session-warning");
  var timer = null;

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function ask(method) {
    var options = {
      method: method,
      credentials: "same-origin",
      redirect: "manual", // a session that ended answers with the sign-in redirect
      headers: { Accept: "application/json" }
    };
    if (method === "POST") {
      options.headers["X-CSRFToken"] = csrfToken();
    }
    return window.fetch(statusUrl, options).then(function (answer) {
      if (answer.type === "opaqueredirect" || answer.status === 302 || answer.status === 403) {
        return { signed_in: false };
      }
      return answer.json();
    });
  }

  function show(state) {
    Array.prototype.forEach.call(warning.querySelectorAll("[data-when]"), function (part) {
      part.hidden = part.getAttribute("data-when") !== state;
    });
    warning.hidden = false;
  }

  function schedule(status) {
    window.clearTimeout(timer);
    if (status.max_hours) {
      maxHours = status.max_hours;
      var store = storage();
      if (store) {
        tidy(store);
      }
    }
    if (!status.signed_in) {
      show("ended");
      return;
    }
    var left = Math.min(status.idle_left, status.absolute_left);
    // Two minutes before the end, or half the idle limit when that is shorter.
    var lead = Math.min(120, Math.max(5, Math.floor((status.idle_limit || 1800) / 2)));
    if (left <= lead) {
      show(status.absolute_left <= status.idle_left ? "final" : "idle");
      timer = window.setTimeout(check, (left + 1) * 1000);
      return;
    }
    warning.hidden = true;
    timer = window.setTimeout(check, (left - lead) * 1000);
  }

  function check() {
    ask("GET").then(schedule, function () { /* offline: try again later */
      timer = window.setTimeout(check, 30000);
    });
  }

  function setUpWarning() {
    if (!warning || !statusUrl || !user || !window.fetch) {
      return;
    }
    var stay = warning.querySelector("[data-stay]");
    if (stay) {
      stay.addEventListener("click", function () {
        ask("POST").then(schedule);
      });
    }
    var again = warning.querySelector("[data-sign-in]");
    if (again) {
      again.href = again.getAttribute("href") + "?next=" + encodeURIComponent(window.location.pathname + window.location.search);
    }
    check();
  }

  function setUp() {
    setUpDrafts();
    setUpWarning();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
