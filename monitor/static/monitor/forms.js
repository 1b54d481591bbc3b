/* The create and edit pages, improved when JavaScript runs (they work without it):
 * - "Add another …" buttons copy a formset's empty row instead of saving to get one;
 * - the error summary takes the focus, so a screen reader announces the problems first.
 * No inline script anywhere: this file is loaded with `defer` (ready for a strict CSP).
 */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function addRow(container) {
    var prefix = container.getAttribute("data-formset");
    var total = container.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    var template = container.querySelector("template.rows__empty");
    var list = container.querySelector(".rows__list");
    if (!total || !template || !list) {
      return;
    }
    var index = parseInt(total.value, 10) || 0;
    var html = template.innerHTML
      .replace(/__prefix__/g, String(index))
      .replace(/__num__/g, String(index + 1));
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    while (holder.firstChild) {
      list.appendChild(holder.firstChild);
    }
    total.value = String(index + 1);
    list.dispatchEvent(new CustomEvent("monitor:rows-added", { bubbles: true }));
    var first = row && row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) {
      first.focus();
    }
  }

  function setUp() {
    var containers = document.querySelectorAll("[data-formset]");
    Array.prototype.forEach.call(containers, function (container) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button rows__add";
      button.textContent = container.getAttribute("data-add-label") || "Add another";
      button.addEventListener("click", function () {
        addRow(container);
      });
      container.appendChild(button);
    });
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
