"""The space's reminders before its appointments: which lead times, by which channel, and
whether the prevention calendar may remind (GET/PUT /me/agenda/reminders)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field

from healthspace.agenda.reminder_model import Lead, ReminderChannel
from healthspace.agenda.reminders import ReminderChoice, ReminderSettingsUseCase
from healthspace.api.common import access, json_response, optional_if_match, use
from healthspace.api.openapi import OPTIONAL, documented
from healthspace.kernel.observability import metrics

router = APIGatewayRouter()
TAGS = ["Agenda"]
ANSWER = "the reminders and the channels the contact offers; their version in ETag"


class RemindersBody(BaseModel):
    """The reminders wanted: none, or some lead times of the menu, by one channel."""

    model_config = ConfigDict(extra="forbid")
    leads: list[Lead] = Field(
        max_length=len(Lead),
        description="lead times before each appointment, from the menu (none: no reminder)",
        examples=[["P1D", "PT1H"]],
    )
    channel: ReminderChannel = Field(
        ReminderChannel.EMAIL, description="EMAIL or SMS: one the contact offers (channels)"
    )
    prevention: bool = Field(True, description="the prevention calendar's reminders")


class RemindersAnswer(BaseModel):
    leads: list[Lead]
    channel: ReminderChannel
    prevention: bool
    version: int = Field(description="0 until first saved")
    updated_at: str | None = None
    channels: list[ReminderChannel] = Field(
        description="the channels the enrollment's contact offers (a child's: the representative's)"
    )
    menu: list[Lead] = Field(description="every lead time one may choose, longest first")


def _answer(status: int, choice: ReminderChoice) -> Response[Any]:
    settings = choice.settings
    body = {
        **settings.to_api(),
        "channels": [channel.value for channel in choice.channels],
        "menu": [lead.value for lead in Lead],
    }
    return json_response(status, body, {"ETag": f'"{settings.version}"'})


@router.get(
    "/me/agenda/reminders",
    tags=TAGS,
    summary="The reminders before appointments (traced in the access history)",
    **documented(body=RemindersAnswer, description=ANSWER),
)
def get_reminders() -> Response[Any]:
    return _answer(200, use(router, ReminderSettingsUseCase).read(access(router)))


@router.put(
    "/me/agenda/reminders",
    tags=TAGS,
    summary="Choose the reminders (If-Match: the version read, optional)",
    **documented(body=RemindersAnswer, description=ANSWER, if_match=OPTIONAL),
)
def put_reminders(body: RemindersBody) -> Response[Any]:
    choice = use(router, ReminderSettingsUseCase).change(
        access(router),
        tuple(body.leads),
        body.channel,
        body.prevention,
        optional_if_match(router),
    )
    metrics.add_metric(name="RemindersChanged", unit=MetricUnit.Count, value=1)
    return _answer(200, choice)
