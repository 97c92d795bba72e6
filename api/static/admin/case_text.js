// A hand-off ticket's connectivity case as text, so the person who takes it starts where the
// bot stopped: the target, the evidence read, the checks made with their status, the
// conclusion. Every value goes in as text (el() sets textContent): cases hold what users pasted.

import { el } from "./dom.js";
import { t } from "./i18n.js";
import { vocabTitle } from "./sources.js";

const STATUS_MARKS = { passed: "✓", failed: "✗", unknown: "?", todo: "…" };
// The evidence formats of a case (api/schemas_diagnose.py EvidenceFormatName), as the tool that printed them.
const FORMATS = {
  tencent_json: "JSON",
  console_table: null,
  iptables_save: "iptables-save",
  iptables_rules: "iptables -S",
  iptables_list: "iptables -L",
  nft: "nft list ruleset",
  firewalld: "firewall-cmd --list-all",
  ufw: "ufw status",
  netsh: "netsh",
  ss: "ss",
  netstat: "netstat",
  netstat_windows: "netstat -ano",
};

/** What fails, e.g. "TCP 8443". */
function what(target) {
  const protocols = (target?.protocols ?? []).map((p) => String(p).toUpperCase()).join("/");
  const ports = (target?.ports ?? []).join(target?.alternatives ? ` ${t("or")} ` : ", ");
  return [protocols, ports].filter(Boolean).join(" ");
}

function targetText(c) {
  const target = c.target ?? {};
  const service = target.service ? (vocabTitle("services", target.service) ?? target.service) : null;
  const source = c.source ?? {};
  const from = source.kind && source.kind !== "unknown" ? t(`source_${source.kind}`) : null;
  const parts = [
    service,
    what(target) || t("targetUnknown"),
    t(c.direction === "egress" ? "outbound" : "inbound"),
    from && (source.address ? `${from} (${source.address})` : from),
  ];
  return parts.filter(Boolean).join(" · ");
}

function evidenceText(evidence) {
  if (!evidence?.length) return t("noEvidence");
  return evidence
    .map((e) => {
      const tool = e.format === "console_table" ? t("consoleTable") : (FORMATS[e.format] ?? e.format);
      return `${t(`evidence_${e.kind}`)} (${tool})`;
    })
    .join(", ");
}

/** The conclusion: the cause's title and id, "undecided", or "nothing found". */
export function causeText(cause) {
  if (cause == null) return t("causeUndecided");
  const title = vocabTitle("causes", cause);
  return title ? `${title} (${cause})` : cause;
}

function checkItem(check, target) {
  const status = check.status ?? "todo";
  const template = vocabTitle("checks", check.id);
  const title = template ? template.replaceAll("{target}", what(target) || t("targetUnknown")) : check.id;
  const item = el("li", `case-check check-${status}`);
  item.dataset.check = check.id;
  item.append(el("span", "mark", STATUS_MARKS[status] ?? "?"), el("span", "", ` ${title} — ${t(`check_${status}`)}`));
  return item;
}

function line(className, label, value) {
  const node = el("div", `case-line ${className}`);
  node.append(el("span", "case-label", `${label}: `), el("span", "case-value", value));
  return node;
}

/** The case of a ticket as a block of text lines. */
export function caseBlock(c) {
  const block = el("div", "case");
  block.append(el("div", "case-title", t("caseTitle")));
  block.append(line("case-cause", t("conclusion"), causeText(c.cause)));
  block.append(line("case-target", t("target"), targetText(c)));
  block.append(line("case-evidence", t("evidenceRead"), evidenceText(c.evidence)));
  const said = [...(c.symptoms ?? []), ...(c.claims ?? [])];
  if (said.length) block.append(line("case-said", t("userSaid"), said.join(", ")));
  const checks = c.checks ?? [];
  const done = checks.filter((k) => k.status !== "todo");
  const list = el("ul", "case-checks");
  for (const check of done) list.append(checkItem(check, c.target));
  const left = checks.length - done.length;
  if (!done.length) list.append(el("li", "case-check muted", t("noChecksDone")));
  if (left) list.append(el("li", "case-check muted", t("checksLeft", { count: left })));
  block.append(el("div", "case-line case-label", `${t("checksDone")}:`), list);
  return block;
}
