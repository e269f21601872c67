"""Documents of the shared medical file: upload (presigned POST), list, read, download, rename,
mask, delete."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field, model_validator

from healthspace.api.common import access, if_match, json_response, optional_if_match, use
from healthspace.api.openapi import OPTIONAL, REQUIRED, documented
from healthspace.api.shapes import DocumentId, UploadRequest, page_body, ticket_response
from healthspace.kernel.observability import metrics
from healthspace.records.documents import Documents
from healthspace.records.model import Category, DocumentFacts, DocumentFilter
from healthspace.records.uploads import Uploads

router = APIGatewayRouter()


class DocumentChange(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    title: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    masked: bool | None = None

    @model_validator(mode="after")
    def _something(self) -> DocumentChange:
        if self.title is None and self.masked is None:
            raise ValueError("send title and/or masked")
        return self


@router.post(
    "/me/uploads",
    tags=["Documents"],
    summary="Start an upload (presigned POST)",
    **documented(201, 409),  # 409: the file holds its maximum of documents
)
def start_upload(request: UploadRequest) -> Response[Any]:
    facts = DocumentFacts(**request.model_dump(include=set(DocumentFacts.model_fields)))
    ticket = use(router, Uploads).start_upload(
        access(router), facts, request.filename, request.content_type, request.size
    )
    metrics.add_metric(name="UploadStarted", unit=MetricUnit.Count, value=1)
    return ticket_response(ticket, request.size)


@router.get(
    "/me/uploads/<upload_id>", tags=["Documents"], summary="Status of an upload", **documented()
)
def upload_status(upload_id: DocumentId) -> dict[str, Any]:
    return use(router, Uploads).upload_status(access(router), upload_id).to_api()


@router.get(
    "/me/documents", tags=["Documents"], summary="List documents, newest first", **documented()
)
def list_documents(
    category: Annotated[Category | None, Query()] = None,
    date_from: Annotated[date | None, Query()] = None,
    date_to: Annotated[date | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> dict[str, Any]:
    query = DocumentFilter(category=category, date_from=date_from, date_to=date_to)
    page = use(router, Documents).list_documents(access(router), query, limit, cursor)
    return page_body(page)


def _with_etag(document: Any) -> Response[Any]:
    return json_response(200, document.to_api(), {"ETag": f'"{document.version}"'})


@router.get(
    "/me/documents/<document_id>",
    tags=["Documents"],
    summary="A document's metadata",
    **documented(),
)
def get_document(document_id: DocumentId) -> Response[Any]:
    return _with_etag(use(router, Documents).get_document(access(router), document_id))


@router.get(
    "/me/documents/<document_id>/content",
    tags=["Documents"],
    summary="A short-lived link to download the document",
    **documented(),
)
def download_document(document_id: DocumentId) -> dict[str, Any]:
    url, expires_in = use(router, Documents).download(access(router), document_id)
    metrics.add_metric(name="DocumentDownloaded", unit=MetricUnit.Count, value=1)
    return {"url": url, "expires_in": expires_in}


@router.get(
    "/me/documents/<document_id>/view",
    tags=["Documents"],
    summary="A short-lived link to show a PDF or an image on screen",
    description=(
        "Only a document whose content was detected at filing as a PDF, a PNG or a JPEG image "
        "can be shown (409 otherwise: download it). The link is on the documents' own origin, "
        "which serves it as that type, inline, with nosniff and a sandboxing "
        "Content-Security-Policy. Traced in the access history as a view."
    ),
    **documented(200, 409),  # 409: not a type shown on screen
)
def view_document(document_id: DocumentId) -> dict[str, Any]:
    url, content_type, expires_in = use(router, Documents).view(access(router), document_id)
    metrics.add_metric(name="DocumentViewed", unit=MetricUnit.Count, value=1)
    return {"url": url, "content_type": content_type, "expires_in": expires_in}


@router.patch(
    "/me/documents/<document_id>",
    tags=["Documents"],
    summary="Rename a document or mask it from professionals (If-Match: version)",
    **documented(200, if_match=REQUIRED),
)
def change_document(document_id: DocumentId, change: DocumentChange) -> Response[Any]:
    updated = use(router, Documents).update_document(
        access(router), document_id, if_match(router), change.title, change.masked
    )
    return _with_etag(updated)


@router.delete(
    "/me/documents/<document_id>",
    tags=["Documents"],
    summary="Delete a document the patient added",
    **documented(204, if_match=OPTIONAL),
)
def delete_document(document_id: DocumentId) -> Response[Any]:
    use(router, Documents).delete_document(access(router), document_id, optional_if_match(router))
    metrics.add_metric(name="DocumentDeleted", unit=MetricUnit.Count, value=1)
    return Response(status_code=204)
