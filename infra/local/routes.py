"""The REST routes, authorizers and CORS settings declared in template.yaml.

Routes come from the `Type: Api` events of the functions: Path (with {param} and {proxy+}) and
Method (ANY included). Which authorizer guards a route follows SAM: the event's Auth.Authorizer
(NONE: open), else the Api's Auth.DefaultAuthorizer. Cognito authorizers (UserPoolArn) are
verified locally; any other kind fails closed, as an unverified route would hide a hole.
Matching follows API Gateway's precedence: literal segments beat {param}, which beats {proxy+}.
An event's required RequestParameters (method.request.header.X, Required: true) are the request
validator SAM adds: the gateway refuses a request missing one (400) before the function runs.
Usage plans and API keys (ApiKeyRequired) are not played: they throttle, and the local stack
throttles nothing (as it applies no WAF).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from infra.local.auth import CognitoAuthorizer, Unauthorized
from infra.local.template import Resolver, walk_events

IMPLICIT_API = "ServerlessRestApi"  # SAM's name for the API of events without RestApiId


class Authorizer(Protocol):
    name: str

    def claims(self, headers: Mapping[str, str]) -> dict[str, str]: ...


@dataclass
class Unsupported:
    """An authorizer the local stack cannot verify: every request is refused."""

    name: str

    def claims(self, headers: Mapping[str, str]) -> dict[str, str]:
        raise Unauthorized(f"authorizer {self.name} is not supported locally")


@dataclass(frozen=True)
class Route:
    resource: str  # as declared, e.g. /me/{proxy+}
    method: str  # GET, POST... or ANY
    function: str  # logical id
    api: str  # logical id of the AWS::Serverless::Api
    authorizer: str | None
    pattern: re.Pattern[str] = field(compare=False)
    required_headers: tuple[str, ...] = ()  # the request validator's (RequestParameters)

    @property
    def specificity(self) -> tuple[int, int, int]:
        """Sort key, most specific first: fewer greedy, then fewer {param}, then longer."""
        segments = self.resource.strip("/").split("/")
        greedy = sum(s.endswith("+}") for s in segments)
        params = sum(s.startswith("{") for s in segments)
        return (greedy, params, -len(segments))

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(path)
        return found.groupdict() if found else None


def compile_path(resource: str) -> re.Pattern[str]:
    parts = []
    for segment in resource.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("+}"):
            parts.append(f"(?P<{segment[1:-2]}>.+)")
        elif segment.startswith("{") and segment.endswith("}"):
            parts.append(f"(?P<{segment[1:-1]}>[^/]+)")
        else:
            parts.append(re.escape(segment))
    return re.compile("/" + "/".join(parts))


@dataclass
class ApiSpec:
    """One API of the template: its stage, authorizers and CORS preflight headers."""

    logical_id: str
    stage: str
    default_authorizer: str | None
    authorizers: dict[str, Authorizer]
    cors: dict[str, str] | None


def load_apis(resolver: Resolver, aws_endpoint: str) -> dict[str, ApiSpec]:
    template = resolver.template
    apis = {IMPLICIT_API: ApiSpec(IMPLICIT_API, "Prod", None, {}, None)}
    for resource in template.of_type("AWS::Serverless::Api"):
        props = resolver.resolve(template.properties(resource.logical_id))
        auth = props.get("Auth") or {}
        authorizers: dict[str, Authorizer] = {}
        for name, spec in (auth.get("Authorizers") or {}).items():
            authorizers[name] = _authorizer(name, spec, resolver.region, aws_endpoint)
        apis[resource.logical_id] = ApiSpec(
            logical_id=resource.logical_id,
            stage=str(props.get("StageName", "Prod")),
            default_authorizer=auth.get("DefaultAuthorizer"),
            authorizers=authorizers,
            cors=_cors_headers(props.get("Cors")),
        )
    return apis


def _authorizer(name: str, spec: dict[str, Any], region: str, endpoint: str) -> Authorizer:
    arns = spec.get("UserPoolArn")
    if not arns:
        return Unsupported(name)
    arn = arns[0] if isinstance(arns, list) else arns  # several pools: the first one, locally
    header = (spec.get("Identity") or {}).get("Header", "Authorization")
    return CognitoAuthorizer(name, arn.rsplit("/", 1)[-1], region, endpoint, header)


def _cors_headers(cors: Any) -> dict[str, str] | None:
    """SAM's Cors property as preflight response headers (its values are quoted strings)."""
    if not cors:
        return None
    if isinstance(cors, str):
        cors = {"AllowOrigin": cors}
    names = {
        "AllowOrigin": "Access-Control-Allow-Origin",
        "AllowHeaders": "Access-Control-Allow-Headers",
        "AllowMethods": "Access-Control-Allow-Methods",
        "ExposeHeaders": "Access-Control-Expose-Headers",
        "MaxAge": "Access-Control-Max-Age",
        "AllowCredentials": "Access-Control-Allow-Credentials",
    }
    return {
        names[k]: str(v).strip("'").lower() if isinstance(v, bool) else str(v).strip("'")
        for k, v in cors.items()
        if k in names
    }


def load_routes(resolver: Resolver, apis: Mapping[str, ApiSpec]) -> list[Route]:
    routes = []
    for function_id, _, raw in walk_events(resolver.template, "Api"):
        props = resolver.resolve(raw)
        api_id = _api_logical_id(raw.get("RestApiId"), resolver)
        api = apis[api_id]
        chosen = (props.get("Auth") or {}).get("Authorizer", api.default_authorizer)
        authorizer = None if chosen in (None, "NONE") else str(chosen)
        if authorizer and authorizer not in api.authorizers:
            api.authorizers[authorizer] = Unsupported(authorizer)  # e.g. AWS_IAM
        routes.append(
            Route(
                resource=props["Path"],
                method=str(props["Method"]).upper(),
                function=function_id,
                api=api_id,
                authorizer=authorizer,
                pattern=compile_path(props["Path"]),
                required_headers=_required_headers(props.get("RequestParameters")),
            )
        )
    return sorted(routes, key=lambda r: r.specificity)


_HEADER_PARAMETER = "method.request.header."


def _required_headers(parameters: Any) -> tuple[str, ...]:
    """SAM's RequestParameters: a list of names, or of {name: {Required, Caching}}."""
    required = []
    for entry in parameters or []:
        for name, spec in entry.items() if isinstance(entry, dict) else [(entry, {})]:
            if name.startswith(_HEADER_PARAMETER) and (spec or {}).get("Required"):
                required.append(name[len(_HEADER_PARAMETER) :])
    return tuple(required)


def _api_logical_id(rest_api_id: Any, resolver: Resolver) -> str:
    if rest_api_id is None:
        return IMPLICIT_API
    if isinstance(rest_api_id, dict) and "Ref" in rest_api_id:
        return str(rest_api_id["Ref"])
    # A literal id: find which API it is.
    for logical_id, ref in resolver.refs.items():
        if ref == rest_api_id:
            return logical_id
    raise ValueError(f"RestApiId {rest_api_id!r} names no API of the template")


def find_route(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route serving (method, path), or None; routes are sorted most specific first."""
    for route in routes:
        params = route.match(path)
        if params is None:
            continue
        # API Gateway picks the resource by path first; another method of it is not a fallback.
        same = [r for r in routes if (r.api, r.resource) == (route.api, route.resource)]
        for wanted in (method, "ANY"):
            chosen = next((r for r in same if r.method == wanted), None)
            if chosen:
                return chosen, params
        return None
    return None


def path_is_routed(routes: list[Route], path: str) -> bool:
    return any(route.match(path) is not None for route in routes)


def allowed_methods(routes: list[Route], path: str) -> list[str]:
    """The methods the path's resources declare (the Allow header of a 405)."""
    return sorted({route.method for route in routes if route.match(path) is not None})
