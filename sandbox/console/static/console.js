/* paysandbox console: plain JavaScript, no build step, no dependencies.
 *
 * Everything shown comes from the control API (/_sandbox, specs/sandbox.yaml), same-origin.
 * Rules kept throughout, because this page runs under a strict content security policy
 * and shows data any API client can write:
 *   - text from data goes into the page only as text (textContent, text nodes): never
 *     innerHTML; links are set only for http(s) or same-site URLs (safeHref);
 *   - no inline scripts, handlers or style attributes (the CSP refuses them);
 *   - the console's own reads carry X-Paysandbox-Console, so the sandbox keeps them out
 *     of the request journal; actions (simulate, advance, redeliver) are journaled.
 */
"use strict";

(() => {
  // -- small helpers --------------------------------------------------------------------

  /** An element: h("a", {href, class, text, onclick}, ...children). Children are nodes or
   *  strings (inserted as text); null, undefined and false are skipped; arrays flatten. */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") el.className = value;
      else if (key === "text") el.textContent = String(value);
      else if (key === "href") el.setAttribute("href", safeHref(value));
      else if (key === "dataset") Object.assign(el.dataset, value);
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else if (value === true) el.setAttribute(key, "");
      else el.setAttribute(key, String(value));
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  /** Only links that stay on this site or go to an http(s) URL; anything else (javascript:,
   *  data:) becomes a dead link. */
  function safeHref(value) {
    const text = String(value);
    if (text.startsWith("#") || (text.startsWith("/") && !text.startsWith("//"))) return text;
    try {
      const url = new URL(text);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : "#";
    } catch (_) {
      return "#";
    }
  }

  const $ = (selector, root = document) => root.querySelector(selector);
  const enc = encodeURIComponent;
  const BASE = (document.body.dataset.base || location.origin).replace(/\/$/, "");

  function plural(count, word) {
    return `${count} ${word}${count === 1 ? "" : "s"}`;
  }

  function humanKind(kind) {
    return String(kind).replace(/_/g, " ");
  }

  // -- time (always the sandbox's, never the browser's) ---------------------------------

  const clock = { data: null, fetchedAt: 0 };

  function sandboxNow() {
    if (!clock.data) return Date.now();
    const drift = clock.data.frozen ? 0 : performance.now() - clock.fetchedAt;
    return clock.data.now_ms + drift;
  }

  function formatTime(value) {
    if (value === null || value === undefined) return "–";
    const date = typeof value === "number" ? new Date(value) : new Date(value);
    if (Number.isNaN(date.getTime())) return String(value);
    return date.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
  }

  function span(ms) {
    const seconds = Math.round(Math.abs(ms) / 1000);
    if (seconds < 60) return `${seconds} s`;
    const minutes = Math.round(seconds / 60);
    if (minutes < 60) return `${minutes} min`;
    const hours = Math.round(minutes / 6) / 10;
    if (hours < 48) return `${hours} h`;
    return `${Math.round(hours / 2.4) / 10} d`;
  }

  /** "in 30 s" / "5 min ago", relative to sandbox time. */
  function relative(iso) {
    if (!iso) return "";
    const diff = new Date(iso).getTime() - sandboxNow();
    if (Math.abs(diff) < 1000) return "now";
    return diff > 0 ? `in ${span(diff)}` : `${span(diff)} ago`;
  }

  function when(iso) {
    return h("span", { class: "when", title: iso || "" }, formatTime(iso),
      iso ? h("span", { class: "rel" }, relative(iso)) : null);
  }

  /** Seconds from "90s", "2h", "1h30m", "3d", "500ms" or a bare number of seconds. */
  function parseDuration(text) {
    const value = String(text).trim();
    if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
    if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(value)) return null;
    const units = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
    let seconds = 0;
    for (const part of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
      seconds += Number(part[1]) * units[part[2]];
    }
    return seconds;
  }

  // -- the control API --------------------------------------------------------------------

  const TOKEN_KEY = "paysandbox.controlToken";
  let token = sessionStorage.getItem(TOKEN_KEY) || localStorage.getItem(TOKEN_KEY) || "";

  class ApiError extends Error {
    constructor(status, code, message, body) {
      super(message);
      this.status = status;
      this.code = code;
      this.body = body;
    }
  }

  function setOffline(offline) {
    $("#offline").hidden = !offline;
  }

  /** Calls /_sandbox + path; resolves with the decoded answer, rejects with ApiError. */
  async function api(method, path, options = {}) {
    let url = "/_sandbox" + path;
    if (options.query) {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(options.query)) {
        if (value !== undefined && value !== null && value !== "") query.set(key, value);
      }
      if ([...query].length) url += "?" + query;
    }
    const headers = {};
    if (method === "GET") headers["X-Paysandbox-Console"] = "1";
    if (token) headers["X-Sandbox-Token"] = token;
    let body;
    if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.json);
    } else if (options.yaml !== undefined) {
      headers["Content-Type"] = "application/yaml";
      body = options.yaml;
    }
    let response;
    try {
      response = await fetch(url, { method, headers, body, cache: "no-store", credentials: "same-origin" });
    } catch (_) {
      setOffline(true);
      throw new ApiError(0, "unreachable", "The sandbox does not answer: is it still running?");
    }
    setOffline(false);
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (_) {
        data = text;
      }
    }
    if (response.status === 401) askForToken(Boolean(token));
    if (!response.ok) {
      const error = (data && data.error) || {};
      const err = new ApiError(response.status, error.code || "error",
        error.message || `The sandbox answered ${response.status}.`, data);
      throw err;
    }
    return data;
  }

  // -- the control token ------------------------------------------------------------------

  function askForToken(refused) {
    const dialog = $("#token-dialog");
    if (!dialog.hidden) return;
    const error = $("#token-error");
    error.hidden = !refused;
    error.textContent = refused ? "The sandbox refused that token; check it and try again." : "";
    dialog.hidden = false;
    $("#token-input").focus();
  }

  function useToken(value, remember) {
    token = value;
    sessionStorage.setItem(TOKEN_KEY, value);
    if (remember) localStorage.setItem(TOKEN_KEY, value);
    else localStorage.removeItem(TOKEN_KEY);
  }

  function takeTokenFromAddress() {
    // /#token=... : handed over in the fragment, which never reaches the server or its logs.
    const match = location.hash.match(/^#token=([^&]+)/);
    if (!match) return;
    useToken(decodeURIComponent(match[1]), false);
    history.replaceState(null, "", location.pathname + "#/");
  }

  // -- feedback ---------------------------------------------------------------------------

  function toast(message, kind = "info") {
    const item = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" },
      h("span", null, message),
      h("button", { type: "button", class: "close", "aria-label": "Dismiss", onclick: () => item.remove() }, "×"));
    $("#toasts").append(item);
    setTimeout(() => item.remove(), kind === "error" ? 9000 : 4000);
  }

  function fail(err) {
    if (err instanceof ApiError && err.status === 401) return; // the token dialog says it
    toast(err.message || String(err), "error");
  }

  /** A button that runs `action` once at a time, showing it is busy. */
  function actionButton(label, action, props = {}) {
    const button = h("button", { type: "button", ...props }, label);
    button.addEventListener("click", async (event) => {
      event.preventDefault();
      event.stopPropagation();
      if (button.disabled) return;
      button.disabled = true;
      button.classList.add("busy");
      try {
        await action(button);
      } catch (err) {
        fail(err);
      } finally {
        button.disabled = false;
        button.classList.remove("busy");
      }
    });
    return button;
  }

  /** A destructive action asks for a second click within a few seconds. */
  function confirmButton(label, confirmLabel, action, props = {}) {
    let armed = false;
    let timer = null;
    const button = actionButton(label, async (el) => {
      if (!armed) {
        armed = true;
        el.textContent = confirmLabel;
        el.classList.add("armed");
        timer = setTimeout(() => {
          armed = false;
          el.textContent = label;
          el.classList.remove("armed");
        }, 4000);
        return;
      }
      clearTimeout(timer);
      armed = false;
      el.textContent = label;
      el.classList.remove("armed");
      await action(el);
    }, props);
    return button;
  }

  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return;
    }
    // Plain http on a non-loopback address is not a secure context: the old way still works.
    const area = h("textarea", { class: "offscreen", readonly: true });
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }

  function copyButton(text, label = "Copy") {
    const button = h("button", { type: "button", class: "copy", title: "Copy to the clipboard" }, label);
    button.dataset.copy = text;
    return button;
  }

  // Every copy button, also the server-rendered ones, copies its data-copy.
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button.copy");
    if (!button || button.dataset.copy === undefined) return;
    event.preventDefault();
    event.stopPropagation();
    try {
      await copyText(button.dataset.copy);
      const label = button.dataset.label || button.textContent;
      button.dataset.label = label;
      button.textContent = "Copied ✓";
      button.classList.add("done");
      setTimeout(() => {
        button.textContent = label;
        button.classList.remove("done");
      }, 1500);
    } catch (err) {
      toast(`Could not copy: ${err.message || err}`, "error");
    }
  });

  // -- rendering building blocks ----------------------------------------------------------

  const GOOD = /^(completed|captured|succeeded|success|paid|settled|delivered|active|confirmed|available|recorded|approved|authorized|verified|open)$/i;
  const BAD = /^(failed|expired|cancelled|canceled|declined|error|voided|blocked|dead|rejected|lost|deleted|closed)$/i;
  const WARN = /refund|disput|partial|sending|retry/i;

  function tone(state) {
    if (GOOD.test(state)) return "good";
    if (BAD.test(state)) return "bad";
    if (WARN.test(state)) return "warn";
    return "wait";
  }

  function badge(state, extra = "") {
    return h("span", { class: `badge ${tone(state)} ${extra}`.trim() }, state);
  }

  function statusBadge(code) {
    if (code === null || code === undefined) return h("span", { class: "badge bad" }, "no answer");
    const group = Math.floor(code / 100);
    const kind = group === 2 ? "good" : group === 3 ? "wait" : group === 4 ? "warn" : "bad";
    return h("span", { class: `badge code ${kind}` }, String(code));
  }

  function mono(text, extra = "") {
    return h("code", { class: `mono ${extra}`.trim() }, text);
  }

  /** JSON, pretty and coloured, built from text nodes only. */
  function jsonView(value) {
    const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
    const pre = h("pre", { class: "code json" });
    const token = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
    let last = 0;
    for (const match of text.matchAll(token)) {
      pre.append(text.slice(last, match.index));
      if (match[1] !== undefined) {
        pre.append(h("span", { class: match[2] ? "k" : "s" }, match[1]));
        if (match[2]) pre.append(match[2]);
      } else if (match[3] !== undefined) {
        pre.append(h("span", { class: "b" }, match[3]));
      } else {
        pre.append(h("span", { class: "n" }, match[4]));
      }
      last = match.index + match[0].length;
    }
    pre.append(text.slice(last));
    return pre;
  }

  /** A body as recorded: pretty JSON when it is JSON, form fields one a line, else as is. */
  function bodyView(text, contentType = "") {
    if (text === null || text === undefined || text === "") return h("p", { class: "muted small" }, "(empty)");
    const trimmed = String(text).trim();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
      try {
        return jsonView(JSON.parse(trimmed));
      } catch (_) { /* shown as it is */ }
    }
    if (/x-www-form-urlencoded/i.test(contentType) && !trimmed.includes("\n")) {
      const lines = [...new URLSearchParams(trimmed)].map(([k, v]) => `${k} = ${v}`);
      return h("pre", { class: "code" }, lines.join("\n"));
    }
    return h("pre", { class: "code" }, String(text));
  }

  function headersView(headers, highlight = []) {
    const marked = new Set(highlight.map((name) => name.toLowerCase()));
    const entries = Object.entries(headers || {});
    if (!entries.length) return h("p", { class: "muted small" }, "(none)");
    return h("table", { class: "kv headers" },
      h("tbody", null, entries.map(([name, value]) =>
        h("tr", { class: marked.has(name.toLowerCase()) ? "marked" : null },
          h("th", null, name),
          h("td", null, mono(value), marked.has(name.toLowerCase()) ? h("span", { class: "tag" }, "signature") : null)))));
  }

  function card(title, ...children) {
    return h("section", { class: "card" }, title ? h("h2", { class: "card-title" }, title) : null, children);
  }

  function empty(text) {
    return h("div", { class: "empty" }, text);
  }

  function select(options, value, onchange, props = {}) {
    const el = h("select", props,
      options.map(([val, label]) => h("option", { value: val, selected: String(val) === String(value ?? "") }, label)));
    el.addEventListener("change", () => onchange(el.value));
    return el;
  }

  function field(label, control) {
    return h("label", { class: "field" }, h("span", null, label), control);
  }

  /** <details> whose open state survives re-rendering (keyed by `key` in `openSet`). */
  function expandable(key, openSet, summary, body) {
    const el = h("details", { class: "expand", open: openSet.has(key) }, h("summary", null, summary));
    let filled = false;
    const fill = () => {
      if (!filled && el.open) {
        append(el, [h("div", { class: "expand-body" }, body())]);
        filled = true;
      }
    };
    el.addEventListener("toggle", () => {
      if (el.open) openSet.add(key);
      else openSet.delete(key);
      fill();
    });
    fill();
    return el;
  }

  // -- routing ----------------------------------------------------------------------------

  function route() {
    const raw = location.hash.replace(/^#\/?/, "");
    const [path, query] = raw.split("?");
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    return { view: parts[0] || "overview", args: parts.slice(1), query: new URLSearchParams(query || "") };
  }

  function link(view, args = [], query = {}) {
    const path = [view, ...args].map(enc).join("/");
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== "") params.set(key, value);
    const text = params.toString();
    return `#/${path}${text ? "?" + text : ""}`;
  }

  function go(view, args = [], query = {}) {
    location.hash = link(view, args, query);
  }

  /** What a mounted view may ask for; everything stops when the view is left. */
  class Context {
    constructor() {
      this.alive = true;
      this.timers = [];
      this.refreshers = [];
    }
    /** Runs `fn` now and every `ms` while the page is visible and nobody is selecting text. */
    poll(fn, ms) {
      const run = async (quiet) => {
        if (!this.alive) return;
        if (quiet && (document.hidden || busy())) return;
        try {
          await fn();
        } catch (err) {
          if (!quiet) fail(err);
        }
      };
      this.refreshers.push(() => run(false));
      this.timers.push(setInterval(() => run(true), ms));
      return run(false);
    }
    refresh() {
      return Promise.all(this.refreshers.map((fn) => fn()));
    }
    dispose() {
      this.alive = false;
      this.timers.forEach(clearInterval);
    }
  }

  function busy() {
    const selection = window.getSelection();
    if (selection && String(selection).length > 0) return true;
    const active = document.activeElement;
    return Boolean(active && (active.tagName === "TEXTAREA" || (active.tagName === "INPUT" && active.type !== "checkbox")) && $("#view").contains(active));
  }

  /** Replaces `el`'s children only when `data` differs from what it shows. */
  function paint(el, data, build) {
    const signature = JSON.stringify(data);
    if (el.dataset.signature === signature) return;
    el.replaceChildren();
    append(el, [build()]);
    el.dataset.signature = signature;
  }

  let context = null;

  async function show() {
    const current = route();
    if (context) context.dispose();
    context = new Context();
    document.querySelectorAll("#nav a[data-view]").forEach((a) => {
      const active = a.dataset.view === current.view || (current.view === "resource" && a.dataset.view === "resources");
      a.classList.toggle("active", active);
      if (active) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    });
    const overview = current.view === "overview";
    $("#overview").hidden = !overview;
    const view = $("#view");
    view.hidden = overview;
    const mount = overview ? mountOverview : VIEWS[current.view];
    if (!overview) view.replaceChildren();
    if (!mount) {
      view.append(empty("No such page."), h("p", null, h("a", { href: "#/" }, "Back to the overview")));
      return;
    }
    document.title = `${overview ? "Overview" : TITLES[current.view] || current.view} · paysandbox`;
    await mount(overview ? $("#overview") : view, current, context);
  }

  function viewHead(title, lede, ...actions) {
    return h("div", { class: "view-head" },
      h("div", null, h("h1", null, title), lede ? h("p", { class: "lede" }, lede) : null),
      actions.length ? h("div", { class: "view-actions" }, actions) : null);
  }

  // -- shared data ------------------------------------------------------------------------

  let providers = [];

  async function loadProviders() {
    providers = (await api("GET", "/providers")).data;
    return providers;
  }

  function providerInfo(name) {
    return providers.find((p) => p.name === name);
  }

  function titleOf(name) {
    const info = providerInfo(name);
    return info ? info.title : name;
  }

  /** The amount of a resource's stored data: integers are minor units (paise), as the
   *  sandbox stores money; decimal strings are shown as they are. */
  function amountOf(data) {
    for (const key of ["amount", "total_amount", "order_amount", "amount_captured", "settlement_amount"]) {
      const value = data ? data[key] : undefined;
      if (value === undefined || value === null || typeof value === "object") continue;
      const currency = data.currency || data.currency_code || "";
      const shown = Number.isInteger(value)
        ? (value / 100).toLocaleString("en-IN", { minimumFractionDigits: 2, maximumFractionDigits: 2 })
        : String(value);
      return `${currency ? currency + " " : ""}${shown}`;
    }
    return "";
  }

  // -- overview ---------------------------------------------------------------------------

  async function mountOverview(el, _route, ctx) {
    await ctx.poll(async () => {
      await loadProviders();
      for (const info of providers) {
        const cell = el.querySelector(`[data-counts="${CSS.escape(info.name)}"]`);
        if (!cell) continue;
        const totals = {};
        for (const tenant of info.tenants) {
          for (const [kind, count] of Object.entries(tenant.resources)) totals[kind] = (totals[kind] || 0) + count;
        }
        const parts = info.kinds.filter((k) => totals[k.kind]).map((k) =>
          h("a", { href: link("resources", [], { provider: info.name, kind: k.kind }), class: "count-link" },
            `${totals[k.kind]} ${humanKind(k.kind)}`));
        cell.replaceChildren(...(parts.length ? parts.flatMap((p, i) => (i ? [" · ", p] : [p])) : ["none yet"]));
      }
    }, 5000);
  }

  // -- credentials ------------------------------------------------------------------------

  function shellQuote(text) {
    return "'" + String(text).replace(/'/g, "'\\''") + "'";
  }

  function curlLine(example) {
    const query = new URLSearchParams(example.query || {}).toString();
    const parts = ["curl -s"];
    if (example.method !== "GET" && !(example.method === "POST" && example.body !== null)) parts.push(`-X ${example.method}`);
    parts.push(shellQuote(BASE + example.path + (query ? "?" + query : "")));
    for (const [name, value] of Object.entries(example.headers || {})) parts.push(`-H ${shellQuote(`${name}: ${value}`)}`);
    if (example.body !== null && example.body !== undefined) parts.push(`-d ${shellQuote(example.body)}`);
    return parts.join(" \\\n  ");
  }

  function valueText(value) {
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  async function mountCredentials(el, _route, ctx) {
    el.append(viewHead("Credentials", "Every tenant the sandbox seeds, with the headers its clients send and a request to try. Copy, paste, go."));
    const body = h("div", { class: "stack" });
    el.append(body);
    await ctx.poll(async () => {
      const [credentials, endpoints] = await Promise.all([
        api("GET", "/credentials"), api("GET", "/webhooks/endpoints"), loadProviders()]);
      const endpointOf = {};
      for (const e of endpoints.data) endpointOf[`${e.provider}/${e.tenant}`] = e;
      paint(body, [credentials, endpoints, providers.map((p) => p.tenants.map((t) => t.example && t.example.body))], () =>
        providers.map((info) => credentialCard(info, credentials[info.name] || [], endpointOf)));
    }, 30000);
  }

  function credentialCard(info, tenants, endpointOf) {
    return h("section", { class: "card provider-card", dataset: { provider: info.name } },
      h("div", { class: "card-head" },
        h("h2", { class: "card-title" }, info.title),
        h("span", { class: "muted" }, mono(BASE + info.prefix), " ", copyButton(BASE + info.prefix)),
        h("a", { href: info.docs, target: "_blank", rel: "noopener", class: "push" }, "API docs ↗")),
      h("div", { class: "tenants" }, tenants.map((tenant) => {
        const listed = info.tenants.find((t) => t.id === tenant.id) || {};
        const endpoint = endpointOf[`${info.name}/${tenant.id}`];
        return h("article", { class: "tenant", dataset: { tenant: tenant.id } },
          h("h3", null, tenant.name, " ", mono(tenant.id, "id"), copyButton(tenant.id)),
          h("table", { class: "kv" }, h("tbody", null,
            Object.entries(tenant.credentials).map(([key, value]) =>
              h("tr", null, h("th", null, key), h("td", null, mono(valueText(value)), copyButton(valueText(value))))),
            Object.entries(tenant.headers).map(([name, value]) =>
              h("tr", { class: "header-row" }, h("th", null, `${name} header`),
                h("td", null, mono(`${name}: ${value}`), copyButton(`${name}: ${value}`)))))),
          Object.keys(tenant.profile || {}).length
            ? h("details", { class: "profile" }, h("summary", null, "Profile"), jsonView(tenant.profile)) : null,
          listed.example ? h("div", { class: "example" },
            h("div", { class: "example-head" },
              h("span", null, h("strong", null, "Try it: "), listed.example.summary || `${listed.example.method} ${listed.example.path}`),
              copyButton(curlLine(listed.example), "Copy curl")),
            h("pre", { class: "code curl" }, curlLine(listed.example))) : null,
          info.webhooks ? h("p", { class: "small muted webhook-line" }, "Webhooks go to ",
            endpoint && endpoint.url ? mono(endpoint.url) : h("em", null, "nowhere yet"),
            " · ", h("a", { href: link("webhooks") }, "set the endpoint")) : null);
      })));
  }

  // -- resources --------------------------------------------------------------------------

  async function mountResources(el, current, ctx) {
    await loadProviders();
    const q = current.query;
    const info = providerInfo(q.get("provider")) || providers[0];
    if (!info) {
      el.append(empty("No provider is served."));
      return;
    }
    const tenant = info.tenants.find((t) => t.id === q.get("tenant")) || info.tenants[0];
    const kinds = info.kinds;
    const kind = kinds.find((k) => k.kind === q.get("kind")) || kinds[0];
    const state = q.get("state") || "";
    const choose = (changes) => go("resources", [], {
      provider: info.name, tenant: tenant.id, kind: kind && kind.kind, state, ...changes });

    const jump = h("input", { type: "search", placeholder: "Go to an id…", "aria-label": "Resource id", spellcheck: "false" });
    const jumpForm = h("form", { class: "jump" }, jump);
    jumpForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const id = jump.value.trim();
      if (!id) return;
      try {
        await api("GET", `/resources/${enc(info.name)}/${enc(id)}`, { query: { tenant: tenant.id } });
        go("resource", [info.name, id], { tenant: tenant.id });
      } catch (err) {
        fail(err);
      }
    });

    el.append(viewHead("Resources", "What each tenant holds, newest first. Click one for its history, timers and webhooks, or move it on right here.", jumpForm));
    el.append(h("div", { class: "toolbar" },
      field("Provider", select(providers.map((p) => [p.name, p.title]), info.name,
        (value) => go("resources", [], { provider: value }), { id: "pick-provider" })),
      field("Tenant", select(info.tenants.map((t) => [t.id, `${t.name} (${t.id})`]), tenant.id,
        (value) => choose({ tenant: value, state: "" }), { id: "pick-tenant" })),
      kind && kind.states.length ? field("State", select([["", "any state"], ...kind.states.map((s) => [s, s])], state,
        (value) => choose({ state: value }), { id: "pick-state" })) : null));
    const tabs = h("div", { class: "tabs", role: "tablist" }, kinds.map((k) =>
      h("a", { href: link("resources", [], { provider: info.name, tenant: tenant.id, kind: k.kind }),
        class: `tab ${kind && k.kind === kind.kind ? "active" : ""}`, role: "tab" },
        humanKind(k.kind), h("span", { class: "count" }, String(tenant.resources[k.kind] || 0)))));
    el.append(tabs);
    if (!kind) {
      el.append(empty("This provider keeps nothing yet."));
      return;
    }
    const list = h("div", { class: "card flush" });
    el.append(list);

    const cursors = [null]; // cursors[i] opens page i
    let page = 0;
    const limit = 20;
    const load = async () => {
      const answer = await api("GET", "/resources", { query: {
        provider: info.name, tenant: tenant.id, kind: kind.kind, state, limit, after: cursors[page] } });
      paint(list, [answer, page, Math.floor(sandboxNow() / 5000)], () => resourceTable(answer, kind, page, limit, {
        newer: page > 0 ? () => { page -= 1; load().catch(fail); } : null,
        older: answer.next_cursor ? () => { cursors[page + 1] = answer.next_cursor; page += 1; load().catch(fail); } : null,
        refresh: () => ctx.refresh(),
      }));
    };
    await ctx.poll(load, 2000);
  }

  function resourceTable(answer, kind, page, limit, nav) {
    const rows = answer.data;
    const first = page * limit + 1;
    const footer = h("div", { class: "pager" },
      h("span", { class: "muted" }, answer.total ? `${first}–${first + rows.length - 1} of ${answer.total}` : ""),
      h("span", { class: "push" }),
      h("button", { type: "button", disabled: !nav.newer, onclick: nav.newer || null }, "← Newer"),
      h("button", { type: "button", disabled: !nav.older, onclick: nav.older || null }, "Older →"));
    if (!rows.length) return h("div", null, empty(`No ${humanKind(kind.kind)} here${answer.total ? " on this page" : ""}.`), footer);
    return h("div", null, h("table", { class: "table resources" },
      h("thead", null, h("tr", null, h("th", null, "Id"), h("th", null, "State"), h("th", { class: "num" }, "Amount"),
        h("th", null, "Created"), h("th", null, "Next"), kind.lifecycle ? h("th", null, "Move it on") : null)),
      h("tbody", null, rows.map((r) => {
        const next = r.scheduled[0];
        return h("tr", { dataset: { id: r.id } },
          h("td", null, h("a", { href: link("resource", [r.provider, r.id], { tenant: r.tenant, kind: r.kind }), class: "mono id" }, r.id)),
          h("td", null, badge(r.state)),
          h("td", { class: "num mono" }, amountOf(r.data)),
          h("td", null, when(r.created_at)),
          h("td", { class: "small" }, next ? [h("span", { class: "event-name" }, next.event), " ", h("span", { class: "rel" }, relative(next.at))] : h("span", { class: "muted" }, "–")),
          kind.lifecycle ? h("td", { class: "actions" }, r.allowed_events.map((event) =>
            actionButton(event, () => simulate(r, event, nav.refresh), { class: "chip", title: `Simulate ${event} now` }))) : null);
      }))), footer);
  }

  async function simulate(resource, event, after, params) {
    const body = { provider: resource.provider, resource_id: resource.id, event, tenant: resource.tenant, kind: resource.kind };
    if (params && Object.keys(params).length) body.params = params;
    const updated = await api("POST", "/simulate", { json: body });
    toast(`${resource.id}: ${event} → ${updated.state}`, "ok");
    if (after) await after(updated);
    return updated;
  }

  // -- one resource -----------------------------------------------------------------------

  async function mountResource(el, current, ctx) {
    const [provider, id] = current.args;
    if (!provider || !id) {
      el.append(empty("Which resource? Pick one in Resources."));
      return;
    }
    if (!providers.length) await loadProviders().catch(() => []);
    const webhooksOpen = new Set();
    const holder = h("div");
    el.append(holder);
    const load = async () => {
      const [resource, events, deliveries] = await Promise.all([
        // Ids are unique per tenant and kind: the link says which, when it knows.
        api("GET", `/resources/${enc(provider)}/${enc(id)}`, { query: { tenant: current.query.get("tenant"), kind: current.query.get("kind") } }),
        api("GET", "/events", { query: { provider, resource_id: id, limit: 1000 } }),
        api("GET", "/webhooks", { query: { provider, resource_id: id, order: "newest", limit: 100 } }),
      ]);
      paint(holder, [resource, events, deliveries, Math.floor(sandboxNow() / 5000)], () =>
        resourceDetail(resource, events.data, deliveries.data, webhooksOpen, () => ctx.refresh()));
    };
    await ctx.poll(load, 2000);
  }

  function resourceDetail(r, events, deliveries, openSet, refresh) {
    const paramsArea = h("textarea", { class: "mono", rows: 3, placeholder: '{"amount": "50.00"}', spellcheck: "false", id: "simulate-params" });
    const readParams = () => {
      const text = paramsArea.value.trim();
      if (!text) return {};
      try {
        const value = JSON.parse(text);
        if (value && typeof value === "object" && !Array.isArray(value)) return value;
      } catch (_) { /* refused below */ }
      throw new Error("Params must be a JSON object, e.g. {\"amount\": \"50.00\"}.");
    };
    const links = Object.entries(r.data).filter(([, v]) => typeof v === "string" && /^https?:\/\//.test(v));
    return h("div", { class: "resource-detail" },
      h("nav", { class: "crumbs" },
        h("a", { href: link("resources", [], { provider: r.provider, tenant: r.tenant, kind: r.kind }) },
          `${titleOf(r.provider)} · ${r.tenant} · ${humanKind(r.kind)}`)),
      h("div", { class: "view-head" },
        h("div", null,
          h("h1", { class: "resource-id" }, mono(r.id), copyButton(r.id)),
          h("p", { class: "lede" }, badge(r.state, "big"), " ",
            r.outcome ? h("span", { class: "chip static" }, `outcome: ${r.outcome}`) : null, " ",
            amountOf(r.data) ? h("span", { class: "amount" }, amountOf(r.data)) : null,
            h("span", { class: "muted" }, ` · created ${formatTime(r.created_at)} (${relative(r.created_at)}) · version ${r.version}`)))),
      h("section", { class: "card" },
        h("h2", { class: "card-title" }, "Move it on"),
        r.allowed_events.length
          ? h("div", null,
            h("div", { class: "row wrap", id: "transitions" }, r.allowed_events.map((event) =>
              actionButton(event, async () => { await simulate(r, event, refresh, readParams()); paramsArea.value = ""; },
                { class: "primary", dataset: { event } }))),
            h("details", { class: "params" }, h("summary", null, "With params (what a transition needs, e.g. a refund's amount)"), paramsArea))
          : h("p", { class: "muted" }, `No transition is allowed from ${r.state}.`),
        h("p", { class: "small muted" }, "Each button forces that transition now, through POST /_sandbox/simulate, with the events and webhooks a real one sends.")),
      h("div", { class: "grid-2" },
        h("section", { class: "card" },
          h("h2", { class: "card-title" }, "History"),
          h("ol", { class: "timeline" },
            h("li", null, h("span", { class: "dot" }), h("strong", null, "created"), " ", when(r.created_at)),
            events.map((e) => h("li", { class: tone(e.state) }, h("span", { class: "dot" }),
              h("strong", null, e.name), " → ", badge(e.state), " ", when(e.at)))),
          h("h2", { class: "card-title" }, "Scheduled"),
          r.scheduled.length
            ? h("ul", { class: "plain", id: "scheduled" }, r.scheduled.map((t) =>
              h("li", null, h("span", { class: "event-name" }, t.event), " ", when(t.at))))
            : h("p", { class: "muted small" }, "Nothing scheduled."),
          h("p", { class: "small muted" }, "Advance the clock (top bar) to let them fall due.")),
        h("section", { class: "card" },
          h("h2", { class: "card-title" }, `Webhooks (${deliveries.length})`),
          deliveries.length ? deliveryList(deliveries, openSet, refresh)
            : h("p", { class: "muted small" }, "None sent for this resource. ",
              h("a", { href: link("webhooks") }, "Set an endpoint"), " and move it on."))),
      links.length ? card("Links", h("ul", { class: "plain" }, links.map(([key, value]) =>
        h("li", null, h("span", { class: "muted" }, `${key}: `), h("a", { href: value, target: "_blank", rel: "noopener" }, value))))) : null,
      card("Data", jsonView(r.data)));
  }

  // -- webhooks ---------------------------------------------------------------------------

  function signatureHeaders(provider) {
    const info = providerInfo(provider);
    return (info && info.signature_headers) || [];
  }

  function deliveryList(deliveries, openSet, refresh) {
    return h("div", { class: "deliveries" }, deliveries.map((d) => {
      const last = d.attempts[d.attempts.length - 1];
      const summary = [
        badge(d.status), " ",
        h("strong", { class: "event-name" }, d.event), " ",
        h("a", { href: link("resource", [d.provider, d.resource_id], { tenant: d.tenant }), class: "mono small" }, d.resource_id), " ",
        h("span", { class: "muted small" }, `${titleOf(d.provider)} · ${d.tenant}`),
        h("span", { class: "push small muted" },
          plural(d.attempts.length, "attempt"), last ? [" · last ", statusBadge(last.status_code)] : null,
          d.next_attempt_at ? ` · next ${relative(d.next_attempt_at)}` : "",
          " · ", formatTime(d.created_at)),
      ];
      return expandable(d.id, openSet, h("span", { class: "delivery-summary", dataset: { delivery: d.id } }, summary),
        () => deliveryDetail(d, refresh));
    }));
  }

  function deliveryDetail(d, refresh) {
    const contentType = d.headers["Content-Type"] || d.headers["content-type"] || "";
    return h("div", { class: "delivery" },
      h("div", { class: "row wrap" },
        h("span", null, h("span", { class: "muted" }, "To "), mono(d.url)),
        h("span", { class: "push" }),
        actionButton("Redeliver", async () => {
          await api("POST", `/webhooks/${enc(d.id)}/redeliver`);
          toast(`${d.event} queued again: it goes out within a second`, "ok");
          if (refresh) await refresh();
        }, { class: "primary redeliver" })),
      h("dl", { class: "facts" },
        h("dt", null, "Status"), h("dd", null, badge(d.status)),
        h("dt", null, "Next attempt"), h("dd", null, d.next_attempt_at ? when(d.next_attempt_at) : "–"),
        h("dt", null, "Delivered"), h("dd", null, d.delivered_at ? when(d.delivered_at) : "–"),
        h("dt", null, "Event id"), h("dd", null, mono(d.event_id))),
      h("h4", null, "Attempts"),
      d.attempts.length ? h("table", { class: "table compact attempts" },
        h("thead", null, h("tr", null, h("th", null, "#"), h("th", null, "At"), h("th", null, "Answer"), h("th", { class: "num" }, "ms"), h("th", null, "Error"))),
        h("tbody", null, d.attempts.map((a) => h("tr", null,
          h("td", null, String(a.number)), h("td", null, when(a.at)), h("td", null, statusBadge(a.status_code)),
          h("td", { class: "num" }, a.duration_ms.toFixed(1)), h("td", { class: "small" }, a.error || ""))))) : h("p", { class: "muted small" }, "Not attempted yet."),
      h("h4", null, "Headers"), headersView(d.headers, signatureHeaders(d.provider)),
      h("h4", null, "Payload"), d.payload !== null ? jsonView(d.payload) : bodyView(d.body, contentType));
  }

  async function mountWebhooks(el, current, ctx) {
    await loadProviders();
    const q = current.query;
    const provider = q.get("provider") || "";
    const status = q.get("status") || "";
    const senders = providers.filter((p) => p.webhooks);
    const choose = (changes) => go("webhooks", [], { provider, status, ...changes });
    el.append(viewHead("Webhooks", "Every notification the sandbox sent: attempts, answers, payloads and signatures. Redeliver any of them.",
      actionButton("Deliver due now", async () => {
        const answer = await api("POST", "/webhooks/deliver");
        toast(`${plural(answer.data.length, "delivery")} attempted`, "ok");
        await ctx.refresh();
      })));
    const endpointsEl = h("div");
    el.append(h("section", { class: "card" }, h("h2", { class: "card-title" }, "Endpoints"),
      h("p", { class: "small muted" }, "Where each tenant's webhooks go. The built-in inbox receives and verifies them inside the sandbox (see Inbox)."),
      endpointsEl));
    el.append(h("h2", { class: "section-title" }, "Deliveries"), h("div", { class: "toolbar" },
      field("Provider", select([["", "all providers"], ...senders.map((p) => [p.name, p.title])], provider, (value) => choose({ provider: value }))),
      field("Status", select([["", "any status"], ...["pending", "sending", "delivered", "failed"].map((s) => [s, s])], status, (value) => choose({ status: value })))));
    const listEl = h("div", { class: "card flush" });
    el.append(listEl);
    const openSet = new Set();
    const editing = new Set();
    let limit = 50;
    await ctx.poll(async () => {
      const [endpoints, deliveries] = await Promise.all([
        api("GET", "/webhooks/endpoints"),
        api("GET", "/webhooks", { query: { provider, status, order: "newest", limit } }),
      ]);
      if (!editing.size) paint(endpointsEl, endpoints, () => endpointTable(endpoints.data, editing, () => ctx.refresh()));
      paint(listEl, [deliveries, limit, Math.floor(sandboxNow() / 5000)], () => deliveries.data.length
        ? h("div", null, deliveryList(deliveries.data, openSet, () => ctx.refresh()),
          deliveries.data.length >= limit ? h("div", { class: "pager" }, h("span", { class: "push" }),
            h("button", { type: "button", onclick: () => { limit = Math.min(limit * 4, 1000); ctx.refresh(); } }, "Show more")) : null)
        : empty("No webhook sent yet. Set an endpoint above, then create or move a resource."));
    }, 2000);
  }

  function inboxUrl(name) {
    return `${BASE}/_sandbox/inbox/${enc(name)}`;
  }

  function endpointTable(endpoints, editing, refresh) {
    if (!endpoints.length) return empty("No provider here sends webhooks.");
    return h("table", { class: "table endpoints" },
      h("thead", null, h("tr", null, h("th", null, "Provider"), h("th", null, "Tenant"), h("th", null, "URL"), h("th", null, "Signing secret"), h("th", null, ""))),
      h("tbody", null, endpoints.map((e) => {
        const key = `${e.provider}/${e.tenant}`;
        const input = h("input", { type: "url", value: e.url || "", placeholder: "https://example.test/webhooks", class: "mono grow", "aria-label": `Webhook URL of ${key}` });
        const save = async (url) => {
          await api("PUT", `/webhooks/endpoints/${enc(e.provider)}/${enc(e.tenant)}`, { json: { url } });
          editing.delete(key);
          toast(`${titleOf(e.provider)} ${e.tenant}: webhooks now go to ${url}`, "ok");
          await refresh();
        };
        const urlCell = editing.has(key)
          ? h("form", { class: "row", onsubmit: (event) => { event.preventDefault(); save(input.value.trim()).catch(fail); } },
            input, h("button", { type: "submit", class: "primary" }, "Save"),
            h("button", { type: "button", onclick: () => { editing.delete(key); refresh(); } }, "Cancel"))
          : (e.url ? mono(e.url) : h("em", { class: "muted" }, "not set"));
        return h("tr", { dataset: { endpoint: key } },
          h("td", null, titleOf(e.provider)),
          h("td", null, mono(e.tenant)),
          h("td", { class: "url-cell" }, urlCell),
          h("td", null, mono(e.secret), copyButton(e.secret)),
          h("td", { class: "actions" },
            actionButton("Use the inbox", () => save(inboxUrl("console")), { class: "use-inbox", title: "Send this tenant's webhooks to the built-in inbox 'console'" }),
            h("button", { type: "button", onclick: () => { editing.add(key); refresh(); setTimeout(() => input.focus(), 0); } }, "Edit"),
            e.url ? actionButton("Remove", async () => {
              await api("DELETE", `/webhooks/endpoints/${enc(e.provider)}/${enc(e.tenant)}`);
              toast(`${titleOf(e.provider)} ${e.tenant}: webhooks off`, "ok");
              await refresh();
            }) : null));
      })));
  }

  // -- the inbox --------------------------------------------------------------------------

  async function mountInbox(el, current, ctx) {
    const endpoints = (await api("GET", "/webhooks/endpoints")).data;
    const names = new Set(["console"]);
    for (const e of endpoints) {
      const found = (e.url || "").match(/\/_sandbox\/inbox\/([A-Za-z0-9_.-]{1,64})$/);
      if (found) names.add(found[1]);
    }
    const name = current.args[0] || [...names][0];
    names.add(name);
    if (!providers.length) await loadProviders().catch(() => []);
    const other = h("input", { type: "text", placeholder: "another inbox…", pattern: "[A-Za-z0-9_.-]{1,64}", "aria-label": "Inbox name", spellcheck: "false" });
    const otherForm = h("form", { class: "jump" }, other);
    otherForm.addEventListener("submit", (event) => {
      event.preventDefault();
      if (other.value.trim()) go("inbox", [other.value.trim()]);
    });
    el.append(viewHead("Inbox", "A webhook receiver inside the sandbox: point an endpoint at it and read what arrived, signatures checked.", otherForm));
    el.append(h("div", { class: "tabs" }, [...names].map((n) =>
      h("a", { href: link("inbox", [n]), class: `tab ${n === name ? "active" : ""}` }, n))));
    const head = h("div");
    const list = h("div");
    el.append(h("section", { class: "card" }, head, list));
    const openSet = new Set();
    await ctx.poll(async () => {
      const inbox = await api("GET", `/inbox/${enc(name)}`);
      paint(head, inbox.status, () => h("div", { class: "row wrap" },
        h("span", null, "Receives at ", mono(inboxUrl(name)), copyButton(inboxUrl(name))),
        h("span", { class: "push" }),
        h("span", null, "answers ", statusBadge(inbox.status)),
        inbox.status >= 200 && inbox.status < 300
          ? actionButton("Take it down (503)", async () => { await api("PUT", `/inbox/${enc(name)}/status`, { json: { status: 503 } }); await ctx.refresh(); })
          : actionButton("Bring it up (200)", async () => { await api("PUT", `/inbox/${enc(name)}/status`, { json: { status: 200 } }); await ctx.refresh(); })));
      const entries = inbox.data.slice().reverse();
      paint(list, [inbox.data.length, inbox.data.length && inbox.data[inbox.data.length - 1].seq, Math.floor(sandboxNow() / 5000)], () => entries.length
        ? h("div", { class: "deliveries" }, entries.map((entry) => {
          const kind = entry.headers["content-type"] || "";
          return expandable(`inbox-${entry.seq}`, openSet,
            h("span", { class: "delivery-summary" }, statusBadge(entry.status), " ",
              entry.verified_by ? h("span", { class: "badge good" }, `signature verified · ${entry.verified_by}`)
                : h("span", { class: "badge bad" }, "signature not verified"),
              " ", h("span", { class: "muted small" }, `#${entry.seq}`),
              h("span", { class: "push small muted" }, formatTime(entry.at), " ", h("span", { class: "rel" }, relative(entry.at)))),
            () => h("div", null, h("h4", null, "Headers"), headersView(entry.headers, providers.flatMap((p) => p.signature_headers || [])),
              h("h4", null, "Body"), bodyView(entry.body, kind)));
        }))
        : empty(`Nothing received in “${name}” yet. On Webhooks, choose “Use the inbox” for a tenant.`));
    }, 2000);
  }

  // -- the journal ------------------------------------------------------------------------

  async function mountJournal(el, current, ctx) {
    if (!providers.length) await loadProviders().catch(() => []);
    const q = current.query;
    const filters = {
      provider: q.get("provider") || "", method: q.get("method") || "",
      status: q.get("status") || "", path: q.get("path") || "" };
    let live = q.get("live") !== "off";
    const choose = (changes) => go("journal", [], { ...filters, live: live ? "" : "off", ...changes });
    const pathInput = h("input", { type: "search", value: filters.path, placeholder: "/zwitch/v1/payments", spellcheck: "false", id: "journal-path" });
    const statusInput = h("input", { type: "number", min: 100, max: 599, value: filters.status, placeholder: "any", id: "journal-status" });
    const filterForm = h("form", { class: "toolbar", id: "journal-filters" },
      field("Provider", select([["", "everything"], ...providers.map((p) => [p.name, p.title]), ["_sandbox", "control API"]], filters.provider,
        (value) => choose({ provider: value }), { id: "journal-provider" })),
      field("Method", select([["", "any"], ...["GET", "POST", "PUT", "PATCH", "DELETE"].map((m) => [m, m])], filters.method,
        (value) => choose({ method: value }), { id: "journal-method" })),
      field("Status", statusInput),
      field("Path starts with", pathInput),
      h("button", { type: "submit" }, "Filter"));
    filterForm.addEventListener("submit", (event) => {
      event.preventDefault();
      choose({ path: pathInput.value.trim(), status: statusInput.value.trim() });
    });
    const liveToggle = h("button", { type: "button", class: `live ${live ? "on" : ""}`, id: "journal-live", "aria-pressed": String(live) },
      h("span", { class: "pulse" }), live ? "Live" : "Paused");
    liveToggle.addEventListener("click", () => {
      live = !live;
      liveToggle.classList.toggle("on", live);
      liveToggle.setAttribute("aria-pressed", String(live));
      liveToggle.lastChild.textContent = live ? "Live" : "Paused";
    });
    el.append(viewHead("Journal", "Every exchange with the sandbox, newest first, with request and response bodies (secrets masked). The console's own reads are left out.",
      liveToggle,
      confirmButton("Clear", "Really clear?", async () => {
        await api("DELETE", "/requests");
        rows.replaceChildren();
        last = 0;
        toast("Journal cleared", "ok");
      }, { class: "danger-quiet" })));
    el.append(filterForm);
    const rows = h("div", { class: "journal", id: "journal-rows" });
    el.append(h("div", { class: "card flush" }, rows));
    const openSet = new Set();
    let last = 0;
    const query = { provider: filters.provider, method: filters.method, status: filters.status, path: filters.path };
    const addEntries = (entries, fresh) => {
      // entries come newest first
      const nodes = entries.map((entry) => journalRow(entry, openSet, fresh));
      rows.prepend(...nodes);
      while (rows.childElementCount > 500) rows.lastElementChild.remove();
      if (!rows.childElementCount) rows.append(empty("Nothing recorded yet (or nothing matches)."));
    };
    const initial = await api("GET", "/requests", { query: { ...query, limit: 200 } });
    rows.replaceChildren();
    last = initial.data.length ? initial.data[0].seq : 0;
    if (!initial.data.length) {
      // Later entries count from what is there now, whatever the filters.
      const newest = await api("GET", "/requests", { query: { limit: 1 } });
      last = newest.data.length ? newest.data[0].seq : 0;
    }
    addEntries(initial.data, false);
    const tail = async () => {
      if (!live) return;
      const fresh = await api("GET", "/requests", { query: { ...query, after: last, limit: 1000 } });
      if (!fresh.data.length) return;
      last = fresh.data[0].seq;
      const placeholder = rows.querySelector(".empty");
      if (placeholder) placeholder.remove();
      addEntries(fresh.data, true);
    };
    ctx.timers.push(setInterval(() => { if (ctx.alive && !document.hidden) tail().catch(() => {}); }, 1000));
  }

  function journalRow(entry, openSet, fresh) {
    const path = entry.query ? `${entry.path}?${entry.query}` : entry.path;
    const requestType = entry.request_headers["content-type"] || "";
    const responseType = entry.response_headers["content-type"] || "";
    const row = expandable(`journal-${entry.seq}`, openSet,
      h("span", { class: "journal-line", dataset: { seq: String(entry.seq) } },
        h("span", { class: "muted small mono" }, formatTime(entry.at).slice(11)),
        h("span", { class: `method m-${entry.method.toLowerCase()}` }, entry.method),
        h("span", { class: "mono path" }, path),
        h("span", { class: "push" }),
        h("span", { class: "muted small" }, entry.provider === "_sandbox" ? "control API" : entry.provider ? titleOf(entry.provider) : "page"),
        statusBadge(entry.status),
        h("span", { class: "muted small num ms" }, `${entry.duration_ms.toFixed(1)} ms`)),
      () => h("div", { class: "grid-2 exchange" },
        h("div", null, h("h4", null, "Request"), headersView(entry.request_headers), bodyView(entry.request_body, requestType)),
        h("div", null, h("h4", null, "Response"), headersView(entry.response_headers), bodyView(entry.response_body, responseType))));
    if (fresh) row.classList.add("fresh");
    return row;
  }

  // -- timers -----------------------------------------------------------------------------

  async function mountTimers(el, _current, ctx) {
    if (!providers.length) await loadProviders().catch(() => []);
    el.append(viewHead("Timers", "Transitions waiting on the sandbox clock, earliest first. Advance the clock in the top bar to let them fall due."));
    const scheduled = h("div", { class: "card flush" });
    const dead = h("div");
    el.append(scheduled, dead);
    await ctx.poll(async () => {
      const [waiting, failed] = await Promise.all([
        api("GET", "/timers", { query: { limit: 200 } }),
        api("GET", "/timers", { query: { state: "dead", limit: 200 } }),
      ]);
      paint(scheduled, [waiting, Math.floor(sandboxNow() / 5000)], () => waiting.data.length
        ? h("table", { class: "table timers" },
          h("thead", null, h("tr", null, h("th", null, "Due"), h("th", null, "Transition"), h("th", null, "Resource"), h("th", null, "Tenant"), h("th", null, "Repeats"))),
          h("tbody", null, waiting.data.map((t) => h("tr", null,
            h("td", null, when(t.due_at)),
            h("td", null, h("span", { class: "event-name" }, t.event), t.armed_in ? h("span", { class: "muted small" }, ` (while ${t.armed_in})`) : null),
            h("td", null, h("a", { href: link("resource", [t.provider, t.resource_id], { tenant: t.tenant, kind: t.kind }), class: "mono" }, t.resource_id), h("span", { class: "muted small" }, ` ${humanKind(t.kind)}`)),
            h("td", { class: "small" }, `${titleOf(t.provider)} · ${t.tenant}`),
            h("td", { class: "small muted" }, t.repeat ? (t.repeat.every_ms ? `every ${span(t.repeat.every_ms)}` : `at ${t.repeat.at}`) + (t.repeat.left ? `, ${t.repeat.left} left` : "") : "–")))))
        : empty("Nothing is scheduled."));
      paint(dead, failed, () => failed.data.length ? card("Dead timers",
        h("p", { class: "small muted" }, "Their transition raised when it fell due; they are out of the schedule until retried."),
        h("table", { class: "table" }, h("tbody", null, failed.data.map((t) => h("tr", null,
          h("td", null, h("a", { href: link("resource", [t.provider, t.resource_id], { tenant: t.tenant, kind: t.kind }), class: "mono" }, t.resource_id)),
          h("td", null, h("span", { class: "event-name" }, t.event)),
          h("td", { class: "small" }, t.error),
          h("td", null, actionButton("Retry", async () => {
            const answer = await api("POST", `/timers/${t.seq}/retry`);
            toast(`${plural(answer.fired, "transition")} fired`, "ok");
            await ctx.refresh();
          }))))))) : h("span"));
    }, 2000);
  }

  // -- scenarios --------------------------------------------------------------------------

  const SCENARIO_PLACEHOLDER = `name: slow-bank
description: Zwitch UPI collects complete after 90 s instead of 30 s
provider: zwitch
lifecycle:
  - machine: upi_collect
    timers:
      success:
        - {after: 30s, do: process}
        - {after: 90s, do: complete}`;

  async function mountScenarios(el, _current, ctx) {
    el.append(viewHead("Scenarios", "Scripted behaviour: lifecycle overrides, faults and fixtures. Load one by pasting it; unloading brings the defaults back (resources it made stay)."));
    const list = h("div", { class: "stack", id: "scenario-list" });
    const text = h("textarea", { class: "mono", rows: 12, placeholder: SCENARIO_PLACEHOLDER, spellcheck: "false", id: "scenario-text", "aria-label": "Scenario YAML" });
    const problems = h("div", { class: "problems", id: "scenario-problems" });
    const file = h("input", { type: "file", accept: ".yaml,.yml,.json,text/yaml,application/json", "aria-label": "Scenario file" });
    file.addEventListener("change", async () => {
      if (file.files && file.files[0]) text.value = await file.files[0].text();
    });
    const load = actionButton("Load scenario", async () => {
      problems.replaceChildren();
      if (!text.value.trim()) {
        problems.append(h("p", { class: "error" }, "Paste a scenario first."));
        return;
      }
      try {
        const loaded = await api("POST", "/scenarios", { yaml: text.value });
        toast(`Scenario “${loaded.name}” loaded`, "ok");
        text.value = "";
        await Promise.all([ctx.refresh(), refreshCounts()]);
      } catch (err) {
        const details = (err.body && err.body.error && err.body.error.problems) || [err.message];
        problems.append(h("p", { class: "error" }, "The sandbox refused it; nothing changed:"),
          h("ul", { class: "error-list" }, details.map((p) => h("li", null, p))));
      }
    }, { class: "primary", id: "scenario-load" });
    el.append(list, card("Load a scenario",
      text,
      h("div", { class: "row wrap" }, load, h("span", { class: "muted small" }, "or read a file: "), file,
        h("span", { class: "push" }),
        h("a", { href: "/_sandbox/scenario-schema", target: "_blank", rel: "noopener", class: "small" }, "The format (JSON Schema) ↗")),
      problems));
    await ctx.poll(async () => {
      const loaded = await api("GET", "/scenarios");
      paint(list, loaded, () => loaded.data.length ? loaded.data.map((s) => h("section", { class: "card scenario", dataset: { scenario: s.name } },
        h("div", { class: "card-head" },
          h("h2", { class: "card-title" }, s.name),
          h("span", { class: "muted small" }, s.source),
          h("span", { class: "push" }),
          actionButton("Unload", async () => {
            await api("DELETE", `/scenarios/${enc(s.name)}`);
            toast(`Scenario “${s.name}” unloaded`, "ok");
            await Promise.all([ctx.refresh(), refreshCounts()]);
          }, { class: "unload" })),
        s.description ? h("p", null, s.description) : null,
        h("p", { class: "small muted" }, [
          plural(s.overrides, "lifecycle override"), plural(s.faults, "fault rule"), plural(s.steps, "step"),
          plural(Object.keys(s.fixtures).length, "fixture")].join(" · ")),
        Object.keys(s.fixtures).length ? h("table", { class: "kv" }, h("tbody", null,
          Object.entries(s.fixtures).map(([name, id]) => h("tr", null, h("th", null, name), h("td", null, mono(id), copyButton(id)))))) : null))
        : empty("No scenario is loaded: every provider runs its defaults."));
    }, 5000);
  }

  // -- the clock bar ----------------------------------------------------------------------

  async function loadClock() {
    clock.data = await api("GET", "/clock");
    clock.fetchedAt = performance.now();
    renderClock();
  }

  function renderClock() {
    if (!clock.data) return;
    const frozen = clock.data.frozen;
    $("#clock-now").textContent = formatTime(sandboxNow());
    $("#clock-now").setAttribute("datetime", new Date(sandboxNow()).toISOString());
    const mode = $("#clock-mode");
    mode.textContent = frozen ? "frozen" : "running";
    mode.className = `badge ${frozen ? "frozen" : "running"}`;
    $("#clock-toggle").textContent = frozen ? "Resume" : "Freeze";
  }

  async function advance(seconds, label) {
    const answer = await api("POST", "/clock/advance", { json: { seconds } });
    clock.data = answer;
    clock.fetchedAt = performance.now();
    renderClock();
    toast(`Advanced ${label}: ${plural(answer.fired, "transition")} fired`, "ok");
    if (context) await context.refresh();
  }

  function buildClockControls() {
    const presets = [["+1 min", 60], ["+1 h", 3600], ["+1 day", 86400]].map(([label, seconds]) =>
      actionButton(label, () => advance(seconds, label.slice(1)), { class: "ghost", dataset: { advance: String(seconds) } }));
    const custom = h("input", { type: "text", placeholder: "90s, 2h, 3d", size: 7, "aria-label": "Advance by", id: "advance-by", spellcheck: "false" });
    const form = h("form", { class: "advance" }, custom, h("button", { type: "submit", class: "ghost" }, "Advance"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const seconds = parseDuration(custom.value);
      if (seconds === null || seconds <= 0) {
        toast("Advance by a duration such as 90s, 2h, 1h30m or 3d.", "error");
        return;
      }
      advance(seconds, custom.value.trim()).then(() => { custom.value = ""; }).catch(fail);
    });
    // Until the clock is read (a token may be needed first), the page's own rendering says.
    const frozenAtLoad = $("#clock-mode").textContent.trim() === "frozen";
    const toggle = actionButton(frozenAtLoad ? "Resume" : "Freeze", async () => {
      clock.data = await api("POST", clock.data && clock.data.frozen ? "/clock/resume" : "/clock/freeze");
      clock.fetchedAt = performance.now();
      renderClock();
    }, { class: "ghost", id: "clock-toggle" });
    $("#clock-controls").replaceChildren(...presets, form, toggle);
    $("#top-actions").replaceChildren(
      h("span", { id: "offline", class: "badge bad", hidden: true }, "sandbox not answering"),
      confirmButton("Reset", "Reset everything?", async () => {
        await api("POST", "/reset");
        await loadClock();
        toast("Back to the seeded start state", "ok");
        if (context) await context.refresh();
      }, { class: "ghost danger-quiet", id: "reset", title: "Back to the seeded start state (webhook endpoints and the journal stay)" }));
  }

  async function refreshCounts() {
    try {
      const [scenarios, dead] = await Promise.all([
        api("GET", "/scenarios"), api("GET", "/timers", { query: { state: "dead", limit: 1000 } })]);
      $("#count-scenarios").textContent = scenarios.data.length ? String(scenarios.data.length) : "";
      const deadCount = $("#count-timers");
      deadCount.textContent = dead.data.length ? `${dead.data.length} dead` : "";
      deadCount.classList.toggle("alert", dead.data.length > 0);
    } catch (_) { /* the views say what is wrong */ }
  }

  // -- start ------------------------------------------------------------------------------

  const VIEWS = {
    credentials: mountCredentials,
    resources: mountResources,
    resource: mountResource,
    webhooks: mountWebhooks,
    inbox: mountInbox,
    journal: mountJournal,
    timers: mountTimers,
    scenarios: mountScenarios,
  };
  const TITLES = {
    credentials: "Credentials", resources: "Resources", resource: "Resource", webhooks: "Webhooks",
    inbox: "Inbox", journal: "Journal", timers: "Timers", scenarios: "Scenarios" };

  function start() {
    takeTokenFromAddress();
    buildClockControls();
    $("#token-form").addEventListener("submit", (event) => {
      event.preventDefault();
      useToken($("#token-input").value.trim(), $("#token-remember").checked);
      $("#token-dialog").hidden = true;
      $("#token-input").value = "";
      loadClock().catch(fail);
      refreshCounts();
      show().catch(fail);
    });
    window.addEventListener("hashchange", () => show().catch(fail));
    loadClock().catch(fail);
    setInterval(() => { if (!document.hidden) loadClock().catch(() => {}); }, 2000);
    setInterval(() => { if (clock.data && !clock.data.frozen) renderClock(); }, 250);
    refreshCounts();
    setInterval(() => { if (!document.hidden) refreshCounts(); }, 5000);
    document.body.classList.add("ready");
    show().catch(fail);
  }

  start();
})();
