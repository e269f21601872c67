"""Deleting a space: POST /me/deletion (the holder, or a child's legal representative, freshly
signed in), on an open, closed or archived space; and GET /me/deletion, its status while it runs
(healthspace.lifecycle.deletions). Once deleted the space, and the caller's access to it, are
gone: the confirmation (email, SMS or letter) carries the dates."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field

from healthspace.api.common import SPACE_HEADER, caller, json_response, signed_in_at, use
from healthspace.api.openapi import documented
from healthspace.kernel.observability import logger, metrics
from healthspace.lifecycle.deletion_model import DELETE_CONFIRMATION, DeletionReason
from healthspace.lifecycle.deletions import Deletions
from healthspace.records.model import Role, SpaceStatus

router = APIGatewayRouter()
TAGS = ["Deletion"]


class DeletionRequest(BaseModel):
    """What deleting asks: the word itself, so that a stray or replayed request deletes
    nothing."""

    model_config = ConfigDict(extra="forbid")
    confirm: Literal["DELETE"] = Field(description=f'"{DELETE_CONFIRMATION}", to confirm')


class DeletionBody(BaseModel):
    """The space's status; once its deletion is asked, when, by whom (a role), and the day its
    last readable copy is gone."""

    space_id: str
    status: SpaceStatus = Field(description="DELETING from the request on")
    reason: DeletionReason | None = Field(default=None, description="REQUEST: asked for")
    requested_at: datetime | None = None
    requested_by: Role | None = None
    deleted_at: datetime | None = None
    last_copy_gone_by: datetime | None = Field(
        default=None,
        description=(
            "no readable copy of anything the space held exists after this: its deletion "
            "(or, while it runs, the latest it will be done) plus 35 days of database backups"
        ),
    )


def _space(router: APIGatewayRouter) -> str | None:
    return router.current_event.headers.get(SPACE_HEADER)


@router.get(
    "/me/deletion",
    tags=TAGS,
    summary="The space's status, and its deletion once asked for",
    **documented(body=DeletionBody),
)
def get_deletion() -> dict[str, Any]:
    return use(router, Deletions).state(caller(router), _space(router)).to_api()


@router.post(
    "/me/deletion",
    tags=TAGS,
    summary="Delete the space and everything in it, for good, instead of keeping it ten years",
    description=(
        "The holder, or a child's legal representative (X-Space-Id), signed in within the last "
        "minutes (else 401 REAUTHENTICATION_REQUIRED: sign in again), sends "
        '{"confirm": "DELETE"}, on an open, closed or archived space. At once the space\'s '
        "data key is destroyed (nothing it stored can be read any more) and it turns "
        "DELETING; its documents, profile, history and archive are then deleted within the "
        "day, and a confirmation is sent with the date the last copy is gone "
        "(last_copy_gone_by). 202: the deletion is under way (asking again answers the same). "
        "403 FORBIDDEN: a representative of an adult. 409: the space is being reopened or is "
        "suspended, or it changed meanwhile; try again."
    ),
    **documented(202, 409, body=DeletionBody),
)
def delete_space(confirmation: DeletionRequest) -> Response[Any]:
    assert confirmation.confirm == DELETE_CONFIRMATION  # validated: the body's only use
    state = use(router, Deletions).request_as(caller(router), _space(router), signed_in_at(router))
    logger.append_keys(space_id=state.space_id)
    if state.started_now:
        metrics.add_metric(name="SpaceDeletionRequested", unit=MetricUnit.Count, value=1)
    return json_response(202, state.to_api())
