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

// Reference pickers (<div data-picker="accounts">): typing finds records
// through the API; ArrowUp/ArrowDown move, Enter or a click picks, Escape
// closes. A single picker keeps its id in a hidden input (emptying the
// box clears it; leaving the box without picking restores the title); a
// multiple picker adds a chip with a hidden input per record.
(function () {
  "use strict";
  var seq = 0;
  function parts(box) {
    return {
      input: box.querySelector("input[role=combobox]"),
      list: box.querySelector(".picker-list"),
      value: box.querySelector("input[data-picker-value]"),
      chips: box.querySelector(".picker-chips")
    };
  }
  var timer;
  function close(box) {
    // A search still waiting or under way must not reopen the list.
    clearTimeout(timer);
    seq++;
    var p = parts(box);
    p.list.hidden = true;
    p.list.textContent = "";
    p.input.setAttribute("aria-expanded", "false");
    p.input.removeAttribute("aria-activedescendant");
  }
  function options(box) { return box.querySelectorAll(".picker-list [role=option]"); }
  function activate(box, i) {
    var p = parts(box), opts = options(box);
    opts.forEach(function (o, j) { o.setAttribute("aria-selected", j === i ? "true" : "false"); });
    if (opts[i]) {
      p.input.setAttribute("aria-activedescendant", opts[i].id);
      opts[i].scrollIntoView({ block: "nearest" });
    }
  }
  function active(box) {
    var opts = options(box);
    for (var i = 0; i < opts.length; i++) if (opts[i].getAttribute("aria-selected") === "true") return i;
    return -1;
  }
  function pick(box, opt) {
    var p = parts(box), id = opt.getAttribute("data-id"), title = opt.getAttribute("data-title");
    if (box.hasAttribute("data-picker-multiple")) {
      var dup = false;
      p.chips.querySelectorAll("input[type=hidden]").forEach(function (h) { dup = dup || h.value === id; });
      if (!dup) {
        var li = document.createElement("li"), h = document.createElement("input"), b = document.createElement("button");
        li.className = "chip";
        li.appendChild(document.createTextNode(title));
        h.type = "hidden"; h.name = box.getAttribute("data-picker-name"); h.value = id;
        b.type = "button"; b.className = "chip-remove"; b.setAttribute("data-picker-unpick", "");
        b.setAttribute("aria-label", box.getAttribute("data-picker-remove") + ": " + title);
        b.textContent = "×";
        li.appendChild(h); li.appendChild(b);
        p.chips.appendChild(li);
      }
      p.input.value = "";
    } else {
      p.value.value = id;
      p.input.value = title;
      p.input.setAttribute("data-picker-text", title);
    }
    close(box);
    p.input.focus();
  }
  function render(box, hits) {
    var p = parts(box);
    p.list.textContent = "";
    if (hits.length === 0) {
      var none = document.createElement("li");
      none.className = "picker-none";
      none.textContent = box.getAttribute("data-picker-none");
      p.list.appendChild(none);
    }
    hits.forEach(function (h, i) {
      var li = document.createElement("li");
      li.id = p.input.id + "-opt-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.setAttribute("data-id", h.id);
      li.setAttribute("data-title", h.title);
      var t = document.createElement("span");
      t.textContent = h.title;
      li.appendChild(t);
      if (h.subtitle) {
        var s = document.createElement("span");
        s.className = "muted small";
        s.textContent = h.subtitle;
        li.appendChild(s);
      }
      p.list.appendChild(li);
    });
    p.list.hidden = false;
    p.input.setAttribute("aria-expanded", "true");
  }
  function find(box) {
    var p = parts(box), q = p.input.value.trim(), target = box.getAttribute("data-picker");
    if (q === "") { close(box); return; }
    var title = box.getAttribute("data-picker-title"), url;
    if (box.hasAttribute("data-picker-search")) {
      url = "/api/v1/search?limit=10&objects=" + encodeURIComponent(target) + "&q=" + encodeURIComponent(q);
    } else {
      url = "/api/v1/" + encodeURIComponent(target) + "?limit=10&sort=" + encodeURIComponent(title) +
        "&filter%5B" + encodeURIComponent(title) + "%5D%5Bcontains%5D=" + encodeURIComponent(q);
    }
    clearTimeout(timer);
    var mine = ++seq;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { data: [] }; })
      .then(function (body) {
        if (mine !== seq) return; // an older answer arriving late
        var hits = (body.data || []).map(function (d) {
          return { id: d.id, title: d.title !== undefined ? d.title : String(d[title] || d.id), subtitle: d.subtitle || "" };
        });
        render(box, hits);
      })
      .catch(function () { if (mine === seq) render(box, []); });
  }
  document.addEventListener("input", function (e) {
    var box = e.target.closest && e.target.closest("[data-picker]");
    if (!box || e.target.getAttribute("role") !== "combobox") return;
    var p = parts(box);
    if (p.value && e.target.value.trim() === "") {
      p.value.value = "";
      e.target.setAttribute("data-picker-text", "");
    }
    clearTimeout(timer);
    timer = setTimeout(function () { find(box); }, 150);
  });
  document.addEventListener("keydown", function (e) {
    var box = e.target.closest && e.target.closest("[data-picker]");
    if (!box || e.target.getAttribute("role") !== "combobox") return;
    var opts = options(box), i = active(box);
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (parts(box).list.hidden) { find(box); return; }
      if (opts.length) activate(box, e.key === "ArrowDown" ? (i + 1) % opts.length : (i <= 0 ? opts.length - 1 : i - 1));
    } else if (e.key === "Enter" && !parts(box).list.hidden) {
      e.preventDefault(); // picking, not submitting the form
      picked = true;      // nor on the keypress that follows
      if (opts.length) pick(box, opts[Math.max(i, 0)]);
    } else if (e.key === "Escape" && !parts(box).list.hidden) {
      e.stopPropagation();
      close(box);
    }
  }, true);
  var picked = false;
  document.addEventListener("keypress", function (e) {
    if (picked && e.key === "Enter") e.preventDefault();
    picked = false;
  }, true);
  document.addEventListener("keyup", function () { picked = false; }, true);
  document.addEventListener("mousedown", function (e) {
    var opt = e.target.closest && e.target.closest(".picker-list [role=option]");
    if (opt) {
      e.preventDefault(); // keep the focus in the box
      pick(opt.closest("[data-picker]"), opt);
    }
  });
  document.addEventListener("click", function (e) {
    var un = e.target.closest && e.target.closest("[data-picker-unpick]");
    if (un) {
      var box = un.closest("[data-picker]");
      un.closest(".chip").remove();
      parts(box).input.focus();
    }
  });
  document.addEventListener("focusout", function (e) {
    var box = e.target.closest && e.target.closest("[data-picker]");
    if (!box || e.target.getAttribute("role") !== "combobox") return;
    setTimeout(function () {
      if (box.contains(document.activeElement)) return;
      close(box);
      var p = parts(box);
      if (p.value) p.input.value = p.input.getAttribute("data-picker-text") || "";
      else p.input.value = "";
    }, 0);
  });
})();
