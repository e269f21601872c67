"""The prevention calendar of the space's holder (a child's, for their representative, by
X-Space-Id): its items with their windows and states, paged, optionally those meeting a range
of days (what the agenda's month shows); each item's status, set with If-Match."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field

from healthspace.agenda.prevention.calendar import PreventionCalendar
from healthspace.agenda.prevention.model import ITEM_ID_PATTERN, DueItem, Kind, State, Status
from healthspace.api.common import access, if_match, json_response, use
from healthspace.api.openapi import REQUIRED, documented
from healthspace.api.shapes import Cursor, Limit, page_body
from healthspace.kernel.dates import IsoDate
from healthspace.kernel.errors import BadRequest
from healthspace.kernel.observability import metrics

router = APIGatewayRouter()
TAGS = ["Agenda"]

ItemId = Annotated[str, Path(min_length=1, max_length=48, pattern=ITEM_ID_PATTERN)]
_DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
RangeFrom = Annotated[
    str | None,
    Query(alias="from", pattern=_DAY, description="the first day of a range (YYYY-MM-DD)"),
]
RangeTo = Annotated[
    str | None,
    Query(alias="to", pattern=_DAY, description="the last day of a range (YYYY-MM-DD)"),
]


class Window(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    from_: date = Field(alias="from", description="its first day")
    to: date = Field(description="its last day (included)")


class Source(BaseModel):
    title: str
    year: int
    url: str | None


class PreventionItem(BaseModel):
    """One item of the calendar: what it is, its window in days, where today stands (state),
    the patient's status (a vaccination of the profile makes it DONE: profile_entry_id), the
    published rule and its source."""

    item_id: str
    definition: str = Field(
        description="the calendar's item it is (a series' occurrences share it)"
    )
    label: str = Field(description="what it is, for the words the website shows")
    number: int | None = Field(description="its place in a series; null for a one-time item")
    kind: Kind
    sex: str | None = Field(description="F or M when the item concerns one sex only")
    window: Window
    state: State
    status: Status
    version: int = Field(description="the version to send in If-Match; 0: never marked")
    appointment_id: str | None
    done_on: date | None
    profile_entry_id: str | None
    rule: str = Field(description="the rule, in the published calendar's words (French)")
    source: Source


class PreventionPage(BaseModel):
    items: list[PreventionItem]
    next_cursor: str | None = Field(description="the cursor of the next page; null on the last")


class StatusBody(BaseModel):
    """TO_PLAN; PLANNED with an appointment of the agenda; DONE on a day; NOT_DONE."""

    model_config = ConfigDict(extra="forbid")
    status: Status
    appointment_id: (
        Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z]+$")] | None
    ) = Field(None, description="with PLANNED, and only then: the appointment booked for it")
    done_on: IsoDate | None = Field(None, description="with DONE, and only then: the day")


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{name} is not a day of the calendar") from None


@router.get(
    "/me/agenda/prevention",
    tags=TAGS,
    summary="The holder's prevention calendar, in the order the windows open",
    **documented(body=PreventionPage, description="one page of items"),
)
def list_prevention(
    start: RangeFrom = None,
    end: RangeTo = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> dict[str, Any]:
    page = use(router, PreventionCalendar).read(
        access(router),
        start=_day(start, "from"),
        end=_day(end, "to"),
        limit=limit,
        cursor=cursor,
    )
    return page_body(page)


@router.put(
    "/me/agenda/prevention/<item_id>",
    tags=TAGS,
    summary="Set an item's status (If-Match: the version read, 0 for one never marked)",
    **documented(200, 404, body=PreventionItem, description="the item", if_match=REQUIRED),
)
def set_prevention_status(item_id: ItemId, body: StatusBody) -> Response[Any]:
    marked: DueItem = use(router, PreventionCalendar).set_status(
        access(router),
        item_id,
        body.status,
        if_match(router),
        appointment_id=body.appointment_id,
        done_on=body.done_on,
    )
    metrics.add_metric(name="PreventionStatusSet", unit=MetricUnit.Count, value=1)
    return json_response(200, marked.to_api(), {"ETag": f'"{marked.version}"'})
