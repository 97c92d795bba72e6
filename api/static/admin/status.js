// What the page shows: the status line, the sign-in form or the figures, and what it says
// when the admin API refuses the token.

import { ApiError, setToken } from "./api.js";
import { $ } from "./dom.js";
import { t } from "./i18n.js";

export function say(message, kind = "info") {
  const status = $("status");
  status.textContent = message;
  status.dataset.kind = kind;
  status.hidden = !message;
}

export function showSignIn(message, kind = "warn") {
  $("auth").hidden = false;
  $("content").hidden = true;
  $("filters").hidden = true;
  $("sign-out").hidden = true;
  say(message, kind);
  $("token-input").focus();
}

export function showDashboard() {
  $("auth").hidden = true;
  $("content").hidden = false;
  $("filters").hidden = false;
  $("sign-out").hidden = false;
}

/** Handle an error of the admin API; true if it was about access (and the page now says so). */
export function handleAccessError(error) {
  if (!(error instanceof ApiError)) return false;
  if (error.isAuth) {
    setToken("");
    showSignIn(t("refused", { status: error.status }), "error");
    return true;
  }
  if (error.notConfigured && /token/i.test(error.detail)) {
    showSignIn(t("notConfigured"), "error");
    return true;
  }
  return false;
}

/** Report a failed action: a refused token signs out, anything else goes to the status line. */
export function reportActionError(error, message = error.message) {
  if (!handleAccessError(error)) say(message, "error");
}
