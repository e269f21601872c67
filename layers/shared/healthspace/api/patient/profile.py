"""The medical profile: one set of routes per section, generated from
healthspace.records.sections.SECTIONS so that each section's body schema appears in the OpenAPI
document. Every read is paged: a section's entries newest first, and the whole profile as each
section's first page (records.sections bounds what a section holds)."""

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.metrics import MetricUnit

from healthspace.api.common import access, if_match, json_response, optional_if_match, use
from healthspace.api.openapi import OPTIONAL, REQUIRED, documented
from healthspace.api.shapes import (
    Cursor,
    EntryId,
    Limit,
    PageBody,
    ProfileSummary,
    page_body,
    profile_summary,
)
from healthspace.kernel.observability import metrics
from healthspace.records.profile import Profile
from healthspace.records.sections import SECTIONS, SUMMARY_PAGE, SectionModel

router = APIGatewayRouter()
TAGS = ["Medical profile"]


@router.get(
    "/me/profile",
    tags=TAGS,
    summary=f"The whole medical profile: each section's {SUMMARY_PAGE} newest entries",
    description="A section with more has a next_cursor: GET /me/profile/{section}?cursor= "
    "reads on.",
    **documented(body=ProfileSummary, description="the first page of each section"),
)
def get_profile() -> dict[str, Any]:
    return profile_summary(use(router, Profile).read(access(router)))


def _entry_response(status: int, entry: Any) -> Response[Any]:
    return json_response(status, entry.to_api(), {"ETag": f'"{entry.version}"'})


def _add_section_routes(section: str, model: type[SectionModel]) -> None:
    path = f"/me/profile/{section}"
    suffix = section.replace("-", "_")

    def list_entries(limit: Limit = SUMMARY_PAGE, cursor: Cursor = None) -> dict[str, Any]:
        return page_body(use(router, Profile).list_section(access(router), section, limit, cursor))

    def add_entry(body: SectionModel) -> Response[Any]:
        entry = use(router, Profile).add_entry(
            access(router), section, body.model_dump(mode="json")
        )
        metrics.add_metric(name="ProfileEntryAdded", unit=MetricUnit.Count, value=1)
        return _entry_response(201, entry)

    def get_entry(entry_id: EntryId) -> Response[Any]:
        return _entry_response(
            200, use(router, Profile).get_entry(access(router), section, entry_id)
        )

    def replace_entry(entry_id: EntryId, body: SectionModel) -> Response[Any]:
        entry = use(router, Profile).replace_entry(
            access(router), section, entry_id, body.model_dump(mode="json"), if_match(router)
        )
        return _entry_response(200, entry)

    def delete_entry(entry_id: EntryId) -> Response[Any]:
        use(router, Profile).delete_entry(
            access(router), section, entry_id, optional_if_match(router)
        )
        return Response(status_code=204)

    # Powertools validates bodies against the annotation: make it this section's model.
    add_entry.__annotations__["body"] = replace_entry.__annotations__["body"] = model
    for handler in (list_entries, add_entry, get_entry, replace_entry, delete_entry):
        handler.__name__ = f"{handler.__name__}_{suffix}"
    name = section.replace("-", " ")
    entry = "the entry; its version in ETag"
    router.get(
        path,
        tags=TAGS,
        summary=f"List {name}, newest first",
        **documented(body=PageBody, description="one page of the section"),
    )(list_entries)
    router.post(
        path,
        tags=TAGS,
        summary=f"Add to {name}",
        **documented(201, 409, description="the entry added; its version in ETag"),
    )(add_entry)
    router.get(
        f"{path}/<entry_id>",
        tags=TAGS,
        summary=f"One entry of {name}",
        **documented(description=entry),
    )(get_entry)
    router.put(
        f"{path}/<entry_id>",
        tags=TAGS,
        summary="Replace (If-Match)",
        **documented(description=entry, if_match=REQUIRED),
    )(replace_entry)
    router.delete(
        f"{path}/<entry_id>",
        tags=TAGS,
        summary=f"Remove an entry of {name}",
        **documented(204, if_match=OPTIONAL),
    )(delete_entry)


for _section, _model in SECTIONS.items():
    _add_section_routes(_section, _model)
