/* Type-ahead for list filters on records (persons, cases, events): monitor.suggest.
 * Without JavaScript the filter is a text field taking the record's id. With it, the field
 * becomes a search box: typing asks the page's own /suggest/ endpoint (records the user may
 * see, at most ten) and choosing one puts its id in the form. No inline script, no other
 * origin: loaded with `defer` from the app's static files (the CSP stays 'self').
 */
(function () {
  "use strict";

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

  function start() {
    var inputs = document.querySelectorAll("input[data-suggest]");
    Array.prototype.forEach.call(inputs, enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
