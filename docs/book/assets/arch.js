// SPDX-License-Identifier: BSD-2-Clause
//
// The reader's architecture, chosen once and remembered across pages: every part of a chapter
// written for one architecture (a div.arch-only, or a span.arch-only for a command or a link
// written once for each) shows only if it is the chosen one's, and so do the sidebar's entries for
// the page's headings. The menu is made from the chooser's list (the project's catalogue, put
// there when the book is built). Without this script every part shows, labelled with its
// architecture.
(function () {
  "use strict";
  var KEY = "sel4-mapping-tutorial-arch";
  var chooser = document.getElementById("arch-chooser");
  if (!chooser) {
    return;
  }
  var arches = chooser.dataset.arches.split(" ");
  var fromQuery = new URLSearchParams(window.location.search).get("arch");
  if (arches.indexOf(fromQuery) >= 0) {
    localStorage.setItem(KEY, fromQuery);
  }
  var stored = localStorage.getItem(KEY);
  var chosen = arches.indexOf(stored) >= 0 ? stored : chooser.dataset.default;

  // The sidebar lists the page's headings (mdBook's toc.js, once the page is loaded): those of
  // another architecture's parts are not the reader's.
  function showHeadings() {
    document.querySelectorAll("#mdbook-sidebar a.header-in-summary").forEach(function (a) {
      var target = document.getElementById(decodeURIComponent(a.hash.slice(1)));
      var item = a.closest("li");
      if (target && item) {
        item.hidden = target.closest(".arch-only[hidden]") !== null;
      }
    });
  }

  function show(arch) {
    chosen = arch;
    document.documentElement.dataset.arch = arch;
    document.querySelectorAll(".arch-only").forEach(function (part) {
      part.hidden = part.dataset.arch !== arch;
    });
    showHeadings();
  }

  var label = document.createElement("label");
  label.textContent = "Your architecture: ";
  var menu = document.createElement("select");
  menu.id = "arch-menu";
  arches.forEach(function (arch) {
    var option = document.createElement("option");
    option.value = arch;
    option.textContent = arch;
    menu.appendChild(option);
  });
  menu.value = chosen;
  menu.addEventListener("change", function () {
    localStorage.setItem(KEY, menu.value);
    show(menu.value);
  });
  label.appendChild(menu);
  chooser.appendChild(label);
  show(chosen);
  document.addEventListener("DOMContentLoaded", showHeadings);
})();
