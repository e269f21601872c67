"""The partner API: hospital, clinic and laboratory systems push documents in FHIR R4, each
request signed (RFC 9421, docs/partners.md) and answered in FHIR, errors as OperationOutcome.

Every request is verified before anything else (a middleware): a refused one reads the partner's
key at most and stores nothing. A document is filed on behalf of the professional the
DocumentReference names as author (RPPS); the partner's own identifier of it
(masterIdentifier) makes a retried push one document.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from functools import cache
from typing import Any, cast
from urllib.parse import quote

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.router import Router
from aws_lambda_powertools.metrics import MetricUnit

from healthspace.adapters.dynamodb import DynamoStore
from healthspace.adapters.partner_keys import DynamoNonces, DynamoPartnerKeys
from healthspace.api.common import service
from healthspace.errors import HealthSpaceError
from healthspace.fhir import (
    InvalidResource,
    PartnerDocument,
    document_reference,
    operation_outcome,
    read_document_reference,
)
from healthspace.model import Author, Document, DocumentFacts
from healthspace.observability import logger, metrics
from healthspace.signatures import VerifiedPartner, verify_request

FHIR_JSON = "application/fhir+json"
MAX_BUNDLE_ENTRIES = 20  # and 6 MB of request in all: Lambda's synchronous payload limit

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


@cache
def _signature_ports() -> tuple[DynamoPartnerKeys, DynamoNonces]:
    store = cast(DynamoStore, service().store)
    return DynamoPartnerKeys(store), DynamoNonces(store)


def base_url() -> str:
    """Where partners call us, as they sign it (@target-uri): configuration, never the Host
    header a caller chooses."""
    return os.environ["PARTNER_BASE_URL"].rstrip("/")


def target_uri(event: dict[str, Any]) -> str:
    """The URL the partner signed. API Gateway (REST) hands over the query decoded: partners
    send it canonical (names sorted, values percent-encoded but for unreserved characters),
    which this rebuilds byte for byte."""
    pairs = sorted(
        (name, value)
        for name, values in (event.get("multiValueQueryStringParameters") or {}).items()
        for value in values or []
    )
    query = "&".join(f"{quote(name, safe='')}={quote(value, safe='')}" for name, value in pairs)
    return f"{base_url()}{event['path']}" + (f"?{query}" if query else "")


def raw_body(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()


def verify_signature(app: APIGatewayRestResolver, next_middleware: Callable[..., Any]) -> Any:
    """Middleware: the request's signature, before any route runs."""
    event = app.current_event.raw_event
    keys, nonces = _signature_ports()
    partner = verify_request(
        event["httpMethod"],
        target_uri(event),
        event.get("multiValueHeaders") or event.get("headers"),
        raw_body(event),
        keys=keys,
        nonces=nonces,
        clock=service().clock,
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
        data = json.loads(body)
    except ValueError:
        raise InvalidResource([("", "the body is not JSON")]) from None
    if not isinstance(data, dict):
        raise InvalidResource([("", "a FHIR resource (a JSON object) is expected")])
    return data


def _file(partner: VerifiedPartner, pushed: PartnerDocument) -> tuple[Document, bool]:
    files = service()
    author = Author.professional(pushed.author_rpps, pushed.author_name)
    facts = DocumentFacts(
        category=pushed.category,
        title=pushed.title,
        document_date=pushed.document_date,
        type_code=pushed.type_code,
    )
    document, created = files.push_document(
        files.space_of(pushed.patient_ins),
        author,
        facts,
        pushed.content,
        _filename(pushed),
        source=f"{partner.partner_id}|{pushed.identifier}",
    )
    metric = "PartnerDocumentsFiled" if created else "PartnerRetriesAnswered"
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
    return document, created


def _filename(pushed: PartnerDocument) -> str:
    extension = {"application/pdf": "pdf", "text/plain": "txt", "image/jpeg": "jpg"}.get(
        pushed.content_type, "bin"
    )
    return f"{pushed.type_code or 'document'}-{pushed.document_date.isoformat()}.{extension}"


def _location(document: Document) -> str:
    return f"{base_url()}/fhir/DocumentReference/{document.document_id}"


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


def install_fhir_error_handlers(app: APIGatewayRestResolver) -> None:
    """Every failure as an OperationOutcome; never a stack trace, never input echoed back."""

    @app.exception_handler(HealthSpaceError)
    def domain_error(exc: HealthSpaceError) -> Response[Any]:
        reason = getattr(exc, "reason", None)
        logger.info("partner request refused", extra={"code": exc.code, "reason": reason})
        issues = exc.issues if isinstance(exc, InvalidResource) else [("", exc.message)]
        outcome = operation_outcome(issues, code=_ISSUE_TYPE.get(exc.status, "processing"))
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
