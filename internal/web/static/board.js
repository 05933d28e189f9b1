// The deals board: drag a card to another column (mouse, pen, or touch
// on the grip) or use its "Move to" menu. Both call the REST API's move,
// which checks the stage's rules; a refused move puts the card back and
// says which fields the stage needs. After a move the columns' heads
// (counts and converted totals) are read again from the server, so they
// stay exact; the cards stay as they are, since re-rendering 50 cards
// in every column blocks the page for a few hundred ms. A stale card
// (412) reloads the whole board.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) return;
  var status = document.getElementById("board-status");
  var labels = {}, specs = {};
  try { labels = JSON.parse(document.getElementById("deal-labels").textContent); } catch (e) {}
  try { specs = JSON.parse(document.getElementById("deal-specs").textContent) || {}; } catch (e) {}

  // fillForm asks, in the status bar, for the fields a stage needs, and
  // moves the card with them. Fields the board cannot edit (references)
  // are left to the deal's page.
  function fillForm(card, stageID, fields) {
    var fillable = fields.filter(function (n) {
      var sp = specs[n];
      return sp && ["text", "long_text", "money", "date", "select", "integer", "decimal", "percent", "url", "email"].indexOf(sp.type) >= 0;
    });
    if (fillable.length !== fields.length || !fillable.length) return;
    var form = document.createElement("form");
    form.className = "board-fill";
    fillable.forEach(function (n) {
      var sp = specs[n], label = document.createElement("label");
      label.className = "board-fill-field";
      var span = document.createElement("span");
      span.textContent = sp.label;
      label.appendChild(span);
      var input;
      if (sp.type === "select") {
        input = document.createElement("select");
        input.className = "select select-sm";
        (sp.options || []).forEach(function (o) {
          var opt = document.createElement("option");
          opt.value = o.Value; opt.textContent = o.Label;
          input.appendChild(opt);
        });
      } else {
        input = document.createElement("input");
        input.className = "input input-sm";
        input.type = sp.type === "date" ? "date" : "text";
        if (sp.type === "money" || sp.type === "decimal" || sp.type === "integer" || sp.type === "percent") input.inputMode = "decimal";
      }
      input.name = n;
      input.required = true;
      label.appendChild(input);
      if (sp.type === "money") {
        var cur = document.createElement("input");
        cur.className = "input input-sm input-currency";
        cur.name = n + "__currency";
        cur.value = board.getAttribute("data-currency") || "";
        cur.maxLength = 3;
        cur.setAttribute("aria-label", sp.label);
        label.appendChild(cur);
      }
      form.appendChild(label);
    });
    var ok = document.createElement("button");
    ok.type = "submit"; ok.className = "btn btn-primary btn-sm";
    ok.textContent = board.getAttribute("data-msg-fill");
    form.appendChild(ok);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var values = {};
      fillable.forEach(function (n) {
        var v = form.elements[n].value.trim();
        if (specs[n].type === "money") values[n] = { amount: v, currency: form.elements[n + "__currency"].value.trim() };
        else if (specs[n].type === "integer") values[n] = v === "" ? null : Number(v);
        else values[n] = v;
      });
      var col = card.closest(".board-col");
      var origin = { list: card.parentNode, next: card.nextSibling, stage: col.getAttribute("data-stage"), close: card.getAttribute("data-close") };
      if (typeof values.close_date === "string") card.setAttribute("data-close", values.close_date);
      var target = board.querySelector('.board-col[data-stage="' + stageID + '"] .board-cards');
      if (target) place(target, card);
      move(card, stageID, origin, values);
    });
    status.appendChild(form);
    var first = form.querySelector("input, select");
    if (first) first.focus();
  }

  // place puts a moved card where the server will list it in its new
  // column: by expected close date, then id, undated last — the latest
  // first in the won and lost columns — so the board after a move reads
  // as it will after a reload.
  function place(list, card) {
    var desc = list.closest(".board-col").matches(".is-won, .is-lost");
    var key = function (c) { return [c.getAttribute("data-close") || "", c.getAttribute("data-id") || ""]; };
    var before = function (a, b) { // a is listed before b
      if (!a[0] !== !b[0]) return !!a[0]; // dated before undated
      if (!a[0]) return a[1] < b[1];
      if (a[0] !== b[0]) return desc ? a[0] > b[0] : a[0] < b[0];
      return desc ? a[1] > b[1] : a[1] < b[1];
    };
    var k = key(card), at = null;
    var cards = list.querySelectorAll(":scope > .deal-card");
    for (var i = 0; i < cards.length; i++) {
      if (cards[i] !== card && before(k, key(cards[i]))) { at = cards[i]; break; }
    }
    list.insertBefore(card, at);
  }

  // unmove puts a card whose move failed back where it was.
  function unmove(card, origin) {
    origin.list.insertBefore(card, origin.next);
    if (origin.close != null) card.setAttribute("data-close", origin.close);
  }

  function say(msg, kind, href, hrefText) {
    status.hidden = false;
    status.className = "board-status flash flash-" + (kind || "success");
    status.textContent = msg;
    if (href) {
      var a = document.createElement("a");
      a.href = href;
      a.textContent = " " + hrefText;
      status.appendChild(a);
    }
  }

  // heads replaces the summary and each column's head and foot with the
  // server's (part=heads). Only the answer to the latest request is
  // used, so two quick moves cannot leave the older totals on screen.
  var headsSeq = 0;
  function heads() {
    var seq = ++headsSeq;
    var u = new URL(location.href);
    u.searchParams.set("part", "heads");
    u.hash = "";
    return fetch(u.toString(), { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) {
        if (seq !== headsSeq) return;
        var tpl = document.createElement("template");
        tpl.innerHTML = html;
        var ns = tpl.content.querySelector("#board-summary"), os = document.getElementById("board-summary");
        if (ns && os) os.textContent = ns.textContent;
        tpl.content.querySelectorAll("section[data-stage]").forEach(function (s) {
          var col = board.querySelector('.board-col[data-stage="' + s.getAttribute("data-stage") + '"]');
          if (!col) return;
          [".board-col-head", ".board-col-foot"].forEach(function (sel) {
            var o = col.querySelector(sel), n = s.querySelector(sel);
            if (o && n) o.replaceWith(n);
          });
        });
      });
  }

  function refresh() {
    return fetch(location.pathname + location.search, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var nb = doc.getElementById("board"), ns = doc.getElementById("board-summary");
        if (nb) board.innerHTML = nb.innerHTML;
        var os = document.getElementById("board-summary");
        if (ns && os) os.textContent = ns.textContent;
      });
  }

  // busy counts the moves in flight; the board says so in data-busy
  // (tests and styles can wait for it).
  var busy = 0;
  function setBusy(d) {
    busy += d;
    if (busy > 0) board.setAttribute("data-busy", "1"); else board.removeAttribute("data-busy");
  }

  function move(card, stageID, origin, values) {
    setBusy(1);
    return doMove(card, stageID, origin, values).then(function () { setBusy(-1); }, function () { setBusy(-1); });
  }

  function doMove(card, stageID, origin, values) {
    var id = card.getAttribute("data-id");
    card.classList.add("is-saving");
    return fetch("/api/v1/deals/" + id + "/move", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "If-Match": card.getAttribute("data-etag") },
      body: JSON.stringify(values ? { stage_id: stageID, values: values } : { stage_id: stageID })
    }).then(function (r) {
      if (r.ok) {
        // The card keeps its place; its ETag is the moved deal's.
        var etag = r.headers.get("ETag");
        if (etag) {
          card.setAttribute("data-etag", etag);
          var input = card.querySelector('input[name="_etag"]');
          if (input) input.value = etag;
        }
        card.classList.remove("is-saving");
        r.text().catch(function () {}); // read, so the connection is free again
        say(board.getAttribute("data-msg-moved"), "success");
        return heads().catch(refresh);
      }
      return r.json().catch(function () { return {}; }).then(function (p) {
        if (origin) unmove(card, origin);
        card.classList.remove("is-saving");
        var sel = card.querySelector(".deal-move-select");
        if (sel && origin) sel.value = origin.stage;
        if (r.status === 412) {
          say(board.getAttribute("data-msg-stale"), "warning");
          return refresh();
        }
        var fields = (p.errors || []).map(function (e) {
          return (e.location || "").replace(/^body\.(values\.)?/, "");
        }).filter(Boolean);
        var names = fields.map(function (n) { return labels[n] || n; });
        if (r.status === 422 && names.length) {
          var to = board.querySelector('.board-col[data-stage="' + stageID + '"]');
          say(board.getAttribute("data-msg-needs").replace("{stage}", to ? to.getAttribute("data-stage-name") : "").replace("{fields}", names.join(", ")), "error",
            "/o/deals/" + id + "/edit", board.getAttribute("data-msg-edit") || "");
          fillForm(card, stageID, fields);
        } else {
          say(p.detail || board.getAttribute("data-msg-failed"), "error");
        }
      });
    }).catch(function () {
      if (origin) unmove(card, origin);
      card.classList.remove("is-saving");
      say(board.getAttribute("data-msg-failed"), "error");
    });
  }

  // The menu: same move, without a page load.
  board.addEventListener("submit", function (ev) {
    var form = ev.target.closest(".deal-move");
    if (!form) return;
    ev.preventDefault();
    var card = form.closest(".deal-card");
    var col = card.closest(".board-col");
    var stage = form.querySelector("select").value;
    if (stage === col.getAttribute("data-stage")) return;
    var target = board.querySelector('.board-col[data-stage="' + stage + '"] .board-cards');
    var origin = { list: card.parentNode, next: card.nextSibling, stage: col.getAttribute("data-stage") };
    if (target) place(target, card);
    move(card, stage, origin);
  });

  // Dragging with pointer events: works with a mouse, a pen, and touch
  // (from the grip, so that touching a card elsewhere still scrolls).
  var drag = null, dropped = false;
  board.addEventListener("pointerdown", function (ev) {
    if (ev.button !== 0) return;
    var card = ev.target.closest(".deal-card");
    if (!card || !card.querySelector(".deal-move")) return;
    if (ev.target.closest("a, select, button, input, label")) return;
    if (ev.pointerType === "touch" && !ev.target.closest(".deal-grip")) return;
    drag = { card: card, x: ev.clientX, y: ev.clientY, id: ev.pointerId, on: false };
  });
  document.addEventListener("pointermove", function (ev) {
    if (!drag || ev.pointerId !== drag.id) return;
    if (!drag.on) {
      if (Math.abs(ev.clientX - drag.x) + Math.abs(ev.clientY - drag.y) < 6) return;
      drag.on = true;
      var r = drag.card.getBoundingClientRect();
      drag.dx = drag.x - r.left; drag.dy = drag.y - r.top;
      drag.ghost = drag.card.cloneNode(true);
      drag.ghost.classList.add("deal-ghost");
      drag.ghost.style.width = r.width + "px";
      document.body.appendChild(drag.ghost);
      // The card holds the pointer (its cursor shows, nothing else on
      // the page takes :hover). A class on body styling every element
      // made the browser restyle the whole board, ~80 ms on 10,000
      // deals, at the start and at the end of each drag.
      drag.card.classList.add("is-dragging");
      try { drag.card.setPointerCapture(ev.pointerId); } catch (e) {}
    }
    ev.preventDefault();
    // The ghost moves by transform: no layout for elementFromPoint to
    // wait for.
    drag.ghost.style.transform = "translate(" + (ev.clientX - drag.dx) + "px," + (ev.clientY - drag.dy) + "px) rotate(2deg)";
    var over = document.elementFromPoint(ev.clientX, ev.clientY);
    var col = over && over.closest(".board-col");
    if (col !== drag.over) {
      if (drag.over) drag.over.classList.remove("is-over");
      if (col) col.classList.add("is-over");
      drag.over = col;
    }
  }, { passive: false });
  function end(ev) {
    if (!drag || ev.pointerId !== drag.id) return;
    var d = drag;
    drag = null;
    if (!d.on) return;
    d.ghost.remove();
    d.card.classList.remove("is-dragging");
    if (d.over) d.over.classList.remove("is-over");
    // The click that follows this pointerup, in the same task, must not
    // follow a link.
    dropped = true;
    setTimeout(function () { dropped = false; }, 0);
    var from = d.card.closest(".board-col");
    if (ev.type === "pointercancel" || !d.over || d.over === from) return;
    var origin = { list: d.card.parentNode, next: d.card.nextSibling, stage: from.getAttribute("data-stage") };
    var list = d.over.querySelector(".board-cards");
    place(list, d.card);
    var sel = d.card.querySelector(".deal-move-select");
    if (sel) sel.value = d.over.getAttribute("data-stage");
    move(d.card, d.over.getAttribute("data-stage"), origin);
  }
  document.addEventListener("pointerup", end);
  document.addEventListener("pointercancel", end);
  // A drag that ends on a link must not follow it.
  board.addEventListener("click", function (ev) {
    if (dropped) ev.preventDefault();
  }, true);
})();
