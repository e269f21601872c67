"""The professionals' API: a health professional reaches a patient's file under the care rules
(healthspace.care), and adds to it (profile entries, documents uploaded through a presigned
POST) as its author.

No INS in a URL (API Gateway's X-Ray traces, proxies and browsers keep URLs): the professional
names the patient by INS once, in the body of `POST /pro/patient-references`, and addresses the
file by the opaque reference it answers, `/pro/patients/{ref}/...`. Every read of the profile
is paged (a section, or each section's first page).

Who: the professionals' Cognito ID token (sub, custom:rpps, custom:profession). Every request
opens the file afresh (ProfessionalAccess.open_reference: the reference, the space, the
patient's care record, one read each) and is traced in the patient's access history.
Break-glass: any read with an `X-Emergency-Reason` header (UTF-8, percent-encoded if need be),
read-only; the reason goes to the patient's access history only, never to application logs.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, cast
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel, Field

from healthspace.api.common import (
    EMERGENCY_HEADER,
    display_name,
    json_response,
    opened_file,
    use,
)
from healthspace.api.openapi import documented
from healthspace.api.shapes import (
    Cursor,
    DocumentId,
    GrantRequest,
    Limit,
    PageBody,
    ProfileSummary,
    UploadRequest,
    page_body,
    profile_summary,
    ticket_response,
)
from healthspace.care.access import (
    REFERENCE_PATTERN,
    CareAccess,
    ProfessionalAccess,
    ProfessionalCaller,
)
from healthspace.care.matrices import PATIENT_OWNED
from healthspace.care.record import Professional
from healthspace.kernel.dates import AwareIsoDateTime
from healthspace.kernel.errors import BadRequest, Unauthorized
from healthspace.kernel.observability import metrics
from healthspace.notices.patient import ProfessionalInbox
from healthspace.records.documents import Documents
from healthspace.records.holds import Holds
from healthspace.records.model import (
    Category,
    Document,
    DocumentFacts,
    DocumentFilter,
    ProfileEntry,
)
from healthspace.records.profile import Profile
from healthspace.records.sections import SECTIONS, SUMMARY_PAGE, SectionModel
from healthspace.records.uploads import Uploads

router = APIGatewayRouter()
TAGS = ["Professionals"]
# In a body only: never in a URL.
Ins = Annotated[
    str,
    Field(pattern=r"^[0-9AB]{15}$", description="the patient's INS (NIR and its 2-digit key)"),
]
Ref = Annotated[
    str,
    Path(
        pattern=REFERENCE_PATTERN,
        description="your reference to the patient's file (POST /pro/patient-references)",
    ),
]
ConfidentialQuery = Annotated[
    bool,
    Query(description="a minor's secret (CSP L. 1111-5): hidden from their legal representatives"),
]


def professional_caller(router: APIGatewayRouter) -> ProfessionalCaller:
    """The professional identified by the Cognito authorizer's claims (the professionals' pool's
    ID token): an unknown profession is a 403 (PROFESSION_NOT_ALLOWED)."""
    context = cast(APIGatewayProxyEvent, router.current_event).request_context
    claims: dict[str, Any] = (context.authorizer.claims or {}) if context.authorizer else {}
    rpps, profession = claims.get("custom:rpps"), claims.get("custom:profession")
    if not claims.get("sub") or not rpps or not profession:
        raise Unauthorized("a health professional's identity token is required")
    professional = Professional.from_claims(str(rpps), str(profession))
    return ProfessionalCaller(professional=professional, display_name=display_name(claims))


def shown(item: Document | ProfileEntry) -> dict[str, Any]:
    """A document or an entry as a professional sees it: its author by role and name, never a
    patient's identity-provider subject."""
    return {**item.to_api(), "author": item.author.shown_to_professionals()}


def _emergency_reason(router: APIGatewayRouter, reads: bool) -> str | None:
    headers = router.current_event.headers
    raw = headers.get(EMERGENCY_HEADER) or headers.get(EMERGENCY_HEADER.lower())
    if raw is None:
        return None
    if not reads:
        # Refused rather than ignored: the professional must not believe they wrote under it.
        raise BadRequest("an emergency access only reads: send no X-Emergency-Reason to add")
    return unquote(raw)


def patient_file(router: APIGatewayRouter, ref: str, reads: bool = True) -> CareAccess:
    """The professional on the file their reference names, as the care rules allow it for this
    request."""
    caller, reason = professional_caller(router), _emergency_reason(router, reads)
    return opened_file(router, use(router, ProfessionalAccess).open_reference(caller, ref, reason))


class PatientByIns(BaseModel):
    ins: Ins


class PatientReferenceAnswer(BaseModel):
    reference: str = Field(description="for your requests' paths: /pro/patients/{reference}/...")
    expires_at: AwareIsoDateTime = Field(description="then resolve the INS again")
    relationship: str = Field(
        description="what the care rules let you in as now: TREATING, TEAM, CONSENT, EMERGENCY"
    )


@router.post(
    "/pro/patient-references",
    tags=TAGS,
    summary="Name a patient by INS (in the body, never in a URL): your reference to their file",
    description="Only if the care rules let you in now, or through break-glass "
    "(X-Emergency-Reason; every read must then send it again). The reference is yours only, "
    "for 12 hours; each request made with it is decided by the care rules again. Not traced "
    "(it reads nothing of the file).",
    **documented(201, body=PatientReferenceAnswer, description="your reference"),
)
def refer_patient(patient: PatientByIns) -> Response[Any]:
    caller, reason = professional_caller(router), _emergency_reason(router, reads=True)
    referred = use(router, ProfessionalAccess).refer(caller, patient.ins, reason)
    metrics.add_metric(name="PatientReferenced", unit=MetricUnit.Count, value=1)
    return json_response(
        201,
        {
            "reference": referred.reference,
            "expires_at": referred.expires_at.isoformat(),
            "relationship": referred.opened.decision.relationship.value,
        },
    )


@router.get(
    "/pro/patients/<ref>/documents",
    tags=TAGS,
    summary="The patient's documents you may see, newest first",
    **documented(200, 404),
)
def list_documents(
    ref: Ref,
    category: Annotated[Category | None, Query()] = None,
    date_from: Annotated[date | None, Query()] = None,
    date_to: Annotated[date | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> dict[str, Any]:
    query = DocumentFilter(category=category, date_from=date_from, date_to=date_to)
    page = use(router, Documents).list_documents(patient_file(router, ref), query, limit, cursor)
    return page_body(page, shown)


@router.get(
    "/pro/patients/<ref>/documents/<document_id>",
    tags=TAGS,
    summary="A document",
    **documented(200, 404),
)
def get_document(ref: Ref, document_id: DocumentId) -> dict[str, Any]:
    return shown(use(router, Documents).get_document(patient_file(router, ref), document_id))


@router.get(
    "/pro/patients/<ref>/documents/<document_id>/content",
    tags=TAGS,
    summary="A short-lived link to download a document",
    **documented(200, 404),
)
def download_document(ref: Ref, document_id: DocumentId) -> dict[str, Any]:
    url, expires_in = use(router, Documents).download(patient_file(router, ref), document_id)
    metrics.add_metric(name="ProfessionalDocumentDownloaded", unit=MetricUnit.Count, value=1)
    return {"url": url, "expires_in": expires_in}


@router.post(
    "/pro/patients/<ref>/documents/<document_id>/release",
    tags=TAGS,
    summary="Release a document you held for the announcement consultation",
    **documented(200, 404),
)
def release_document(ref: Ref, document_id: DocumentId) -> dict[str, Any]:
    """The patient is told (their access history); releasing twice changes nothing."""
    opened = patient_file(router, ref, reads=False)
    document = use(router, Holds).release_document(opened, document_id)
    metrics.add_metric(name="HeldDocumentReleased", unit=MetricUnit.Count, value=1)
    return shown(document)


class ProfessionalUploadRequest(UploadRequest):
    """The patient's upload request, plus what only a professional's deposit may ask for."""

    hold_for_announcement: bool = False
    confidential_from_representatives: bool = False


@router.post(
    "/pro/patients/<ref>/uploads",
    tags=TAGS,
    summary="Start an upload of a document you author (presigned POST)",
    **documented(201, 404, 409),  # 409: the file holds its maximum of documents
)
def start_upload(ref: Ref, request: ProfessionalUploadRequest) -> Response[Any]:
    """The patient's upload flow, checked against the care rules before the ticket is issued;
    the ingest files the document with you as author and traces it in the patient's history."""
    opened = patient_file(router, ref, reads=False)
    facts = DocumentFacts(**request.model_dump(include=set(DocumentFacts.model_fields)))
    ticket = use(router, Uploads).start_upload(
        opened,
        facts,
        request.filename,
        request.content_type,
        request.size,
        hold_for_announcement=request.hold_for_announcement,
        confidential_from_representatives=request.confidential_from_representatives,
    )
    metrics.add_metric(name="ProfessionalUploadStarted", unit=MetricUnit.Count, value=1)
    return ticket_response(ticket, request.size)


class ConsentRequest(GrantRequest):
    ins: Ins
    patient_agreed: Literal[True] = Field(
        description="you attest that the patient, informed, agreed to your access (traced, and "
        "the patient is told by email)"
    )
    expires_at: AwareIsoDateTime | None = Field(
        None, description="when the consent ends (excluded): a year at most, a year if none"
    )


@router.post(
    "/pro/consents",
    tags=TAGS,
    summary="Record the patient's consent to your access (scope, until when), by INS",
    **documented(200, 409),
)
def record_consent(consent: ConsentRequest) -> dict[str, Any]:
    """For a patient whose file you may not open yet (then POST /pro/patient-references): their
    treating doctor and care team are theirs to set (409 if they set yours); a blocked
    professional is refused."""
    caller = professional_caller(router)
    scope = frozenset(consent.scope) if isinstance(consent.scope, list) else consent.scope
    record = use(router, ProfessionalAccess).record_consent(
        caller, consent.ins, scope, consent.expires_at
    )
    metrics.add_metric(name="ConsentRecorded", unit=MetricUnit.Count, value=1)
    rpps = caller.professional.rpps
    return {"rpps": rpps, **record.team.grants[rpps].model_dump(mode="json")}


@router.get(
    "/pro/patients/<ref>/uploads/<upload_id>",
    tags=TAGS,
    summary="Status of one of your uploads to this patient's file",
    **documented(200, 404),
)
def upload_status(ref: Ref, upload_id: DocumentId) -> dict[str, Any]:
    return use(router, Uploads).upload_status(patient_file(router, ref), upload_id).to_api()


@router.get(
    "/pro/patients/<ref>/profile",
    tags=TAGS,
    summary=f"The profile sections you may read: each one's {SUMMARY_PAGE} newest entries you see",
    description="A section with more has a next_cursor: GET /pro/patients/{ref}/profile/{section}"
    "?cursor= reads on. Break-glass: X-Emergency-Reason.",
    **documented(
        200, 404, body=ProfileSummary, description="the first page of each section you may read"
    ),
)
def get_profile(ref: Ref) -> dict[str, Any]:
    return profile_summary(use(router, Profile).read(patient_file(router, ref)), shown)


def _add_section_routes(section: str, model: type[SectionModel], writes: bool) -> None:
    """GET one section, paged; POST to it (if professionals write it), its body validated by
    the section's model (as on the patient's side)."""
    path, suffix, name = (
        f"/pro/patients/<ref>/profile/{section}",
        section.replace("-", "_"),
        section.replace("-", " "),
    )

    def list_entries(
        ref: Ref, limit: Limit = SUMMARY_PAGE, cursor: Cursor = None
    ) -> dict[str, Any]:
        page = use(router, Profile).list_section(patient_file(router, ref), section, limit, cursor)
        return page_body(page, shown)

    list_entries.__name__ = f"pro_list_entries_{suffix}"
    router.get(
        path,
        tags=TAGS,
        summary=f"The {name} you see, newest first (if you may read the section)",
        **documented(200, 404, body=PageBody, description="one page of the section"),
    )(list_entries)
    if not writes:
        return

    def add_entry(
        ref: Ref, body: SectionModel, confidential_from_representatives: ConfidentialQuery = False
    ) -> Response[Any]:
        opened = patient_file(router, ref, reads=False)
        entry = use(router, Profile).add_entry(
            opened,
            section,
            body.model_dump(mode="json"),
            confidential_from_representatives=confidential_from_representatives,
        )
        metrics.add_metric(name="ProfessionalProfileEntryAdded", unit=MetricUnit.Count, value=1)
        return json_response(201, shown(entry), {"ETag": f'"{entry.version}"'})

    add_entry.__annotations__["body"] = model
    add_entry.__name__ = f"pro_add_entry_{suffix}"
    router.post(
        path,
        tags=TAGS,
        summary=f"Add to {name}, as its author",
        **documented(201, 404, 409, description="the entry added; its version in ETag"),
    )(add_entry)


# Sections no professional writes (the patient's own declarations) get no POST.
for _section, _model in SECTIONS.items():
    _add_section_routes(_section, _model, _section not in {kind.value for kind in PATIENT_OWNED})


@router.get(
    "/pro/notices",
    tags=TAGS,
    summary="The professional's notices, newest first",
    **documented(),
)
def list_notices(
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> dict[str, Any]:
    rpps = professional_caller(router).professional.rpps
    page = use(router, ProfessionalInbox).list(  # type: ignore[type-abstract]
        rpps, limit, cursor
    )
    return page_body(page)
