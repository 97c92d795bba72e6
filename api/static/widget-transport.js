// Talking to Rasa: its socket.io channel, or its REST channel when the socket is unavailable.
//
// The socket.io client is a small implementation of the two protocols Rasa's server
// (python-socketio 5 / python-engineio 4) speaks, over the browser's WebSocket, so nothing
// is loaded from elsewhere: Engine.IO v4 (packets "0" open, "1" close, "2" ping -> "3" pong,
// "4" message) carrying Socket.IO v5 packets ("40" connect, "41" disconnect, "42" event,
// "44" connect error), text only. See https://socket.io/docs/v4/socket-io-protocol/.

const SOCKET_CONNECT_TIMEOUT_MS = 5000;
const REST_TIMEOUT_MS = 20000; // below the widget's 30 s no-reply notice: the FAQ search takes over first
const REST_PROBE_TIMEOUT_MS = 5000;
// After a REST message failed, Rasa's REST health check alone counts as "back" only this much
// later (the socket reconnecting counts at once): a webhook that fails while the health check
// passes would otherwise flip the widget between "down" and "back" on every message.
const REST_DISTRUST_MS = 60000;

/** One bot message from either channel, as {text, buttons, custom}; null if it is not one. */
function normalizeBotMessage(raw) {
  if (!raw || typeof raw !== "object") return null;
  const rawButtons = Array.isArray(raw.buttons) ? raw.buttons : Array.isArray(raw.quick_replies) ? raw.quick_replies : [];
  const buttons = rawButtons
    .filter((b) => b && typeof b.title === "string" && typeof b.payload === "string")
    .map((b) => ({ title: b.title, payload: b.payload }));
  const custom = raw.custom && typeof raw.custom === "object" && !Array.isArray(raw.custom) ? raw.custom : null;
  const text = typeof raw.text === "string" ? raw.text : "";
  if (!text && !buttons.length && !custom) return null;
  return { text, buttons, custom };
}

/**
 * A Socket.IO v5 connection to Rasa's socket.io channel with a persistent session.
 * handlers: botEvent (name), onMessage(raw bot message), onClose() once a confirmed
 * connection ends. connect() resolves once Rasa has confirmed the session (so replies
 * of this session reach this socket), and rejects if that does not happen in time.
 */
class RasaSocket {
  constructor(rasaUrl, socketPath, sessionId, handlers) {
    const url = new URL(rasaUrl);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    // Under the Rasa URL's own path, if it is served behind a prefix.
    url.pathname = url.pathname.replace(/\/+$/, "") + "/" + socketPath.replace(/^\/+|\/+$/g, "") + "/";
    url.search = "?EIO=4&transport=websocket";
    this.url = url.href;
    this.sessionId = sessionId;
    this.handlers = handlers;
    this.ws = null;
    this.ready = false;
    this.ended = false;
    this.pingTimer = null;
    this.settle = null; // {resolve, reject} while connect() is pending
  }

  connect() {
    return new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
      this.connectTimer = setTimeout(() => this.terminate("socket.io connect timed out"), SOCKET_CONNECT_TIMEOUT_MS);
      try {
        this.ws = new WebSocket(this.url);
      } catch (e) {
        this.terminate(String(e));
        return;
      }
      this.ws.onmessage = (event) => {
        if (typeof event.data === "string") this.onEnginePacket(event.data); // text-only protocol use
      };
      this.ws.onerror = () => this.terminate("websocket error");
      this.ws.onclose = () => this.terminate("websocket closed");
    });
  }

  /** End the connection, once, whatever ended it: reject a pending connect() or report the close. */
  terminate(why) {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.connectTimer);
    clearTimeout(this.pingTimer);
    const wasReady = this.ready;
    this.ready = false;
    if (this.ws) {
      this.ws.onmessage = this.ws.onerror = this.ws.onclose = null;
      if (this.ws.readyState <= 1) this.ws.close();
    }
    if (this.settle) {
      this.settle.reject(new Error(why));
      this.settle = null;
    } else if (wasReady && this.handlers.onClose) {
      this.handlers.onClose();
    }
  }

  close() {
    this.terminate("closed by the widget");
  }

  onEnginePacket(data) {
    switch (data[0]) {
      case "0": // open: {sid, pingInterval, pingTimeout}; then connect to the main namespace
        this.handshake = parseJson(data.slice(1)) || {};
        this.armPingTimeout();
        this.ws.send("40");
        break;
      case "2": // the server's heartbeat
        this.armPingTimeout();
        this.ws.send("3");
        break;
      case "1":
        this.terminate("closed by the server");
        break;
      case "4":
        this.onSocketPacket(data.slice(1));
        break;
      default:
        break; // "3" pong, "6" noop
    }
  }

  onSocketPacket(packet) {
    const type = packet[0];
    let i = 1;
    if (packet[i] === "/") {
      const comma = packet.indexOf(",", i);
      if (packet.slice(i, comma < 0 ? packet.length : comma) !== "/") return; // other namespaces
      i = comma < 0 ? packet.length : comma + 1;
    }
    while (i < packet.length && packet[i] >= "0" && packet[i] <= "9") i++; // an ack id, unused
    const payload = i < packet.length ? parseJson(packet.slice(i)) : undefined;
    if (type === "0") {
      this.emit("session_request", { session_id: this.sessionId });
    } else if (type === "4") {
      this.terminate("socket.io connect refused: " + JSON.stringify(payload));
    } else if (type === "1") {
      this.terminate("disconnected by the server");
    } else if (type === "2" && Array.isArray(payload)) {
      const [name, arg] = payload;
      if (name === "session_confirm" && this.settle) {
        clearTimeout(this.connectTimer);
        this.ready = true;
        this.settle.resolve();
        this.settle = null;
      } else if (name === this.handlers.botEvent && this.handlers.onMessage) {
        this.handlers.onMessage(arg);
      }
    }
  }

  armPingTimeout() {
    clearTimeout(this.pingTimer);
    const h = this.handshake || {};
    const limit = (h.pingInterval || 25000) + (h.pingTimeout || 20000);
    this.pingTimer = setTimeout(() => this.terminate("no ping from the server"), limit);
  }

  emit(name, data) {
    this.ws.send("42" + JSON.stringify([name, data]));
  }

  sendUserMessage(eventName, text) {
    if (!this.ready) throw new Error("socket not connected");
    this.emit(eventName, { message: text, session_id: this.sessionId });
  }
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch (e) {
    return undefined;
  }
}

/** One message over Rasa's REST channel; resolves to the bot's messages. */
async function restSend(rasaUrl, sender, text) {
  const response = await fetchWithTimeout(
    rasaUrl + "/webhooks/rest/webhook",
    {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender, message: text }),
    },
    REST_TIMEOUT_MS,
  );
  if (!response.ok) throw new Error("Rasa REST channel answered HTTP " + response.status);
  const messages = await response.json();
  return Array.isArray(messages) ? messages : [];
}

/** Whether Rasa's REST channel answers its health check (GET /webhooks/rest/ -> {"status": "ok"}). */
async function restAvailable(rasaUrl) {
  try {
    const response = await fetchWithTimeout(rasaUrl + "/webhooks/rest/", { method: "GET" }, REST_PROBE_TIMEOUT_MS);
    return response.ok;
  } catch (e) {
    return false;
  }
}

async function fetchWithTimeout(url, init, timeoutMs) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await fetch(url, { ...init, signal: controller.signal, credentials: "omit" });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Sends over the socket when it is connected, else over REST; keeps retrying the
 * socket in the background (1 s, 2 s, 4 s ... 30 s). Both use the same sender id, so
 * Rasa sees one conversation whichever way a message went.
 *
 * Status: "connecting", "socket", "rest" (the socket failed, REST answers its health
 * check), or "down": neither the socket nor REST can be reached, or a REST call failed.
 * While down the retries go on, and a successful socket connection (or REST health
 * check, not sooner than REST_DISTRUST_MS after a REST message failed) brings the status
 * back; send() then throws RasaUnavailable at once.
 */
class Connection {
  constructor(config, sessionId, handlers) {
    this.config = config;
    this.sessionId = sessionId;
    this.handlers = handlers; // onMessage(raw), onStatus("connecting" | "socket" | "rest" | "down")
    this.socket = null;
    this.status = null;
    this.retryDelay = 1000;
    this.retryTimer = null;
    this.attempt = null; // the check in flight, if any
    this.restFailedAt = -Infinity;
    this.stopped = false;
  }

  start() {
    this.setStatus("connecting");
    this.check();
  }

  setStatus(status) {
    if (this.stopped || status === this.status) return;
    this.status = status;
    this.handlers.onStatus(status);
  }

  /** Try the socket now (one attempt at a time); if it fails, Rasa's REST health. Resolves to
   * whether Rasa can be reached; schedules the next retry unless the socket connected. */
  check() {
    if (this.socket && this.socket.ready) return Promise.resolve(true);
    if (!this.attempt) {
      clearTimeout(this.retryTimer);
      this.attempt = this.checkOnce().finally(() => {
        this.attempt = null;
      });
    }
    return this.attempt;
  }

  async checkOnce() {
    if (this.stopped) return false;
    if (await this.connectSocket()) return true;
    if (this.stopped) return false;
    const trusted = Date.now() - this.restFailedAt >= REST_DISTRUST_MS;
    const restUp = trusted && (await restAvailable(this.config.rasaUrl));
    if (this.stopped) return false;
    this.setStatus(restUp ? "rest" : "down");
    this.scheduleRetry();
    return restUp;
  }

  /** One socket.io connection attempt; true once Rasa confirmed the session. */
  async connectSocket() {
    const socket = new RasaSocket(this.config.rasaUrl, this.config.socketPath, this.sessionId, {
      botEvent: "bot_uttered",
      onMessage: (raw) => this.handlers.onMessage(raw),
      onClose: () => {
        if (this.socket === socket) this.socket = null;
        if (!this.stopped) {
          // Probably REST still works; a failing send (or the next check) says otherwise.
          this.setStatus("rest");
          this.scheduleRetry();
        }
      },
    });
    try {
      await socket.connect();
    } catch (e) {
      return false;
    }
    if (this.stopped) {
      socket.close();
      return false;
    }
    this.socket = socket;
    this.retryDelay = 1000;
    this.setStatus("socket");
    return true;
  }

  scheduleRetry() {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.check(), this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, 30000);
  }

  /** Send a user message. Over REST, resolves after the replies were handed to onMessage.
   * Throws RasaUnavailable when Rasa is down (then the status is "down"). */
  async send(text) {
    if (this.socket && this.socket.ready) {
      this.socket.sendUserMessage("user_uttered", text);
      return "socket";
    }
    if (this.status === "down") throw new RasaUnavailable("Rasa is unavailable");
    let replies;
    try {
      replies = await restSend(this.config.rasaUrl, this.sessionId, text);
    } catch (e) {
      if (this.socket && this.socket.ready) throw e; // the socket came back meanwhile: not "down"
      this.restFailedAt = Date.now();
      this.setStatus("down");
      if (!this.attempt) this.scheduleRetry();
      throw new RasaUnavailable(String(e));
    }
    for (const raw of replies) this.handlers.onMessage(raw);
    return "rest";
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    if (this.socket) this.socket.close();
    this.socket = null;
  }
}

class RasaUnavailable extends Error {}

// --- the app's own FAQ search, for when Rasa is down ------------------------------------

const API_TIMEOUT_MS = 15000;
const MAX_QUESTION_CHARS = 1000; // the app's limit on /v1/answer (api/schemas.py)

/** The app's FAQ API (POST /v1/answer, GET /v1/faq/{id}); answers are checked, never trusted. */
class FaqApi {
  constructor(apiUrl) {
    this.apiUrl = apiUrl.replace(/\/+$/, "");
  }

  async getJson(path, init) {
    const response = await fetchWithTimeout(this.apiUrl + path, init, API_TIMEOUT_MS);
    if (!response.ok) throw new Error("the FAQ API answered HTTP " + response.status);
    return response.json();
  }

  /** {confident, answer: entry | null, candidates: [{id, question}]} for a question; the app answers in
   * the question's language (English readers get the curated translation, marked as such). */
  async search(question) {
    const body = await this.getJson("/v1/answer", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question: question.slice(0, MAX_QUESTION_CHARS), top_k: 3 }),
    });
    const data = body && typeof body === "object" ? body : {};
    const answer = faqEntry(data.answer);
    const candidates = (Array.isArray(data.candidates) ? data.candidates : [])
      .filter((c) => c && typeof c === "object" && typeof c.id === "string" && c.id && typeof c.question === "string")
      .map((c) => ({ id: c.id, question: c.question }));
    return { confident: data.confident === true && answer !== null, answer, candidates };
  }

  /** One FAQ entry by id, as a reader of `lang` ("zh" or "en") sees it. */
  async entry(id, lang) {
    const path = "/v1/faq/" + encodeURIComponent(id) + "/text?language=" + (lang === "en" ? "en" : "zh");
    const entry = faqEntry(await this.getJson(path, { method: "GET" }));
    if (!entry) throw new Error("the FAQ API sent no entry");
    return entry;
  }
}

/** {id, question, answer, source_url, translated_from, original_question} as strings (translated_from:
 * "zh" or null), from an answer or an entry; null if it is not one. */
function faqEntry(raw) {
  if (!raw || typeof raw !== "object" || typeof raw.id !== "string" || typeof raw.answer !== "string") return null;
  const text = (value) => (typeof value === "string" ? value : "");
  return {
    id: raw.id,
    question: text(raw.question),
    answer: raw.answer,
    source_url: text(raw.source_url),
    translated_from: raw.translated_from === "zh" ? "zh" : null,
    original_question: text(raw.original_question),
  };
}
