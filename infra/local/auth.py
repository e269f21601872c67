"""The Cognito user pool authorizer of API Gateway (REST), played locally.

A token is accepted when it is an RS256 JWT signed by a key of the pool's JWKS (served by moto at
/<pool_id>/.well-known/jwks.json), issued by https://cognito-idp.<region>.amazonaws.com/<pool_id>,
not expired, and an id token (API Gateway only accepts access tokens for methods with OAuth
scopes, which the template does not use). The header may hold the bare token, as API Gateway
expects, or "Bearer <token>", as the website and curl send it.

The claims reach the handler as API Gateway passes them: every value a string, exp and iat in
its "Wed Feb 20 20:11:59 UTC 2019" form, lists joined by commas.

A token verified once is remembered until its expiry (at most VERIFIED_TOKENS of them), as API
Gateway caches an authorizer's answer: its RS256 check was a quarter of the gateway's own work
on each request.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt

_API_GATEWAY_DATES = ("exp", "iat")
VERIFIED_TOKENS = 1024


class Unauthorized(Exception):
    """The request carries no acceptable token; the message says why (safe to return)."""


@dataclass
class CognitoAuthorizer:
    name: str
    pool_id: str
    region: str
    aws_endpoint: str  # the moto server, which serves the pool's JWKS
    header: str = "Authorization"
    _keys: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # token -> (its exp, its claims as passed); guarded by _verified_lock
    _verified: dict[str, tuple[float, dict[str, str]]] = field(default_factory=dict)
    _verified_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}"

    def claims(self, headers: Mapping[str, str]) -> dict[str, str]:
        """The token's claims as API Gateway passes them, or Unauthorized."""
        lowered = {name.lower(): value for name, value in headers.items()}  # HTTP: any case
        token = _bearer(lowered.get(self.header.lower(), ""))
        if not token:
            raise Unauthorized("missing token")
        now = time.time()
        with self._verified_lock:
            known = self._verified.get(token)
        if known is not None and now < known[0]:
            return dict(known[1])
        claims = self._verify(token)
        passed = api_gateway_claims(claims)
        with self._verified_lock:
            if len(self._verified) >= VERIFIED_TOKENS:  # the expired go first, then the oldest
                self._verified = {t: v for t, v in self._verified.items() if now < v[0]}
                while len(self._verified) >= VERIFIED_TOKENS:
                    del self._verified[next(iter(self._verified))]
            self._verified[token] = (float(claims["exp"]), passed)
        return dict(passed)

    def _verify(self, token: str) -> dict[str, Any]:
        """The token's claims, checked: signature, issuer, expiry, an id token."""
        try:
            key = self._key(jwt.get_unverified_header(token).get("kid", ""))
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                issuer=self.issuer,
                options={"require": ["exp", "iat", "iss", "token_use"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("token expired") from None
        except jwt.PyJWTError:
            raise Unauthorized("invalid token") from None
        if claims.get("token_use") != "id":
            raise Unauthorized("an id token is required")
        return claims

    def _key(self, kid: str) -> Any:
        with self._lock:
            if kid not in self._keys:  # unknown kid: the pool may have rotated, fetch again
                self._keys = self._fetch_jwks()
            if kid not in self._keys:
                raise jwt.InvalidKeyError("unknown key id")
            return self._keys[kid]

    def _fetch_jwks(self) -> dict[str, Any]:
        url = f"{self.aws_endpoint}/{self.pool_id}/.well-known/jwks.json"
        # No proxies: the JWKS is on 127.0.0.1, whatever the environment says.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(url, timeout=5) as response:
            jwks = jwt.PyJWKSet.from_dict(json.load(response))
        return {k.key_id: k.key for k in jwks.keys if k.key_id}


def _bearer(value: str) -> str:
    scheme, _, rest = value.strip().partition(" ")
    return rest.strip() if scheme.lower() == "bearer" else value.strip()


def api_gateway_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as API Gateway REST passes them in requestContext.authorizer.claims."""
    return {name: _as_claim(name, value) for name, value in claims.items()}


def _as_claim(name: str, value: Any) -> str:
    if name in _API_GATEWAY_DATES and isinstance(value, int | float):
        return time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(value))
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)
