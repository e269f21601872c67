"""Enrollment routes. Public ones are protected by the code itself (and by rate limits at the
edge); helpline and operator routes need an operator's token in the `helpline` group."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, cast

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel, ConfigDict, Field

from healthspace.api.common import caller, json_response
from healthspace.bootstrap import enrollments
from healthspace.enrollment import Decision, Receipt
from healthspace.errors import Forbidden, NotFound, Unauthorized
from healthspace.observability import logger, metrics

public = APIGatewayRouter()
patients = APIGatewayRouter()
operators = APIGatewayRouter()
HELPLINE_GROUP = "helpline"


class CodeCheck(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    ins: Annotated[str, Field(min_length=13, max_length=21)]
    birth_date: date
    code: Annotated[str, Field(min_length=12, max_length=20)]


class CodeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    ins: Annotated[str, Field(min_length=13, max_length=21)]
    birth_date: date
    second_factor: Annotated[
        str,
        Field(
            min_length=4,
            max_length=5,
            description="the postal code on file, or the last four digits of the mobile number",
        ),
    ]


class AssistedDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    ins: Annotated[str, Field(min_length=13, max_length=21)]
    birth_date: date
    decision: Decision
    identity_checked: Annotated[
        bool, Field(description="the operator checked the caller's identity (must be true)")
    ]


def _receipt(receipt: Receipt, link: str) -> dict[str, Any]:
    return {**receipt.to_api(), "receipt_url": link}


@public.post("/enrollment/opposition", tags=["Enrollment"], summary="Oppose the space's creation")
def oppose(check: CodeCheck) -> dict[str, Any]:
    receipt, link = enrollments().oppose(check.ins, check.birth_date, check.code)
    metrics.add_metric(name="Opposed", unit=MetricUnit.Count, value=1)
    return _receipt(receipt, link)


@public.post("/enrollment/activation", tags=["Enrollment"], summary="Open the space now")
def activate(check: CodeCheck) -> dict[str, Any]:
    receipt, link = enrollments().activate_early(check.ins, check.birth_date, check.code)
    metrics.add_metric(name="ActivatedEarly", unit=MetricUnit.Count, value=1)
    return _receipt(receipt, link)


@public.post(
    "/enrollment/code-requests", tags=["Enrollment"], summary="Ask for a new code (lost code)"
)
def request_code(request: CodeRequest) -> Response[Any]:
    enrollments().reissue_code(request.ins, request.birth_date, request.second_factor)
    # Same answer whatever happened: it must not tell whether the details matched.
    message = "if these details match a pending enrollment, a new code is on its way"
    return json_response(202, {"message": message})


@patients.post(
    "/enrollment/space-requests",
    tags=["Enrollment"],
    summary="Ask for your space after having opposed it (signed in)",
)
def request_space() -> dict[str, Any]:
    receipt, link = enrollments().request_space(caller(patients).ins)
    metrics.add_metric(name="ActivatedAfterOpposition", unit=MetricUnit.Count, value=1)
    return _receipt(receipt, link)


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
)
def assisted(decision: AssistedDecision) -> dict[str, Any]:
    operator = _operator()
    if not decision.identity_checked:
        raise Forbidden("check the caller's identity first")
    receipt, link = enrollments().decide_for(
        operator, decision.ins, decision.birth_date, decision.decision
    )
    logger.info("assisted decision recorded", extra={"decision": decision.decision.value})
    return _receipt(receipt, link)


def _wave_view(wave: Any, counts: Any) -> dict[str, Any]:
    return {
        **wave.to_api(),
        **counts.to_api(),
        "opposition_rate": round(counts.opposition_rate, 4),
    }


@operators.get("/operator/waves", tags=["Helpline"], summary="Waves, newest first, with counts")
def list_waves(limit: Annotated[int, Query(ge=1, le=100)] = 20) -> dict[str, Any]:
    _operator()
    waves = enrollments().store.list_waves(limit)
    return {"items": [_wave_view(wave, counts) for wave, counts in waves]}


@operators.get("/operator/waves/<wave_id>", tags=["Helpline"], summary="One wave and its counts")
def get_wave(
    wave_id: Annotated[str, Path(pattern=r"^W\d{8}(-\d{1,4})?$")],
) -> dict[str, Any]:
    _operator()
    store = enrollments().store
    wave = store.get_wave(wave_id)
    if wave is None:
        raise NotFound("wave not found")
    return _wave_view(wave, store.wave_counts(wave_id))
