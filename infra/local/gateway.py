"""The local API gateway: HTTP in, API Gateway REST proxy events (format 1.0) to the handlers.

Served on one origin (http://127.0.0.1:<port>), first match wins:
- the template's routes (`Type: Api` events), at the root without the stage prefix, as
  `sam local start-api` serves them; requestContext.stage still carries the StageName;
- OPTIONS on a routed path: the CORS preflight from the Api's Cors property; an Origin on
  127.0.0.1 or localhost is echoed back, since the template's origin is the production one;
- local helpers, which have no cloud equivalent: GET /local/health; GET /local/config.json (what
  the website needs to know); GET /local/env (what the operators' CLI needs, see LocalSettings);
  POST /local/login {"username", "password"[, "pool", "mfa_code"]} (Cognito USER_PASSWORD_AUTH
  on moto) -> {"id_token", "access_token", "refresh_token", "expires_in", "token_type"}, in the
  patients' pool, or in the pool the API's authorizers name "<stack>-<pool>" ("operators",
  "professionals");
  GET /local/outbox[?to=...] (what the stack sent: moto's SES emails and SNS SMS, and the
  letters of the operations bucket; codes included, so local only); GET /docs and GET
  /openapi.json (Swagger UI and OpenAPI document of the docs function, called without
  authorizer);
- GET of a file of web/ (/ is web/index.html, /app.js is web/app.js), with the website's content
  types whatever the machine's MIME database says, and the headers a static host must add:
  web/index.html's <meta> Content-Security-Policy plus frame-ancestors 'none' (which only a
  header can set), X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer;
- anything else: 404 {"code": "NOT_FOUND", "message"}; a routed path with another method: 405.

A pool whose MfaConfiguration is "ON" (the operators', the professionals') gets its TOTP second
factor at /local/login. moto issues tokens without it to a user who never enrolled an
authenticator (where Cognito would answer MFA_SETUP), and checks no client's ExplicitAuthFlows
(those clients allow SRP only, and moto's SRP checks no password: USER_PASSWORD_AUTH does). So
the login plays the user's authenticator app: on a first sign-in it enrolls a software token
(the secret stays in this process), then answers the SOFTWARE_TOKEN_MFA challenge with the
current code, or with the request's "mfa_code". With MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true
(set by `python -m infra.local`) moto checks every code.

As in the cloud: a route guarded by an authorizer answers 401 {"code": "UNAUTHORIZED"} without
calling the handler; a request over 10 MB, or an event over Lambda's 6 MB, is refused with 413;
a handler that raises, returns a malformed proxy response, or a response over 6 MB gives 502.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP
from werkzeug.datastructures import Headers
from werkzeug.exceptions import NotFound
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Request, Response

from infra.local.auth import CognitoAuthorizer, Unauthorized
from infra.local.lambdas import FunctionRegistry, HandlerUnavailable
from infra.local.routes import ApiSpec, Route, compile_path, find_route, path_is_routed

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway REST payload
MAX_LAMBDA_PAYLOAD = 6 * 1024 * 1024  # Lambda synchronous request and response
LOCAL_HOSTS = ("127.0.0.1", "localhost")
# The website's files, typed here rather than by the machine's MIME database (Windows' registry
# may say text/plain for .js, and browsers refuse ES modules served so).
WEB_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
}
# Ignored in a <meta> policy: only a header keeps the site out of frames (clickjacking).
FRAME_ANCESTORS = "frame-ancestors 'none'"
FALLBACK_POLICY = "default-src 'self'; object-src 'none'; base-uri 'none'"  # no <meta> found


def error(status: int, code: str, message: str) -> Response:
    return json_response(status, {"code": code, "message": message})


def json_response(status: int, body: Any) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


# -------------------------------------------------------------------------- proxy format 1.0
def build_event(
    request: Request,
    route: Route,
    path_params: Mapping[str, str],
    *,
    stage: str,
    api_id: str,
    request_id: str,
    claims: Mapping[str, str] | None,
    account_id: str,
) -> dict[str, Any]:
    """The API Gateway REST proxy event (payload format 1.0) for a request and its route."""
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    multi_query = {name: request.args.getlist(name) for name in request.args}
    raw = request.get_data(cache=True)
    try:
        body, is_base64 = raw.decode("utf-8"), False
    except UnicodeDecodeError:  # API Gateway would need binaryMediaTypes; be lenient locally
        body, is_base64 = base64.b64encode(raw).decode("ascii"), True
    now = time.time()
    context: dict[str, Any] = {
        "accountId": account_id,
        "apiId": api_id,
        "resourceId": "local",
        "resourcePath": route.resource,
        "httpMethod": request.method,
        "path": request.path,  # no stage prefix: Powertools then builds "/" based URLs
        "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
        "stage": stage,
        "requestId": request_id,
        "extendedRequestId": request_id,
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "requestTimeEpoch": int(now * 1000),
        "domainName": request.host,
        "domainPrefix": request.host.split(".")[0],
        "identity": {
            "sourceIp": request.remote_addr or "127.0.0.1",
            "userAgent": request.headers.get("User-Agent"),
            "accessKey": None,
            "accountId": None,
            "caller": None,
            "cognitoAuthenticationProvider": None,
            "cognitoAuthenticationType": None,
            "cognitoIdentityId": None,
            "cognitoIdentityPoolId": None,
            "principalOrgId": None,
            "user": None,
            "userArn": None,
        },
    }
    if claims is not None:
        context["authorizer"] = {"claims": dict(claims)}
    return {
        "resource": route.resource,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": dict(path_params) or None,
        "stageVariables": None,
        "requestContext": context,
        "body": body if raw else None,
        "isBase64Encoded": is_base64,
    }


def to_response(result: Any) -> Response:
    """The HTTP response for a Lambda proxy result; ValueError if it is not one."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        raise ValueError("malformed Lambda proxy response (no integer statusCode)")
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    headers = Headers({k: str(v) for k, v in (result.get("headers") or {}).items()})
    for name, values in (result.get("multiValueHeaders") or {}).items():
        present = headers.getlist(name)
        for value in values:
            if str(value) not in present:
                headers.add(name, str(value))
    headers.setdefault("Content-Type", "application/json")  # API Gateway's default
    return Response(data, status=result["statusCode"], headers=headers)


# ----------------------------------------------------------------------------------- gateway
@dataclass
class LocalSettings:
    """What the local helpers need from the stack."""

    login_client_id: str | None
    docs_function: str | None
    web_dir: Path
    config: dict[str, Any]  # served at /local/config.json
    # Served at /local/env: what the operators' CLI needs to act on this stack (the AWS
    # endpoint, dummy credentials, the functions' shared settings). Local only.
    env: dict[str, str]
    account_id: str
    region: str


@dataclass(frozen=True)
class LoginPool:
    """A user pool /local/login can log in to: its client, and whether it requires MFA."""

    pool_id: str
    client_id: str
    mfa_required: bool


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """The gateway logs its own line per request."""


class Gateway:
    def __init__(
        self,
        routes: list[Route],
        apis: Mapping[str, ApiSpec],
        api_ids: Mapping[str, str],
        registry: FunctionRegistry,
        settings: LocalSettings,
        port: int = 3000,
    ) -> None:
        self.routes = routes
        self.apis = apis
        self.api_ids = api_ids
        self.registry = registry
        self.settings = settings
        self._port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._cognito: Any = None
        self._lock = threading.Lock()
        self._login_pools: dict[str, LoginPool] | None = None
        # TOTP secrets of the authenticators this gateway enrolled, by (pool id, username).
        self._totp_secrets: dict[tuple[str, str], str] = {}
        self._local: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("GET", "/local/health"): lambda _: json_response(200, {"status": "ok"}),
            ("GET", "/local/config.json"): lambda _: json_response(200, settings.config),
            ("GET", "/local/env"): lambda _: json_response(200, settings.env),
            ("POST", "/local/login"): self._login,
            ("GET", "/local/outbox"): self._outbox,
            ("GET", "/docs"): lambda r: self._docs(r, ""),
            ("GET", "/openapi.json"): lambda r: self._docs(r, "format=json"),
        }

    # ---------------------------------------------------------------------------- server
    @property
    def port(self) -> int:
        assert self._server is not None, "start() first"
        return int(self._server.server_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._server = make_server(
            "127.0.0.1", self._port, self, threaded=True, request_handler=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="local-gateway", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        started = time.monotonic()
        try:
            response = self.dispatch(request)
        except Exception:  # a gateway bug must still answer JSON
            log.exception("gateway error on %s %s", request.method, request.path)
            response = error(500, "GATEWAY_ERROR", "local gateway error, see its log")
        log.info(
            "%s %s -> %s (%.0f ms)",
            request.method,
            request.path,  # not the query: it may carry identifiers
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        return response(environ, start_response)

    # --------------------------------------------------------------------------- dispatch
    def dispatch(self, request: Request) -> Response:
        method, path = request.method, request.path
        # SAM adds an OPTIONS method (no authorizer) to every path of an API with Cors; it
        # takes precedence over ANY.
        if method == "OPTIONS" and path_is_routed(self.routes, path):
            preflight = self._preflight(request)
            if preflight is not None:
                return preflight
        found = find_route(self.routes, method, path)
        if found:
            return self._call_route(request, *found)
        if path_is_routed(self.routes, path):
            return error(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed on {path}")
        local = self._local.get((method, path))
        if local:
            return local(request)
        if method in ("GET", "HEAD"):
            return self._static(request)
        return error(404, "NOT_FOUND", f"no route for {method} {path}")

    def _call_route(self, request: Request, route: Route, params: dict[str, str]) -> Response:
        if (request.content_length or 0) > MAX_REQUEST_BYTES:
            return error(413, "PAYLOAD_TOO_LARGE", "request body over API Gateway's 10 MB")
        api = self.apis[route.api]
        claims = None
        if route.authorizer:
            try:
                claims = api.authorizers[route.authorizer].claims(dict(request.headers))
            except Unauthorized as refused:
                return error(401, "UNAUTHORIZED", str(refused))
        event = build_event(
            request,
            route,
            params,
            stage=api.stage,
            api_id=self.api_ids.get(route.api, "local"),
            request_id=str(uuid.uuid4()),
            claims=claims,
            account_id=self.settings.account_id,
        )
        return self._invoke(route.function, event)

    def _invoke(self, function: str, event: dict[str, Any]) -> Response:
        if len(json.dumps(event)) > MAX_LAMBDA_PAYLOAD:
            return error(413, "PAYLOAD_TOO_LARGE", "event over Lambda's 6 MB request limit")
        try:
            result = self.registry.invoke(function, event)
        except HandlerUnavailable as unavailable:
            return error(502, "HANDLER_UNAVAILABLE", f"{function}: {unavailable}")
        except Exception:
            log.exception("%s raised", function)
            return error(502, "INTERNAL_ERROR", "Internal server error")
        if len(json.dumps(result, default=str)) > MAX_LAMBDA_PAYLOAD:
            return error(502, "INTERNAL_ERROR", "Lambda response over 6 MB")
        try:
            return to_response(result)
        except (ValueError, TypeError) as malformed:
            log.error("%s: %s", function, malformed)
            return error(502, "INTERNAL_ERROR", "Internal server error")

    def _preflight(self, request: Request) -> Response | None:
        route = next(r for r in self.routes if r.match(request.path) is not None)
        cors = self.apis[route.api].cors
        if cors is None:
            return None
        response = Response(status=200, headers=cors)
        origin = request.headers.get("Origin", "")
        if urlsplit(origin).hostname in LOCAL_HOSTS:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
        return response

    # ----------------------------------------------------------------------- local helpers
    def _login(self, request: Request) -> Response:
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

    def _idp(self) -> Any:
        with self._lock:  # boto3's default session is not thread-safe; requests are threaded
            if self._cognito is None:
                self._cognito = boto3.client("cognito-idp", region_name=self.settings.region)
            return self._cognito

    def _login_pool(self, name: str | None) -> LoginPool | None:
        """The pool to log in to: the patients' (the settings' client) unless `name` is given."""
        if name is None:  # the patients' MFA is optional: the challenge needs their mfa_code
            client = self.settings.login_client_id
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
                preferred = self.settings.login_client_id
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

    def _outbox(self, request: Request) -> Response:
        items = read_outbox(
            self.settings.account_id, self.settings.region, self.settings.env.get("OPS_BUCKET")
        )
        to = request.args.get("to")
        if to:
            wanted = to.strip().lower()
            items = [item for item in items if str(item["to"]).lower() == wanted]
        return json_response(200, {"items": items})

    def _docs(self, request: Request, query: str) -> Response:
        function = self.settings.docs_function
        if not function:
            return error(404, "NOT_FOUND", "no documented function")
        docs_request = Request(dict(request.environ, PATH_INFO="/docs", QUERY_STRING=query))
        route = Route("/docs", "GET", function, "", None, compile_path("/docs"))
        event = build_event(
            docs_request,
            route,
            {},
            stage="local",
            api_id="local",
            request_id=str(uuid.uuid4()),
            claims=None,
            account_id=self.settings.account_id,
        )
        return self._invoke(function, event)

    def _static(self, request: Request) -> Response:
        path = request.path.lstrip("/")
        if path == "" or path.endswith("/"):
            path += "index.html"
        try:
            response = send_from_directory(self.settings.web_dir, path, request.environ)
        except NotFound:
            return error(404, "NOT_FOUND", f"no route or file for {request.path}")
        content_type = WEB_TYPES.get(Path(path).suffix.lower())
        if content_type:
            response.headers["Content-Type"] = content_type
        response.headers["Cache-Control"] = "no-store"  # edits show on reload
        response.headers["Content-Security-Policy"] = site_policy(self.settings.web_dir)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response


# ------------------------------------------------------------------------------ local only
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


def read_outbox(account_id: str, region: str, ops_bucket: str | None) -> list[dict[str, Any]]:
    """What the stack sent, oldest first: the emails of moto's SES, the SMS of moto's SNS (moto
    runs in this process) and the letters of the operations bucket's postal batches. Items:
    {"channel": "email"|"sms"|"post", "to", "subject", "body", "id"}; a letter's "to" is its
    recipient line, its "address" the rest of the address block."""
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends

    items: list[dict[str, Any]] = []
    for message in list(ses_backends[account_id][region].sent_messages):
        # SendEmail keeps {"ToAddresses": [...]}, SendRawEmail a list of addresses.
        destinations = getattr(message, "destinations", None) or []
        if isinstance(destinations, dict):
            destinations = destinations.get("ToAddresses", [])
        for address in destinations:
            items.append(
                {
                    "channel": "email",
                    "to": address,
                    "subject": getattr(message, "subject", None),
                    "body": getattr(message, "body", None),
                    "id": message.id,
                }
            )
    for message_id, (phone, text) in list(sns_backends[account_id][region].sms_messages.items()):
        items.append(
            {"channel": "sms", "to": phone, "subject": None, "body": text, "id": message_id}
        )
    if ops_bucket:
        items.extend(_letters(ops_bucket, region))
    return items


def _letters(bucket: str, region: str) -> list[dict[str, Any]]:
    s3 = boto3.client("s3", region_name=region)
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="postal/"):
        keys.extend(item["Key"] for item in page.get("Contents", []))
    letters = []
    for key in sorted(keys):  # <wave>/<date>-<ulid>.csv: in the order written
        text = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
        for row in csv.DictReader(io.StringIO(text)):
            address = [row.get(f"address_line_{n}", "") for n in range(1, 5)]
            letters.append(
                {
                    "channel": "post",
                    "to": row["recipient_name"],
                    "address": [line for line in address if line]
                    + [f"{row['postal_code']} {row['city']}"],
                    "subject": row["subject"],
                    "body": row["letter"],
                    "id": row["letter_id"],
                }
            )
    return letters


def site_policy(web_dir: Path) -> str:
    """The Content-Security-Policy of index.html's <meta>, plus frame-ancestors 'none'. Read on
    every request (a 2 KB file), so that an edit of the page's policy shows on reload."""
    meta = _MetaPolicy()
    with suppress(OSError):  # no page: the fallback policy
        meta.feed((web_dir / "index.html").read_text(encoding="utf-8"))
    meta.close()
    directives = [d.strip() for d in (meta.policy or FALLBACK_POLICY).split(";") if d.strip()]
    if not any(d.split()[0].lower() == "frame-ancestors" for d in directives):
        directives.append(FRAME_ANCESTORS)
    return "; ".join(directives)


class _MetaPolicy(HTMLParser):
    """The content of the first <meta http-equiv="Content-Security-Policy">."""

    def __init__(self) -> None:
        super().__init__()
        self.policy: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        equiv = (values.get("http-equiv") or "").lower()
        if tag == "meta" and equiv == "content-security-policy" and self.policy is None:
            self.policy = values.get("content")
