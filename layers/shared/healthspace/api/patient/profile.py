"""The medical profile: one set of routes per section, generated from
healthspace.records.sections.SECTIONS so that each section's body schema appears in the OpenAPI
document."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.metrics import MetricUnit

from healthspace.api.common import access, if_match, json_response, optional_if_match, use
from healthspace.kernel.observability import metrics
from healthspace.records.profile import Profile
from healthspace.records.sections import SECTIONS, SectionModel

router = APIGatewayRouter()
EntryId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z]+$")]


@router.get("/me/profile", tags=["Medical profile"], summary="The whole medical profile")
def get_profile() -> dict[str, Any]:
    sections = use(router, Profile).read(access(router))
    return {"sections": {name: [e.to_api() for e in entries] for name, entries in sections.items()}}


def _entry_response(status: int, entry: Any) -> Response[Any]:
    return json_response(status, entry.to_api(), {"ETag": f'"{entry.version}"'})


def _add_section_routes(section: str, model: type[SectionModel]) -> None:
    path, tag = f"/me/profile/{section}", ["Medical profile"]
    suffix = section.replace("-", "_")

    def list_entries() -> dict[str, Any]:
        entries = use(router, Profile).list_section(access(router), section)
        return {"items": [e.to_api() for e in entries]}

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
    router.get(path, tags=tag, summary=f"List {name}")(list_entries)
    router.post(path, tags=tag, summary=f"Add to {name}")(add_entry)
    router.get(f"{path}/<entry_id>", tags=tag, summary=f"One entry of {name}")(get_entry)
    router.put(f"{path}/<entry_id>", tags=tag, summary="Replace (If-Match)")(replace_entry)
    router.delete(f"{path}/<entry_id>", tags=tag, summary=f"Remove an entry of {name}")(
        delete_entry
    )


for _section, _model in SECTIONS.items():
    _add_section_routes(_section, _model)
