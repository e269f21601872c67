"""Enrollment routes. Public ones are protected by the code itself (and by rate limits at the
edge); helpline and operator routes need an operator's token in the `helpline` group."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field

from healthspace.api.common import caller, json_response, use
from healthspace.api.openapi import SIGNED_IN, documented
from healthspace.enrollment.enrollments import Enrollments
from healthspace.kernel.dates import IsoDate
from healthspace.kernel.observability import metrics
from healthspace.lifecycle.reopen import Reopenings
from healthspace.records.model import SpaceStatus

public = APIGatewayRouter()
patients = APIGatewayRouter()


class ReopeningBody(BaseModel):
    """An archived space being reopened (healthspace.lifecycle.reopen), with its closure."""

    model_config = ConfigDict(extra="allow")

    space_id: str
    status: SpaceStatus = Field(description="REOPENING")
    closed_at: datetime | None = None
    purge_after: datetime | None = None


class CodeCheck(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    ins: Annotated[str, Field(min_length=13, max_length=21)]
    birth_date: IsoDate
    code: Annotated[str, Field(min_length=12, max_length=20)]


class CodeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    ins: Annotated[str, Field(min_length=13, max_length=21)]
    birth_date: IsoDate
    second_factor: Annotated[
        str,
        Field(
            min_length=4,
            max_length=5,
            description="the postal code on file, or the last four digits of the mobile number",
        ),
    ]
    language: Literal["fr", "en"] = Field(default="fr", description="the receipt's language")


class CodeRequestAnswer(BaseModel):
    """The same answer whatever matched: the request's receipt, never the enrollment's state."""

    message: str
    request_id: str = Field(description="the request's reference, printed on its receipt")
    received_at: datetime
    language: Literal["fr", "en"]
    receipt_url: str = Field(description="the receipt (PDF), a link valid a day")


class CodeValid(BaseModel):
    deadline: datetime = Field(
        description="when the space is created unless its holder opposes it first (the date "
        "the letter or message gave)"
    )


@public.get(
    "/enrollment/help",
    tags=["Enrollment"],
    summary="How long a code is valid, and the helpline's number",
    **documented(),
)
def public_facts() -> dict[str, Any]:
    return use(public, Enrollments).public_facts()


@public.post(
    "/enrollment/opposition",
    tags=["Enrollment"],
    summary="Oppose the space's creation",
    **documented(),
)
def oppose(check: CodeCheck) -> dict[str, Any]:
    receipt, link = use(public, Enrollments).oppose(check.ins, check.birth_date, check.code)
    metrics.add_metric(name="Opposed", unit=MetricUnit.Count, value=1)
    return receipt.with_link(link)


@public.post(
    "/enrollment/activation", tags=["Enrollment"], summary="Open the space now", **documented()
)
def activate(check: CodeCheck) -> dict[str, Any]:
    receipt, link = use(public, Enrollments).activate_early(check.ins, check.birth_date, check.code)
    metrics.add_metric(name="ActivatedEarly", unit=MetricUnit.Count, value=1)
    return receipt.with_link(link)


@public.post(
    "/enrollment/code-checks",
    tags=["Enrollment"],
    summary="Check a code before deciding: until when the space may be opposed",
    description=(
        "For the holder of a valid code only (INS, birth date and code, as the decisions take "
        "them): the deadline their letter gave. A wrong one is CODE_REFUSED (400), the same "
        "answer whatever was wrong, and counts as a failed attempt (five lock the code an hour)."
    ),
    **documented(body=CodeValid),
)
def check_code(check: CodeCheck) -> dict[str, Any]:
    deadline = use(public, Enrollments).check_code(check.ins, check.birth_date, check.code)
    return CodeValid(deadline=deadline).model_dump(mode="json")


@public.post(
    "/enrollment/code-requests",
    tags=["Enrollment"],
    summary="Ask for a new code (lost code), with the request's receipt",
    description=(
        "A new code goes to the contact on file if the details match a pending enrollment. The "
        "answer, and its receipt (a PDF of the request: when, its reference, what happens next), "
        "are the same whatever matched."
    ),
    **documented(202, body=CodeRequestAnswer),
)
def request_code(request: CodeRequest) -> Response[Any]:
    receipt, link = use(public, Enrollments).ask_for_code(
        request.ins, request.birth_date, request.second_factor, request.language
    )
    # Same answer whatever happened: it must not tell whether the details matched.
    message = "if these details match a pending enrollment, a new code is on its way"
    return json_response(202, {"message": message, **receipt.with_link(link)})


_SPACE_REQUEST = documented(200, 401, 409)
_SPACE_REQUEST["responses"][202] = {
    "description": (
        "Accepted: the caller's space was archived (closed); it is being reopened (status "
        "REOPENING, then ACTIVE within about a day, its documents, profile and history back)"
    ),
    "content": {"application/json": {"model": ReopeningBody}},
}


@patients.post(
    "/enrollment/space-requests",
    tags=["Enrollment"],
    summary="Ask for your space after having opposed it, or again after closing it (signed in)",
    description=(
        "After an opposition: the space opens (200, a receipt). After a closure, within its "
        "ten years of archive: the space is reopened (202 REOPENING; GET /me shows the status "
        "until it is ACTIVE again). 409: neither (or the space is still being archived)."
    ),
    security=SIGNED_IN,
    **_SPACE_REQUEST,
)
def request_space() -> Response[Any]:
    who = caller(patients)
    reopening = use(patients, Reopenings).request(who)
    if reopening is not None:
        metrics.add_metric(name="ReopeningAsked", unit=MetricUnit.Count, value=1)
        return json_response(202, reopening.to_api())
    receipt, link = use(public, Enrollments).request_space(who.ins)
    metrics.add_metric(name="ActivatedAfterOpposition", unit=MetricUnit.Count, value=1)
    return json_response(200, receipt.with_link(link))
