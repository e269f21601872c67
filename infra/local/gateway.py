"""The local API gateway: HTTP in, API Gateway REST proxy events (format 1.0) to the handlers.

Served on one origin (http://127.0.0.1:<port>), first match wins:
- the template's routes (`Type: Api` events), at the root without the stage prefix, as
  `sam local start-api` serves them; requestContext.stage still carries the StageName;
- OPTIONS on a routed path: the CORS preflight from the Api's Cors property; an Origin on
  127.0.0.1 or localhost is echoed back, since the template's origin is the production one;
- local helpers, which have no cloud equivalent: GET /local/health; GET /local/config.json (what
  the website needs to know); POST /local/login {"username", "password"} (Cognito
  USER_PASSWORD_AUTH on moto) -> {"id_token", "access_token", "refresh_token", "expires_in",
  "token_type"}; GET /docs and GET /openapi.json (Swagger UI and OpenAPI document of the docs
  function, called without authorizer);
- GET of a file of web/ (/ is web/index.html, /app.js is web/app.js), with the website's content
  types whatever the machine's MIME database says, and the headers a static host must add:
  web/index.html's <meta> Content-Security-Policy plus frame-ancestors 'none' (which only a
  header can set), X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer;
- anything else: 404 {"code": "NOT_FOUND", "message"}; a routed path with another method: 405.

As in the cloud: a route guarded by an authorizer answers 401 {"code": "UNAUTHORIZED"} without
calling the handler; a request over 10 MB, or an event over Lambda's 6 MB, is refused with 413;
a handler that raises, returns a malformed proxy response, or a response over 6 MB gives 502.
"""

from __future__ import annotations

import base64
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
from werkzeug.datastructures import Headers
from werkzeug.exceptions import NotFound
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Request, Response

from infra.local.auth import Unauthorized
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
        self._local: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("GET", "/local/health"): lambda _: json_response(200, {"status": "ok"}),
            ("GET", "/local/config.json"): lambda _: json_response(200, settings.config),
            ("GET", "/local/env"): lambda _: json_response(200, settings.env),
            ("POST", "/local/login"): self._login,
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
        if not self.settings.login_client_id:
            return error(404, "NOT_FOUND", "no user pool client allows USER_PASSWORD_AUTH")
        try:  # lenient about Content-Type: curl users forget it
            body = json.loads(request.get_data() or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict) or not all(
            isinstance(body.get(k), str) and body[k] for k in ("username", "password")
        ):
            return error(400, "BAD_REQUEST", 'expected {"username": ..., "password": ...}')
        if self._cognito is None:
            self._cognito = boto3.client("cognito-idp", region_name=self.settings.region)
        try:
            answer = self._cognito.initiate_auth(
                ClientId=self.settings.login_client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": body["username"], "PASSWORD": body["password"]},
            )
        except ClientError as refused:
            log.info("login refused: %s", refused.response["Error"].get("Code"))
            return error(401, "UNAUTHORIZED", "incorrect username or password")
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
