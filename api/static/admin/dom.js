// DOM helpers of the dashboard. Every value goes in as text (textContent), never as markup:
// questions and transcripts come from users.

import { t } from "./i18n.js";

export const $ = (id) => document.getElementById(id);

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export function button(labelKey, onClick, className = "") {
  const b = el("button", className, t(labelKey));
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}
