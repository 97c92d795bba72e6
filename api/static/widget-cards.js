// One DOM element per conversation item; the rich cards for the bot's `custom` payloads.
//
// Items are plain data (kept in storage and re-rendered after a reload):
//   {role: "user", text} | {role: "notice", text, notice?: "offline" | "online"} | {role: "welcome"}
//   {role: "bot", kind, text, buttons, custom, feedback?, chosen?}
//   {role: "bot", via: "faq", kind: "faq_answer", custom}: an FAQ entry from the app's own
//     FAQ search while Rasa is down (no feedback buttons: feedback goes to Rasa)
//   {role: "bot", via: "faq", kind: "faq_search", candidates: [{id, question}], chosen?}
// kind is the payload's `kind` (faq_answer, port_verdict, delete_diagnosis, diagnosis,
// fallback, handoff) or "text". All text goes in as text nodes (see widget-markdown.js).
// ctx: {t, choose(item, {index, title, payload}), feedback(item, "up" | "down"), send(text, display),
//       openFaq(item, {index, id, title})}.

const RICH_KINDS = new Set(["faq_answer", "port_verdict", "delete_diagnosis", "diagnosis", "fallback", "handoff"]);
const VERDICTS = new Set(["blocked", "restricted", "open"]);

const el = Markdown.el;

function str(value) {
  return value === null || value === undefined ? "" : String(value);
}

// Icons: paths from Google's Material Icons (Apache License 2.0), drawn as SVG nodes.
const ICONS = {
  chat: "M20 2H4c-1.1 0-2 .9-2 2v18l4-4h14c1.1 0 2-.9 2-2V4c0-1.1-.9-2-2-2z",
  up:
    "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 " +
    "7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z",
  down:
    "M15 3H6c-.83 0-1.54.5-1.84 1.22l-3.02 7.05c-.09.23-.14.47-.14.73v2c0 1.1.9 2 2 2h6.31l-.95 4.57-.03.32c0 " +
    ".41.17.79.44 1.06L9.83 23l6.59-6.59c.36-.36.58-.86.58-1.41V5c0-1.1-.9-2-2-2zm4 0v12h4V3h-4z",
  person:
    "M12 12c2.21 0 4-1.79 4-4s-1.79-4-4-4-4 1.79-4 4 1.79 4 4 4zm0 2c-2.67 0-8 1.34-8 4v2h16v-2c0-2.66-5.33-4-8-4z",
  check: "M9 16.17L4.83 12l-1.42 1.41L9 19 21 7l-1.41-1.41z",
  cross:
    "M19 6.41L17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z",
  help:
    "M11 18h2v-2h-2v2zm1-16C6.48 2 2 6.48 2 12s4.48 10 10 10 10-4.48 10-10S17.52 2 12 2zm0 18c-4.41 0-8-3.59-8-8s3.59-8 " +
    "8-8 8 3.59 8 8-3.59 8-8 8zm0-14c-2.21 0-4 1.79-4 4h2c0-1.1.9-2 2-2s2 .9 2 2c0 2-3 1.75-3 5h2c0-2.25 3-2.5 3-5 " +
    "0-2.21-1.79-4-4-4z",
  pending:
    "M12 2C6.48 2 2 6.48 2 12s4.48 10 10 10 10-4.48 10-10S17.52 2 12 2zm0 18c-4.42 0-8-3.58-8-8s3.58-8 8-8 8 3.58 8 " +
    "8-3.58 8-8 8z",
  copy:
    "M16 1H4c-1.1 0-2 .9-2 2v14h2V3h12V1zm3 4H8c-1.1 0-2 .9-2 2v14c0 1.1.9 2 2 2h11c1.1 0 2-.9 2-2V7c0-1.1-.9-2-2-2zm0 " +
    "16H8V7h11v14z",
};

function icon(name) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "icon-svg");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", ICONS[name]);
  path.setAttribute("fill", "currentColor");
  svg.append(path);
  return svg;
}

function button(className, label, onClick) {
  const b = el("button", className, [label]);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

function sourceLink(url, t, label) {
  const href = Markdown.safeUrl(url);
  if (!href) return null;
  const a = el("a", "source", [(label || t.source) + " ↗"]);
  a.setAttribute("href", href);
  a.setAttribute("target", "_blank");
  a.setAttribute("rel", "noopener noreferrer nofollow");
  return a;
}

/** The buttons the bot attached (fallback candidates, "talk to a human"); one click each. */
function choiceButtons(item, buttons, ctx) {
  const row = el("div", "choices", []);
  buttons.forEach((b, index) => {
    const chip = button("chip", str(b.title), () => ctx.choose(item, { index, title: str(b.title), payload: str(b.payload) }));
    if (item.chosen !== undefined && item.chosen !== null) {
      chip.disabled = true;
      if (item.chosen === index) chip.classList.add("chosen");
    }
    row.append(chip);
  });
  return row;
}

function feedbackRow(item, ctx) {
  const { t } = ctx;
  const row = el("div", "feedback", []);
  if (item.feedback) {
    row.append(el("span", "feedback-done", [icon(item.feedback === "up" ? "up" : "down"), t.feedbackThanks]));
    return row;
  }
  const up = button("chip small", t.useful, () => ctx.feedback(item, "up"));
  const down = button("chip small", t.notUseful, () => ctx.feedback(item, "down"));
  up.prepend(icon("up"));
  down.prepend(icon("down"));
  up.dataset.feedback = "up";
  down.dataset.feedback = "down";
  row.append(el("span", "feedback-question", [t.helpfulQuestion]), up, down);
  return row;
}

function card(kind, title, children) {
  return el("div", "card card-" + kind, [el("div", "card-title", [title]), ...children.filter(Boolean)]);
}

function faqCard(item, ctx) {
  const c = item.custom;
  const body = el("div", "md", [Markdown.render(c.answer_markdown)]);
  const question = el("div", "faq-question", [str(c.question)]);
  const feedback = item.via === "faq" ? null : feedbackRow(item, ctx);
  // A curated translation says so, names the original question and links the original page.
  const translated = c.translated_from
    ? el("div", "faq-translated", [ctx.t.translatedNote + " " + str(c.original_question)])
    : null;
  const link = sourceLink(c.source_url, ctx.t, c.translated_from ? ctx.t.originalSource : ctx.t.source);
  return card("faq", ctx.t.faqLabel, [question, body, translated, link, feedback]);
}

function portCard(item, ctx) {
  const { t } = ctx;
  const results = Array.isArray(item.custom.results) ? item.custom.results : [];
  const rows = results
    .filter((r) => r && typeof r === "object")
    .map((r) => {
      const verdict = VERDICTS.has(r.verdict) ? r.verdict : "unknown";
      const head = el("div", "verdict-head", [
        el("span", "verdict-port", [str(r.protocol).toUpperCase() + " " + str(r.port)]),
        el("span", "badge badge-" + verdict, [t.verdict[verdict] || str(r.verdict)]),
      ]);
      const parts = [head];
      if (r.reason) parts.push(el("div", "verdict-reason", [str(r.reason)]));
      if (r.advice) parts.push(el("div", "verdict-advice", [el("strong", "", [t.advice + "："]), str(r.advice)]));
      const row = el("div", "verdict verdict-" + verdict, parts);
      row.dataset.verdict = verdict;
      return row;
    });
  return card("ports", t.portTitle, [el("div", "verdicts", rows)]);
}

function deletionCard(item, ctx) {
  const body = el("div", "md", [Markdown.render(item.text)]);
  // The bot's text may quote the FAQ with its source already; no second link then.
  const url = str(item.custom.source_url);
  return card("sg", ctx.t.sgTitle, [body, url && item.text.includes(url) ? null : sourceLink(url, ctx.t)]);
}

// The troubleshooting card (kind "diagnosis") is in widget-diagnosis.js.

function fallbackCard(item, ctx) {
  let buttons = item.buttons || [];
  const candidates = Array.isArray(item.custom.candidates) ? item.custom.candidates : [];
  if (!buttons.length && candidates.length) {
    buttons = candidates
      .filter((c) => c && c.id)
      .map((c) => ({ title: str(c.question), payload: "/choose_faq" + JSON.stringify({ faq_id: str(c.id) }) }));
  }
  const body = el("div", "md", [Markdown.render(item.text)]);
  return el("div", "bubble bot-bubble fallback", [body, buttons.length ? choiceButtons(item, buttons, ctx) : null].filter(Boolean));
}

/** The FAQ search's candidates (Rasa is down): each opens its entry from the app, once. */
function faqSearchCard(item, ctx) {
  const { t } = ctx;
  const candidates = (Array.isArray(item.candidates) ? item.candidates : []).filter((c) => c && c.id);
  const row = el("div", "choices", []);
  candidates.forEach((c, index) => {
    const title = str(c.question);
    const chip = button("chip", title, () => ctx.openFaq(item, { index, id: str(c.id), title }));
    if (item.chosen !== undefined && item.chosen !== null) {
      chip.disabled = true;
      if (item.chosen === index) chip.classList.add("chosen");
    }
    row.append(chip);
  });
  const intro = el("div", "md", [el("p", "", [candidates.length ? t.searchCandidates : t.searchNothing])]);
  return el("div", "bubble bot-bubble fallback", [intro, candidates.length ? row : null].filter(Boolean));
}

function handoffCard(item, ctx) {
  const { t } = ctx;
  const ticket = str(item.custom.ticket_id);
  const body = el("div", "md", [Markdown.render(item.text)]);
  const ticketLine = ticket ? el("div", "ticket", [t.ticket + "：", el("code", "", [ticket])]) : null;
  const c = card("handoff", t.handoffTitle, [body, ticketLine]);
  c.firstChild.prepend(icon("person"));
  return c;
}

function textBubble(item, ctx) {
  const parts = [el("div", "md", [Markdown.render(item.text)])];
  if (item.buttons && item.buttons.length) parts.push(choiceButtons(item, item.buttons, ctx));
  return el("div", "bubble bot-bubble", parts);
}

function welcomeBubble(ctx) {
  const chips = ctx.t.suggestions.map((s) => button("chip", s, () => ctx.send(s, s)));
  return el("div", "bubble bot-bubble welcome", [el("p", "", [ctx.t.welcome]), el("div", "choices", chips)]);
}

const BOT_RENDERERS = {
  faq_answer: faqCard,
  port_verdict: portCard,
  delete_diagnosis: deletionCard,
  diagnosis: troubleshootingCard,
  fallback: fallbackCard,
  handoff: handoffCard,
  faq_search: faqSearchCard,
  text: textBubble,
};

/** The row element of one conversation item. */
function renderItem(item, ctx) {
  const { t } = ctx;
  let content;
  let who = t.bot;
  if (item.role === "user") {
    content = el("div", "bubble user-bubble" + (item.failed ? " failed" : ""), [str(item.text)]);
    who = t.you;
  } else if (item.role === "notice") {
    const tone = item.notice === "offline" || item.notice === "online" ? " notice-" + item.notice : "";
    content = el("div", "notice" + tone, [str(item.text)]);
  } else if (item.role === "welcome") {
    content = welcomeBubble(ctx);
  } else {
    const render = BOT_RENDERERS[item.kind] || textBubble;
    content = render(item, ctx);
  }
  const row = el("div", "row row-" + item.role, [el("span", "sr-only", [who + "："]), content]);
  row.dataset.kind = item.kind || item.role;
  if (item.via) row.dataset.via = item.via;
  if (item.notice) row.dataset.notice = item.notice;
  return row;
}
