// The admin API over fetch: the token goes in the Authorization header of every call,
// never in a URL. Errors carry the HTTP status so the page can say what went wrong.

const TOKEN_KEY = "helpdesk.admin.token";

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.detail = detail || "";
  }

  get isAuth() {
    return this.status === 401 || this.status === 403;
  }

  get notConfigured() {
    return this.status === 503;
  }
}

function urlFor(path, params) {
  const url = new URL(path, location.origin);
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, String(value));
  }
  return url;
}

async function errorDetail(response) {
  try {
    const body = await response.json();
    if (typeof body.detail === "string") return body.detail;
    if (Array.isArray(body.detail)) return body.detail.map((d) => d.msg || JSON.stringify(d)).join("; ");
    return JSON.stringify(body);
  } catch {
    return response.statusText;
  }
}

export async function request(path, { method = "GET", params, accept = "application/json" } = {}) {
  const headers = { Accept: accept };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(urlFor(path, params), { method, headers, cache: "no-store", credentials: "omit" });
  } catch (e) {
    throw new ApiError(0, e.message);
  }
  if (!response.ok) throw new ApiError(response.status, await errorDetail(response));
  return response;
}

export async function getJson(path, params) {
  return (await request(path, { params })).json();
}

export async function post(path) {
  const response = await request(path, { method: "POST" });
  return response.status === 204 ? null : response.json().catch(() => null);
}

function filenameFrom(response, fallback) {
  const disposition = response.headers.get("Content-Disposition") || "";
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  const name = match ? decodeURIComponent(match[1]) : fallback;
  return name.replace(/[\\/]/g, "_");
}

/** Fetch ``path`` with the token, then save the body as a file (via a Blob URL). */
export async function download(path, params, fallbackName, accept) {
  const response = await request(path, { params, accept });
  const blob = await response.blob();
  const name = filenameFrom(response, fallbackName);
  const href = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = href;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
  return name;
}
