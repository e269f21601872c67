"""GET /me: the caller's space and the spaces they represent; GET /me/news: what is new since
their last visit; GET /me/access-log."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from healthspace.api.common import access, caller, use
from healthspace.api.openapi import documented
from healthspace.api.patient.directory import names
from healthspace.api.shapes import page_body
from healthspace.care.controls import PatientControls
from healthspace.records.access_log import AccessLog
from healthspace.records.model import MAX_FILTERED_READ, AccessLogEntry, HistoryFilter
from healthspace.records.news import News
from healthspace.records.spaces import Spaces

router = APIGatewayRouter()
_RPPS = re.compile(r"[0-9]{11}")


@router.get(
    "/me",
    tags=["Space"],
    summary="The caller's health space and those they represent",
    **documented(),
)
def get_me() -> dict[str, Any]:
    return use(router, Spaces).me(caller(router))


@router.get(
    "/me/news",
    tags=["Space"],
    summary="What is new in the space since the caller's last visit, and what to do next",
    description=(
        "The documents others filed, the professionals who opened the file (break-glass "
        "accesses first, with their reason) and the next steps the space's state suggests, "
        "since the caller's previous visit to this space on any device (a visit goes on while "
        "they come back within 30 minutes; a first visit shows the last 30 days). Reading it "
        "records the visit. Bounded: the last 200 acts at most (`complete` false past them: "
        "the access log has the rest), 10 documents, 20 professionals."
    ),
    **documented(),
)
def get_news() -> dict[str, Any]:
    here = access(router)
    record = use(router, PatientControls).care_record(here)
    doctor = record.team.treating_doctor is not None
    digest = use(router, News).since_last_visit(here, doctor)
    named = names(router, (v.actor.rpps for v in digest.accesses))
    return {
        "since": digest.since.isoformat(),
        "first_visit": digest.first_visit,
        "documents": [d.to_api() for d in digest.documents],
        "more_documents": digest.more_documents,
        "accesses": [
            {
                "actor": {
                    **v.actor.model_dump(mode="json"),
                    **({"professional": named[v.actor.rpps]} if v.actor.rpps else {}),
                },
                "count": v.count,
                "last_at": v.last_at.isoformat(),
                "emergency": v.emergency_reason is not None,
                "emergency_reason": v.emergency_reason,
            }
            for v in digest.accesses
        ],
        "complete": digest.complete,
        "next_steps": [step.value for step in digest.next_steps],
    }


@router.get(
    "/me/access-log",
    tags=["Access history"],
    summary="Every read and write of the space's health data, newest first",
    description=(
        "`actor=professionals` keeps the acts of professionals, `emergency=true` the "
        "break-glass (emergency) accesses; both: both conditions. A filtered page reads at most "
        f"{MAX_FILTERED_READ} entries of the history: it may hold fewer than `limit`, none "
        "even, and still give a `next_cursor` (the history goes on further back). A cursor is "
        "only good for the filters it was given with."
    ),
    **documented(),
)
def get_access_log(
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
    actor: Annotated[
        Literal["professionals"] | None,
        Query(description="`professionals`: only the acts of health professionals"),
    ] = None,
    emergency: Annotated[
        bool, Query(description="`true`: only emergency (break-glass) accesses")
    ] = False,
) -> dict[str, Any]:
    only = HistoryFilter(professionals=actor == "professionals", emergency=emergency)
    page = use(router, AccessLog).history(access(router), limit, cursor, only)
    body = page_body(page)
    named = names(router, (number for entry in page.items for number in _professionals(entry)))
    for shown, entry in zip(body["items"], page.items, strict=True):
        actor_rpps, about = _professionals(entry)
        if actor_rpps:
            shown["actor"]["professional"] = named[actor_rpps]
        if about:
            shown["object"]["professional"] = named[about]
        if entry.object.id in page.titles:
            shown["object"]["title"] = page.titles[entry.object.id]
    return body


def _professionals(entry: AccessLogEntry) -> tuple[str | None, str | None]:
    """The professionals an entry names: its actor, and the object of a change of the care
    record (care/team, care/blocked, care/treating-doctor: an RPPS)."""
    about = entry.object.id if entry.object.type.startswith("care/") else None
    return entry.actor.rpps, about if about and _RPPS.fullmatch(about) else None
