// The widget's troubleshooting card (kind "diagnosis", contract/payloads.py DiagnosisPayload).
// Part of /widget.js (api/routes/widget.py joins the parts in one closure): it uses the card
// helpers of widget-cards.js (el, str, icon, button, card) and Markdown's inline renderer.

// --- the troubleshooting card (kind "diagnosis", contract/payloads.py DiagnosisPayload) ---
// The conclusion or the next check, the rule that decides it as the user wrote it, the fix
// with a copy button per command, the checklist, what to send next and the FAQ entries.
// The engine's prose (summary, steps, how) may carry `code` and links: inline Markdown,
// built as nodes; the user's rule and each command are text in <code>, exactly as given.

const CHECK_ICONS = new Map([
  ["passed", "check"],
  ["failed", "cross"],
  ["unknown", "help"],
  ["todo", "pending"],
]);

function list(value) {
  return Array.isArray(value) ? value : [];
}

function record(value) {
  return value && typeof value === "object" && !Array.isArray(value) ? value : null;
}

function prose(tag, className, text) {
  return el(tag, className, Markdown.inline(str(text)));
}

function diagSection(className, heading, children) {
  const parts = children.filter(Boolean);
  if (!parts.length) return null;
  return el("div", "diag-section " + className, [el("div", "diag-heading", [heading]), ...parts]);
}

function decidingRule(decided, t) {
  if (!decided || (!decided.text && !decided.label)) return null;
  const rule = decided.text ? el("pre", "diag-rule-text", [el("code", "", [str(decided.text)])]) : null;
  return diagSection("diag-rule", t.diagRule, [el("div", "diag-rule-label", [str(decided.label)]), rule]);
}

/** Select the command's text, so that Ctrl+C copies it where the clipboard API is missing. */
function selectText(node) {
  const range = document.createRange();
  range.selectNodeContents(node);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

async function copyCommand(text, code, status, t) {
  let copied = false;
  if (navigator.clipboard && typeof navigator.clipboard.writeText === "function") {
    try {
      await navigator.clipboard.writeText(text);
      copied = true;
    } catch (e) {
      copied = false; // refused (no permission, not a secure context): select it instead
    }
  }
  if (!copied) {
    selectText(code);
    try {
      copied = document.execCommand("copy");
    } catch (e) {
      copied = false;
    }
  }
  status.textContent = copied ? t.copied : t.copySelected;
  clearTimeout(status.timer);
  status.timer = setTimeout(() => (status.textContent = ""), 4000);
}

function commandBlock(command, t) {
  const text = str(command.command);
  const code = el("code", "", [text]);
  const status = el("span", "diag-copy-status", []);
  status.setAttribute("role", "status");
  const copy = button("diag-copy", t.copy, () => copyCommand(text, code, status, t));
  copy.prepend(icon("copy"));
  copy.append(el("span", "sr-only", [" " + str(command.tool) + " " + t.copyWhat]));
  const head = el("div", "diag-command-head", [el("span", "diag-tool", [str(command.tool)]), status, copy]);
  return el("div", "diag-command", [head, el("pre", "diag-command-text", [code])]);
}

function fixSection(fix, t) {
  if (!fix) return null;
  const steps = list(fix.console_steps).map((step) => prose("li", "", step));
  const commands = list(fix.commands).map(record).filter(Boolean);
  return diagSection("diag-fix", t.diagFix, [
    fix.summary ? prose("p", "diag-fix-summary", fix.summary) : null,
    steps.length ? el("ol", "diag-steps", steps) : null,
    ...commands.map((c) => commandBlock(c, t)),
  ]);
}

function checkItem(check, isNext, needs, t) {
  const status = CHECK_ICONS.has(check.status) ? check.status : "unknown";
  const mark = el("span", "diag-mark", [icon(CHECK_ICONS.get(status))]);
  const head = el("div", "diag-check-head", [
    mark,
    el("span", "diag-check-title", [str(check.title)]),
    el("span", "diag-status", [isNext ? t.diagNext : t.checkStatus[status]]),
  ]);
  const parts = [head];
  if (isNext) {
    if (check.why) parts.push(prose("div", "diag-why", check.why));
    if (check.how) parts.push(el("div", "diag-how", [el("strong", "", [t.diagHow + t.colon]), ...Markdown.inline(str(check.how))]));
    if (check.paste && !needs.includes(check.paste)) {
      parts.push(el("div", "diag-how", [el("strong", "", [t.diagPaste + t.colon]), ...Markdown.inline(str(check.paste))]));
    }
  }
  const li = el("li", "diag-check diag-check-" + status + (isNext ? " diag-next" : ""), parts);
  li.dataset.status = status;
  if (isNext) li.append(el("span", "sr-only", [" (" + t.checkStatus.todo + ")"]));
  return li;
}

function checklist(checks, undecided, needs, t) {
  const next = undecided ? checks.findIndex((c) => c.status === "todo") : -1;
  const items = checks.map((c, i) => checkItem(c, i === next, needs, t));
  return diagSection("diag-checks", t.diagChecks, items.length ? [el("ul", "diag-checklist", items)] : []);
}

/** The FAQ entries the diagnosis rests on: the payload has their ids only, so each opens
 * its entry the way a "did you mean" candidate does (`/choose_faq`). */
function faqEntries(ids, ctx) {
  const { t } = ctx;
  const chips = ids.map((id) => {
    const payload = "/choose_faq" + JSON.stringify({ faq_id: id });
    const chip = button("chip small diag-faq", id, () => ctx.send(payload, t.diagFaqOpen + " " + id));
    chip.prepend(el("span", "sr-only", [t.diagFaqOpen + " "]));
    return chip;
  });
  return diagSection("diag-faqs", t.diagFaq, chips.length ? [el("div", "choices", chips)] : []);
}

function troubleshootingCard(item, ctx) {
  const { t } = ctx;
  const c = item.custom;
  const cause = typeof c.cause === "string" && c.cause ? c.cause : null;
  const state = cause === null ? "open" : cause === "unknown" ? "unknown" : "found";
  const needs = list(c.needs).filter((n) => typeof n === "string" && n);
  const ids = list(c.faq_ids).filter((id) => typeof id === "string" && id);
  const head = el("div", "diag-head", [
    el("span", "badge diag-state diag-state-" + state, [t.diagState[state]]),
    state !== "open" && c.title ? el("div", "diag-title", [str(c.title)]) : null,
  ].filter(Boolean));
  const parts = [
    head,
    c.summary ? prose("p", "diag-summary", c.summary) : null,
    decidingRule(record(c.decided_by), t),
    state === "found" ? fixSection(record(c.fix), t) : null,
    checklist(list(c.checks).map(record).filter(Boolean), state === "open", needs, t),
    diagSection("diag-needs", t.diagNeeds, needs.length ? [el("ul", "", needs.map((n) => prose("li", "", n)))] : []),
    faqEntries(ids, ctx),
    item.buttons && item.buttons.length ? choiceButtons(item, item.buttons, ctx) : null,
  ];
  const node = card("diagnosis", t.diagTitle, parts);
  node.dataset.state = state;
  return node;
}
