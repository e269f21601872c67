"""What every route shares: the use cases the function wired, who is calling, on which space,
with which version; how errors become `{code, message}` responses; and the answer's last
checks (its size under Lambda's limit, the security headers). Bodies: api/bodies.py; OpenAPI
declarations: api/openapi.py.

Routes never build or import the wiring: the function hands its use cases to `api_handler`, which
puts them in the resolver's context for each request, and a route asks for one by its type
(`use(router, Documents)`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import ValidationException
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.api.bodies import json_bodies_only, read_json, unreadable
from healthspace.api.openapi import HeaderParameter, JsonApi
from healthspace.care.access import CareAccess, ProfessionalAccess, ProfessionalCaller
from healthspace.care.rules import Relationship
from healthspace.kernel.errors import (
    HealthSpaceError,
    PreconditionRequired,
    Unauthorized,
)
from healthspace.kernel.identifiers import parse_ins
from healthspace.kernel.observability import logger, metrics
from healthspace.records.access import Access, Caller
from healthspace.records.model import MAX_DISPLAY_NAME
from healthspace.records.spaces import Spaces

SPACE_HEADER = "X-Space-Id"
_VERSION = re.compile(r"[0-9]{1,18}")
_AUTH_TIME = re.compile(r"[0-9]{1,11}")  # seconds since 1970, until the year 5138
# A professional breaks the glass by sending their reason in this header (reads only).
EMERGENCY_HEADER = "X-Emergency-Reason"
SPACE_PARAMETER = HeaderParameter(
    SPACE_HEADER,
    "A space id: the represented person's space to act on (GET /me lists them); without it, "
    "the caller's own.",
    r"[0-9A-Z]{26}",  # a ULID (Clock.new_id)
    "must be a space id, as GET /me lists them",
)
EMERGENCY_PARAMETER = HeaderParameter(
    EMERGENCY_HEADER,
    "A reason of 1 to 500 characters: why the file is opened in an emergency (break-glass, "
    "reads only).",
    r"(?s).{1,500}",  # care.rules.MAX_EMERGENCY_REASON
    "the reason must be 1 to 500 characters",
)
# On every answer, the handlers' and the gateway's own (template.yaml, GatewayResponses).
SECURITY_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


T = TypeVar("T")
# The use cases a function serves, by their type (or their port's).
UseCases = Mapping[type, object]


def json_api(
    cors: CORSConfig,
    *,
    refusals: Iterable[int] = (),
    headers: Iterable[HeaderParameter] = (),
    every_route_signed_in: bool = True,
) -> JsonApi:
    """The resolver of a JSON API: validated requests (OpenAPI), bodies read as UTF-8 JSON of
    bounded depth, every failure answered `{code, message}`, and a document that declares it
    (healthspace.api.openapi: `refusals` and `headers` are those of every route)."""
    app = JsonApi(
        refusals=refusals,
        headers=headers,
        every_route_signed_in=every_route_signed_in,
        enable_validation=True,
        cors=cors,
        json_body_deserializer=read_json,
    )
    app.use(middlewares=[json_bodies_only])
    install_error_handlers(app)
    return app


# Lambda answers a synchronous call with 6 MB at most (6,291,456 bytes), or API Gateway answers
# 502 in its place. We answer 6,000,000 at most, leaving room for what the runtime and the
# gateway add to the proxy response we measure.
MAX_RESPONSE_BYTES = 6_000_000
TOO_LARGE = "RESPONSE_TOO_LARGE"
TOO_LARGE_MESSAGE = (
    "the answer would pass the 6 MB a response may carry; ask for a smaller page (limit)"
)


def api_handler(
    app: APIGatewayRestResolver,
    use_cases: Callable[[], UseCases],
    too_large: tuple[str, str] | None = None,
) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """The Lambda handler of an API function: the resolver, given the function's use cases
    (built once per instance by its wiring), with the request's correlation id in every log line
    and its metrics flushed. clear_state: the keys a request appends (its space, role...) must
    not label the next one's lines. An answer over MAX_RESPONSE_BYTES becomes a 500
    RESPONSE_TOO_LARGE (`too_large`: its content type and body, `{code, message}` by default),
    counted in the ResponseTooLarge metric: the last line of defence behind the bounds of every
    collection and page, never expected to fire."""
    content_type, body = too_large or (
        "application/json",
        json.dumps(error_body(TOO_LARGE, TOO_LARGE_MESSAGE)),
    )

    @logger.inject_lambda_context(
        correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
    )
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        app.append_context(use_cases=use_cases())  # the resolver clears its context after
        response = app.resolve(event, context)
        size = response_bytes(response) if _may_be_too_large(response) else 0
        if size > MAX_RESPONSE_BYTES:
            logger.error(
                "response too large", extra={"bytes": size, "status": response["statusCode"]}
            )
            metrics.add_metric(name="ResponseTooLarge", unit=MetricUnit.Count, value=1)
            response = _replaced(response, content_type, body)
        return with_security_headers(response)

    return lambda_handler


def with_security_headers(result: dict[str, Any]) -> dict[str, Any]:
    """Every answer of the APIs: never stored by a browser or a proxy (health data, and answers
    that depend on who asks), and never sniffed into another type than it says."""
    multi = result.get("multiValueHeaders")
    headers = multi if multi is not None else result.setdefault("headers", {})
    for name, value in SECURITY_HEADERS.items():
        headers[name] = [value] if multi is not None else value
    return result


def response_bytes(response: dict[str, Any]) -> int:
    """What Lambda counts of a proxy response: the JSON it sends, as UTF-8 (python3.12's runtime
    does not escape non-ASCII; our bodies are ASCII anyway, json.dumps escapes it)."""
    return len(json.dumps(response, ensure_ascii=False, default=str).encode())


def _may_be_too_large(response: dict[str, Any]) -> bool:
    """Whether the answer needs weighing: a character of the body takes 6 bytes at most once
    escaped in the proxy response, the headers far less than 64 KiB; most answers are far under
    and skip serialising the whole response a second time."""
    body = response.get("body") or ""
    return 6 * len(body) + 65_536 > MAX_RESPONSE_BYTES


def _replaced(response: dict[str, Any], content_type: str, body: str) -> dict[str, Any]:
    """The error in the answer's place, keeping its headers (CORS: the browser must read it) but
    those that described the body."""
    dropped = {"content-type", "etag", "location", "content-length"}
    headers = {
        name: values
        for name, values in (response.get("multiValueHeaders") or {}).items()
        if name.lower() not in dropped
    }
    single = {
        name: value
        for name, value in (response.get("headers") or {}).items()
        if name.lower() not in dropped
    }
    return {
        "statusCode": 500,
        "body": body,
        "isBase64Encoded": False,
        "multiValueHeaders": {**headers, "Content-Type": [content_type]},
        **({"headers": single} if single else {}),
    }


def use(router: BaseRouter, kind: type[T]) -> T:
    """The function's use case of this type."""
    return cast(T, router.context["use_cases"][kind])


def caller(router: BaseRouter) -> Caller:
    """The patient identified by the Cognito authorizer's claims (ID token)."""
    context = cast(APIGatewayProxyEvent, router.current_event).request_context
    claims: dict[str, Any] = (context.authorizer.claims or {}) if context.authorizer else {}
    subject, ins = claims.get("sub"), claims.get("custom:ins")
    if not subject or not ins:
        raise Unauthorized("a patient identity token is required")
    name = display_name(claims) or "patient"
    return Caller(subject=str(subject), ins=parse_ins(str(ins)), display_name=name)


def signed_in_at(router: BaseRouter) -> datetime | None:
    """When the caller last signed in: their ID token's `auth_time` (seconds since 1970, which
    API Gateway passes as a string). None when absent or unreadable: nothing then counts as a
    recent sign-in."""
    context = cast(APIGatewayProxyEvent, router.current_event).request_context
    claims: dict[str, Any] = (context.authorizer.claims or {}) if context.authorizer else {}
    raw = str(claims.get("auth_time", ""))
    if not _AUTH_TIME.fullmatch(raw):
        return None
    return datetime.fromtimestamp(int(raw), tz=UTC)


def display_name(claims: Mapping[str, Any]) -> str:
    """The caller's name from their token's claims, as long as an author's name may be."""
    name = " ".join(filter(None, (claims.get("given_name"), claims.get("family_name"))))
    return name[:MAX_DISPLAY_NAME]


def access(router: BaseRouter) -> Access:
    """The caller on the space they act on: their own, or the one named by X-Space-Id."""
    space_id = router.current_event.headers.get(SPACE_HEADER)
    resolved = use(router, Spaces).policy.resolve(caller(router), space_id)
    logger.append_keys(space_id=resolved.space_id, role=resolved.role.value)
    return resolved


def if_match(router: BaseRouter) -> int:
    """The version in If-Match ("3", 3 or W/"3"): updates must say which version they change."""
    version = optional_if_match(router)
    if version is None:
        raise PreconditionRequired("send the version you read in an If-Match header")
    return version


def optional_if_match(router: BaseRouter) -> int | None:
    raw = router.current_event.headers.get("If-Match")
    if raw is None:
        return None
    value = raw.strip().removeprefix("W/").strip('"')
    # ASCII digits, a version's length at most: str.isdigit() takes "²", which int() refuses,
    # and int() refuses more than 4,300 digits.
    if not _VERSION.fullmatch(value):
        raise PreconditionRequired("If-Match must be the version number you read")
    return int(value)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(body, default=str),
        headers=headers or {},
    )


def error_body(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


def install_error_handlers(app: JsonApi) -> None:
    """One place maps every failure to `{code, message}`: never a stack trace, never input echoed
    back (it may be health data)."""

    @app.exception_handler(HealthSpaceError)
    def domain_error(exc: HealthSpaceError) -> Response[Any]:
        logger.info("request refused", extra={"code": exc.code, "status": exc.status})
        return json_response(exc.status, error_body(exc.code, exc.message))

    @app.exception_handler(ValidationException)  # the request's, and its unsupported types
    def invalid_request(exc: ValidationException) -> Response[Any]:
        problem = unreadable(app)
        if problem is not None:
            return domain_error(problem)
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
        message = f"{where}: {first.get('msg', 'invalid request')}"
        if first.get("type") == "json_invalid":
            message = "the request body is not valid JSON"
        return json_response(400, error_body("VALIDATION_ERROR", message))

    @app.exception_handler(UnicodeDecodeError)
    def undecodable(exc: UnicodeDecodeError) -> Response[Any]:
        problem = unreadable(app)  # the body (validation decodes it first), or a real fault
        return domain_error(problem) if problem is not None else unexpected(exc)

    @app.not_found
    def no_route(_: NotFoundError) -> Response[Any]:
        event = app.current_event
        allowed = app.methods_of(event.path)
        if not allowed:
            return json_response(404, error_body("NOT_FOUND", "no such route"))
        refused = error_body("METHOD_NOT_ALLOWED", f"{event.http_method} is not allowed here")
        return json_response(405, refused, {"Allow": ", ".join(allowed)})

    @app.exception_handler(Exception)
    def unexpected(exc: Exception) -> Response[Any]:
        problem = unreadable(app)  # the route never ran: what failed was reading the body
        if problem is not None:
            return domain_error(problem)
        logger.error("unexpected failure", extra={"error": type(exc).__name__})
        return json_response(500, error_body("INTERNAL_ERROR", "an unexpected error occurred"))


def open_file(
    router: BaseRouter, caller: ProfessionalCaller, ins: str, emergency_reason: str | None = None
) -> CareAccess:
    """open_for_professional, logged: the partner API's reads on behalf of a professional, who
    name the patient by INS in a signed body."""
    access = use(router, ProfessionalAccess)
    return opened_file(router, access.open_for_professional(caller, ins, emergency_reason))


def opened_file(router: BaseRouter, opened: CareAccess) -> CareAccess:
    """A professional's opening of a file, in the logs: the space and the relationship, never
    the RPPS, the INS, the reference or the reason."""
    relationship = opened.decision.relationship
    logger.append_keys(
        space_id=opened.space_id, role=opened.role.value, relationship=relationship.value
    )
    if relationship is Relationship.EMERGENCY:
        metrics.add_metric(name="EmergencyAccess", unit=MetricUnit.Count, value=1)
    return opened
