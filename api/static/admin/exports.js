// The export buttons: each downloads a file of the admin API (token in the header, never in
// a URL), under the filters of the form.

import { download } from "./api.js";
import { $, button, el } from "./dom.js";
import { filters } from "./filters.js";
import { t } from "./i18n.js";
import { ADMIN } from "./sources.js";
import { reportActionError, say } from "./status.js";

const EXPORTS = [
  ["exportTurnsCsv", `${ADMIN}/export/turns.csv`, {}, "turns.csv", "text/csv"],
  ["exportTurnsJson", `${ADMIN}/export/turns.json`, {}, "turns.json", "application/json"],
  ["exportSummaryCsv", `${ADMIN}/analytics/summary`, { format: "csv" }, "summary.csv", "text/csv"],
  ["exportTimeseriesCsv", `${ADMIN}/analytics/timeseries`, { format: "csv" }, "timeseries.csv", "text/csv"],
  ["exportChannelCsv", `${ADMIN}/analytics/breakdown`, { by: "channel", format: "csv" }, "by-channel.csv", "text/csv"],
  ["exportLanguageCsv", `${ADMIN}/analytics/breakdown`, { by: "language", format: "csv" }, "by-language.csv", "text/csv"],
  ["exportCasesCsv", `${ADMIN}/export/cases.csv`, {}, "cases.csv", "text/csv"],
  ["exportCasesJson", `${ADMIN}/export/cases.json`, {}, "cases.json", "application/json"],
  ["exportCasesByCauseCsv", `${ADMIN}/analytics/cases`, { format: "csv" }, "cases-by-cause.csv", "text/csv"],
  ["exportCasesByDayCsv", `${ADMIN}/analytics/cases/timeseries`, { format: "csv" }, "cases-by-day.csv", "text/csv"],
];

export function renderExports() {
  const box = $("exports");
  const buttons = EXPORTS.map(([key, path, extra, name, accept]) => {
    const b = button(key, async () => {
      b.disabled = true;
      try {
        const saved = await download(path, { ...filters(), ...extra }, name, accept);
        say(t("downloaded", { name: saved }), "ok");
      } catch (e) {
        reportActionError(e, t("loadFailed", { what: name, detail: e.message }));
      } finally {
        b.disabled = false;
      }
    }, "export");
    b.dataset.export = name;
    return b;
  });
  box.replaceChildren(...buttons, el("p", "hint", t("exportHint")));
}
