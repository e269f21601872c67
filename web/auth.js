// How the site signs in, keeps a session and ends it. config.json (beside index.html) says how:
// {"auth": "local", "loginUrl", "refreshUrl", "logoutUrl"} (the local stack's helpers), or
// {"auth": "cognito", "region", "userPoolClientId"}: Cognito's own API, called from the browser
// (REFRESH_TOKEN_AUTH and RevokeToken; the sign-in itself needs SRP, not written yet: docs/accounts.md).
import { t } from "./i18n.js";

const LOCAL = { auth: "local", loginUrl: "/local/login", refreshUrl: "/local/refresh", logoutUrl: "/local/logout" };
let config = null;

/** The site's configuration, read once (the local stack's when there is none). */
export async function siteConfig() {
  config ??= await fetch("config.json", { cache: "no-store" })
    .then((res) => (res.ok ? res.json() : LOCAL), () => LOCAL)
    .catch(() => LOCAL);
  return config;
}

export class AuthError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function post(url, body, headers = { "Content-Type": "application/json" }) {
  let res;
  try {
    res = await fetch(url, { method: "POST", headers, cache: "no-store", body: JSON.stringify(body) });
  } catch {
    throw new AuthError(0, t("errors.offline"));
  }
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new AuthError(res.status, res.status === 401 || res.status === 400 ? t("errors.byStatus.401") : t("errors.other"));
  return data;
}

/** One action of Cognito's API (InitiateAuth, RevokeToken), as its JavaScript SDK sends it. */
function cognito(conf, action, body) {
  return post(`https://cognito-idp.${conf.region}.amazonaws.com/`, body, {
    "Content-Type": "application/x-amz-json-1.1",
    "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
  });
}

/** Tokens as the site keeps them: the ID token, the refresh token, when the ID token expires. */
const kept = (tokens, refreshToken) => ({
  idToken: tokens.id_token ?? tokens.IdToken,
  refreshToken: tokens.refresh_token ?? tokens.RefreshToken ?? refreshToken,
  expiresAt: Date.now() + 1000 * Number(tokens.expires_in ?? tokens.ExpiresIn ?? 3600),
});

export async function signIn(username, password) {
  const conf = await siteConfig();
  if (conf.auth === "cognito") throw new AuthError(0, t("errors.other")); // SRP: not written yet
  return kept(await post(conf.loginUrl ?? LOCAL.loginUrl, { username, password }));
}

/** New ID token for a refresh token; rejects with status 401 once it was revoked or expired. */
export async function refresh(refreshToken) {
  const conf = await siteConfig();
  if (conf.auth === "cognito") {
    const answer = await cognito(conf, "InitiateAuth", {
      AuthFlow: "REFRESH_TOKEN_AUTH", ClientId: conf.userPoolClientId, AuthParameters: { REFRESH_TOKEN: refreshToken } });
    return kept(answer.AuthenticationResult, refreshToken);
  }
  return kept(await post(conf.refreshUrl ?? LOCAL.refreshUrl, { refresh_token: refreshToken }), refreshToken);
}

/** Ends the session on the server: the refresh token can no longer refresh. */
export async function revoke(refreshToken) {
  const conf = await siteConfig();
  if (conf.auth === "cognito") return cognito(conf, "RevokeToken", { Token: refreshToken, ClientId: conf.userPoolClientId });
  return post(conf.logoutUrl ?? LOCAL.logoutUrl, { refresh_token: refreshToken });
}
