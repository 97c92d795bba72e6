// The widget: configuration from its script tag, the panel (in a shadow root, so the host
// page's styles and ours do not mix), the conversation and its storage.

const STORAGE_PREFIX = "cvm-helpdesk-widget:v1:";
const MAX_STORED_ITEMS = 200;
const TYPING_IDLE_MS = 1200; // hide the indicator this long after the bot's last message
const NO_REPLY_MS = 30000;
const SESSION_ID = /^[A-Za-z0-9_-]{8,64}$/;
const RECHECK_WAIT_MS = 2000; // while Rasa is down, how long a message waits for a reconnect before the FAQ search
const CHOOSE_FAQ = /^\/choose_faq(\{.*\})$/s;

/** Settings from the script tag's data-* attributes, with the server's defaults. */
function readConfig(script) {
  const data = (script && script.dataset) || {};
  return {
    rasaUrl: String(data.rasaUrl || DEFAULT_RASA_URL).trim().replace(/\/+$/, ""),
    apiUrl: String(data.apiUrl || scriptBase(script)).trim().replace(/\/+$/, ""),
    socketPath: data.socketPath || "/socket.io",
    lang: pageLanguage(data.lang),
    open: data.open === "true",
    storage: data.storage === "local" ? "local" : "session",
  };
}

/** Where /widget.js came from, without the file name: the app that serves it, which also
 * answers /v1/answer (under the same path prefix, if it is served behind one). */
function scriptBase(script) {
  try {
    return new URL(".", script && script.src ? script.src : location.href).href;
  } catch (e) {
    return location.origin;
  }
}

function newSessionId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** sessionStorage (default) or localStorage; in memory only where storage is refused. */
class Store {
  constructor(kind, key) {
    this.key = key;
    try {
      this.area = kind === "local" ? window.localStorage : window.sessionStorage;
      this.area.getItem(key);
    } catch (e) {
      this.area = null;
    }
  }

  load() {
    if (!this.area) return null;
    try {
      const state = JSON.parse(this.area.getItem(this.key) || "null");
      if (state && SESSION_ID.test(state.sessionId) && Array.isArray(state.items)) return state;
    } catch (e) {
      // unreadable: start a new conversation
    }
    return null;
  }

  save(state) {
    if (!this.area) return;
    const items = state.items.slice(-MAX_STORED_ITEMS);
    try {
      this.area.setItem(this.key, JSON.stringify({ ...state, items }));
    } catch (e) {
      // full or refused: the conversation still goes on, it just won't survive a reload
    }
  }
}

class Widget {
  constructor(config) {
    this.config = config;
    this.t = STRINGS[config.lang];
    this.store = new Store(config.storage, STORAGE_PREFIX + config.rasaUrl);
    this.state = this.store.load() || this.freshState(config.open);
    this.rows = new Map();
    this.pending = []; // text items of the bot's current reply that a rich payload replaces
    this.ctx = {
      t: this.t,
      send: (text, display) => this.send(text, display),
      choose: (item, button) => this.choose(item, button),
      feedback: (item, value) => this.feedback(item, value),
      openFaq: (item, candidate) => this.openFaq(item, candidate),
    };
    this.faqApi = new FaqApi(config.apiUrl);
  }

  freshState(open) {
    return {
      sessionId: newSessionId(),
      open,
      items: [{ id: 1, role: "welcome" }],
      nextId: 2,
      handoff: null,
      offline: false, // Rasa was unreachable last we knew: the "unavailable" notice is showing
    };
  }

  mount() {
    const host = document.createElement("div");
    host.id = "cvm-helpdesk-widget";
    document.body.append(host);
    const root = host.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = WIDGET_CSS;
    root.append(style, this.buildDom());
    this.renderAll();
    this.setOpen(this.state.open);
    this.connect();
  }

  buildDom() {
    const t = this.t;
    const b = (className, label, onClick, attrs) => {
      const node = button(className, label, onClick);
      for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
      return node;
    };
    this.launcher = b("launcher", t.launcher, () => this.setOpen(true), { "aria-expanded": "false" });
    this.launcher.prepend(icon("chat"));
    this.statusText = el("span", "status-text", [t.statusConnecting]);
    const header = el("div", "header", [
      el("div", "header-text", [el("div", "title", [t.title]), el("div", "status", [el("span", "dot", []), this.statusText])]),
      b("icon restart", "↻", () => this.reset(), { "aria-label": t.restart, title: t.restart }),
      b("icon close", "×", () => this.setOpen(false), { "aria-label": t.close, title: t.close }),
    ]);
    this.banner = el("div", "banner", []);
    this.messages = el("div", "messages", []);
    this.messages.setAttribute("role", "log");
    this.messages.setAttribute("aria-live", "polite");
    this.typing = el("div", "typing", [el("span", "", []), el("span", "", []), el("span", "", [])]);
    this.typing.setAttribute("role", "status");
    this.typing.setAttribute("aria-label", t.typing);
    this.scroller = el("div", "scroller", [this.messages, this.typing]);
    this.input = el("textarea", "input", []);
    this.input.rows = 1;
    this.input.maxLength = 2000;
    this.input.placeholder = t.placeholder;
    this.input.setAttribute("aria-label", t.inputLabel);
    this.input.addEventListener("keydown", (e) => this.onKeydown(e));
    this.input.addEventListener("input", () => this.autosize());
    const form = el("form", "composer", [this.input, b("send", t.send, () => {}, { type: "submit" })]);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    this.panel = el("section", "panel", [header, this.banner, this.scroller, form]);
    this.panel.setAttribute("role", "dialog");
    this.panel.setAttribute("aria-label", t.title);
    this.panel.setAttribute("lang", this.config.lang === "zh" ? "zh-CN" : "en");
    this.container = el("div", "widget", [this.launcher, this.panel]);
    this.container.dataset.lang = this.config.lang;
    return this.container;
  }

  onKeydown(e) {
    // Enter sends; Shift+Enter is a new line; an Enter that confirms an IME composition
    // (Chinese pinyin input) is not a send: isComposing, or keyCode 229 in Safari.
    if (e.key !== "Enter" || e.shiftKey || e.isComposing || e.keyCode === 229) return;
    e.preventDefault();
    this.submit();
  }

  autosize() {
    this.input.style.height = "auto";
    this.input.style.height = Math.min(this.input.scrollHeight, 120) + "px";
  }

  submit() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    this.autosize();
    this.send(text, text);
  }

  setOpen(open) {
    this.state.open = open;
    this.container.classList.toggle("open", open);
    this.launcher.setAttribute("aria-expanded", String(open));
    this.save();
    if (open) {
      this.scrollToEnd();
      this.input.focus({ preventScroll: true });
    }
  }

  connect() {
    this.connection = new Connection(this.config, this.state.sessionId, {
      onMessage: (raw) => this.receive(raw),
      onStatus: (status) => this.onStatus(status),
    });
    this.connection.start();
  }

  onStatus(status) {
    const t = this.t;
    this.container.dataset.transport = status;
    this.statusText.textContent =
      status === "connecting" ? t.statusConnecting : status === "down" ? t.statusOffline : t.statusOnline;
    // Said once per change, and remembered across reloads (the notice is in the conversation).
    if (status === "down" && !this.state.offline) {
      this.state.offline = true;
      this.addItem({ role: "notice", notice: "offline", text: t.offline });
    } else if ((status === "socket" || status === "rest") && this.state.offline) {
      this.state.offline = false;
      this.addItem({ role: "notice", notice: "online", text: t.online });
    }
  }

  // --- the conversation -------------------------------------------------------------

  async send(text, display) {
    if (!text || !text.trim()) return;
    this.pending = [];
    const item = this.addItem({ role: "user", text: display || text });
    this.showTyping();
    const connection = this.connection;
    if (connection.status === "down") {
      // The user is here: see whether Rasa is back before falling back on the FAQ search.
      await Promise.race([connection.check(), sleep(RECHECK_WAIT_MS)]);
    }
    try {
      const via = await connection.send(text);
      if (via === "rest") this.hideTyping();
    } catch (e) {
      if (connection !== this.connection) return; // a new conversation started meanwhile
      if (e instanceof RasaUnavailable) {
        await this.answerWithoutRasa(text, item);
        return;
      }
      this.sendFailed(item);
    }
  }

  sendFailed(item) {
    this.hideTyping();
    item.failed = true;
    this.updateItem(item);
    this.addItem({ role: "notice", text: this.t.sendFailed });
  }

  /** Rasa is down: a question goes to the app's FAQ search; the bot's own payloads are
   * handled here where they can be (choosing an FAQ entry), refused politely otherwise. */
  async answerWithoutRasa(text, item) {
    const chosen = CHOOSE_FAQ.exec(text);
    if (chosen) {
      const data = parseJson(chosen[1]);
      if (data && typeof data.faq_id === "string" && data.faq_id) {
        await this.showFaqEntry(data.faq_id, item);
        return;
      }
    }
    if (text.startsWith("/")) {
      this.hideTyping();
      this.addItem({ role: "notice", text: this.t.needsAssistant });
      return;
    }
    let result;
    try {
      result = await this.faqApi.search(text);
    } catch (e) {
      this.sendFailed(item);
      return;
    }
    this.hideTyping();
    if (result.confident) {
      this.addFaqAnswer(result.answer);
    } else {
      this.addItem({ role: "bot", kind: "faq_search", via: "faq", text: "", candidates: result.candidates });
    }
  }

  /** A candidate of the FAQ search was clicked: that entry, straight from the app. */
  openFaq(item, candidate) {
    if (item.chosen !== undefined && item.chosen !== null) return;
    item.chosen = candidate.index;
    this.updateItem(item);
    this.pending = [];
    const user = this.addItem({ role: "user", text: candidate.title });
    this.showTyping();
    this.showFaqEntry(candidate.id, user);
  }

  async showFaqEntry(id, userItem) {
    let entry;
    try {
      entry = await this.faqApi.entry(id, this.config.lang);
    } catch (e) {
      this.sendFailed(userItem);
      return;
    }
    this.hideTyping();
    this.addFaqAnswer(entry);
  }

  addFaqAnswer(entry) {
    // The same card as the bot's faq_answer payload; "via" says it came from the FAQ search.
    const custom = {
      kind: "faq_answer",
      faq_id: entry.id,
      question: entry.question,
      answer_markdown: entry.answer,
      source_url: entry.source_url,
      translated_from: entry.translated_from,
      original_question: entry.original_question,
    };
    this.addItem({ role: "bot", kind: "faq_answer", via: "faq", custom, text: "", buttons: [] });
  }

  receive(raw) {
    const m = normalizeBotMessage(raw);
    if (!m) return;
    this.bumpTyping();
    if (m.text || m.buttons.length) {
      this.pending.push(this.addItem({ role: "bot", kind: "text", text: m.text, buttons: m.buttons }));
    }
    if (!m.custom) return;
    const kind = str(m.custom.kind);
    const shown = this.pending.splice(0);
    if (RICH_KINDS.has(kind)) {
      // The rich card stands in for the plain text the bot sent with it.
      const text = shown.map((i) => i.text).filter(Boolean).join("\n\n");
      const buttons = shown.flatMap((i) => i.buttons || []);
      this.removeItems(shown);
      this.addItem({ role: "bot", kind, custom: m.custom, text, buttons });
      if (kind === "handoff") this.setHandoff(str(m.custom.ticket_id));
    } else if (!shown.length && typeof m.custom.text === "string" && m.custom.text) {
      this.addItem({ role: "bot", kind: "text", text: m.custom.text, buttons: [] });
    }
  }

  choose(item, button) {
    if (item.chosen !== undefined && item.chosen !== null) return;
    item.chosen = button.index;
    this.updateItem(item);
    this.send(button.payload, button.title);
  }

  feedback(item, value) {
    if (item.feedback || item.via === "faq") return;
    item.feedback = value;
    this.updateItem(item);
    const t = this.t;
    // Intent payloads: understood the same whatever the language, no NLU guess.
    if (value === "up") this.send("/feedback_positive", t.useful);
    else this.send("/feedback_negative", t.notUseful);
  }

  setHandoff(ticket) {
    this.state.handoff = ticket ? { ticket } : null;
    this.renderBanner();
    this.save();
  }

  reset() {
    if (this.connection) this.connection.stop();
    this.hideTyping();
    this.pending = [];
    this.state = this.freshState(true);
    this.save();
    this.renderAll();
    this.connect();
    this.input.focus({ preventScroll: true });
  }

  // --- rendering and storage ----------------------------------------------------------

  addItem(fields) {
    const item = { id: this.state.nextId++, ...fields };
    this.state.items.push(item);
    const row = renderItem(item, this.ctx);
    this.rows.set(item.id, row);
    this.messages.append(row);
    this.save();
    this.scrollToEnd();
    return item;
  }

  updateItem(item) {
    const old = this.rows.get(item.id);
    const row = renderItem(item, this.ctx);
    this.rows.set(item.id, row);
    if (old) old.replaceWith(row);
    this.save();
  }

  removeItems(items) {
    const ids = new Set(items.map((i) => i.id));
    if (!ids.size) return;
    this.state.items = this.state.items.filter((i) => !ids.has(i.id));
    for (const id of ids) {
      const row = this.rows.get(id);
      if (row) row.remove();
      this.rows.delete(id);
    }
  }

  renderAll() {
    this.messages.replaceChildren();
    this.rows.clear();
    for (const item of this.state.items) {
      const row = renderItem(item, this.ctx);
      this.rows.set(item.id, row);
      this.messages.append(row);
    }
    this.renderBanner();
    this.scrollToEnd();
  }

  renderBanner() {
    const ticket = this.state.handoff && this.state.handoff.ticket;
    this.banner.textContent = ticket ? this.t.handoffBanner.replace("{ticket}", ticket) : "";
    this.banner.hidden = !ticket;
  }

  save() {
    this.store.save(this.state);
  }

  scrollToEnd() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  showTyping() {
    this.typing.classList.add("visible");
    this.scrollToEnd();
    clearTimeout(this.idleTimer);
    clearTimeout(this.noReplyTimer);
    this.noReplyTimer = setTimeout(() => {
      this.hideTyping();
      this.addItem({ role: "notice", text: this.t.noReply });
    }, NO_REPLY_MS);
  }

  bumpTyping() {
    clearTimeout(this.noReplyTimer);
    clearTimeout(this.idleTimer);
    if (this.typing.classList.contains("visible")) {
      this.idleTimer = setTimeout(() => this.hideTyping(), TYPING_IDLE_MS);
    }
  }

  hideTyping() {
    clearTimeout(this.idleTimer);
    clearTimeout(this.noReplyTimer);
    this.typing.classList.remove("visible");
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function start(script) {
  if (window.CvmHelpdeskWidget) return; // embedded twice: keep the first
  const config = readConfig(script);
  if (!Markdown.safeUrl(config.rasaUrl)) {
    console.error("cvm-helpdesk widget: data-rasa-url must be an http(s) URL, got " + JSON.stringify(config.rasaUrl));
    return;
  }
  if (!Markdown.safeUrl(config.apiUrl)) {
    console.error("cvm-helpdesk widget: data-api-url must be an http(s) URL, got " + JSON.stringify(config.apiUrl));
    return;
  }
  const widget = new Widget(config);
  window.CvmHelpdeskWidget = {
    open: () => widget.setOpen(true),
    close: () => widget.setOpen(false),
    send: (text) => widget.send(String(text), String(text)),
    reset: () => widget.reset(),
  };
  if (document.body) widget.mount();
  else document.addEventListener("DOMContentLoaded", () => widget.mount());
}
