"""DocumentReference over FHIR's RESTful API: partners push documents (create, conditional
create, transaction Bundles), and search and read them on behalf of a professional.

A document is filed on behalf of the professional the DocumentReference names as author (RPPS);
the partner's own identifier of it (masterIdentifier) makes a retried push one document. A search
(POST, the patient in its body: no INS in a URL) and a read (by the document's id alone) are made
for the professional named by the signed Healthspace-Professional field, through the
professionals' own use cases (the care rules, the access log): the partner layer adds no access
logic of its own.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.metrics import MetricUnit

from healthspace.api.bodies import read_json
from healthspace.api.common import EMERGENCY_HEADER, open_file, opened_file, use
from healthspace.api.partner.rest import (
    FHIR_ID,
    Interaction,
    SearchParameter,
    current_partner,
    fhir_response,
    outcomes,
    raw_body,
    resource_answer,
    routes,
    signed_query,
    unrouted,
)
from healthspace.care.access import CareAccess, ProfessionalAccess, ProfessionalCaller
from healthspace.kernel.entity import MAX_PAGE, Page
from healthspace.kernel.errors import (
    BadRequest,
    CareAccessRefused,
    HealthSpaceError,
    InvalidBody,
    NotFound,
)
from healthspace.kernel.observability import metrics
from healthspace.partners.fhir import (
    INS_SYSTEM,
    InvalidResource,
    PartnerDocument,
    document_reference,
    parse_identifier_criteria,
    read_document_reference,
)
from healthspace.partners.gate import PartnerGate
from healthspace.partners.signatures import Refusal, read_professional_field, refused
from healthspace.records.documents import Documents
from healthspace.records.model import Document, DocumentFilter
from healthspace.records.spaces import Spaces

MAX_BUNDLE_ENTRIES = 20  # and 6 MB of request in all: Lambda's synchronous payload limit
DEFAULT_COUNT = 20
MAX_CURSOR = 2048
_DOCUMENT_ID = re.compile(r"[0-9A-Za-z]{1,64}")
DOCUMENT_REFERENCE = "DocumentReference"
# Bundle entries name their target relative to the base: "DocumentReference" as FHIR writes it,
# "/DocumentReference" as many clients do.
_CREATE_URLS = (DOCUMENT_REFERENCE, f"/{DOCUMENT_REFERENCE}")

router = routes.router

PATIENT = SearchParameter(
    "patient",
    "reference",
    f"required, in the POST body only: the patient by INS, {INS_SYSTEM}|<INS> (or the INS alone)",
)
SEARCH = (
    PATIENT,
    SearchParameter("_id", "token", "one document by its id (FHIR's read, without a URL)"),
    SearchParameter("_count", "number", f"page size, 1 to {MAX_PAGE} (default {DEFAULT_COUNT})"),
    SearchParameter("_cursor", "string", "the next page's cursor, from the `next` link"),
)
FORMAT = SearchParameter("_format", "token", "json (application/fhir+json) only")


class TooManyEntries(HealthSpaceError, status=422, code="TOO_MANY_ENTRIES"):
    """A Bundle of more entries than one request may file."""


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


def _file(pushed: PartnerDocument, if_none_exist: str | None) -> tuple[Document, bool]:
    """File a document, unless its If-None-Exist criterion finds the one it is (then that one,
    False). Sent again with the same identifier, the same document comes back too."""
    gate = use(router, PartnerGate)
    if if_none_exist is not None:
        found = gate.existing(
            current_partner(router), pushed, parse_identifier_criteria(if_none_exist)
        )
        if found is not None:
            metrics.add_metric(name="PartnerRetriesAnswered", unit=MetricUnit.Count, value=1)
            return found, False
    document, created = gate.file(current_partner(router), pushed)
    metric = "PartnerDocumentsFiled" if created else "PartnerRetriesAnswered"
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
    return document, created


def _location(document: Document) -> str:
    return use(router, PartnerGate).url(f"/fhir/DocumentReference/{document.document_id}")


@routes.route(
    Interaction(
        "POST", "/fhir/DocumentReference", "create", DOCUMENT_REFERENCE, conditional_create=True
    ),
    summary="Create a DocumentReference (If-None-Exist: conditional create)",
    responses={
        201: resource_answer("filed: the DocumentReference, its Location"),
        200: resource_answer("already there: the document this identifier or If-None-Exist finds"),
        **outcomes(400, 404, 409, 412, 413, 415, 422),
    },
)
def create_document_reference() -> Response[Any]:
    """Create one document (201), or find the one this identifier already made, or that
    If-None-Exist matches (200)."""
    pushed = read_document_reference(_json(raw_body(router.current_event.raw_event)))
    criterion = router.current_event.headers.get("if-none-exist")
    document, created = _file(pushed, criterion)
    resource = document_reference(document, pushed.patient_ins)
    return fhir_response(
        201 if created else 200,
        resource,
        Location=_location(document),
        ETag=f'W/"{document.version}"',
    )


def _bundle_entries(bundle: dict[str, Any]) -> list[tuple[PartnerDocument, str | None]]:
    """Every entry read before any is filed: one invalid entry, nothing filed."""
    if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "transaction":
        raise InvalidResource([("Bundle.type", "a Bundle of type transaction is expected")])
    entries = bundle.get("entry") or []
    if not isinstance(entries, list) or not entries:
        raise InvalidResource([("Bundle.entry", "at least one entry is expected")])
    if len(entries) > MAX_BUNDLE_ENTRIES:
        raise TooManyEntries(f"a Bundle takes at most {MAX_BUNDLE_ENTRIES} entries")
    read: list[tuple[PartnerDocument, str | None]] = []
    issues: list[tuple[str, str]] = []
    for n, entry in enumerate(entries):
        request = entry.get("request") if isinstance(entry, dict) else None
        if not isinstance(request, dict) or (request.get("method"), request.get("url")) not in {
            ("POST", url) for url in _CREATE_URLS
        }:
            issues.append((f"Bundle.entry[{n}].request", "only POST DocumentReference"))
            continue
        condition = request.get("ifNoneExist")
        if condition is not None and not isinstance(condition, str):
            issues.append((f"Bundle.entry[{n}].request.ifNoneExist", "a search query string"))
            continue
        try:
            read.append((read_document_reference(entry.get("resource") or {}), condition))
        except InvalidResource as exc:
            issues.extend((f"Bundle.entry[{n}].resource.{w}", what) for w, what in exc.issues)
    if issues:
        raise InvalidResource(issues)
    return read


@routes.route(
    Interaction("POST", "/fhir", "transaction"),
    summary="A transaction Bundle of DocumentReference creates (ifNoneExist honoured)",
    responses={
        200: resource_answer("a transaction-response Bundle"),
        **outcomes(400, 404, 409, 412, 413, 415, 422),
    },
)
def transaction() -> Response[Any]:
    """A Bundle of type transaction of DocumentReference creates. Every entry is read, and every
    If-None-Exist evaluated, before any is filed (one invalid entry or several matches: nothing
    filed); each is then filed by its identifier, so a bundle that failed midway is completed by
    sending it again."""
    entries = _bundle_entries(_json(raw_body(router.current_event.raw_event)))
    gate, partner = use(router, PartnerGate), current_partner(router)
    found = [
        gate.existing(partner, pushed, parse_identifier_criteria(condition))
        if condition is not None
        else None
        for pushed, condition in entries
    ]
    responses = []
    for (pushed, _), existing in zip(entries, found, strict=True):
        document, created = (existing, False) if existing else _file(pushed, None)
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


SEARCH_PATH = "/fhir/DocumentReference/_search"
# What may ride in the _search URL's query besides the body: the paging of a `next` link.
_URL_PARAMETERS = frozenset({"_count", "_cursor"})


def _parameters(allowed: tuple[SearchParameter, ...]) -> dict[str, str]:
    """The search's parameters, each once: the form-encoded body's (FHIR's POST search), and
    the paging a `next` link carries in its query. The patient never comes in a URL (no INS in
    a URL: traces, proxies and logs keep them). Unknown ones are refused rather than ignored
    (FHIR's strict handling): a partner must not believe a filter applied that we do not know.
    `_format` is checked before any route (rest.negotiate)."""
    event = router.current_event.raw_event
    query = event.get("multiValueQueryStringParameters") or {}
    if in_url := set(query) - _URL_PARAMETERS - {FORMAT.name}:
        raise BadRequest(
            f"send {', '.join(sorted(in_url))} in the form-encoded body, not in the URL"
        )
    try:
        text = raw_body(event).decode()
        form = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
    except ValueError:  # not UTF-8, or not a form
        raise BadRequest("the body must be form-encoded (name=value&...), in UTF-8") from None
    pairs = [*form, *((n, v) for n, values in query.items() if n != FORMAT.name for v in values)]
    names = [name for name, _ in pairs]
    if unknown := set(names) - {p.name for p in allowed}:
        raise BadRequest(f"unsupported search parameter(s): {', '.join(sorted(unknown))}")
    if len(names) != len(set(names)):
        raise BadRequest("each search parameter may be given once")
    return dict(pairs)


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
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE:
        raise BadRequest(f"_count must be between 1 and {MAX_PAGE}")
    return int(raw)


def _professional() -> ProfessionalCaller:
    """The professional the partner signed for. Break-glass is not offered to partners
    (refused, not ignored, so that nobody believes they read under it)."""
    partner = current_partner(router)
    if router.current_event.headers.get(EMERGENCY_HEADER) is not None:
        raise BadRequest("emergency access is not available through the partner API")
    if partner.professional is None:  # never: every read's signature covers it
        raise refused(Refusal.PROFESSIONAL_NOT_COVERED)
    who = read_professional_field(partner.professional)
    return ProfessionalCaller(
        professional=who.professional, display_name=who.display_name or "", via=partner.partner_id
    )


def _for_professional(ins: str) -> CareAccess:
    """The file as the professional the partner signed for may open it: the professionals' own
    use case, so the care rules and the access log are theirs."""
    return open_file(router, _professional(), ins)


def _found(
    access: CareAccess, document_id: str | None, count: int, cursor: str | None
) -> Page[Document]:
    """One page of the documents the professional sees, or the one `_id` names (none if it
    does not exist or is hidden from them: the same answer)."""
    documents = use(router, Documents)
    if document_id is None:
        return documents.list_documents(access, DocumentFilter(), count, cursor)
    if not _DOCUMENT_ID.fullmatch(document_id):
        return Page[Document](items=[])
    try:
        return Page[Document](items=[documents.get_document(access, document_id)])
    except NotFound:
        return Page[Document](items=[])


@routes.route(
    Interaction("POST", SEARCH_PATH, "search-type", DOCUMENT_REFERENCE, SEARCH, form_encoded=True),
    summary="Search a patient's documents on behalf of the signed professional (POST, "
    "form-encoded: the INS never goes in a URL)",
    responses={
        200: resource_answer("a searchset Bundle, newest first"),
        **outcomes(400, 403, 415),
    },
)
def search_document_references() -> Response[Any]:
    """FHIR's POST search: the documents the professional sees, newest first (or the one `_id`
    names), as a searchset Bundle. No `total` (counting what the care rules hide would mean
    reading every document); the `next` link is this URL with `_count` and `_cursor` in its
    query, to POST with the same body. No GET search: its parameters would put the INS in the
    URL (docs/partners.md)."""
    parameters = _parameters(SEARCH)
    ins, count, cursor = _patient(parameters), _count(parameters), parameters.get("_cursor")
    if cursor is not None and not 1 <= len(cursor) <= MAX_CURSOR:
        raise BadRequest(f"_cursor must be 1 to {MAX_CURSOR} characters")
    page = _found(_for_professional(ins), parameters.get("_id"), count, cursor)
    metrics.add_metric(name="PartnerSearches", unit=MetricUnit.Count, value=1)
    event = router.current_event.raw_event
    gate = use(router, PartnerGate)
    links = [{"relation": "self", "url": gate.url(event["path"], signed_query(event))}]
    if page.next_cursor:
        paging = [("_count", str(count)), ("_cursor", page.next_cursor)]
        links.append({"relation": "next", "url": gate.url(SEARCH_PATH, paging)})
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


@routes.route(
    Interaction("GET", "/fhir/DocumentReference/<document_id>", "read", DOCUMENT_REFERENCE),
    summary="Read one document on behalf of the signed professional (the URL of Location and "
    "fullUrl)",
    responses={200: resource_answer("the DocumentReference, its ETag"), **outcomes(400, 404)},
)
def read_document(document_id: str) -> Response[Any]:
    """FHIR's read: the document by its id alone (no patient in the URL), found in the space
    that holds it, through the care rules as a search is. Whatever the professional may not
    read (no such document, no care relationship, a hidden document, a closed space) is the
    same 404: the answer tells nobody which ids exist."""
    query = router.current_event.raw_event.get("multiValueQueryStringParameters") or {}
    if unknown := set(query) - {FORMAT.name}:
        raise BadRequest(f"unsupported parameter(s): {', '.join(sorted(unknown))}")
    if not re.fullmatch(FHIR_ID, document_id):  # `_search`: a GET where only POST is
        return unrouted("GET", router.current_event.path)
    caller = _professional()
    if not _DOCUMENT_ID.fullmatch(document_id):
        raise NotFound("document not found")
    space = use(router, Spaces).holding(document_id)
    try:
        access = opened_file(router, use(router, ProfessionalAccess).open_space(caller, space))
    except CareAccessRefused:
        raise NotFound("document not found") from None
    document = use(router, Documents).get_document(access, document_id)
    metrics.add_metric(name="PartnerDocumentsRead", unit=MetricUnit.Count, value=1)
    resource = document_reference(document, space.holder_ins)
    return fhir_response(200, resource, ETag=f'W/"{document.version}"')
