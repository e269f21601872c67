"""The partner API: hospital, clinic and laboratory systems push documents in FHIR R4, and
search and read them on behalf of a professional, each request signed (RFC 9421,
docs/partners.md) and answered in FHIR, errors as OperationOutcome.

Every request is verified before anything else (a middleware): a refused one reads the partner's
key at most and stores nothing. A document is filed on behalf of the professional the
DocumentReference names as author (RPPS); the partner's own identifier of it
(masterIdentifier) makes a retried push one document. A read is made for the professional named
by the signed Healthspace-Professional field, through the professionals' own use cases (the care
rules, the access log): the partner layer adds no access logic of its own.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.router import Router
from aws_lambda_powertools.metrics import MetricUnit

from healthspace.api.common import (
    EMERGENCY_HEADER,
    TOO_LARGE,
    TOO_LARGE_MESSAGE,
    open_file,
    read_json,
    use,
)
from healthspace.care.access import CareAccess, ProfessionalCaller
from healthspace.kernel.entity import MAX_PAGE
from healthspace.kernel.errors import BadRequest, HealthSpaceError, InvalidBody, NotFound
from healthspace.kernel.observability import logger, metrics
from healthspace.partners.fhir import (
    INS_SYSTEM,
    InvalidResource,
    PartnerDocument,
    document_reference,
    operation_outcome,
    read_document_reference,
)
from healthspace.partners.gate import PartnerGate
from healthspace.partners.signatures import (
    Refusal,
    VerifiedPartner,
    read_professional_field,
    refused,
)
from healthspace.records.documents import Documents
from healthspace.records.model import Document, DocumentFilter

FHIR_JSON = "application/fhir+json"
MAX_BUNDLE_ENTRIES = 20  # and 6 MB of request in all: Lambda's synchronous payload limit
DEFAULT_COUNT = 20
MAX_CURSOR = 2048
# Where an error's own code (NO_RELATIONSHIP, INVALID_IDENTIFIER...) is given, beside FHIR's type.
ERROR_CODE_SYSTEM = "https://healthspace.example.org/fhir/CodeSystem/error"
_DOCUMENT_ID = re.compile(r"[0-9A-Za-z]{1,64}")

router = Router()

# The FHIR issue type of each of our statuses (hl7.org/fhir/R4/valueset-issue-type.html).
_ISSUE_TYPE = {
    400: "invalid",
    401: "security",
    403: "forbidden",
    404: "not-found",
    409: "duplicate",
    413: "too-long",
    415: "not-supported",
    422: "processing",
}


def _query(event: dict[str, Any]) -> list[tuple[str, str]]:
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
    """Middleware: the request's signature, before any route runs."""
    event = app.current_event.raw_event
    partner = use(app, PartnerGate).verify(
        event["httpMethod"],
        event["path"],
        _query(event),
        event.get("multiValueHeaders") or event.get("headers"),
        raw_body(event),
    )
    logger.append_keys(partner_id=partner.partner_id, key_id=partner.key_id)
    app.append_context(partner=partner)
    return next_middleware(app)


def fhir_response(status: int, resource: dict[str, Any], **headers: str) -> Response[Any]:
    return Response(
        status_code=status, content_type=FHIR_JSON, body=json.dumps(resource), headers=headers
    )


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = read_json(body.decode())
    except ValueError:  # not UTF-8, or not JSON
        raise InvalidResource([("", "the body is not JSON")]) from None
    except InvalidBody as nested:
        raise InvalidResource([("", nested.message)]) from None
    if not isinstance(data, dict):
        raise InvalidResource([("", "a FHIR resource (a JSON object) is expected")])
    return data


def _file(partner: VerifiedPartner, pushed: PartnerDocument) -> tuple[Document, bool]:
    document, created = use(router, PartnerGate).file(partner, pushed)
    metric = "PartnerDocumentsFiled" if created else "PartnerRetriesAnswered"
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
    return document, created


def _location(document: Document) -> str:
    return use(router, PartnerGate).url(f"/fhir/DocumentReference/{document.document_id}")


def _current_partner() -> VerifiedPartner:
    return cast(VerifiedPartner, router.context["partner"])


@router.post("/fhir/DocumentReference", include_in_schema=False)
def create_document_reference() -> Response[Any]:
    """Create one document (201), or find the one this identifier already made (200)."""
    pushed = read_document_reference(_json(raw_body(router.current_event.raw_event)))
    document, created = _file(_current_partner(), pushed)
    resource = document_reference(document, pushed.patient_ins)
    return fhir_response(201 if created else 200, resource, Location=_location(document))


@router.post("/fhir", include_in_schema=False)
def transaction() -> Response[Any]:
    """A Bundle of type transaction of DocumentReference creates. Every entry is read before
    any is filed (one invalid entry: nothing filed); each is then filed by its identifier, so a
    bundle that failed midway is completed by sending it again."""
    bundle = _json(raw_body(router.current_event.raw_event))
    if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "transaction":
        raise InvalidResource([("Bundle.type", "a Bundle of type transaction is expected")])
    entries = bundle.get("entry") or []
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_BUNDLE_ENTRIES:
        raise InvalidResource([("Bundle.entry", f"1 to {MAX_BUNDLE_ENTRIES} entries expected")])
    pushed: list[PartnerDocument] = []
    issues: list[tuple[str, str]] = []
    for n, entry in enumerate(entries):
        request = entry.get("request") if isinstance(entry, dict) else None
        if not isinstance(request, dict) or (request.get("method"), request.get("url")) != (
            "POST",
            "DocumentReference",
        ):
            issues.append((f"Bundle.entry[{n}].request", "only POST DocumentReference"))
            continue
        try:
            pushed.append(read_document_reference(entry.get("resource") or {}))
        except InvalidResource as exc:
            issues.extend((f"Bundle.entry[{n}].resource.{w}", what) for w, what in exc.issues)
    if issues:
        raise InvalidResource(issues)
    partner = _current_partner()
    responses = []
    for one in pushed:
        document, created = _file(partner, one)
        responses.append(
            {
                "response": {
                    "status": "201 Created" if created else "200 OK",
                    "location": _location(document),
                    "etag": f'W/"{document.version}"',
                }
            }
        )
    return fhir_response(
        200, {"resourceType": "Bundle", "type": "transaction-response", "entry": responses}
    )


# --- reads on behalf of a professional


def _parameters(allowed: set[str]) -> dict[str, str]:
    """The query's parameters, each once. Unknown ones are refused rather than ignored (FHIR's
    strict handling): a partner must not believe a filter applied that we do not know."""
    query = router.current_event.raw_event.get("multiValueQueryStringParameters") or {}
    if unknown := set(query) - allowed:
        raise BadRequest(f"unsupported search parameter(s): {', '.join(sorted(unknown))}")
    if any(len(values or []) != 1 for values in query.values()):
        raise BadRequest("each search parameter may be given once")
    return {name: values[0] for name, values in query.items()}


def _patient(parameters: dict[str, str]) -> str:
    """The INS of the `patient` token (`urn:oid:1.2.250.1.213.1.4.8|<INS>`, or the INS alone);
    the INS itself is checked where the file is opened."""
    if not parameters.get("patient"):
        raise BadRequest(f"the patient parameter is required: patient={INS_SYSTEM}|<INS>")
    system, bar, ins = parameters["patient"].rpartition("|")
    if bar and system != INS_SYSTEM:
        raise BadRequest(f"patients are named by INS: patient={INS_SYSTEM}|<INS>")
    return ins


def _count(parameters: dict[str, str]) -> int:
    raw = parameters.get("_count", str(DEFAULT_COUNT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise BadRequest(f"_count must be between 1 and {MAX_PAGE}")
    return int(raw)


def _for_professional(ins: str) -> CareAccess:
    """The file as the professional the partner signed for may open it: the professionals' own
    use case, so the care rules and the access log are theirs. Break-glass is not offered to
    partners (refused, not ignored, so that nobody believes they read under it)."""
    partner = _current_partner()
    headers = router.current_event.headers
    if headers.get(EMERGENCY_HEADER) is not None or headers.get(EMERGENCY_HEADER.lower()):
        raise BadRequest("emergency access is not available through the partner API")
    if partner.professional is None:  # never: every read's signature covers it
        raise refused(Refusal.PROFESSIONAL_NOT_COVERED)
    who = read_professional_field(partner.professional)
    caller = ProfessionalCaller(
        professional=who.professional, display_name=who.display_name or "", via=partner.partner_id
    )
    return open_file(router, caller, ins)


@router.get("/fhir/DocumentReference", include_in_schema=False)
def search_document_references() -> Response[Any]:
    """`?patient=` search: the documents the professional sees, newest first, as a searchset
    Bundle. No `total` (counting what the care rules hide would mean reading every document);
    the `next` link carries our cursor as `_cursor`, in the canonical form to sign as is."""
    parameters = _parameters({"patient", "_count", "_cursor"})
    ins, count, cursor = _patient(parameters), _count(parameters), parameters.get("_cursor")
    if cursor is not None and not 1 <= len(cursor) <= MAX_CURSOR:
        raise BadRequest(f"_cursor must be 1 to {MAX_CURSOR} characters")
    page = use(router, Documents).list_documents(
        _for_professional(ins), DocumentFilter(), count, cursor
    )
    metrics.add_metric(name="PartnerSearches", unit=MetricUnit.Count, value=1)
    path = "/fhir/DocumentReference"
    query = [("patient", f"{INS_SYSTEM}|{ins}"), ("_count", str(count))]
    event = router.current_event.raw_event
    self_url = use(router, PartnerGate).url(event["path"], _query(event))
    links = [{"relation": "self", "url": self_url}]
    if page.next_cursor:
        next_url = use(router, PartnerGate).url(path, [*query, ("_cursor", page.next_cursor)])
        links.append({"relation": "next", "url": next_url})
    entries = [
        {
            "fullUrl": _location(document),
            "resource": document_reference(document, ins),
            "search": {"mode": "match"},
        }
        for document in page.items
    ]
    bundle = {"resourceType": "Bundle", "type": "searchset", "link": links, "entry": entries}
    return fhir_response(200, bundle)


@router.get("/fhir/DocumentReference/<document_id>", include_in_schema=False)
def read_document(document_id: str) -> Response[Any]:
    """One document, `patient` required: our documents live in the patient's space, found by
    INS. One the professional may not see is "not found", as one that does not exist."""
    parameters = _parameters({"patient"})
    ins = _patient(parameters)
    if not _DOCUMENT_ID.fullmatch(document_id):
        raise NotFound("document not found")
    document = use(router, Documents).get_document(_for_professional(ins), document_id)
    metrics.add_metric(name="PartnerDocumentsRead", unit=MetricUnit.Count, value=1)
    return fhir_response(200, document_reference(document, ins), ETag=f'W/"{document.version}"')


def _too_large_outcome() -> dict[str, Any]:
    outcome = operation_outcome([("", TOO_LARGE_MESSAGE)], code="too-costly")
    outcome["issue"][0]["details"] = {"coding": [{"system": ERROR_CODE_SYSTEM, "code": TOO_LARGE}]}
    return outcome


# What api_handler answers, as FHIR, in place of an answer over Lambda's limit (never expected:
# a search page is _count documents' metadata).
TOO_LARGE_ANSWER = (FHIR_JSON, json.dumps(_too_large_outcome()))


def install_fhir_error_handlers(app: APIGatewayRestResolver) -> None:
    """Every failure as an OperationOutcome; never a stack trace, never input echoed back."""

    @app.exception_handler(HealthSpaceError)
    def domain_error(exc: HealthSpaceError) -> Response[Any]:
        reason = getattr(exc, "reason", None)
        logger.info("partner request refused", extra={"code": exc.code, "reason": reason})
        issues = exc.issues if isinstance(exc, InvalidResource) else [("", exc.message)]
        outcome = operation_outcome(issues, code=_ISSUE_TYPE.get(exc.status, "processing"))
        for issue in outcome["issue"]:  # our code too: the care rules' refusal, for instance
            issue["details"] = {"coding": [{"system": ERROR_CODE_SYSTEM, "code": exc.code}]}
        return fhir_response(exc.status, outcome)

    @app.exception_handler(RequestValidationError)
    def invalid_request(exc: RequestValidationError) -> Response[Any]:
        return fhir_response(400, operation_outcome([("", "invalid request")]))

    @app.not_found
    def no_route(_: NotFoundError) -> Response[Any]:
        return fhir_response(404, operation_outcome([("", "no such route")], code="not-found"))

    @app.exception_handler(Exception)
    def unexpected(exc: Exception) -> Response[Any]:
        logger.error("unexpected failure", extra={"error": type(exc).__name__})
        outcome = operation_outcome([("", "an unexpected error occurred")], code="exception")
        return fhir_response(500, outcome)
