/* Type-ahead for list filters on records (persons, cases, events) and the forms' pickers:
 * monitor.suggest.
 * Without JavaScript the filter is a text field taking the record's id. With it, the field
 * becomes a search box: typing asks the page's own /suggest/ endpoint (records the user may
 * see, at most ten) and choosing one puts its id in the form. No inline script, no other
 * origin: loaded with `defer` from the app's static files (the CSP stays 'self').
 */
(function () {
  "use strict";

  /* Arrow keys move through a suggestion list; Up from the first, or Escape, goes back to
   * the box (shared by the filters' type-ahead and the forms' pickers). */
  function navigate(list, box, close) {
    list.addEventListener("keydown", function (event) {
      var current = document.activeElement;
      var item = current && current.parentNode;
      if (event.key === "ArrowDown" && item && item.nextElementSibling) {
        event.preventDefault();
        item.nextElementSibling.querySelector("button").focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (item && item.previousElementSibling) {
          item.previousElementSibling.querySelector("button").focus();
        } else {
          box.focus();
        }
      } else if (event.key === "Escape") {
        close();
        box.focus();
      }
    });
  }

  function enhance(input) {
    var url = input.getAttribute("data-suggest");
    var box = document.createElement("input");
    var list = document.createElement("ul");
    var status = document.createElement("p");
    var timer = null;
    var listId = input.id + "-suggestions";

    box.type = "search";
    box.className = "suggest__box";
    box.setAttribute("autocomplete", "off");
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-expanded", "false");
    box.setAttribute("aria-controls", listId);
    box.value = input.getAttribute("data-label") || input.value;
    list.id = listId;
    list.className = "suggest__list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    status.className = "hint suggest__status";
    status.setAttribute("aria-live", "polite");

    // The label points at the visible box; the real field carries the id.
    var label = document.querySelector('label[for="' + input.id + '"]');
    box.id = input.id + "-search";
    if (label) {
      label.setAttribute("for", box.id);
    }
    input.type = "hidden";
    input.parentNode.insertBefore(box, input);
    input.parentNode.insertBefore(list, input.nextSibling);
    input.parentNode.insertBefore(status, list.nextSibling);

    function close() {
      list.hidden = true;
      box.setAttribute("aria-expanded", "false");
    }

    function choose(item) {
      input.value = item.id;
      box.value = item.label;
      status.textContent = "";
      close();
    }

    function show(results) {
      list.innerHTML = "";
      results.forEach(function (item) {
        var option = document.createElement("li");
        var button = document.createElement("button");
        option.setAttribute("role", "option");
        button.type = "button";
        button.className = "suggest__option";
        button.textContent = item.label;
        button.addEventListener("click", function () {
          choose(item);
          box.focus();
        });
        option.appendChild(button);
        list.appendChild(option);
      });
      list.hidden = results.length === 0;
      box.setAttribute("aria-expanded", results.length ? "true" : "false");
      status.textContent = "";
    }

    function ask() {
      var text = box.value.trim();
      if (text.length < 2) {
        show([]);
        return;
      }
      var query = url + "?q=" + encodeURIComponent(text);
      fetch(query, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (data) {
          if (box.value.trim() === text) {
            show(data.results || []);
          }
        })
        .catch(function () {
          show([]);
        });
    }

    box.addEventListener("input", function () {
      input.value = ""; // typed text is not a choice until one is picked
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, 200);
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        close();
      } else if (event.key === "ArrowDown" && !list.hidden) {
        event.preventDefault();
        var first = list.querySelector("button");
        if (first) {
          first.focus();
        }
      }
    });
    navigate(list, box, close);
  }

  /* The forms' pickers (monitor.suggest.PickInput): the chosen records are chips (checked
   * boxes without JavaScript), the box searches /pick/<source>/ and, where the user may add
   * records of that kind, offers to add what they typed (POST /pick/<source>/new/). */
  function csrfToken(element) {
    var form = element.closest("form");
    var field = form && form.querySelector('input[name="csrfmiddlewaretoken"]');
    return field ? field.value : "";
  }

  function chipButton(chip, text) {
    var remove = document.createElement("button");
    var label = chip.querySelector(".pick__label");
    remove.type = "button";
    remove.className = "pick__remove";
    remove.textContent = "\u00d7";
    remove.setAttribute("aria-label", (text || "Remove") + ": " + (label ? label.textContent : ""));
    remove.addEventListener("click", function () {
      var box = chip.closest(".pick").querySelector(".pick__box");
      chip.parentNode.removeChild(chip);
      box.focus();
    });
    chip.appendChild(remove);
  }

  function pick(widget) {
    var box = widget.querySelector(".pick__box");
    var chips = widget.querySelector(".pick__chips");
    var name = box.getAttribute("name");
    var url = widget.getAttribute("data-pick");
    var addUrl = widget.getAttribute("data-new");
    var multiple = widget.getAttribute("data-multiple") === "1";
    var removeText = widget.getAttribute("data-remove-label");
    var addText = widget.getAttribute("data-new-label") || "Add";
    // Choices that are not records (a citation's "new source described below"): first, always.
    var fixed = JSON.parse(widget.getAttribute("data-fixed") || "[]");
    var list = document.createElement("ul");
    var status = document.createElement("p");
    var timer = null;

    list.id = box.id + "-suggestions";
    list.className = "suggest__list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    status.className = "hint suggest__status";
    status.setAttribute("aria-live", "polite");
    box.type = "search";
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-expanded", "false");
    box.setAttribute("aria-controls", list.id);
    box.parentNode.insertBefore(list, box.nextSibling);
    box.parentNode.insertBefore(status, list.nextSibling);
    Array.prototype.forEach.call(chips.querySelectorAll(".pick__chip"), function (chip) {
      var check = chip.querySelector("input");
      if (!check.disabled) {
        check.type = "hidden"; // kept while its chip is there; the × takes both away
        chipButton(chip, removeText);
      }
    });

    function close() {
      list.hidden = true;
      box.setAttribute("aria-expanded", "false");
    }

    function choose(item) {
      if (!multiple) {
        chips.innerHTML = "";
      }
      if (!chips.querySelector('input[value="' + item.id + '"]')) {
        var chip = document.createElement("li");
        var value = document.createElement("input");
        var label = document.createElement("span");
        chip.className = "pick__chip";
        value.type = "hidden";
        value.name = name;
        value.value = item.id;
        label.className = "pick__label";
        label.textContent = item.label;
        chip.appendChild(value);
        chip.appendChild(label);
        chipButton(chip, removeText);
        chips.appendChild(chip);
      }
      box.value = "";
      status.textContent = "";
      close();
      box.focus();
    }

    function option(text, onPick, extraClass, note) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      item.setAttribute("role", "option");
      button.type = "button";
      button.className = "suggest__option" + (extraClass ? " " + extraClass : "");
      button.textContent = text;
      if (note) {
        // Said after the name, as text (reference data still waiting for review).
        var small = document.createElement("span");
        small.className = "suggest__note";
        small.textContent = " — " + note;
        button.appendChild(small);
      }
      button.addEventListener("click", onPick);
      item.appendChild(button);
      list.appendChild(item);
    }

    function addNew(text) {
      var body = new URLSearchParams();
      body.append("name", text);
      fetch(addUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken(widget) },
        body: body,
      })
        .then(function (response) {
          return response.json();
        })
        .then(function (data) {
          if (data.id) {
            choose(data);
          } else {
            status.textContent = ((data.errors || {}).name || []).join(" ");
          }
        })
        .catch(function () {
          status.textContent = "";
        });
    }

    function show(results, text) {
      list.innerHTML = "";
      fixed.concat(results).forEach(function (item) {
        option(item.label, function () {
          choose(item);
        }, "", item.note);
      });
      if (addUrl && text) {
        option(addText.replace("%s", text), function () {
          addNew(text);
        }, "suggest__option--new");
      }
      var any = list.children.length > 0;
      list.hidden = !any;
      box.setAttribute("aria-expanded", any ? "true" : "false");
    }

    function ask() {
      var text = box.value.trim();
      if (text.length < 2) {
        show([], "");
        return;
      }
      fetch(url + "?q=" + encodeURIComponent(text), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (data) {
          if (box.value.trim() === text) {
            show(data.results || [], text);
          }
        })
        .catch(function () {
          show([], "");
        });
    }

    box.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, 200);
    });
    if (fixed.length) {
      box.addEventListener("focus", function () {
        if (!box.value.trim()) {
          show([], "");
        }
      });
    }
    // Leaving the picker closes its list (after a moment: a click on a suggestion lands
    // first, also in browsers that do not focus a button on click).
    widget.addEventListener("focusout", function () {
      window.setTimeout(function () {
        if (!widget.contains(document.activeElement)) {
          close();
        }
      }, 250);
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        close();
      } else if (event.key === "Enter" && !list.hidden) {
        event.preventDefault(); // Enter picks the first suggestion rather than saving
        var first = list.querySelector("button");
        if (first) {
          first.click();
        }
      } else if (event.key === "ArrowDown" && !list.hidden) {
        event.preventDefault();
        var top = list.querySelector("button");
        if (top) {
          top.focus();
        }
      }
    });
    navigate(list, box, close);
  }

  function pickers(root) {
    Array.prototype.forEach.call(root.querySelectorAll(".pick[data-pick]"), function (widget) {
      if (!widget.hasAttribute("data-ready")) {
        widget.setAttribute("data-ready", "1");
        pick(widget);
      }
    });
  }

  function start() {
    document.documentElement.classList.add("js");
    var inputs = document.querySelectorAll("input[data-suggest]");
    Array.prototype.forEach.call(inputs, enhance);
    pickers(document);
    // A row added by forms.js ("Add another …") brings its own pickers.
    document.addEventListener("monitor:rows-added", function (event) {
      pickers(event.target);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
