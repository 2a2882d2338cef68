// The one REST client of the console: every call goes to the API with the admin
// app's key and the session token, and every failure becomes an ApiError read
// from the error envelope {"error": {code, context, message, status_code}}.

const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content ?? "";

export const API_BASE = meta("df-api-base");
const API_KEY = meta("df-api-key");
const TOKEN = "df.session_token";
const USER = "df.user";

/**
 * A refused call. A batch's error (context {error: [indexes], resource: [...]},
 * the failed items being errors themselves) keeps its items in `items`; when one
 * record failed, the error is that record's own, so its field messages reach
 * the form.
 */
export class ApiError extends Error {
  constructor(status, error) {
    const failed = batchFailures(error?.context);
    const own = failed.length === 1 ? failed[0] : error;
    super(own?.message || error?.message || `The server answered ${status}.`);
    this.status = status;
    this.code = own?.code ?? error?.code ?? status;
    this.context = own?.context ?? null;
    this.items = Array.isArray(error?.context?.resource) ? error.context.resource : null;
  }
}

function batchFailures(context) {
  if (!context || !Array.isArray(context.error) || !Array.isArray(context.resource)) return [];
  return context.error
    .map((index) => context.resource[index])
    .map((item) => (item && "message" in item ? item : item?.error))
    .filter(Boolean);
}

/** The signed-in user as the session answer described them, or null. */
export function currentUser() {
  const raw = sessionStorage.getItem(USER);
  return raw ? JSON.parse(raw) : null;
}

function remember(session) {
  sessionStorage.setItem(TOKEN, session.session_token);
  const { session_token, session_id, ...user } = session;
  sessionStorage.setItem(USER, JSON.stringify(user));
}

export function forget() {
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(USER);
}

function url(path, params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== "") query.set(key, value);
  }
  const text = query.toString();
  return `${API_BASE}/${path.replace(/^\/+/, "")}${text ? `?${text}` : ""}`;
}

/**
 * One API call. `body` is sent as JSON unless it is a FormData, Blob or File;
 * `onProgress(fraction)` reports upload progress (through XMLHttpRequest, the
 * only browser API that has it). Resolves to the parsed JSON (or the Response
 * when `raw`); rejects with an ApiError. When the session has ended (expired,
 * signed out elsewhere), listeners of "df-signed-out" take the user back to
 * the sign-in.
 */
export async function request(method, path, { params, body, headers, raw, onProgress } = {}) {
  const sent = new Headers(headers || {});
  if (API_KEY) sent.set("X-DreamFactory-API-Key", API_KEY);
  const token = sessionStorage.getItem(TOKEN);
  if (token) sent.set("X-DreamFactory-Session-Token", token);
  let payload = body;
  const binary = body instanceof FormData || body instanceof Blob;
  if (body !== undefined && !binary) {
    sent.set("Content-Type", "application/json");
    payload = JSON.stringify(body);
  }
  const response = onProgress
    ? await withProgress(method, url(path, params), sent, payload, onProgress)
    : await fetch(url(path, params), { method, headers: sent, body: payload });
  if (response.ok) {
    if (raw) return response;
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }
  let error = null;
  try {
    error = (await response.json()).error;
  } catch {
    // not our envelope (a proxy's page): the status says enough
  }
  if (token && sessionEnded(response.status, error)) {
    forget();
    window.dispatchEvent(new CustomEvent("df-signed-out"));
  }
  throw new ApiError(response.status, error);
}

/** A 401, or the 403 of a token signed out elsewhere ("blacklisted", as DreamFactory says). */
function sessionEnded(status, error) {
  return status === 401 || (status === 403 && /blacklisted/i.test(error?.message || ""));
}

function withProgress(method, target, headers, body, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, target);
    headers.forEach((value, key) => xhr.setRequestHeader(key, value));
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      resolve(
        new Response(xhr.status === 204 ? null : xhr.responseText, {
          status: xhr.status,
          headers: { "Content-Type": xhr.getResponseHeader("Content-Type") || "" },
        }),
      );
    };
    xhr.onerror = () => reject(new ApiError(0, { message: "The server could not be reached." }));
    xhr.send(body);
  });
}

export const api = {
  get: (path, params) => request("GET", path, { params }),
  post: (path, body, params) => request("POST", path, { body, params }),
  put: (path, body, params) => request("PUT", path, { body, params }),
  patch: (path, body, params) => request("PATCH", path, { body, params }),
  delete: (path, params, body) => request("DELETE", path, { params, body }),
  request,
};

/** All records of a system resource (`resource` of the answer), following the server's paging. */
export async function listAll(path, params = {}) {
  const records = [];
  for (let offset = 0; ; ) {
    const page = await api.get(path, { ...params, offset, include_count: true });
    records.push(...(page.resource || []));
    offset = records.length;
    const count = page.meta?.count ?? records.length;
    if (!page.resource?.length || offset >= count) return records;
  }
}

/** Admin login first, then user login (a non-admin sees what their role reaches). */
export async function signIn(email, password) {
  let session;
  try {
    session = await api.post("system/admin/session", { email, password });
  } catch (error) {
    if (error.status !== 401) throw error;
    session = await api.post("user/session", { email, password });
  }
  remember(session);
  return currentUser();
}

export async function signOut() {
  try {
    await api.delete(currentUser()?.is_sys_admin ? "system/admin/session" : "user/session");
  } catch {
    // the session may have ended already: signing out goes on
  }
  forget();
}

// Profile: a changed password or e-mail ends the session's token; the answer's new one replaces it.
/** Keep a new session token (and changed user fields) for the signed-in user. */
export function renewSession(token, changes = {}) {
  if (token) sessionStorage.setItem(TOKEN, token);
  const user = currentUser();
  if (user) sessionStorage.setItem(USER, JSON.stringify({ ...user, ...changes }));
}
