// How figures and days are written on the dashboard, in the page's language.

import { language } from "./i18n.js";

export const locale = () => (language() === "zh" ? "zh-CN" : "en-US");
const numberFormat = () => new Intl.NumberFormat(locale());
export const num = (v) => (v == null ? "—" : numberFormat().format(v));
export const pct = (v) => (v == null || Number.isNaN(v) ? "—" : `${(v * 100).toFixed(1)}%`);
export const pctTick = (v) => `${Math.round(v * 100)}%`;
export const intTick = (v) => (Number.isInteger(v) ? num(v) : v.toFixed(1));

/** ``YYYY-MM-DD`` of ``date`` in local time (what an ``<input type=date>`` holds). */
export function isoDay(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
