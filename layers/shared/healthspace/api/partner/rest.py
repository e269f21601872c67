"""FHIR's RESTful API (hl7.org/fhir/R4/http.html) at the partner API's edge: every answer under
/fhir is FHIR JSON, every failure an OperationOutcome, including the requests no route takes
(an unknown type or path is a 404, a known path's other methods a 405 with `Allow`), bodies
that are not JSON (415) and formats we cannot serve (406).

The routes are declared with what each is in FHIR's terms (`Interaction`): the
CapabilityStatement and the 405s are derived from that one list, so they cannot drift from the
routes. The signature is checked before all of it (`verify_signature`, the resolver's first
middleware): an unsigned probe learns nothing, not even which paths exist.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.router import Router
from pydantic import BaseModel, ConfigDict

from healthspace.api.common import TOO_LARGE, TOO_LARGE_MESSAGE, use
from healthspace.api.openapi import refusal
from healthspace.kernel.errors import (
    HealthSpaceError,
    NotAcceptable,
    UnsupportedMediaType,
)
from healthspace.kernel.observability import logger
from healthspace.partners.fhir import InvalidResource, operation_outcome
from healthspace.partners.gate import PartnerGate
from healthspace.partners.signatures import VerifiedPartner

FHIR_JSON = "application/fhir+json"
FORM = "application/x-www-form-urlencoded"
# What a body may be declared as, and what we answer in: FHIR's JSON (and plain JSON, which
# FHIR servers accept for it). XML is not served.
JSON_TYPES = frozenset({FHIR_JSON, "application/json"})
FHIR_VERSION = "4.0"  # the `fhirVersion` media type parameter we serve (R4)
# FHIR's `_format` parameter names a format in place of Accept.
FORMATS = frozenset({"json", *JSON_TYPES})
# Where an error's own code (NO_RELATIONSHIP, INVALID_IDENTIFIER...) is given, beside FHIR's type.
ERROR_CODE_SYSTEM = "https://healthspace.example.org/fhir/CodeSystem/error"

# The FHIR issue type (hl7.org/fhir/R4/valueset-issue-type.html) of an error, by its code, else
# by its status.
_ISSUE_OF_CODE = {
    "SIGNATURE_REFUSED": "security",
    "MULTIPLE_MATCHES": "multiple-matches",
    "TOO_MANY_ENTRIES": "too-costly",
    "PROFESSION_NOT_ALLOWED": "forbidden",
}
_ISSUE_OF_STATUS = {
    400: "invalid",
    401: "security",
    403: "forbidden",
    404: "not-found",
    406: "not-supported",
    409: "conflict",
    412: "conflict",
    413: "too-long",
    415: "not-supported",
    422: "invalid",
    428: "required",
    429: "throttled",
}


@dataclass(frozen=True)
class SearchParameter:
    name: str
    type: str  # FHIR's search parameter type: token, reference, number, string...
    documentation: str


# FHIR's id datatype: what a path parameter may be. Powertools routes any segment to a
# parameter (`_search` included); a route whose parameter is no id answers as no route would.
FHIR_ID = r"[A-Za-z0-9\-.]{1,64}"


@dataclass(frozen=True)
class Interaction:
    """One route in FHIR's terms: `code` is FHIR's interaction (create, read, search-type,
    transaction, capabilities), `resource` its type (None: a system interaction)."""

    method: str
    path: str  # as routed: "<name>" for a path parameter
    code: str
    resource: str | None = None
    search: tuple[SearchParameter, ...] = ()
    conditional_create: bool = False
    form_encoded: bool = False  # its body: FHIR's POST search form, not a resource

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(re.sub(r"<\w+>", FHIR_ID, re.escape(self.path)))


@dataclass
class FhirRoutes:
    """The partner API's router, each route registered with its Interaction."""

    router: Router = field(default_factory=Router)
    interactions: list[Interaction] = field(default_factory=list)

    def route(
        self, interaction: Interaction, *, summary: str, responses: dict[int, OpenAPIResponse]
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        self.interactions.append(interaction)
        return self.router.route(
            interaction.path,
            interaction.method,
            summary=summary,
            tags=["FHIR"],
            responses=responses,
            middlewares=[negotiate_form if interaction.form_encoded else negotiate],
        )

    def allowed_methods(self, path: str) -> list[str]:
        """The methods routed on this path (none: no such path)."""
        return sorted({i.method for i in self.interactions if i.pattern.fullmatch(path)})


routes = FhirRoutes()


# --- the request


def signed_query(event: dict[str, Any]) -> list[tuple[str, str]]:
    """The query as signed. API Gateway (REST) hands it over decoded: partners send it canonical
    (names sorted, values percent-encoded but for unreserved characters), which the gate
    rebuilds byte for byte."""
    return [
        (name, value)
        for name, values in (event.get("multiValueQueryStringParameters") or {}).items()
        for value in values or []
    ]


def raw_body(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()


def verify_signature(app: APIGatewayRestResolver, next_middleware: Callable[..., Any]) -> Any:
    """Middleware: the request's signature, before any route runs (and before "no such route")."""
    event = app.current_event.raw_event
    partner = use(app, PartnerGate).verify(
        event["httpMethod"],
        event["path"],
        signed_query(event),
        event.get("multiValueHeaders") or event.get("headers"),
        raw_body(event),
    )
    logger.append_keys(partner_id=partner.partner_id, key_id=partner.key_id)
    app.append_context(partner=partner)
    return next_middleware(app)


def current_partner(router: Router) -> VerifiedPartner:
    return cast(VerifiedPartner, router.context["partner"])


def _media_type(value: str) -> tuple[str, dict[str, str]]:
    """`type/subtype` in lower case and its parameters (`q`, `fhirVersion`...)."""
    kind, *parameters = value.split(";")
    pairs = (p.split("=", 1) for p in parameters if "=" in p)
    return kind.strip().lower(), {k.strip().lower(): v.strip().strip('"') for k, v in pairs}


def _serves_fhir_version(parameters: dict[str, str]) -> bool:
    version = parameters.get("fhirversion")
    return version is None or version in (FHIR_VERSION, "4.0.1")


def _acceptable(accept: str) -> bool:
    """Whether an Accept header admits FHIR JSON (R4)."""
    for item in accept.split(","):
        kind, parameters = _media_type(item)
        try:
            weight = float(parameters.get("q", "1"))
        except ValueError:
            weight = 0.0
        if (
            weight > 0
            and kind in (*JSON_TYPES, "*/*", "application/*")
            and _serves_fhir_version(parameters)
        ):
            return True
    return False


def negotiate(app: APIGatewayRestResolver, next_middleware: Callable[..., Any]) -> Any:
    """Middleware of every FHIR route (after the signature): a body must be declared as FHIR
    JSON (else 415: XML is not served), and what the caller accepts must admit it (else 406)."""
    event = app.current_event
    if event.http_method in ("POST", "PUT", "PATCH"):
        declared, parameters = _media_type(event.headers.get("content-type") or "")
        if declared not in JSON_TYPES or not _serves_fhir_version(parameters):
            raise UnsupportedMediaType(
                "send the resource as FHIR R4 JSON (Content-Type: application/fhir+json)"
            )
    return _answers_fhir(app, next_middleware)


def negotiate_form(app: APIGatewayRestResolver, next_middleware: Callable[..., Any]) -> Any:
    """`negotiate` for FHIR's POST search, whose body is a form (FHIR R4 http.html#search)."""
    declared, _ = _media_type(app.current_event.headers.get("content-type") or "")
    if declared != FORM:
        raise UnsupportedMediaType(f"send the search parameters as a form (Content-Type: {FORM})")
    return _answers_fhir(app, next_middleware)


def _answers_fhir(app: APIGatewayRestResolver, next_middleware: Callable[..., Any]) -> Any:
    """What the caller accepts must admit FHIR JSON (else 406)."""
    event = app.current_event
    headers = event.headers
    formats = (event.multi_value_query_string_parameters or {}).get("_format") or []
    if any(value.lower() not in FORMATS for value in formats):
        raise NotAcceptable("only _format=json (application/fhir+json) is served")
    accept = headers.get("accept")
    if accept is not None and accept.strip() and not _acceptable(accept):
        raise NotAcceptable("only application/fhir+json (FHIR R4 JSON) is served")
    return next_middleware(app)


# --- the answer


def fhir_response(status: int, resource: dict[str, Any], **headers: str) -> Response[Any]:
    return Response(
        status_code=status, content_type=FHIR_JSON, body=json.dumps(resource), headers=headers
    )


def issue_type(error: HealthSpaceError) -> str:
    return _ISSUE_OF_CODE.get(error.code) or _ISSUE_OF_STATUS.get(error.status, "processing")


def outcome_of(error: HealthSpaceError) -> dict[str, Any]:
    """The OperationOutcome of one of our errors: one issue per problem, each with our code."""
    issues = error.issues if isinstance(error, InvalidResource) else [("", error.message)]
    outcome = operation_outcome(issues, code=issue_type(error))
    for issue in outcome["issue"]:  # our code too: the care rules' refusal, for instance
        issue["details"] = {"coding": [{"system": ERROR_CODE_SYSTEM, "code": error.code}]}
    return outcome


def _too_large_outcome() -> dict[str, Any]:
    outcome = operation_outcome([("", TOO_LARGE_MESSAGE)], code="too-costly")
    outcome["issue"][0]["details"] = {"coding": [{"system": ERROR_CODE_SYSTEM, "code": TOO_LARGE}]}
    return outcome


# What api_handler answers, as FHIR, in place of an answer over Lambda's limit (never expected:
# a search page is _count documents' metadata).
TOO_LARGE_ANSWER = (FHIR_JSON, json.dumps(_too_large_outcome()))


class OperationOutcomeShape(BaseModel):
    """The OpenAPI shape of an OperationOutcome (a FHIR resource: its schema is FHIR's)."""

    model_config = ConfigDict(extra="allow")
    resourceType: str
    issue: list[dict[str, Any]]


class ResourceShape(BaseModel):
    """The OpenAPI shape of a FHIR resource (its schema is FHIR's, hl7.org/fhir/R4)."""

    model_config = ConfigDict(extra="allow")
    resourceType: str


_WHY = {
    400: "a parameter or header we cannot take (unknown search parameter...)",
    401: "the signature is refused (docs/partners.md, Refusals)",
    403: "the care rules refuse the professional this patient's file",
    404: "no such resource, or one this reader may not see",
    405: "not a method of this path (Allow lists those that are)",
    406: "the Accept header or _format asks for what we do not serve (only FHIR JSON)",
    409: "the identifier already names another document of this patient",
    412: "If-None-Exist matches several documents",
    413: "the request is over the size limit",
    415: "the body is not FHIR JSON, or its content is not a document type we file",
    422: "the resource breaks FHIR R4 or our rules (one issue per problem)",
}


def resource_answer(description: str) -> OpenAPIResponse:
    return {"description": description, "content": {FHIR_JSON: {"model": ResourceShape}}}


def outcomes(*statuses: int) -> dict[int, OpenAPIResponse]:
    """OpenAPI declarations of the OperationOutcomes a route answers: every route may answer
    401, 406 and 500, and the statuses given; and API Gateway's throttling, a 429 in the
    gateway's own body (template.yaml's GatewayResponses: one shape for every API)."""
    declared: dict[int, OpenAPIResponse] = {
        status: {
            "description": _WHY.get(status, "an unexpected error"),
            "content": {FHIR_JSON: {"model": OperationOutcomeShape}},
        }
        for status in sorted({401, 406, 500, *statuses})
    }
    status, throttled = refusal(429)
    declared[status] = cast(OpenAPIResponse, throttled)
    return declared


def unrouted(method: str, path: str) -> Response[Any]:
    """FHIR's answer where no route is: 405 on a known path (with Allow), else 404 (an
    unsupported resource type, no FHIR endpoint at all, or an id of characters no route takes,
    where the method is the path's)."""
    allowed = routes.allowed_methods(path)
    segments = path.removeprefix("/fhir").strip("/").split("/")
    searched = f"/fhir/{segments[0]}/_search"
    # A GET search would put the patient's INS in the URL: say where it went.
    hint = (
        f"; search with POST {searched}, the parameters in a form body"
        if method == "GET" and searched in {i.path for i in routes.interactions}
        else ""
    )
    if allowed and method not in allowed:
        outcome = operation_outcome(
            [("", f"{method} is not supported here; allowed: {', '.join(allowed)}{hint}")],
            code="not-supported",
        )
        return fhir_response(405, outcome, Allow=", ".join(allowed))
    if hint:
        message = f"no such endpoint{hint}"
        return fhir_response(404, operation_outcome([("", message)], code="not-found"))
    types = supported(routes.interactions)
    if segments[0][:1].isupper() and segments[0] not in types:
        message = f"this server supports the resource types {', '.join(types)} only"
        return fhir_response(404, operation_outcome([("", message)], code="not-supported"))
    return fhir_response(404, operation_outcome([("", "no such endpoint")], code="not-found"))


def install_fhir_error_handlers(app: APIGatewayRestResolver) -> None:
    """Every failure as an OperationOutcome; never a stack trace, never input echoed back."""

    @app.exception_handler(HealthSpaceError)
    def domain_error(exc: HealthSpaceError) -> Response[Any]:
        reason = getattr(exc, "reason", None)
        logger.info("partner request refused", extra={"code": exc.code, "reason": reason})
        return fhir_response(exc.status, outcome_of(exc))

    @app.exception_handler(RequestValidationError)
    def invalid_request(exc: RequestValidationError) -> Response[Any]:
        return fhir_response(400, operation_outcome([("", "invalid request")]))

    @app.not_found
    def no_route(_: NotFoundError) -> Response[Any]:
        event = app.current_event
        return unrouted(event.http_method.upper(), event.path)

    @app.exception_handler(Exception)
    def unexpected(exc: Exception) -> Response[Any]:
        logger.error("unexpected failure", extra={"error": type(exc).__name__})
        outcome = operation_outcome([("", "an unexpected error occurred")], code="exception")
        return fhir_response(500, outcome)


def supported(interactions: Sequence[Interaction]) -> list[str]:
    """The resource types the interactions serve, sorted."""
    return sorted({i.resource for i in interactions if i.resource})
