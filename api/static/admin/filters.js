// The filter form: its values (sent with every admin call and export), the default period
// (the last 30 days), and the channels and languages offered, as seen in the data so far.

import { $, el } from "./dom.js";
import { isoDay } from "./format.js";
import { languageName, t } from "./i18n.js";

const seen = { channel: new Set(), language: new Set() };

export function filters() {
  return {
    since: $("f-since").value,
    until: $("f-until").value,
    channel: $("f-channel").value,
    language: $("f-language").value,
  };
}

export function setDefaultPeriod(today = new Date()) {
  const monthAgo = new Date(today);
  monthAgo.setDate(today.getDate() - 29);
  $("f-since").value = isoDay(monthAgo);
  $("f-until").value = isoDay(today);
}

/** Remember the channels and languages of the breakdowns, to offer them as filters. */
export function noteFilterValues(data) {
  for (const row of data.channel?.rows ?? []) seen.channel.add(row.key);
  for (const row of data.language?.rows ?? []) seen.language.add(row.key);
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

export function refreshFilterOptions() {
  fillSelect($("f-channel"), seen.channel, (v) => v);
  fillSelect($("f-language"), seen.language, languageName);
}
