"""Give me all my data: POST /me/exports asks for a copy of the whole space (a ZIP built in the
background), GET /me/exports/{export_id} says how it goes and, once ready, gives a short-lived
link to it, GET /me/exports lists them; GET /me/summary answers the International Patient
Summary (a FHIR IPS document), GET /me/summary/pdf a link to it as a PDF
(healthspace.lifecycle)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, Field

from healthspace.api.common import SPACE_HEADER, access, caller, json_response, use
from healthspace.api.openapi import documented
from healthspace.kernel.observability import metrics
from healthspace.lifecycle.export_model import ExportStatus
from healthspace.lifecycle.exports import Exports
from healthspace.lifecycle.summary import Summaries

router = APIGatewayRouter()
TAGS = ["Export"]
ExportId = Annotated[str, Path(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$", description="a ULID")]
LanguageQuery = Annotated[
    Literal["fr", "en"], Query(description="the language of the index, or of the summary")
]


class ExportBody(BaseModel):
    """An export: its status; once READY, its size, its counts and a short-lived link."""

    export_id: str
    status: ExportStatus = Field(
        description="PENDING, RUNNING, READY (the link is given), FAILED or EXPIRED: ask again"
    )
    requested_at: str
    language: Literal["fr", "en"]
    finished_at: str | None = None
    size: int | None = Field(default=None, description="the ZIP's size in bytes")
    documents: int | None = None
    resources: int | None = Field(default=None, description="the FHIR Bundle's entries")
    url: str | None = Field(default=None, description="READY: the ZIP, for `expires_in` seconds")
    expires_in: int | None = None


class ExportPage(BaseModel):
    items: list[ExportBody]
    next_cursor: str | None = None


class LinkBody(BaseModel):
    url: str
    expires_in: int


def _space(router: APIGatewayRouter) -> str | None:
    return router.current_event.headers.get(SPACE_HEADER)


@router.post(
    "/me/exports",
    tags=TAGS,
    summary="Ask for a copy of everything the space holds (a ZIP, made in the background)",
    description=(
        "The holder, or a child's legal representative (X-Space-Id), asks; the answer (202) "
        "is the export, PENDING: poll GET /me/exports/{export_id} until it is READY. The ZIP "
        "holds bundle.json (the space as a FHIR R4 Bundle), documents/ (each document) and "
        "index.html (in `language`). 409 EXPORT_RUNNING: one is being made, wait for it. "
        "403 FORBIDDEN: a representative of an adult; 403 SPACE_CLOSED: a closed space."
    ),
    **documented(202, 409, body=ExportBody),
)
def request_export(language: LanguageQuery = "fr") -> Response[Any]:
    export = use(router, Exports).request(caller(router), _space(router), language)
    metrics.add_metric(name="ExportRequested", unit=MetricUnit.Count, value=1)
    return json_response(202, export.shown(export.requested_at))


@router.get(
    "/me/exports",
    tags=TAGS,
    summary="The space's exports of the last two days, newest first",
    **documented(body=ExportPage),
)
def list_exports(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> dict[str, Any]:
    page = use(router, Exports).list(caller(router), _space(router), limit, cursor)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get(
    "/me/exports/<export_id>",
    tags=TAGS,
    summary="An export's status and, once ready, a short-lived link to its ZIP",
    description="Each link given is traced in the space's history as a download of it.",
    **documented(body=ExportBody),
)
def get_export(export_id: ExportId) -> dict[str, Any]:
    return use(router, Exports).get(caller(router), _space(router), export_id)


@router.get(
    "/me/summary",
    tags=TAGS,
    summary="The International Patient Summary: a FHIR IPS document (Bundle) of the profile",
    description=(
        "A Bundle of type document: its Composition (LOINC 60591-5) with the current "
        "medications, the allergies, the active problems and the immunizations, in `language`."
    ),
    **documented(),
)
def summary(language: LanguageQuery = "fr") -> dict[str, Any]:
    return use(router, Summaries).document(access(router), language)


@router.get(
    "/me/summary/pdf",
    tags=TAGS,
    summary="A short-lived link to the International Patient Summary as a printable PDF",
    **documented(body=LinkBody),
)
def summary_pdf(language: LanguageQuery = "fr") -> dict[str, Any]:
    url, expires_in = use(router, Summaries).pdf(access(router), language)
    metrics.add_metric(name="SummaryPrinted", unit=MetricUnit.Count, value=1)
    return {"url": url, "expires_in": expires_in}
