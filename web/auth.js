// How the site signs in, keeps a session and ends it. config.json (beside index.html) says how:
// {"auth": "local", "loginUrl", "refreshUrl", "logoutUrl"} (the local stack's helpers), or
// {"auth": "cognito", "region", "userPoolId", "userPoolClientId", "hostedDomain", "redirectUri"}:
// Cognito's own API from the browser (the password by SRP, srp.js; REFRESH_TOKEN_AUTH;
// RevokeToken) and FranceConnect through its hosted pages (code flow with PKCE).
import { t } from "./i18n.js";
import { cognitoTimestamp, srpSignature, srpStart } from "./srp.js";

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
  if (conf.auth === "cognito") return srpSignIn(conf, username, password);
  return kept(await post(conf.loginUrl ?? LOCAL.loginUrl, { username, password }));
}

/** USER_SRP_AUTH against the pool: the password proves itself without leaving the browser. */
async function srpSignIn(conf, username, password) {
  const { a, A } = srpStart();
  const started = await cognito(conf, "InitiateAuth", {
    AuthFlow: "USER_SRP_AUTH", ClientId: conf.userPoolClientId, AuthParameters: { USERNAME: username, SRP_A: A.toString(16) } });
  const challenge = started.ChallengeParameters ?? {};
  const timestamp = cognitoTimestamp(new Date());
  const signature = await srpSignature({ poolId: conf.userPoolId, userIdForSrp: challenge.USER_ID_FOR_SRP, password, a, A,
    srpB: challenge.SRP_B, salt: challenge.SALT, secretBlock: challenge.SECRET_BLOCK, timestamp });
  const answer = await cognito(conf, "RespondToAuthChallenge", {
    ChallengeName: "PASSWORD_VERIFIER", ClientId: conf.userPoolClientId, ChallengeResponses: {
      USERNAME: challenge.USER_ID_FOR_SRP, PASSWORD_CLAIM_SECRET_BLOCK: challenge.SECRET_BLOCK,
      PASSWORD_CLAIM_SIGNATURE: signature, TIMESTAMP: timestamp } });
  // A second factor (an authenticator app the person enrolled) is not asked by the site yet.
  if (!answer.AuthenticationResult) throw new AuthError(401, t("errors.other"));
  return kept(answer.AuthenticationResult);
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

// ---------------------------------------------------------------- FranceConnect (cognito mode)
const PKCE = "espace-sante.pkce";
const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** Whether this site offers FranceConnect (a deployed one with its hosted pages). */
export async function offersFranceConnect() {
  const conf = await siteConfig();
  return conf.auth === "cognito" && Boolean(conf.hostedDomain);
}

/** Leaves for FranceConnect, through Cognito's hosted pages; comes back to redirectUri with a code. */
export async function startFranceConnect(retried = false) {
  const conf = await siteConfig();
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state, retried }));
  const query = new URLSearchParams({ response_type: "code", client_id: conf.userPoolClientId, redirect_uri: conf.redirectUri,
    identity_provider: "FranceConnect", scope: "openid profile", state, code_challenge: challenge, code_challenge_method: "S256" });
  location.assign(`https://${conf.hostedDomain}/oauth2/authorize?${query}`);
}

/** Back from the hosted pages: the tokens for the code, null if this page is no such return.
 *  A first sign-in whose link Cognito has just made may be refused once: it is retried once. */
export async function finishFranceConnect() {
  const params = new URLSearchParams(location.search);
  const stored = JSON.parse(sessionStorage.getItem(PKCE) ?? "null");
  if (!stored || !(params.has("code") || params.has("error"))) return null;
  sessionStorage.removeItem(PKCE);
  history.replaceState(null, "", location.pathname + location.hash);
  if (params.get("state") !== stored.state) throw new AuthError(0, t("errors.other"));
  if (params.has("error")) {
    if (!stored.retried) return startFranceConnect(true);
    throw new AuthError(401, t("accounts.franceConnect.refused"));
  }
  const conf = await siteConfig();
  let res;
  try {
    res = await fetch(`https://${conf.hostedDomain}/oauth2/token`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "authorization_code", client_id: conf.userPoolClientId, code: params.get("code"),
        redirect_uri: conf.redirectUri, code_verifier: stored.verifier }) });
  } catch {
    throw new AuthError(0, t("errors.offline"));
  }
  if (!res.ok) throw new AuthError(res.status, t("accounts.franceConnect.refused"));
  return kept(await res.json());
}
