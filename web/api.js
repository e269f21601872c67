// Everything that talks to the server: session storage, the JSON fetch wrapper, the file upload.
import { refresh, revoke } from "./auth.js";
import { has, t } from "./i18n.js";

const TOKEN = "espace-sante.token";
const REFRESH = "espace-sante.refresh";
const EXPIRES = "espace-sante.expires";
const SPACE = "espace-sante.space";
// The ID token (60 minutes) is renewed in its last 5 minutes while the person is active: a click,
// a key or a request within the last 15 minutes. Idle longer, the session ends, on the server too.
const RENEW_BEFORE_MS = 5 * 60 * 1000;
const IDLE_MS = 15 * 60 * 1000;

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export const session = {
  get token() { return sessionStorage.getItem(TOKEN); },
  get refreshToken() { return sessionStorage.getItem(REFRESH); },
  get expiresAt() { return Number(sessionStorage.getItem(EXPIRES) ?? 0); },
  get spaceId() { return sessionStorage.getItem(SPACE); },
  /** What auth.js answers: {idToken, refreshToken, expiresAt}. */
  setTokens({ idToken, refreshToken, expiresAt }) {
    sessionStorage.setItem(TOKEN, idToken);
    if (refreshToken) sessionStorage.setItem(REFRESH, refreshToken);
    sessionStorage.setItem(EXPIRES, String(expiresAt));
  },
  setSpace(id) { id ? sessionStorage.setItem(SPACE, id) : sessionStorage.removeItem(SPACE); },
  clear() { for (const key of [TOKEN, REFRESH, EXPIRES, SPACE]) sessionStorage.removeItem(key); },
};

let unauthorized = () => {};
export const onUnauthorized = (fn) => { unauthorized = fn; };

let spaceChanged = () => {};
/** A route refused the space as closed or suspended (closed on another device, say). */
export const onSpaceChanged = (fn) => { spaceChanged = fn; };

let lastActive = Date.now();
/** The person did something (app.js listens to clicks and keys; every request counts too). */
export const markActive = () => { lastActive = Date.now(); };

let renewing = null;
/** A new ID token if the current one ends within 5 minutes; the session ends if it cannot. */
async function renew() {
  const token = session.refreshToken;
  if (!token || !session.expiresAt || Date.now() < session.expiresAt - RENEW_BEFORE_MS) return;
  renewing ??= refresh(token).then((tokens) => session.setTokens(tokens), (err) => {
    if (err.status === 401 || err.status === 400) session.clear(); // revoked or expired: sign in again
  }).finally(() => { renewing = null; });
  await renewing;
}

/** Signs out: the refresh token revoked on the server, then forgotten here. Resolves false if the
 *  server could not be told (the refresh token then lapses by itself, within a day). */
export async function endSession() {
  const token = session.refreshToken;
  session.clear();
  if (!token) return true;
  return revoke(token).then(() => true, () => false);
}

/** Checks the session every minute: renewed while the person is active, ended once they are idle
 *  and the ID token has expired. */
export function watchSession() {
  setInterval(async () => {
    if (!session.token || !session.expiresAt) return;
    if (Date.now() - lastActive < IDLE_MS) return renew();
    if (Date.now() >= session.expiresAt) {
      await endSession();
      unauthorized();
    }
  }, 60 * 1000);
}

// The API's messages are English, for developers: the user reads the catalogue's, by code, else by
// status (errors.byCode, errors.byStatus).
function message(status, code) {
  for (const key of [`errors.byCode.${code}`, `errors.byStatus.${status}`]) if (has(key)) return t(key);
  return t("errors.other");
}

// An answer that has not come after this long will not come (API Gateway gives up at 29 s):
// the page says so and offers to try again, instead of "Chargement..." for ever.
export const TIME_LIMIT_MS = 30000;

/** Calls the API. `space` defaults to the space being viewed (null: the user's own space);
 *  `version` becomes If-Match. Resolves with the JSON body, rejects with an ApiError (TIMEOUT
 *  after TIME_LIMIT_MS without an answer). */
export async function api(path, { method = "GET", body, version, space = session.spaceId, auth = true } = {}) {
  if (auth && session.token) {
    markActive();
    await renew();
  }
  const headers = { Accept: "application/json" };
  if (auth && session.token) headers.Authorization = `Bearer ${session.token}`;
  if (space) headers["X-Space-Id"] = space;
  if (version !== undefined) headers["If-Match"] = String(version);
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIME_LIMIT_MS);
  let res;
  let data;
  try {
    res = await fetch(path, { method, headers, cache: "no-store", body: body === undefined ? undefined : JSON.stringify(body), signal: abort.signal });
    data = res.status === 204 ? null : await res.json().catch((err) => { if (abort.signal.aborted) throw err; return null; });
  } catch {
    throw abort.signal.aborted ? new ApiError(0, "TIMEOUT", t("errors.timeout")) : new ApiError(0, "NETWORK", t("errors.offline"));
  } finally {
    clearTimeout(timer);
  }
  if (res.ok) return data;
  // A recent sign-in asked for (closing a space): the session stays, the page asks to sign in again.
  if (res.status === 401 && auth && data?.code !== "REAUTHENTICATION_REQUIRED") {
    session.clear();
    unauthorized();
    throw new ApiError(401, data?.code ?? "UNAUTHORIZED", t("errors.sessionExpired"));
  }
  const code = data?.code ?? `HTTP_${res.status}`;
  if (["SPACE_CLOSED", "SPACE_SUSPENDED"].includes(code)) queueMicrotask(() => spaceChanged());
  throw new ApiError(res.status, code, message(res.status, code), res.status === 400 ? fieldOf(data?.message) : undefined);
}

/** The field a 400 names ("email: value is not a valid email address" → "email"), if any. */
const fieldOf = (message) => (typeof message === "string" ? /^([a-z][a-z0-9_]*)(?:\.\d+)?: /.exec(message)?.[1] : undefined);

/** Builds "?a=1&b=2" from the non-empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** Only http(s) URLs from the server are ever opened or linked. */
export function safeUrl(url) {
  const u = new URL(url, location.href);
  if (u.protocol !== "https:" && u.protocol !== "http:") throw new ApiError(0, "BAD_URL", t("errors.badUrl"));
  return u.href;
}

/** Sends the file to the pre-signed storage URL (every field, then "file" last), reporting progress.
 *  Resolves true once stored, false if sent without a readable answer. */
export function uploadFile(url, fields, file, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields ?? {})) form.append(k, v);
    form.append("file", file);
    const target = safeUrl(url);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", target);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300
      ? resolve(true)
      : reject(new ApiError(xhr.status, "UPLOAD_FAILED", t("upload.storageRefused"))));
    // No CORS answer from the storage (the progress listener forces a preflight): send it again as a
    // plain form post, whose answer cannot be read; the caller then relies on the upload status.
    xhr.onerror = () => fetch(target, { method: "POST", body: form, mode: "no-cors" })
      .then(() => resolve(false), () => reject(new ApiError(0, "NETWORK", t("errors.offline"))));
    xhr.send(form);
  });
}
