// Rapport UI behaviour. Plain JS, no framework, no inline code (the
// Content-Security-Policy allows only script files from this origin).
// Everything is delegated from document, so it also works on content
// htmx swaps in.
(function () {
  "use strict";

  var root = document.documentElement;

  // Sidebar on phones: the menu button opens it, the backdrop, the close
  // button, Escape and following a link close it.
  function setNav(open) {
    root.classList.toggle("nav-open", open);
    var btn = document.querySelector("[data-nav-open]");
    if (btn) btn.setAttribute("aria-expanded", open ? "true" : "false");
    var sidebar = document.getElementById("sidebar");
    if (open && sidebar) {
      // Focus the drawer itself: screen readers land in it and Tab goes
      // on to its first link, without a focus ring on a tapped-open menu.
      sidebar.focus();
    } else if (btn && document.activeElement && document.activeElement.closest("#sidebar")) {
      btn.focus();
    }
  }

  // Drop-down menus are <details class="menu">: close the others when one
  // opens, and all of them on a click outside or Escape.
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (d) {
      if (d !== except) d.removeAttribute("open");
    });
  }

  document.addEventListener("click", function (e) {
    var t = e.target;
    if (!(t instanceof Element)) return;
    if (t.closest("[data-nav-open]")) { setNav(true); return; }
    if (t.closest("[data-nav-close]")) { setNav(false); return; }
    if (t.closest("#sidebar a")) setNav(false);

    var dismiss = t.closest("[data-dismiss]");
    if (dismiss) {
      var box = dismiss.closest(".flash, [data-dismissible]");
      if (box) box.remove();
      return;
    }

    var copy = t.closest("[data-copy]");
    if (copy && navigator.clipboard) {
      navigator.clipboard.writeText(copy.getAttribute("data-copy")).then(function () {
        var done = copy.getAttribute("data-copied");
        if (done) copy.setAttribute("title", done);
        copy.classList.add("is-copied");
        setTimeout(function () { copy.classList.remove("is-copied"); }, 1500);
      });
    }

    closeMenus(t.closest("details.menu"));
  });

  document.addEventListener("toggle", function (e) {
    var d = e.target;
    if (d instanceof HTMLDetailsElement && d.open && d.classList.contains("menu")) closeMenus(d);
  }, true);

  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") {
      var open = document.querySelector("details.menu[open]");
      if (open) {
        open.removeAttribute("open");
        var s = open.querySelector("summary");
        if (s) s.focus();
        return;
      }
      if (root.classList.contains("nav-open")) setNav(false);
      return;
    }
    // One-key shortcuts, unless the user is typing: "/" focuses the
    // search; an element with data-hotkey="n" is focused (inputs),
    // opened (a <details> summary, focusing its first field) or clicked.
    if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) {
      var a = document.activeElement;
      if (a && (a.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName))) return;
      var el = document.querySelector("[data-hotkey='" + (e.key === "'" ? "\\'" : e.key) + "']");
      if (!el) return;
      e.preventDefault();
      if (el.tagName === "SUMMARY") {
        var det = el.parentElement;
        det.open = true;
        var first = det.querySelector("input:not([type=hidden]), textarea, select");
        (first || el).focus();
      } else if (/^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)) {
        el.focus();
      } else {
        el.click();
      }
    }
  });

  // <form data-confirm="Delete this record?"> and <button data-confirm>
  // ask before submitting. (htmx requests use hx-confirm instead.)
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var btn = e.submitter;
    var msg = (btn && btn.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) e.preventDefault();
  });

  // Leaving phone width with the sidebar open must not leave the page locked.
  var wide = window.matchMedia("(min-width: 721px)");
  wide.addEventListener("change", function () { if (wide.matches) setNav(false); });
})();

// Record pages: colour swatches
// (the CSP forbids inline styles, so the colour is set through the DOM).
(function () {
  "use strict";
  function paint(root) {
    root.querySelectorAll("[data-color]").forEach(function (el) {
      var c = el.getAttribute("data-color");
      if (/^#[0-9a-fA-F]{6}$/.test(c)) { el.style.backgroundColor = c; }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { paint(document); });
  document.addEventListener("htmx:afterSwap", function (e) { paint(e.target); });
})();

// List pages: choose rows with their check boxes, then one bulk action.
(function () {
  "use strict";
  function setup() {
    var form = document.querySelector("form[data-bulk]");
    if (!form) return;
    var boxes = function () { return document.querySelectorAll('input[name="id"][form="bulk"]'); };
    var all = document.querySelector("[data-select-all]");
    var count = form.querySelector("[data-bulk-count]");
    var action = form.querySelector("[data-bulk-action]");
    function refresh() {
      var n = 0;
      boxes().forEach(function (b) { if (b.checked) n++; });
      count.textContent = n === 0 ? count.getAttribute("data-none") : count.getAttribute("data-some").replace("{n}", String(n));
      if (all) { all.checked = n > 0 && n === boxes().length; all.indeterminate = n > 0 && n < boxes().length; }
      form.querySelectorAll("[data-bulk-for]").forEach(function (el) {
        var show = (" " + el.getAttribute("data-bulk-for") + " ").indexOf(" " + action.value + " ") >= 0;
        el.hidden = !show;
        el.disabled = !show;
      });
    }
    if (all) all.addEventListener("change", function () {
      boxes().forEach(function (b) { b.checked = all.checked; });
      refresh();
    });
    document.addEventListener("change", function (e) {
      if (e.target.matches && e.target.matches('input[name="id"][form="bulk"]')) refresh();
    });
    action.addEventListener("change", refresh);
    form.addEventListener("submit", function (e) {
      if (action.value === "delete" && !window.confirm(form.getAttribute("data-confirm-delete"))) e.preventDefault();
    });
    refresh();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup); else setup();
})();
