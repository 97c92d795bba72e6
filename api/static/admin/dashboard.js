// The admin dashboard: asks for the token, loads the admin API with it, draws the figures.
// Everything from the data is rendered as text (textContent / SVG text), never as markup:
// questions and transcripts come from users.
//
// This module starts the page and ties the panels together: sources.js loads the data,
// filters.js holds the form, figures.js, cases.js and lists.js draw the panels (case_text.js
// a ticket's connectivity case), exports.js the downloads, status.js what the page says.

import { getToken, setToken } from "./api.js";
import { renderCaseDays, renderCases } from "./cases.js";
import { $, el } from "./dom.js";
import { renderExports } from "./exports.js";
import { renderBreakdown, renderKpis, renderTimeseries, renderTopFaq } from "./figures.js";
import { filters, noteFilterValues, refreshFilterOptions, setDefaultPeriod } from "./filters.js";
import { locale } from "./format.js";
import { languageName, pickLanguage, setLanguage, t } from "./i18n.js";
import { renderSuggestions, renderTickets, renderUnanswered } from "./lists.js";
import { loadRecords, renderRecords } from "./records.js";
import { loadPanels } from "./sources.js";
import { handleAccessError, say, showDashboard, showSignIn } from "./status.js";

let lastData = null;

async function load() {
  if (!getToken()) return showSignIn(t("needToken"));
  say(t("loading"));
  const [{ data, errors }] = await Promise.all([loadPanels(filters()), loadRecords()]);
  for (const error of Object.values(errors)) if (handleAccessError(error)) return;

  noteFilterValues(data);
  refreshFilterOptions();
  lastData = { data, errors };
  showDashboard();
  render();
  const failed = Object.keys(errors);
  if (failed.length) say(t("loadFailed", { what: failed.join(", "), detail: errors[failed[0]].message }), "error");
  else say(t("updated", { time: new Date().toLocaleTimeString(locale()) }), "ok");
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
    ["cases", renderCases],
    ["caseDays", renderCaseDays],
  ];
  for (const [name, draw] of panels) {
    if (name in data) draw(data[name]);
    else panelError(name, errors[name]);
  }
  renderExports();
  renderRecords();
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
  cases: "chart-cases-cause",
  caseDays: "chart-cases-days",
};

function panelError(name, error) {
  const target = $(PANEL_TARGETS[name]);
  target.replaceChildren(el("p", "panel-error", t("loadFailed", { what: name, detail: error?.message ?? "?" })));
}

function start() {
  setLanguage(pickLanguage());
  setDefaultPeriod();
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
    $("records").hidden = true;
    showSignIn(t("needToken"));
  });
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  load();
}

start();
