"use strict";
(async function () {
  const res = await fetch("/api/v1/openapi.json");
  const doc = await res.json();
  const intro = document.getElementById("intro");
  intro.textContent = doc.info.description + " ";
  const a = document.createElement("a");
  a.href = "/api/v1/openapi.json";
  a.textContent = "OpenAPI document (" + doc.openapi + ")";
  intro.appendChild(a);
  const byTag = {};
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags && op.tags[0]) || "other";
      (byTag[tag] = byTag[tag] || []).push({ path, method: method.toUpperCase(), op });
    }
  }
  const toc = document.getElementById("toc");
  const main = document.getElementById("ops");
  const el = (t, cls, text) => { const e = document.createElement(t); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
  for (const tag of Object.keys(byTag).sort()) {
    const link = el("a", "", tag); link.href = "#tag-" + tag; toc.appendChild(link);
    const sec = el("section", "tag"); sec.id = "tag-" + tag; sec.appendChild(el("h2", "", tag));
    for (const { path, method, op } of byTag[tag]) {
      const d = el("details"); const s = el("summary");
      s.appendChild(el("span", "m " + method, method)); s.appendChild(el("code", "", path)); s.appendChild(el("span", "", op.summary || ""));
      d.appendChild(s);
      const body = el("div", "body");
      if (op.parameters && op.parameters.length) {
        const t = el("table"); const h = el("tr"); ["name", "in", "description"].forEach(x => h.appendChild(el("th", "", x))); t.appendChild(h);
        for (const p of op.parameters) { const r = el("tr"); r.appendChild(el("td", "", p.name + (p.required ? " *" : ""))); r.appendChild(el("td", "", p.in)); r.appendChild(el("td", "", p.description || "")); t.appendChild(r); }
        body.appendChild(t);
      }
      d.appendChild(body);
      if (op.requestBody) { d.appendChild(el("div", "body", "Request body")); d.appendChild(el("pre", "", JSON.stringify(op.requestBody.content["application/json"].schema, null, 2))); }
      const ok = Object.entries(op.responses).find(([c]) => c < "300");
      if (ok && ok[1].content) { d.appendChild(el("div", "body", "Response " + ok[0])); d.appendChild(el("pre", "", JSON.stringify(ok[1].content["application/json"].schema, null, 2))); }
      sec.appendChild(d);
    }
    main.appendChild(sec);
  }
})();
