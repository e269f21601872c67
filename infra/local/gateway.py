"""The local API gateway: HTTP in, API Gateway REST proxy events (format 1.0) to the handlers.

Served on one origin (http://127.0.0.1:<port>), first match wins:
- the template's routes (`Type: Api` events), at the root without the stage prefix, as
  `sam local start-api` serves them; requestContext.stage still carries the StageName (the
  events and responses: infra/local/proxy.py);
- OPTIONS on a routed path: the CORS preflight from the Api's Cors property; an Origin on
  127.0.0.1 or localhost is echoed back, since the template's origin is the production one;
- local helpers, which have no cloud equivalent: GET /local/health; GET /local/config.json (what
  the website needs to know); GET /local/env (what the operators' CLI needs, see LocalSettings);
  POST /local/login {"username", "password"[, "pool", "mfa_code"]} (Cognito USER_PASSWORD_AUTH
  on moto, the pools' MFA answered: infra/local/login.py); POST /local/refresh and
  /local/logout {"refresh_token"} (REFRESH_TOKEN_AUTH, and RevokeToken, which moto lacks);
  GET /config.json (the site's configuration: how it signs in);
  GET /local/outbox[?to=...] (what the stack sent: moto's SES emails and SNS SMS, and the
  letters of the operations bucket; codes included, so local only: infra/local/outbox.py);
  GET /docs and GET /openapi.json (Swagger UI and OpenAPI document of the docs function, called
  without authorizer);
- GET of a file of the website, built from web/ as for production (/ is index.html), with the
  headers the CloudFront distribution sends (infra/local/website.py);
- anything else: 404 {"code": "NOT_FOUND", "message"}; a routed path with another method: 405.

As in the cloud: a route guarded by an authorizer answers 401 {"code": "UNAUTHORIZED"} without
calling the handler; a route whose request validator requires a header (the partners' signature)
answers 400 {"code": "BAD_REQUEST_PARAMETERS"} without it; a request over 10 MB, or an event
over Lambda's 6 MB, is refused with 413; a handler that raises, returns a malformed proxy
response, or a response over 6 MB gives 502.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

from infra.local.auth import Unauthorized
from infra.local.lambdas import FunctionRegistry, HandlerUnavailable
from infra.local.login import LocalLogin
from infra.local.outbox import read_outbox
from infra.local.proxy import MAX_LAMBDA_PAYLOAD, build_event, error, json_response, to_response
from infra.local.routes import (
    ApiSpec,
    Route,
    allowed_methods,
    compile_path,
    find_route,
    path_is_routed,
)
from infra.local.server import LoopbackServer
from infra.local.website import Website

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway REST payload
LOCAL_HOSTS = ("127.0.0.1", "localhost")


@dataclass
class LocalSettings:
    """What the local helpers need from the stack."""

    login_client_id: str | None
    docs_function: str | None
    web_dir: Path
    # The website's security headers: template.yaml's response headers policy (site_headers).
    site_headers: dict[str, str]
    config: dict[str, Any]  # served at /local/config.json
    # Served at /local/env: what the operators' CLI needs to act on this stack (the AWS
    # endpoint, dummy credentials, the functions' shared settings). Local only.
    env: dict[str, str]
    account_id: str
    region: str


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
        self._server = LoopbackServer(self, port, "local-gateway")
        self._website = Website(settings.web_dir, settings.site_headers)
        self._login = LocalLogin(apis, settings.login_client_id, settings.region)
        self._local: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("GET", "/local/health"): lambda _: json_response(200, {"status": "ok"}),
            ("GET", "/local/config.json"): lambda _: json_response(200, settings.config),
            ("GET", "/local/env"): lambda _: json_response(200, settings.env),
            ("POST", "/local/login"): self._login,
            ("POST", "/local/refresh"): self._login.refresh,
            ("POST", "/local/logout"): self._login.logout,
            # The site's own configuration (how it signs in): a deployment writes config.json
            # beside index.html (docs/accounts.md); here, the stack's.
            ("GET", "/config.json"): lambda _: json_response(200, settings.config),
            ("GET", "/local/outbox"): self._outbox,
            ("GET", "/docs"): lambda r: self._docs(r, ""),
            ("GET", "/openapi.json"): lambda r: self._docs(r, "format=json"),
        }

    # ---------------------------------------------------------------------------- server
    @property
    def port(self) -> int:
        return self._server.port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

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
        allowed = allowed_methods(self.routes, path)
        if allowed:
            refused = error(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed on {path}")
            refused.headers["Allow"] = ", ".join(allowed)  # RFC 9110: a 405 says what is
            return refused
        local = self._local.get((method, path))
        if local:
            return local(request)
        if method in ("GET", "HEAD"):
            return self._website(request)
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
        missing = [name for name in route.required_headers if name not in request.headers]
        if missing:  # the request validator's answer (gateway response BAD_REQUEST_PARAMETERS)
            message = f"Missing required request parameters: [{', '.join(missing)}]"
            return error(400, "BAD_REQUEST_PARAMETERS", message)
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
