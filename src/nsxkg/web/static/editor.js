// The /query page's editor: YASGUI's editor (Yasqe) and results view (Yasr), from Zazuko's
// maintained fork on npm (`make editor` copies it into static/vendor/), wired to this server:
// completion of prefixes, classes, properties and resources from the build's own index
// (/api/terms; never an outside service), the example catalogue, downloads, and a share link
// that reproduces the query and how its results were shown (plugin, page, page size, sort).
// Without the vendor files (or without JavaScript) the page's plain form still works.
"use strict";

(function () {
  const Yasgui = window.Yasgui;
  const form = document.getElementById("query-form");
  if (!Yasgui || !form) return;
  const Yasqe = Yasgui.Yasqe, Yasr = Yasgui.Yasr;
  const config = JSON.parse(document.getElementById("editor-config").textContent);
  const textarea = document.getElementById("query");
  const status = document.getElementById("status");
  const downloads = document.getElementById("downloads");
  const share = document.getElementById("share");
  const examples = document.getElementById("examples");
  const base = config.base;  // our resources' IRIs start with it; they link to /doc/…

  // -- completion ------------------------------------------------------------------------
  const prefixList = Object.entries(config.prefixes).map(([p, ns]) => `${p}: <${ns}>`).sort();
  const labels = new Map();  // IRI -> what the completion list shows beside it

  async function terms(params) {
    const response = await fetch("/api/terms?" + new URLSearchParams(params));
    if (!response.ok) return [];
    const found = await response.json();
    for (const t of found) labels.set(t.iri, t.label ? `${t.label} · ${t.kind}` : t.kind);
    return found.map((t) => t.iri);
  }

  function localName(token) {
    // What was typed after the prefix (nsx:Occ -> Occ), for a search by name.
    const text = token.string || "";
    const colon = text.indexOf(":");
    return (colon >= 0 ? text.slice(colon + 1) : text.replace(/^</, "")).replace(/[_\-\\/]/g, " ");
  }

  function withLabels(yasqe, hints) {
    return hints.map((h) => {
      const iri = h.text.startsWith("<") ? h.text.slice(1, -1) : expand(yasqe, h.text);
      const label = labels.get(iri);
      return label ? { ...h, displayText: `${h.text}   ${label}` } : h;
    });
  }

  function expand(yasqe, text) {
    const colon = text.indexOf(":");
    const ns = yasqe.getPrefixesFromQuery()[text.slice(0, colon)];
    return ns ? ns + text.slice(colon + 1) : text;
  }

  Yasqe.forkAutocompleter("prefixes", { name: "nsxPrefixes", get: () => prefixList,
                                        persistenceId: null }, false);
  for (const [parent, kind] of [["property", "property"], ["class", "class"]]) {
    Yasqe.forkAutocompleter(parent, {
      name: "nsx" + kind,
      autoShow: true,
      persistenceId: null,
      get: (yasqe, token) => terms({ kind, prefix: token.autocompletionString || "",
                                     q: localName(token), limit: 30 }),
      postprocessHints: withLabels,
    }, false);
  }
  // Resources by name: type id:<words> (e.g. id:sales man) and Ctrl-Space.
  Yasqe.registerAutocompleter({
    name: "nsxResources",
    bulk: false,
    autoShow: false,
    persistenceId: null,
    isValidCompletionPosition: (yasqe) => {
      const token = yasqe.getCompleteToken();
      return /^id:/.test(token.string || "");
    },
    get: (yasqe, token) => terms({ kind: "resource", q: localName(token), limit: 30 })
      .then((iris) => iris.map((iri) => `<${iri}>`)),
    postprocessHints: withLabels,
  }, false);

  // -- editor and results ----------------------------------------------------------------
  const editorEl = document.getElementById("yasqe");
  const resultsEl = document.getElementById("yasr");
  textarea.hidden = true;
  form.classList.add("enhanced");
  const yasqe = new Yasqe(editorEl, {
    value: textarea.value,
    persistenceId: null,  // the share link, not the browser's storage, carries a query
    consumeShareLink: null,
    createShareableLink: () => shareLink(),
    autocompleters: ["variables", "nsxPrefixes", "nsxproperty", "nsxclass", "nsxResources"],
    requestConfig: {
      endpoint: "/sparql", method: "POST",
      acceptHeaderSelect: "application/sparql-results+json",
      acceptHeaderGraph: "text/turtle",
    },
    resizeable: true,
    editorHeight: "320px",
  });
  const yasr = new Yasr(resultsEl, {
    persistenceId: null,
    prefixes: config.prefixes,
    pluginOrder: ["table", "response"],
    defaultPlugin: "table",
  });
  window.nsxkgEditor = { yasqe, yasr };  // for the browser tests and the curious

  let pending = null;  // a view to restore once the results are drawn (from a share link)
  let started = 0;

  yasqe.on("query", () => {
    document.getElementById("results").hidden = true;  // the server-rendered table, if any
    started = performance.now();
    status.textContent = "Running…";
    resultsEl.dataset.state = "running";
  });
  yasqe.on("queryResponse", (_y, response, duration) => {
    yasr.setResponse(response, duration);
  });
  yasr.on("drawn", () => {
    const ms = Math.round(performance.now() - started);
    const results = yasr.results;
    if (results && !results.hasError() && results.getType() === "json" && results.getBindings()) {
      const n = results.getBindings().length;
      status.textContent = `${n} row${n === 1 ? "" : "s"} · ${ms} ms`;
    } else if (results && results.hasError()) {
      status.textContent = "";
    } else {
      status.textContent = `${ms} ms`;
    }
    setDownloads(results);
    const table = yasr.plugins.table && yasr.plugins.table.dataTable;
    if (table && yasr.getSelectedPluginName() === "table") {
      table.on("draw", () => { localLinks(); updateShare(); });
      if (pending) {
        if (pending.pageSize) {
          table.page.len(pending.pageSize);
          yasr.plugins.table.persistentConfig.pageSize = pending.pageSize;
          const sizes = resultsEl.querySelector(".pageSizeWrapper select");
          if (sizes) sizes.value = String(pending.pageSize);
        }
        if (pending.sort) table.order(pending.sort);
        table.draw();
        if (pending.page) table.page(pending.page - 1).draw("page");
      }
    }
    pending = null;
    localLinks();
    updateShare();
    resultsEl.dataset.state = "done";
  });
  yasr.on("change", updateShare);
  yasqe.on("change", updateShare);

  function localLinks() {
    // Our IRIs link to this server's pages (wherever it runs), not to the IRI's host.
    for (const a of resultsEl.querySelectorAll("a.iri")) {
      const iri = a.getAttribute("href") || "";
      if (base && iri.startsWith(base)) a.setAttribute("href", "/doc/" + iri.slice(base.length));
      a.removeAttribute("target");
    }
  }

  function setDownloads(results) {
    downloads.replaceChildren();
    if (!results || results.hasError()) return;
    const graph = results.getType && results.getType() !== "json";
    const formats = graph ? [["Turtle", "turtle"], ["N-Triples", "ntriples"], ["JSON-LD", "jsonld"]]
                          : [["CSV", "csv"], ["TSV", "tsv"], ["JSON", "json"], ["XML", "xml"]];
    for (const [label, name] of formats) {
      const a = document.createElement("a");
      a.className = "download";
      a.href = "/sparql?" + new URLSearchParams({ query: yasqe.getValue(), format: name });
      a.textContent = label;
      a.setAttribute("download", `query.${name === "turtle" ? "ttl" : name}`);
      downloads.appendChild(a);
    }
  }

  function view() {
    const state = { query: yasqe.getValue() };
    const plugin = yasr.getSelectedPluginName && yasr.getSelectedPluginName();
    if (plugin && plugin !== "table") state.view = plugin;
    const table = yasr.plugins.table && yasr.plugins.table.dataTable;
    if (table && plugin === "table" && yasr.results) {
      const info = table.page.info();
      if (info.page > 0) state.page = String(info.page + 1);
      if (info.length !== 50) state.pageSize = String(info.length);
      const order = table.order();
      if (order.length && !(order[0][0] === 0 && order[0][1] === "asc")) {
        state.sort = order.map(([col, dir]) => `${col}:${dir}`).join(",");
      }
    }
    return state;
  }

  function shareLink() {
    return `${location.origin}/query#${new URLSearchParams(view())}`;
  }

  function updateShare() {
    share.href = shareLink();
  }

  function restore(hash) {
    const params = new URLSearchParams(hash.replace(/^#/, ""));
    const query = params.get("query");
    if (!query) return false;
    yasqe.setValue(query);
    pending = {
      page: parseInt(params.get("page") || "0", 10) || null,
      pageSize: parseInt(params.get("pageSize") || "0", 10) || null,
      sort: (params.get("sort") || "").split(",").filter(Boolean).map((s) => {
        const [col, dir] = s.split(":");
        return [parseInt(col, 10), dir === "desc" ? "desc" : "asc"];
      }).filter(([col]) => Number.isInteger(col)),
    };
    if (!pending.sort.length) pending.sort = null;
    const plugin = params.get("view");
    if (plugin && yasr.plugins[plugin]) yasr.selectPlugin(plugin);
    yasqe.query().catch(() => {});
    return true;
  }

  examples.addEventListener("change", () => {
    const t = document.getElementById("example-" + examples.value);
    if (t) yasqe.setValue(t.content ? t.content.textContent : t.textContent);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    yasqe.query().catch(() => {});
  });
  window.addEventListener("hashchange", () => restore(location.hash));
  if (!restore(location.hash)) updateShare();
})();
