"""Request shapes and path types more than one audience's routes take (a patient and a
professional both upload, grant, name a document)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
)

from healthspace.api.common import json_response
from healthspace.kernel.dates import AwareIsoDateTime
from healthspace.kernel.entity import MAX_PAGE, Entity, Page
from healthspace.records.model import ALL_KINDS, DocumentFacts, Kind, ProfileEntry
from healthspace.records.uploads import UploadTicket

DocumentId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z]+$")]
EntryId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z]+$")]
# The paging of every list: at most MAX_PAGE items, and the opaque cursor of the page before.
MAX_CURSOR = 2048


Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"items per page, 1 to {MAX_PAGE}")]
Cursor = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=MAX_CURSOR,
        description="the next_cursor of the page before (opaque; bound to its list)",
    ),
]


def page_body(
    page: Page[Any], view: Callable[[Any], dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A page as every list answers it: its items (each as `view` shows it, by default its
    to_api()), and the cursor of the next page (null: last)."""
    items: list[Entity] = page.items
    shown = view or (lambda item: item.to_api())
    return {"items": [shown(item) for item in items], "next_cursor": page.next_cursor}


def profile_summary(
    sections: dict[str, Page[ProfileEntry]], view: Callable[[Any], dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The whole-profile view: each section's first page, its cursor leading to the next."""
    return {"sections": {name: page_body(page, view) for name, page in sections.items()}}


class PageBody(BaseModel):
    items: list[dict[str, Any]]
    next_cursor: str | None = Field(description="the cursor of the next page; null on the last")


class ProfileSummary(BaseModel):
    sections: dict[str, PageBody] = Field(
        description="each section the caller may read: its first entries, newest first"
    )


class UploadRequest(DocumentFacts):
    filename: Annotated[str, Field(min_length=1, max_length=255)]
    content_type: Annotated[str, Field(min_length=1, max_length=100)]
    size: Annotated[int, Field(ge=1)]


class GrantRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scope: (
        Literal["full"] | Annotated[list[Kind], Field(min_length=1, max_length=len(ALL_KINDS))]
    ) = Field(
        description="the document categories and profile sections opened, within the "
        "profession's rights; or 'full': all its rights, masked documents included"
    )
    expires_at: AwareIsoDateTime | None = Field(
        None, description="when the grant ends (excluded); none: until revoked"
    )

    @field_validator("scope", mode="wrap")
    @classmethod
    def _scope(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """One readable message, rather than one per branch of the union."""
        try:
            return handler(value)
        except ValidationError:
            names = ", ".join(kind.value for kind in ALL_KINDS)
            raise ValueError(f"scope must be 'full' or a non-empty list of: {names}") from None


def ticket_response(ticket: UploadTicket, max_bytes: int) -> Response[Any]:
    """201 with what the browser (or the professional's software) posts to S3, and until when."""
    return json_response(
        201,
        {
            "upload_id": ticket.upload.upload_id,
            "url": ticket.url,
            "fields": ticket.fields,
            "expires_at": ticket.expires_at.isoformat(),
            "max_bytes": max_bytes,
        },
    )
