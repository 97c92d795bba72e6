// The list panels: unanswered question groups (with "Add to FAQ"), alternate phrasings to
// accept or reject, and open hand-off tickets (with the connectivity case they carry) to
// close. Long lists show their first few.

import { post } from "./api.js";
import { caseBlock } from "./case_text.js";
import { niceMax } from "./charts.js";
import { $, button, el } from "./dom.js";
import { num } from "./format.js";
import { languageName, t } from "./i18n.js";
import { ADMIN, faqQuestion } from "./sources.js";
import { reportActionError } from "./status.js";

const SHOWN = { "unanswered-list": 8, "suggestions-list": 6, "tickets-list": 6 };
const expanded = new Set();

/** ``data`` if it is a list, else its first list under one of ``keys`` (the API's envelopes). */
function listOf(data, ...keys) {
  if (Array.isArray(data)) return data;
  for (const key of keys) if (Array.isArray(data?.[key])) return data[key];
  return [];
}

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

export function renderUnanswered(data) {
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

export function renderSuggestions(data) {
  const rows = listOf(data, "suggestions", "rows", "items").filter((s) => !s.status || s.status === "pending");
  const list = $("suggestions-list");
  if (!rows.length) return list.replaceChildren(el("li", "empty", t("nothingToReview")));
  fillList(
    list,
    rows.map((s) => {
      const item = el("li", "item suggestion");
      item.dataset.id = s.id;
      const text = s.phrasing ?? s.alternate ?? s.text ?? s.question ?? "";
      const target = s.faq_question ?? faqQuestion(s.faq_id) ?? s.faq_id ?? "";
      const body = el("div", "item-body");
      body.append(el("q", "phrasing", text));
      if (target) body.append(el("span", "muted", ` ${t("forEntry")} `), el("span", "target", target));
      if (s.count != null) body.append(el("span", "badge", t("seen", { count: num(s.count) })));
      const actions = el("div", "item-actions");
      const act = (verb, doneKey) => async () => {
        try {
          await post(`${ADMIN}/suggestions/${encodeURIComponent(s.id)}/${verb}`);
          actions.replaceChildren(el("span", `done done-${verb}`, t(doneKey)));
        } catch (e) {
          reportActionError(e);
        }
      };
      actions.append(button("accept", act("accept", "accepted"), "accept"), button("reject", act("reject", "rejected"), "ghost reject"));
      item.append(body, actions);
      return item;
    }),
  );
}

export function renderTickets(data) {
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
      if (tk.case) body.append(caseBlock(tk.case));
      const actions = el("div", "item-actions");
      actions.append(
        button("close", async () => {
          try {
            await post(`${ADMIN}/tickets/${encodeURIComponent(tk.id)}/close`);
            actions.replaceChildren(el("span", "done", t("closed")));
          } catch (e) {
            reportActionError(e);
          }
        }, "close-ticket"),
      );
      item.append(body, actions);
      return item;
    }),
  );
}
