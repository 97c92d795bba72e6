// UI strings in Chinese and English. The language comes from ?lang=, then the last
// choice made on this page, then the browser's languages; it is set on <html lang>.

const STRINGS = {
  en: {
    title: "Support deflection",
    signOut: "Sign out",
    tokenLabel: "Admin token",
    signIn: "Show figures",
    tokenHint: "Kept in this tab only (sessionStorage) and sent as a Bearer header; never in the address.",
    needToken: "Enter the admin token to see the figures.",
    refused: "The server refused the admin token (HTTP {status}). Enter the right token.",
    notConfigured: "The admin API is disabled: no admin token is configured on the server (set HELPDESK_ADMIN_TOKEN).",
    loadFailed: "Could not load {what}: {detail}",
    loading: "Loading…",
    updated: "Updated {time}",
    since: "From",
    until: "To",
    channel: "Channel",
    language: "Language",
    all: "All",
    apply: "Apply",
    ratesOverTime: "Rates over time",
    volumeOverTime: "Conversations and hand-offs per day",
    byChannel: "By channel",
    byLanguage: "By language",
    topFaq: "Most answered FAQ entries",
    unanswered: "Questions the bot could not answer",
    unansweredHint: "Grouped by meaning. \u201cAdd to FAQ\u201d copies a Markdown stub to paste into the FAQ file.",
    suggestions: "Alternate phrasings to review",
    tickets: "Open hand-off tickets",
    export: "Export",
    conversations: "Conversations",
    nConversations: "{count} conv.",
    turns: "Turns",
    deflection_rate: "Deflection rate",
    answer_rate: "Answer rate",
    decline_rate: "Decline rate",
    candidate_accept_rate: "\u201cDid you mean\u201d accepted",
    useful: "Useful",
    not_useful: "Not useful",
    no_feedback: "No feedback",
    handoffs: "Hand-offs",
    answered: "Answered",
    feedback: "Feedback",
    noData: "No data for this range.",
    nothingOpen: "Nothing open.",
    nothingToReview: "Nothing to review.",
    asked: "asked {count}×",
    examples: "Examples",
    addToFaq: "Add to FAQ",
    copied: "Copied: paste it into the FAQ file and write the answer.",
    copyManually: "Copy this stub into the FAQ file:",
    answerPlaceholder: "(Write the answer here, with its links.)",
    accept: "Accept",
    reject: "Reject",
    close: "Close",
    closed: "Closed",
    accepted: "Accepted",
    rejected: "Rejected",
    forEntry: "for",
    seen: "seen {count}×",
    opened: "opened {time}",
    reason: "Reason",
    showAll: "Show all {count}",
    showFewer: "Show fewer",
    delivery: "webhook: {status}",
    exportTurnsCsv: "Turns (CSV)",
    exportTurnsJson: "Turns (JSON)",
    exportSummaryCsv: "Summary (CSV)",
    exportTimeseriesCsv: "By day (CSV)",
    exportChannelCsv: "By channel (CSV)",
    exportLanguageCsv: "By language (CSV)",
    exportHint: "Exports follow the filters above.",
    downloaded: "Downloaded {name}",
    percentAxis: "%",
    recordsAllIn: "Records: every turn the bot reported has reached the store (bot's last report {time}).",
    recordsWaiting:
      "Records waiting: {waiting} events wait in the bot's spool, {rejected} batches set aside in its rejected/ folder (bot's last report {time}).",
    recordsNoReport: "Records: no report from the bot yet.",
    recordsRefused: "{count} events refused (GET /v1/admin/records lists them).",
  },
  zh: {
    title: "客服分流看板",
    signOut: "退出",
    tokenLabel: "管理令牌",
    signIn: "查看数据",
    tokenHint: "只保存在当前标签页（sessionStorage），以 Bearer 请求头发送，不会出现在地址中。",
    needToken: "请输入管理令牌以查看数据。",
    refused: "服务器拒绝了管理令牌（HTTP {status}），请输入正确的令牌。",
    notConfigured: "管理接口未启用：服务器没有配置管理令牌（请设置 HELPDESK_ADMIN_TOKEN）。",
    loadFailed: "无法加载{what}：{detail}",
    loading: "加载中…",
    updated: "更新于 {time}",
    since: "开始",
    until: "结束",
    channel: "渠道",
    language: "语言",
    all: "全部",
    apply: "应用",
    ratesOverTime: "各项比率趋势",
    volumeOverTime: "每日会话数与转人工数",
    byChannel: "按渠道",
    byLanguage: "按语言",
    topFaq: "回答最多的 FAQ 条目",
    unanswered: "机器人未能回答的问题",
    unansweredHint: "按语义分组。“加入 FAQ”会复制一段 Markdown 模板，可直接粘贴到 FAQ 文件中。",
    suggestions: "待审核的相似问法",
    tickets: "未关闭的转人工工单",
    export: "导出",
    conversations: "会话数",
    nConversations: "{count} 个会话",
    turns: "对话轮数",
    deflection_rate: "分流率",
    answer_rate: "回答率",
    decline_rate: "拒答率",
    candidate_accept_rate: "“您是不是想问”采纳率",
    useful: "有用",
    not_useful: "没用",
    no_feedback: "无反馈",
    handoffs: "转人工",
    answered: "回答次数",
    feedback: "反馈",
    noData: "该时间范围内没有数据。",
    nothingOpen: "没有未关闭的工单。",
    nothingToReview: "没有待审核的内容。",
    asked: "被问 {count} 次",
    examples: "示例",
    addToFaq: "加入 FAQ",
    copied: "已复制：请粘贴到 FAQ 文件并填写答案。",
    copyManually: "请将以下模板复制到 FAQ 文件：",
    answerPlaceholder: "（在此填写答案及相关链接。）",
    accept: "采纳",
    reject: "拒绝",
    close: "关闭",
    closed: "已关闭",
    accepted: "已采纳",
    rejected: "已拒绝",
    forEntry: "对应",
    seen: "出现 {count} 次",
    opened: "创建于 {time}",
    reason: "原因",
    showAll: "显示全部 {count} 条",
    showFewer: "收起",
    delivery: "推送：{status}",
    exportTurnsCsv: "对话记录（CSV）",
    exportTurnsJson: "对话记录（JSON）",
    exportSummaryCsv: "汇总（CSV）",
    exportTimeseriesCsv: "按天（CSV）",
    exportChannelCsv: "按渠道（CSV）",
    exportLanguageCsv: "按语言（CSV）",
    exportHint: "导出内容按上方筛选条件。",
    downloaded: "已下载 {name}",
    percentAxis: "%",
    recordsAllIn: "对话记录：机器人报告的每一轮对话都已入库（机器人最近报告于 {time}）。",
    recordsWaiting: "对话记录待入库：机器人的暂存目录中有 {waiting} 个事件在等待，{rejected} 批已移至 rejected/ 目录（机器人最近报告于 {time}）。",
    recordsNoReport: "对话记录：尚未收到机器人的报告。",
    recordsRefused: "{count} 个事件被拒收（可通过 GET /v1/admin/records 查看）。",
  },
};

const PREF_KEY = "helpdesk.admin.lang";

export function pickLanguage() {
  const fromUrl = new URLSearchParams(location.search).get("lang");
  const chosen = fromUrl || localStorage.getItem(PREF_KEY) || "";
  if (chosen.startsWith("zh")) return "zh";
  if (chosen.startsWith("en")) return "en";
  const browser = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
  return browser[0].toLowerCase().startsWith("zh") ? "zh" : "en";
}

let current = "en";

export function setLanguage(lang, remember = false) {
  current = lang === "zh" ? "zh" : "en";
  if (remember) localStorage.setItem(PREF_KEY, current);
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
  document.title = `cvm-helpdesk · ${t("title")}`;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-lang]")) el.setAttribute("aria-pressed", String(el.dataset.lang === current));
}

export function language() {
  return current;
}

/** The UI string ``key`` with ``{name}`` placeholders filled in (values as given, never HTML). */
export function t(key, vars = {}) {
  const template = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** A language code from the data ("zh", "en", ...) as a label in the UI language. */
export function languageName(code) {
  const names = { zh: { zh: "中文", en: "英文" }, en: { zh: "Chinese", en: "English" } };
  return names[current][code] ?? code;
}
