// nsxkg pages: label autocomplete, and the plain query form used when the full editor
// (editor.js, YASGUI) is not installed. Plain JavaScript, no libraries.
"use strict";

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;  // textContent: never parsed as HTML
  return node;
}

function autocomplete(input) {
  const list = el("ul", { class: "suggest", role: "listbox" });
  list.hidden = true;
  input.parentNode.appendChild(list);
  let timer = null, active = -1, seq = 0;
  const items = () => Array.from(list.querySelectorAll("li"));
  function mark(index) {
    items().forEach((li, i) => li.classList.toggle("active", i === index));
    active = index;
  }
  async function update() {
    const q = input.value.trim();
    const mine = ++seq;
    if (!q) { list.hidden = true; return; }
    const response = await fetch("/api/search?limit=8&q=" + encodeURIComponent(q));
    if (!response.ok || mine !== seq) return;
    const hits = await response.json();
    list.replaceChildren();
    for (const hit of hits) {
      const li = el("li", { role: "option" });
      const a = el("a", { href: hit.href }, hit.name);
      a.appendChild(el("span", { class: "kind" }, hit.kind));
      li.appendChild(a);
      list.appendChild(li);
    }
    active = -1;
    list.hidden = hits.length === 0;
  }
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 120); });
  input.addEventListener("keydown", (event) => {
    const all = items();
    if (event.key === "ArrowDown" && all.length) { event.preventDefault(); mark((active + 1) % all.length); }
    else if (event.key === "ArrowUp" && all.length) { event.preventDefault(); mark((active - 1 + all.length) % all.length); }
    else if (event.key === "Enter" && active >= 0) { event.preventDefault(); window.location = all[active].querySelector("a").href; }
    else if (event.key === "Escape") { list.hidden = true; }
  });
  input.addEventListener("blur", () => setTimeout(() => { list.hidden = true; }, 200));
}

function shorten(iri) {
  const prefixes = {
    "https://w3id.org/nsxkg/def#": "nsx:", "http://www.w3.org/2004/02/skos/core#": "skos:",
    "http://purl.org/dc/terms/": "dcterms:", "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf:",
    "http://www.w3.org/2000/01/rdf-schema#": "rdfs:", "http://www.w3.org/2002/07/owl#": "owl:",
  };
  for (const [ns, p] of Object.entries(prefixes)) if (iri.startsWith(ns)) return p + iri.slice(ns.length);
  return iri;
}

function localHref(iri, base) {
  // Our own IRIs link to this server's pages, wherever it runs.
  return base && iri.startsWith(base) ? "/doc/" + iri.slice(base.length) : iri;
}

function queryEditor(form) {
  const text = form.querySelector("#query");
  const status = document.getElementById("status");
  const results = document.getElementById("results");
  const downloads = document.getElementById("downloads");
  const examples = document.getElementById("examples");
  const base = form.dataset.base || "";
  examples.addEventListener("change", () => {
    const t = document.getElementById("example-" + examples.value);
    if (t) text.value = t.content ? t.content.textContent : t.textContent;
  });
  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.requestSubmit(); }
    if (event.key === "Tab") {
      event.preventDefault();
      const s = text.selectionStart;
      text.setRangeText("  ", s, text.selectionEnd, "end");
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const query = text.value;
    status.textContent = "Running…";
    const started = performance.now();
    const body = new URLSearchParams({ query });
    let response;
    try {
      response = await fetch("/sparql", { method: "POST", body,
        headers: { Accept: "application/sparql-results+json, text/turtle;q=0.9" } });
    } catch (err) {
      status.textContent = "";
      results.replaceChildren(el("p", { class: "problem" }, "The server could not be reached: " + err));
      return;
    }
    const ms = Math.round(performance.now() - started);
    const type = response.headers.get("content-type") || "";
    results.replaceChildren();
    if (!response.ok) {
      status.textContent = "";
      results.appendChild(el("p", { class: "problem" }, `${response.status}: ${await response.text()}`));
      return;
    }
    const isGraph = type.startsWith("text/turtle");
    downloads.replaceChildren();
    const formats = isGraph ? [["Turtle", "turtle"], ["N-Triples", "ntriples"], ["JSON-LD", "jsonld"]]
                            : [["CSV", "csv"], ["TSV", "tsv"], ["JSON", "json"], ["XML", "xml"]];
    for (const [label, name] of formats) {
      downloads.appendChild(el("a", { class: "download", href: "/sparql?" + new URLSearchParams({ query, format: name }) }, label));
    }
    if (isGraph) {
      status.textContent = `${ms} ms`;
      results.appendChild(el("pre", { class: "graph" }, await response.text()));
      return;
    }
    const data = await response.json();
    if ("boolean" in data) {
      status.textContent = `${ms} ms`;
      results.appendChild(el("p", {}, String(data.boolean)));
      return;
    }
    const vars = data.head.vars, rows = data.results.bindings;
    status.textContent = `${rows.length} row${rows.length === 1 ? "" : "s"} · ${ms} ms`;
    results.appendChild(el("p", { class: "muted" }, `${rows.length} row${rows.length === 1 ? "" : "s"}`));
    const table = el("table", { class: "results-table" });
    const head = el("tr");
    for (const v of vars) head.appendChild(el("th", {}, v));
    table.appendChild(el("thead")).appendChild(head);
    const tbody = table.appendChild(el("tbody"));
    for (const row of rows) {
      const tr = el("tr");
      for (const v of vars) {
        const td = el("td");
        const term = row[v];
        if (term && term.type === "uri") td.appendChild(el("a", { href: localHref(term.value, base) }, shorten(term.value)));
        else if (term) td.textContent = term.value;
        tr.appendChild(td);
      }
      tbody.appendChild(tr);
    }
    const scroll = el("div", { class: "table-scroll" });
    scroll.appendChild(table);
    results.appendChild(scroll);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input[data-autocomplete]").forEach(autocomplete);
  const form = document.getElementById("query-form");
  if (form && !window.Yasgui) queryEditor(form);
});
