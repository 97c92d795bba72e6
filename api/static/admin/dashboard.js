// The admin dashboard: asks for the token, loads the admin API with it, draws the figures.
// Everything from the data is rendered as text (textContent / SVG text), never as markup:
// questions and transcripts come from users.

import { ApiError, download, getJson, getToken, post, setToken } from "./api.js";
import { groupedBars, horizontalBars, lineChart, niceMax, overlayColumns } from "./charts.js";
import { language, languageName, pickLanguage, setLanguage, t } from "./i18n.js";

const A = "/v1/admin";
const RATES = ["deflection_rate", "answer_rate", "decline_rate"];
const $ = (id) => document.getElementById(id);
const seen = { channel: new Set(), language: new Set() };
let lastData = null;
const faqQuestions = new Map(); // FAQ id -> question, from the public /v1/faq

async function loadFaqQuestions() {
  if (faqQuestions.size) return;
  try {
    const response = await fetch("/v1/faq", { headers: { Accept: "application/json" }, credentials: "omit" });
    if (!response.ok) return;
    for (const entry of await response.json()) faqQuestions.set(entry.id, entry.question);
  } catch {
    // Only labels are lost: suggestions then show the FAQ id.
  }
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function button(labelKey, onClick, className = "") {
  const b = el("button", className, t(labelKey));
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

const numberFormat = () => new Intl.NumberFormat(language() === "zh" ? "zh-CN" : "en-US");
const num = (v) => (v == null ? "—" : numberFormat().format(v));
const pct = (v) => (v == null || Number.isNaN(v) ? "—" : `${(v * 100).toFixed(1)}%`);
const pctTick = (v) => `${Math.round(v * 100)}%`;
const intTick = (v) => (Number.isInteger(v) ? num(v) : v.toFixed(1));

function isoDay(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function listOf(data, ...keys) {
  if (Array.isArray(data)) return data;
  for (const key of keys) if (Array.isArray(data?.[key])) return data[key];
  return [];
}

// ---- status, sign-in ---------------------------------------------------------------

function say(message, kind = "info") {
  const status = $("status");
  status.textContent = message;
  status.dataset.kind = kind;
  status.hidden = !message;
}

function showSignIn(message, kind = "warn") {
  $("auth").hidden = false;
  $("content").hidden = true;
  $("filters").hidden = true;
  $("sign-out").hidden = true;
  say(message, kind);
  $("token-input").focus();
}

function showDashboard() {
  $("auth").hidden = true;
  $("content").hidden = false;
  $("filters").hidden = false;
  $("sign-out").hidden = false;
}

/** Handle an error of the admin API; true if it was about access (and the page now says so). */
function handleAccessError(error) {
  if (!(error instanceof ApiError)) return false;
  if (error.isAuth) {
    setToken("");
    showSignIn(t("refused", { status: error.status }), "error");
    return true;
  }
  if (error.notConfigured && /token/i.test(error.detail)) {
    showSignIn(t("notConfigured"), "error");
    return true;
  }
  return false;
}

// ---- filters ---------------------------------------------------------------------

function filters() {
  return {
    since: $("f-since").value,
    until: $("f-until").value,
    channel: $("f-channel").value,
    language: $("f-language").value,
  };
}

function fillSelect(select, values, labelOf) {
  const current = select.value;
  const options = [el("option", "", t("all"))];
  options[0].value = "";
  for (const v of [...values].sort()) {
    const option = el("option", "", labelOf(v));
    option.value = v;
    options.push(option);
  }
  select.replaceChildren(...options);
  select.value = values.has(current) ? current : "";
}

function refreshFilterOptions() {
  fillSelect($("f-channel"), seen.channel, (v) => v);
  fillSelect($("f-language"), seen.language, languageName);
}

// ---- loading ---------------------------------------------------------------------

const SOURCES = {
  summary: (f) => getJson(`${A}/analytics/summary`, f),
  timeseries: (f) => getJson(`${A}/analytics/timeseries`, f),
  channel: (f) => getJson(`${A}/analytics/breakdown`, { ...f, by: "channel" }),
  language: (f) => getJson(`${A}/analytics/breakdown`, { ...f, by: "language" }),
  topFaq: (f) => getJson(`${A}/analytics/top-faq`, { ...f, limit: 10 }),
  unanswered: (f) => getJson(`${A}/analytics/unanswered`, { ...f, limit: 20 }),
  suggestions: () => getJson(`${A}/suggestions`),
  tickets: () => getJson(`${A}/tickets`, { status: "open" }),
};

async function load() {
  if (!getToken()) return showSignIn(t("needToken"));
  say(t("loading"));
  const f = filters();
  const names = Object.keys(SOURCES);
  const [settled] = await Promise.all([Promise.allSettled(names.map((n) => SOURCES[n](f))), loadFaqQuestions()]);
  const data = {};
  const errors = {};
  settled.forEach((r, i) => {
    if (r.status === "fulfilled") data[names[i]] = r.value;
    else errors[names[i]] = r.reason;
  });
  for (const error of Object.values(errors)) if (handleAccessError(error)) return;

  for (const row of data.channel?.rows ?? []) seen.channel.add(row.key);
  for (const row of data.language?.rows ?? []) seen.language.add(row.key);
  refreshFilterOptions();
  lastData = { data, errors };
  showDashboard();
  render();
  const failed = Object.keys(errors);
  if (failed.length) say(t("loadFailed", { what: failed.join(", "), detail: errors[failed[0]].message }), "error");
  else say(t("updated", { time: new Date().toLocaleTimeString(language() === "zh" ? "zh-CN" : "en-US") }), "ok");
}

function render() {
  if (!lastData) return;
  const { data, errors } = lastData;
  const panels = [
    ["summary", renderKpis],
    ["timeseries", renderTimeseries],
    ["channel", (d) => renderBreakdown($("chart-channel"), d, (k) => k, "byChannel")],
    ["language", (d) => renderBreakdown($("chart-language"), d, languageName, "byLanguage")],
    ["topFaq", renderTopFaq],
    ["unanswered", renderUnanswered],
    ["suggestions", renderSuggestions],
    ["tickets", renderTickets],
  ];
  for (const [name, draw] of panels) {
    if (name in data) draw(data[name]);
    else panelError(name, errors[name]);
  }
  renderExports();
}

const PANEL_TARGETS = {
  summary: "kpis",
  timeseries: "chart-rates",
  channel: "chart-channel",
  language: "chart-language",
  topFaq: "chart-top-faq",
  unanswered: "unanswered-list",
  suggestions: "suggestions-list",
  tickets: "tickets-list",
};

function panelError(name, error) {
  const target = $(PANEL_TARGETS[name]);
  target.replaceChildren(el("p", "panel-error", t("loadFailed", { what: name, detail: error?.message ?? "?" })));
}

// ---- panels ----------------------------------------------------------------------

const SHOWN = { "unanswered-list": 8, "suggestions-list": 6, "tickets-list": 6 };
const expanded = new Set();

/** Fill ``list`` with ``items``; past the first few, a button shows the rest. */
function fillList(list, items) {
  const limit = SHOWN[list.id] ?? items.length;
  const open = expanded.has(list.id);
  items.forEach((item, i) => {
    item.hidden = !open && i >= limit;
  });
  const nodes = [...items];
  if (items.length > limit) {
    const more = el("li", "more");
    more.append(
      button(open ? "showFewer" : "showAll", () => {
        if (open) expanded.delete(list.id);
        else expanded.add(list.id);
        fillList(list, items);
      }, "ghost show-more"),
    );
    more.querySelector("button").textContent = t(open ? "showFewer" : "showAll", { count: items.length });
    nodes.push(more);
  }
  list.replaceChildren(...nodes);
}

function renderKpis(s) {
  const cards = [
    ["deflection_rate", pct(s.deflection_rate), "hero"],
    ["answer_rate", pct(s.answer_rate)],
    ["decline_rate", pct(s.decline_rate)],
    ["candidate_accept_rate", pct(s.candidate_accept_rate)],
    ["conversations", num(s.conversations)],
    ["turns", num(s.turns)],
    ["handoffs", num(s.handoffs)],
  ];
  const nodes = cards.map(([key, value, extra]) => {
    const card = el("div", `kpi kpi-${key} ${extra ?? ""}`.trim());
    card.append(el("span", "kpi-label", t(key)), el("span", "kpi-value", value));
    return card;
  });
  const feedback = el("div", "kpi kpi-feedback");
  const useful = s.feedback?.useful ?? 0;
  const notUseful = s.feedback?.not_useful ?? 0;
  const values = el("span", "kpi-value");
  values.append(el("span", "good", `${t("useful")} ${num(useful)}`), el("span", "sep", " · "));
  values.append(el("span", "bad", `${t("not_useful")} ${num(notUseful)}`));
  feedback.append(el("span", "kpi-label", t("feedback")), values);
  $("kpis").replaceChildren(...nodes, feedback);
}

function renderTimeseries(ts) {
  const days = ts.days ?? [];
  const labels = days.map((d) => d.day);
  lineChart($("chart-rates"), {
    labels,
    series: RATES.map((key) => ({ key, label: t(key), values: days.map((d) => d[key] ?? null) })),
    max: 1,
    format: pct,
    tickFormat: pctTick,
    empty: t("noData"),
    title: t("ratesOverTime"),
  });
  overlayColumns($("chart-volume"), {
    labels,
    back: { key: "conversations", label: t("conversations"), values: days.map((d) => d.conversations ?? 0) },
    front: { key: "handoffs", label: t("handoffs"), values: days.map((d) => d.handoffs ?? 0) },
    format: intTick,
    empty: t("noData"),
    title: t("volumeOverTime"),
  });
}

function renderBreakdown(container, breakdown, labelOf, titleKey) {
  const rows = breakdown.rows ?? [];
  groupedBars(container, {
    categories: rows.map((r) => ({
      key: r.key,
      label: labelOf(r.key),
      note: t("nConversations", { count: num(r.conversations) }),
      row: r,
    })),
    series: RATES.map((key) => ({ key, label: t(key) })),
    value: (cat, key) => cat.row[key] ?? null,
    max: 1,
    format: pct,
    labelFormat: pctTick,
    tickFormat: pctTick,
    empty: t("noData"),
    title: t(titleKey),
  });
}

function renderTopFaq(top) {
  const rows = (top.rows ?? []).map((r) => {
    const useful = r.useful ?? 0;
    const notUseful = r.not_useful ?? 0;
    const rest = Math.max(0, (r.answered ?? 0) - useful - notUseful);
    return {
      label: r.question ?? r.faq_id,
      title: `${r.faq_id}: ${r.question ?? ""}`,
      total: Math.max(r.answered ?? 0, useful + notUseful),
      segments: [
        { key: "useful", label: t("useful"), value: useful },
        { key: "not_useful", label: t("not_useful"), value: notUseful },
        { key: "no_feedback", label: t("no_feedback"), value: rest },
      ],
      answered: r.answered ?? 0,
      useful,
      notUseful,
    };
  });
  horizontalBars($("chart-top-faq"), {
    rows,
    legend: ["useful", "not_useful", "no_feedback"].map((key) => ({ key, label: t(key) })),
    describe: (r) => `${num(r.answered)} · ${t("useful")} ${num(r.useful)} · ${t("not_useful")} ${num(r.notUseful)}`,
    empty: t("noData"),
  });
}

/** A ``### question`` stub in the FAQ's Markdown format, ready to paste under a ``##`` section. */
export function faqStub(group) {
  const question = String(group.suggested_question || group.examples?.[0] || "").replace(/\s+/g, " ").trim();
  return `### ${question}\n${t("answerPlaceholder")}\n`;
}

async function copyStub(group, feedback) {
  const stub = faqStub(group);
  const area = el("textarea", "stub");
  area.readOnly = true;
  area.rows = 3;
  area.value = stub;
  try {
    await navigator.clipboard.writeText(stub);
    feedback.replaceChildren(el("span", "ok", t("copied")), area);
  } catch {
    feedback.replaceChildren(el("span", "", t("copyManually")), area);
    area.focus();
    area.select();
  }
}

function renderUnanswered(data) {
  const groups = listOf(data, "groups");
  const list = $("unanswered-list");
  if (!groups.length) return list.replaceChildren(el("li", "empty", t("noData")));
  const max = niceMax(Math.max(...groups.map((g) => g.count ?? 0)));
  fillList(
    list,
    groups.map((g) => {
      const item = el("li", "group");
      item.dataset.id = g.id;
      const head = el("div", "group-head");
      const meter = el("span", "meter");
      const fill = el("span", "meter-fill");
      fill.style.width = `${Math.round((100 * (g.count ?? 0)) / max)}%`;
      meter.append(fill);
      head.append(
        el("span", "count", t("asked", { count: num(g.count) })),
        meter,
        el("strong", "suggested", g.suggested_question ?? g.examples?.[0] ?? ""),
      );
      const examples = el("ul", "examples");
      for (const ex of (g.examples ?? []).slice(0, 5)) examples.append(el("li", "", ex));
      const feedback = el("div", "stub-feedback");
      const add = button("addToFaq", () => copyStub(g, feedback), "add-to-faq");
      head.append(add);
      item.append(head, examples, feedback);
      return item;
    }),
  );
}

function renderSuggestions(data) {
  const rows = listOf(data, "suggestions", "rows", "items").filter((s) => !s.status || s.status === "pending");
  const list = $("suggestions-list");
  if (!rows.length) return list.replaceChildren(el("li", "empty", t("nothingToReview")));
  fillList(
    list,
    rows.map((s) => {
      const item = el("li", "item suggestion");
      item.dataset.id = s.id;
      const text = s.phrasing ?? s.alternate ?? s.text ?? s.question ?? "";
      const target = s.faq_question ?? faqQuestions.get(s.faq_id) ?? s.faq_id ?? "";
      const body = el("div", "item-body");
      body.append(el("q", "phrasing", text));
      if (target) body.append(el("span", "muted", ` ${t("forEntry")} `), el("span", "target", target));
      if (s.count != null) body.append(el("span", "badge", t("seen", { count: num(s.count) })));
      const actions = el("div", "item-actions");
      const act = (verb, doneKey) => async () => {
        try {
          await post(`${A}/suggestions/${encodeURIComponent(s.id)}/${verb}`);
          actions.replaceChildren(el("span", `done done-${verb}`, t(doneKey)));
        } catch (e) {
          if (!handleAccessError(e)) say(e.message, "error");
        }
      };
      actions.append(button("accept", act("accept", "accepted"), "accept"), button("reject", act("reject", "rejected"), "ghost reject"));
      item.append(body, actions);
      return item;
    }),
  );
}

function renderTickets(data) {
  const rows = listOf(data, "tickets", "rows", "items");
  const list = $("tickets-list");
  if (!rows.length) return list.replaceChildren(el("li", "empty", t("nothingOpen")));
  fillList(
    list,
    rows.map((tk) => {
      const item = el("li", "item ticket");
      item.dataset.id = tk.id;
      const body = el("div", "item-body");
      const meta = [
        tk.channel,
        tk.language && languageName(tk.language),
        tk.created_at && t("opened", { time: tk.created_at.slice(0, 16).replace("T", " ") }),
        tk.delivery_status && tk.delivery_status !== "not_configured" && t("delivery", { status: tk.delivery_status }),
      ];
      body.append(el("div", "muted", meta.filter(Boolean).join(" · ")));
      if (tk.reason) body.append(el("div", "reason", `${t("reason")}: ${tk.reason}`));
      const transcript = listOf(tk.transcript);
      const lastUser = [...transcript].reverse().find((l) => l.sender === "user") ?? transcript[transcript.length - 1];
      if (lastUser) body.append(el("q", "last-message", lastUser.text));
      const actions = el("div", "item-actions");
      actions.append(
        button("close", async () => {
          try {
            await post(`${A}/tickets/${encodeURIComponent(tk.id)}/close`);
            actions.replaceChildren(el("span", "done", t("closed")));
          } catch (e) {
            if (!handleAccessError(e)) say(e.message, "error");
          }
        }, "close-ticket"),
      );
      item.append(body, actions);
      return item;
    }),
  );
}

const EXPORTS = [
  ["exportTurnsCsv", `${A}/export/turns.csv`, {}, "turns.csv", "text/csv"],
  ["exportTurnsJson", `${A}/export/turns.json`, {}, "turns.json", "application/json"],
  ["exportSummaryCsv", `${A}/analytics/summary`, { format: "csv" }, "summary.csv", "text/csv"],
  ["exportTimeseriesCsv", `${A}/analytics/timeseries`, { format: "csv" }, "timeseries.csv", "text/csv"],
  ["exportChannelCsv", `${A}/analytics/breakdown`, { by: "channel", format: "csv" }, "by-channel.csv", "text/csv"],
  ["exportLanguageCsv", `${A}/analytics/breakdown`, { by: "language", format: "csv" }, "by-language.csv", "text/csv"],
];

function renderExports() {
  const box = $("exports");
  const buttons = EXPORTS.map(([key, path, extra, name, accept]) => {
    const b = button(key, async () => {
      b.disabled = true;
      try {
        const saved = await download(path, { ...filters(), ...extra }, name, accept);
        say(t("downloaded", { name: saved }), "ok");
      } catch (e) {
        if (!handleAccessError(e)) say(t("loadFailed", { what: name, detail: e.message }), "error");
      } finally {
        b.disabled = false;
      }
    }, "export");
    b.dataset.export = name;
    return b;
  });
  box.replaceChildren(...buttons, el("p", "hint", t("exportHint")));
}

// ---- start -----------------------------------------------------------------------

function start() {
  setLanguage(pickLanguage());
  const today = new Date();
  const monthAgo = new Date(today);
  monthAgo.setDate(today.getDate() - 29);
  $("f-since").value = isoDay(monthAgo);
  $("f-until").value = isoDay(today);
  refreshFilterOptions();

  for (const b of document.querySelectorAll("[data-lang]")) {
    b.addEventListener("click", () => {
      setLanguage(b.dataset.lang, true);
      refreshFilterOptions();
      render();
      if (!getToken()) say(t("needToken"), "warn");
    });
  }
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("token-input");
    setToken(input.value.trim());
    input.value = "";
    load();
  });
  $("sign-out").addEventListener("click", () => {
    setToken("");
    lastData = null;
    showSignIn(t("needToken"));
  });
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  load();
}

start();
