"""POST /local/login {"username", "password"[, "pool", "mfa_code"]} of the local gateway:
Cognito USER_PASSWORD_AUTH on moto -> {"id_token", "access_token", "refresh_token",
"expires_in", "token_type"}, in the patients' pool, or in the pool the API's authorizers name
"<stack>-<pool>" ("operators", "professionals").

A pool whose MfaConfiguration is "ON" (the operators', the professionals') gets its TOTP second
factor here. moto issues tokens without it to a user who never enrolled an authenticator (where
Cognito would answer MFA_SETUP), and checks no client's ExplicitAuthFlows (those clients allow
SRP only, and moto's SRP checks no password: USER_PASSWORD_AUTH does). So the login plays the
user's authenticator app: on a first sign-in it enrolls a software token (the secret stays in
this process), then answers the SOFTWARE_TOKEN_MFA challenge with the current code, or with the
request's "mfa_code". With MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true (set by
`python -m infra.local`) moto checks every code.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP
from werkzeug.wrappers import Request, Response

from infra.local.auth import CognitoAuthorizer
from infra.local.proxy import error, json_response
from infra.local.routes import ApiSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoginPool:
    """A user pool /local/login can log in to: its client, and whether it requires MFA."""

    pool_id: str
    client_id: str
    mfa_required: bool


class LocalLogin:
    """The /local/login helper: the pools it can log in to (found on the first login), and the
    TOTP secrets of the authenticators it enrolled."""

    def __init__(
        self, apis: Mapping[str, ApiSpec], login_client_id: str | None, region: str
    ) -> None:
        self.apis = apis
        self.login_client_id = login_client_id  # the patients' client, USER_PASSWORD_AUTH
        self.region = region
        self._cognito: Any = None
        self._lock = threading.Lock()
        self._login_pools: dict[str, LoginPool] | None = None
        # TOTP secrets of the authenticators this gateway enrolled, by (pool id, username).
        self._totp_secrets: dict[tuple[str, str], str] = {}

    def __call__(self, request: Request) -> Response:
        try:  # lenient about Content-Type: curl users forget it
            body = json.loads(request.get_data() or b"null")
        except ValueError:
            body = None
        if (
            not isinstance(body, dict)
            or not all(isinstance(body.get(k), str) and body[k] for k in ("username", "password"))
            or not all(isinstance(body.get(k, ""), str) for k in ("pool", "mfa_code"))
        ):
            return error(
                400,
                "BAD_REQUEST",
                'expected {"username": ..., "password": ...[, "pool": ..., "mfa_code": ...]}',
            )
        pool = self._login_pool(body.get("pool") or None)
        if pool is None:
            which = body.get("pool") or "patients"
            return error(404, "NOT_FOUND", f"no {which} pool with a client to log in with")
        try:
            answer = self._authenticate(
                pool, body["username"], body["password"], body.get("mfa_code") or None
            )
        except ClientError as refused:
            log.info("login refused: %s", refused.response["Error"].get("Code"))
            return error(401, "UNAUTHORIZED", "incorrect username, password or MFA code")
        if "AuthenticationResult" not in answer:
            challenge = answer.get("ChallengeName")
            return error(401, "UNAUTHORIZED", f"challenge {challenge} not supported locally")
        tokens = answer["AuthenticationResult"]
        # Named as an OAuth 2.0 token response (RFC 6749 5.1), like the API's snake_case.
        return json_response(
            200,
            {
                "id_token": tokens["IdToken"],
                "access_token": tokens["AccessToken"],
                "refresh_token": tokens.get("RefreshToken"),
                "expires_in": tokens["ExpiresIn"],
                "token_type": tokens["TokenType"],
            },
        )

    def refresh(self, request: Request) -> Response:
        """POST /local/refresh {"refresh_token"}: new ID and access tokens (REFRESH_TOKEN_AUTH,
        what the site does silently while the person is active); 401 once it was revoked."""
        token = _token_of(request)
        if token is None:
            return error(400, "BAD_REQUEST", 'expected {"refresh_token": ...}')
        client = self.login_client_id
        if not client:
            return error(404, "NOT_FOUND", "no patients' pool with a client to log in with")
        try:
            answer = self._idp().initiate_auth(
                ClientId=client,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": token},
            )
        except ClientError as refused:
            log.info("refresh refused: %s", refused.response["Error"].get("Code"))
            return error(401, "UNAUTHORIZED", "this session has ended: sign in again")
        tokens = answer["AuthenticationResult"]
        return json_response(
            200,
            {
                "id_token": tokens["IdToken"],
                "access_token": tokens["AccessToken"],
                "expires_in": tokens["ExpiresIn"],
                "token_type": tokens["TokenType"],
            },
        )

    def logout(self, request: Request) -> Response:
        """POST /local/logout {"refresh_token"}: Cognito's RevokeToken, which moto lacks (5.x):
        played on moto's own record of the pool's refresh tokens (the server runs in this
        process), with the same effect: that refresh token, and only it, no longer refreshes.
        Its ID and access tokens stay valid until they expire, as in AWS (docs/accounts.md)."""
        token = _token_of(request)
        if token is None:
            return error(400, "BAD_REQUEST", 'expected {"refresh_token": ...}')
        if _moto_revokes_tokens():
            try:
                self._idp().revoke_token(Token=token, ClientId=self.login_client_id or "")
            except ClientError as refused:  # an unknown token: nothing to end
                log.info("revocation refused: %s", refused.response["Error"].get("Code"))
        else:
            _revoke_in_moto(token)
        return Response(status=204)

    def _idp(self) -> Any:
        with self._lock:  # boto3's default session is not thread-safe; requests are threaded
            if self._cognito is None:
                self._cognito = boto3.client("cognito-idp", region_name=self.region)
            return self._cognito

    def _login_pool(self, name: str | None) -> LoginPool | None:
        """The pool to log in to: the patients' (the settings' client) unless `name` is given."""
        if name is None:  # the patients' MFA is optional: the challenge needs their mfa_code
            client = self.login_client_id
            return LoginPool("", client, mfa_required=False) if client else None
        return self._pools().get(name)

    def _pools(self) -> dict[str, LoginPool]:
        """The user pools of the API's authorizers, by the last word of their name ("<stack>-
        operators": "operators"); found once, on the first login."""
        with self._lock:
            if self._login_pools is not None:
                return self._login_pools
        cognito = self._idp()
        pools: dict[str, LoginPool] = {}
        for api in self.apis.values():
            for authorizer in api.authorizers.values():
                if not isinstance(authorizer, CognitoAuthorizer):
                    continue
                described = cognito.describe_user_pool(UserPoolId=authorizer.pool_id)["UserPool"]
                clients = [
                    c["ClientId"]
                    for c in cognito.list_user_pool_clients(
                        UserPoolId=authorizer.pool_id, MaxResults=60
                    )["UserPoolClients"]
                ]
                if not clients:
                    continue
                # The settings' client is the one allowing USER_PASSWORD_AUTH; other pools have
                # one client (moto does not check its flows, see the module's docstring).
                preferred = self.login_client_id
                chosen = preferred if preferred in clients and preferred else str(clients[0])
                name = str(described.get("Name", authorizer.pool_id)).rsplit("-", 1)[-1]
                mfa = described.get("MfaConfiguration") == "ON"
                pools[name] = LoginPool(authorizer.pool_id, chosen, mfa_required=mfa)
        with self._lock:
            self._login_pools = pools
        return pools

    def _authenticate(
        self, pool: LoginPool, username: str, password: str, mfa_code: str | None
    ) -> dict[str, Any]:
        """USER_PASSWORD_AUTH, then the second factor a pool with MFA "ON" requires."""
        cognito = self._idp()

        def password_auth() -> dict[str, Any]:
            answer: dict[str, Any] = cognito.initiate_auth(
                ClientId=pool.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
            return answer

        answer = password_auth()
        if pool.mfa_required and "AuthenticationResult" in answer:
            # moto let a user without an authenticator in: enroll one, as Cognito's MFA_SETUP
            # would have made the user do, and sign in again with it.
            access = answer["AuthenticationResult"]["AccessToken"]
            secret = cognito.associate_software_token(AccessToken=access)["SecretCode"]
            _with_fresh_code(
                secret,
                lambda code: cognito.verify_software_token(AccessToken=access, UserCode=code),
            )
            cognito.admin_set_user_mfa_preference(
                UserPoolId=pool.pool_id,
                Username=username,
                SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
            )
            self._remember_secret(pool, username, secret)
            answer = password_auth()
        if answer.get("ChallengeName") == "MFA_SETUP":  # a moto that behaves as Cognito does
            session = answer["Session"]
            secret = cognito.associate_software_token(Session=session)["SecretCode"]
            verified = _with_fresh_code(
                secret, lambda code: cognito.verify_software_token(Session=session, UserCode=code)
            )
            self._remember_secret(pool, username, secret)
            answer = cognito.respond_to_auth_challenge(
                ClientId=pool.client_id,
                ChallengeName="MFA_SETUP",
                Session=verified["Session"],
                ChallengeResponses={"USERNAME": username},
            )
        if answer.get("ChallengeName") == "SOFTWARE_TOKEN_MFA":
            session = answer["Session"]
            with self._lock:
                secret = self._totp_secrets.get((pool.pool_id, username.lower()))
            if mfa_code is None and secret is None:
                return answer  # an authenticator this gateway did not enroll: mfa_code needed

            def respond(code: str) -> dict[str, Any]:
                result: dict[str, Any] = cognito.respond_to_auth_challenge(
                    ClientId=pool.client_id,
                    ChallengeName="SOFTWARE_TOKEN_MFA",
                    Session=session,
                    ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code},
                )
                return result

            answer = respond(mfa_code) if mfa_code else _with_fresh_code(str(secret), respond)
        return answer

    def _remember_secret(self, pool: LoginPool, username: str, secret: str) -> None:
        with self._lock:
            self._totp_secrets[(pool.pool_id, username.lower())] = secret


def _moto_revokes_tokens() -> bool:
    """Whether moto's server answers RevokeToken itself (not in 5.x: it fails with a 500)."""
    from moto.cognitoidp.responses import CognitoIdpResponse

    return hasattr(CognitoIdpResponse, "revoke_token")


def _token_of(request: Request) -> str | None:
    try:
        body = json.loads(request.get_data() or b"null")
    except ValueError:
        return None
    token = body.get("refresh_token") if isinstance(body, dict) else None
    return token if isinstance(token, str) and token else None


def _revoke_in_moto(token: str) -> None:
    """RevokeToken on moto's in-process backend: the token maps to None, which moto's
    REFRESH_TOKEN_AUTH answers with NotAuthorized ("Refresh Token has been revoked")."""
    from moto.cognitoidp.models import cognitoidp_backends

    for regions in cognitoidp_backends.values():
        for backend in regions.values():
            for pool in backend.user_pools.values():
                if pool.refresh_tokens.get(token) is not None:
                    pool.refresh_tokens[token] = None


def totp_code(secret: str, at: float | None = None) -> str:
    """The current code of an authenticator app (RFC 6238 as Cognito uses it: base32 secret,
    SHA-1, 6 digits, 30 s)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    totp = TOTP(key, 6, SHA1(), 30, enforce_key_length=False)  # noqa: S303 (RFC 6238's hash)
    return totp.generate(time.time() if at is None else at).decode()


def _with_fresh_code(secret: str, call: Callable[[str], Any]) -> Any:
    """Call with the current code; once more if it expired on the way (a 30 s step boundary)."""
    try:
        return call(totp_code(secret))
    except ClientError as refused:
        if refused.response["Error"].get("Code") != "CodeMismatchException":
            raise
        return call(totp_code(secret))
