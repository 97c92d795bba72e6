// What the dashboard loads: one admin API call per panel, all at once, each allowed to fail
// alone; the FAQ's questions (public /v1/faq), to label suggestions; and the titles of the
// diagnosis vocabulary (causes, checks, services), to show connectivity cases as text.

import { getJson } from "./api.js";
import { language } from "./i18n.js";

export const ADMIN = "/v1/admin";
const faqQuestions = new Map(); // FAQ id -> question
let vocabulary = null; // {causes, checks, services}: id -> {zh, en}

const SOURCES = {
  summary: (f) => getJson(`${ADMIN}/analytics/summary`, f),
  timeseries: (f) => getJson(`${ADMIN}/analytics/timeseries`, f),
  channel: (f) => getJson(`${ADMIN}/analytics/breakdown`, { ...f, by: "channel" }),
  language: (f) => getJson(`${ADMIN}/analytics/breakdown`, { ...f, by: "language" }),
  topFaq: (f) => getJson(`${ADMIN}/analytics/top-faq`, { ...f, limit: 10 }),
  unanswered: (f) => getJson(`${ADMIN}/analytics/unanswered`, { ...f, limit: 20 }),
  suggestions: () => getJson(`${ADMIN}/suggestions`),
  tickets: () => getJson(`${ADMIN}/tickets`, { status: "open" }),
  cases: (f) => getJson(`${ADMIN}/analytics/cases`, f),
  caseDays: (f) => getJson(`${ADMIN}/analytics/cases/timeseries`, f),
};

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

async function loadVocabulary() {
  if (vocabulary) return;
  try {
    vocabulary = await getJson(`${ADMIN}/vocabulary`);
  } catch {
    // Only titles are lost: cases then show their ids.
  }
}

/** The title of a ``kind`` ("causes", "checks", "services") id in the page's language, if known. */
export function vocabTitle(kind, id) {
  const title = vocabulary?.[kind]?.[id];
  return title ? (title[language()] ?? title.en ?? null) : null;
}

/** The question of FAQ entry ``id``, if the FAQ could be loaded. */
export function faqQuestion(id) {
  return faqQuestions.get(id);
}

/**
 * Every panel's data under the filters ``f``: ``data`` by panel name for the calls that
 * answered, ``errors`` by panel name for those that failed.
 */
export async function loadPanels(f) {
  const names = Object.keys(SOURCES);
  const [settled] = await Promise.all([
    Promise.allSettled(names.map((n) => SOURCES[n](f))),
    loadFaqQuestions(),
    loadVocabulary(),
  ]);
  const data = {};
  const errors = {};
  settled.forEach((r, i) => {
    if (r.status === "fulfilled") data[names[i]] = r.value;
    else errors[names[i]] = r.reason;
  });
  return { data, errors };
}
