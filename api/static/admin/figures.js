// The figure panels: the summary cards, rates and volumes over time, the breakdowns by
// channel and language, and the most answered FAQ entries.

import { groupedBars, horizontalBars, lineChart, overlayColumns } from "./charts.js";
import { $, el } from "./dom.js";
import { intTick, num, pct, pctTick } from "./format.js";
import { t } from "./i18n.js";

const RATES = ["deflection_rate", "answer_rate", "decline_rate"];

export function renderKpis(s) {
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

export function renderTimeseries(ts) {
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

export function renderBreakdown(container, breakdown, labelOf, titleKey) {
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

export function renderTopFaq(top) {
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
