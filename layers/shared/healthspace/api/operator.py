"""The operators' API: the helpline records a decision for a caller it has identified, and
follows the enrollment waves. Who: the operators' Cognito pool, `helpline` group."""

from __future__ import annotations

from typing import Annotated, Any, cast

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel, ConfigDict, Field

from healthspace.api.common import use
from healthspace.api.openapi import SIGNED_IN, documented
from healthspace.enrollment.enrollments import Enrollments
from healthspace.enrollment.model import Decision
from healthspace.kernel.dates import IsoDate
from healthspace.kernel.errors import Forbidden, Unauthorized
from healthspace.kernel.observability import logger

operators = APIGatewayRouter()
HELPLINE_GROUP = "helpline"


class AssistedDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    ins: Annotated[str, Field(min_length=13, max_length=21)]
    birth_date: IsoDate
    decision: Decision
    identity_checked: Annotated[
        bool, Field(description="the operator checked the caller's identity (must be true)")
    ]


def _operator() -> str:
    """The helpline operator behind the request (Cognito operators pool, `helpline` group)."""
    event = cast(APIGatewayProxyEvent, operators.current_event)
    authorizer = event.request_context.authorizer
    claims: dict[str, Any] = (authorizer.claims or {}) if authorizer else {}
    if not claims.get("sub"):
        raise Unauthorized("an operator token is required")
    groups = str(claims.get("cognito:groups", "")).replace(",", " ").split()
    if HELPLINE_GROUP not in groups:
        raise Forbidden("reserved to helpline operators")
    logger.append_keys(operator=claims["sub"])
    return str(claims["sub"])


@operators.post(
    "/operator/enrollment/decisions",
    tags=["Helpline"],
    summary="Record an opposition or activation for a caller (after identity checks)",
    security=SIGNED_IN,
    **documented(200, 401, 403, 409),
)
def assisted(decision: AssistedDecision) -> dict[str, Any]:
    operator = _operator()
    if not decision.identity_checked:
        raise Forbidden("check the caller's identity first")
    receipt, link = use(operators, Enrollments).decide_for(
        operator, decision.ins, decision.birth_date, decision.decision
    )
    logger.info("assisted decision recorded", extra={"decision": decision.decision.value})
    return receipt.with_link(link)


def _wave_view(wave: Any, counts: Any) -> dict[str, Any]:
    return {
        **wave.to_api(),
        **counts.to_api(),
        "opposition_rate": round(counts.opposition_rate, 4),
    }


@operators.get(
    "/operator/waves",
    tags=["Helpline"],
    summary="Waves, newest first, with counts",
    security=SIGNED_IN,
    **documented(200, 401, 403),
)
def list_waves(limit: Annotated[int, Query(ge=1, le=100)] = 20) -> dict[str, Any]:
    _operator()
    waves = use(operators, Enrollments).waves.recent(limit)
    return {"items": [_wave_view(wave, counts) for wave, counts in waves]}


@operators.get(
    "/operator/waves/<wave_id>",
    tags=["Helpline"],
    summary="One wave and its counts",
    security=SIGNED_IN,
    **documented(200, 401, 403, 404),
)
def get_wave(
    wave_id: Annotated[str, Path(pattern=r"^W\d{8}(-\d{1,4})?$")],
) -> dict[str, Any]:
    _operator()
    wave, counts = use(operators, Enrollments).waves.figures(wave_id)
    return _wave_view(wave, counts)
