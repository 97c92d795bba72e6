// The connectivity-case panel: how the bot's troubleshooting ended (concluded, handed off,
// abandoned, still open), in all, per cause and per day. Definitions: deflection/cases.py.

import { horizontalBars, stackedColumns } from "./charts.js";
import { causeText } from "./case_text.js";
import { $, el } from "./dom.js";
import { intTick, num, pct } from "./format.js";
import { t } from "./i18n.js";

export const ENDINGS = ["concluded", "handed_off", "abandoned", "open"];

export function renderCases(data) {
  const total = data.cases ?? 0;
  const cards = [["cases", num(total), null], ...ENDINGS.map((key) => [key, num(data[key] ?? 0), data[key] ?? 0])];
  $("cases-kpis").replaceChildren(
    ...cards.map(([key, value, n]) => {
      const card = el("div", `kpi kpi-case kpi-${key}`);
      const label = t(key === "cases" ? "cases" : `ending_${key}`);
      card.append(el("span", "kpi-label", label), el("span", "kpi-value", value));
      if (n !== null) card.append(el("span", "kpi-share", pct(total ? n / total : null)));
      return card;
    }),
  );
  $("cases-hint").textContent = t("casesHint", { minutes: data.idle_minutes ?? 30 });
  const rows = (data.by_cause ?? []).map((r) => ({
    label: causeText(r.cause),
    title: r.cause ?? t("causeUndecided"),
    total: r.cases ?? 0,
    segments: ENDINGS.map((key) => ({ key, label: t(`ending_${key}`), value: r[key] ?? 0 })),
    row: r,
  }));
  horizontalBars($("chart-cases-cause"), {
    rows,
    legend: ENDINGS.map((key) => ({ key, label: t(`ending_${key}`) })),
    describe: (r) => {
      const endings = ENDINGS.filter((k) => r.row[k]).map((k) => `${t(`ending_${k}`)} ${num(r.row[k])}`);
      return [t("nCases", { count: num(r.row.cases) }), ...endings].join(" · ");
    },
    empty: t("noCases"),
  });
}

export function renderCaseDays(data) {
  const days = data.days ?? [];
  stackedColumns($("chart-cases-days"), {
    labels: days.map((d) => d.day),
    series: ENDINGS.map((key) => ({ key, label: t(`ending_${key}`), values: days.map((d) => d[key] ?? 0) })),
    format: intTick,
    empty: t("noData"),
    title: t("casesPerDay"),
  });
}
