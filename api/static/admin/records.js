// Whether every turn reaches the store: what the bots' event brokers last reported (records
// waiting in their spools, batches set aside) and the events the app refused one by one.
// Shown on its own line under the status; a server without this figure shows nothing.

import { getJson } from "./api.js";
import { $ } from "./dom.js";
import { locale, num } from "./format.js";
import { t } from "./i18n.js";

let last = null;

/** Load the figure; never throws (the rest of the page does not depend on it). */
export async function loadRecords() {
  try {
    last = await getJson("/v1/admin/records", { limit: 0 });
  } catch {
    last = null;
  }
  renderRecords();
}

/** Draw the last loaded figure (again, e.g. in another language). */
export function renderRecords() {
  const line = $("records");
  if (!last) {
    line.hidden = true;
    return;
  }
  const asOf = last.as_of ? new Date(last.as_of).toLocaleString(locale()) : null;
  const behind = last.waiting > 0 || last.rejected > 0;
  let text;
  if (!asOf) text = t("recordsNoReport");
  else if (behind) text = t("recordsWaiting", { waiting: num(last.waiting), rejected: num(last.rejected), time: asOf });
  else text = t("recordsAllIn", { time: asOf });
  if (last.refused > 0) text += ` ${t("recordsRefused", { count: num(last.refused) })}`;
  line.textContent = text;
  line.dataset.kind = behind || last.refused > 0 ? "warn" : "ok";
  line.dataset.waiting = String(last.waiting);
  line.dataset.rejected = String(last.rejected);
  line.hidden = false;
}
