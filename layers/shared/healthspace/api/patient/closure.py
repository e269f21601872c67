"""Closing a space: POST /me/closure (the holder, or a child's legal representative, freshly
signed in), and GET /me/closure, its status, which stays readable once every other route of the
space refuses with SPACE_CLOSED (healthspace.lifecycle)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field

from healthspace.api.common import SPACE_HEADER, caller, signed_in_at, use
from healthspace.api.openapi import documented
from healthspace.kernel.observability import logger, metrics
from healthspace.lifecycle.closures import Closures
from healthspace.lifecycle.model import CONFIRMATION, ClosureReason
from healthspace.records.model import Role, SpaceStatus

router = APIGatewayRouter()
TAGS = ["Closure"]


class ClosureRequest(BaseModel):
    """What closing asks: the word itself, so that a stray or replayed empty request closes
    nothing."""

    model_config = ConfigDict(extra="forbid")
    confirm: Literal["CLOSE"] = Field(description=f'"{CONFIRMATION}", to confirm')


class ClosedByBody(BaseModel):
    role: Role = Field(
        description="HOLDER, or LEGAL_REPRESENTATIVE for a child's space; SYSTEM: the death "
        "registry, an unanswered suspension, or the helpline for the holder"
    )


class ClosureBody(BaseModel):
    """The space's status; once closed, when, by whom (a role) and until when it is kept."""

    space_id: str
    status: SpaceStatus
    closed_at: datetime | None = None
    closed_by: ClosedByBody | None = None
    reason: ClosureReason | None = Field(
        default=None,
        description="REQUEST: asked for (online or by phone); DEATH; SUSPENSION_UNANSWERED",
    )
    purge_after: datetime | None = Field(
        default=None, description="the end of its ten years of archive: then it is purged"
    )


def _space(router: APIGatewayRouter) -> str | None:
    return router.current_event.headers.get(SPACE_HEADER)


@router.get(
    "/me/closure",
    tags=TAGS,
    summary="The space's status, and its closure once closed (readable after it)",
    **documented(body=ClosureBody),
)
def get_closure() -> dict[str, Any]:
    return use(router, Closures).state(caller(router), _space(router)).to_api()


@router.post(
    "/me/closure",
    tags=TAGS,
    summary="Close the space: nobody reads or adds to it any more; kept ten years, then purged",
    description=(
        "The holder, or a child's legal representative (X-Space-Id), signed in within the last "
        "minutes (else 401 REAUTHENTICATION_REQUIRED: sign in again), sends "
        '{"confirm": "CLOSE"}. Every route of the space then refuses with 403 SPACE_CLOSED but '
        "GET /me and GET /me/closure. Closing a closed space answers its closure (200) and "
        "changes nothing. 403 FORBIDDEN: a representative of an adult. 409: the space changed "
        "while it was being closed; try again."
    ),
    **documented(200, 409, body=ClosureBody),
)
def close_space(confirmation: ClosureRequest) -> dict[str, Any]:
    assert confirmation.confirm == CONFIRMATION  # validated: the body's only use
    state = use(router, Closures).close(caller(router), _space(router), signed_in_at(router))
    logger.append_keys(space_id=state.space_id)
    if state.closed_now:
        metrics.add_metric(name="SpaceClosed", unit=MetricUnit.Count, value=1)
    return state.to_api()
