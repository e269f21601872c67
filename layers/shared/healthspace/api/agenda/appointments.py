"""The patient's appointments: list by time range (paged, with overlaps), add, read, edit
(If-Match), cancel (kept as CANCELLED), decline a professional's booking."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.metrics import MetricUnit

from healthspace.agenda.appointments import Appointments
from healthspace.api.agenda.shapes import (
    AppointmentAnswer,
    AppointmentBody,
    AppointmentId,
    AppointmentPage,
    RangeEnd,
    RangeStart,
    appointment_response,
)
from healthspace.api.common import access, if_match, optional_if_match, use
from healthspace.api.openapi import OPTIONAL, REQUIRED, documented
from healthspace.api.shapes import Cursor, Limit, page_body
from healthspace.kernel.observability import metrics

router = APIGatewayRouter()
TAGS = ["Agenda"]
ONE = "the appointment and its overlaps; its version in ETag"


@router.get(
    "/me/agenda/appointments",
    tags=TAGS,
    summary="The appointments starting in a range, earliest first",
    **documented(body=AppointmentPage, description="one page, each with its overlaps"),
)
def list_appointments(
    start_from: RangeStart = None,
    start_to: RangeEnd = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    page = use(router, Appointments).in_range(access(router), start_from, start_to, limit, cursor)
    return page_body(page)


@router.post(
    "/me/agenda/appointments",
    tags=TAGS,
    summary="Add an appointment (overlaps are shown, not refused)",
    **documented(201, 409, body=AppointmentAnswer, description=ONE),  # 409: the month is full
)
def add_appointment(body: AppointmentBody) -> Response[Any]:
    added = use(router, Appointments).add(access(router), body.facts())
    metrics.add_metric(name="AppointmentAdded", unit=MetricUnit.Count, value=1)
    return appointment_response(201, added)


@router.get(
    "/me/agenda/appointments/<appointment_id>",
    tags=TAGS,
    summary="One appointment",
    **documented(body=AppointmentAnswer, description=ONE),
)
def get_appointment(appointment_id: AppointmentId) -> Response[Any]:
    return appointment_response(200, use(router, Appointments).get(access(router), appointment_id))


@router.put(
    "/me/agenda/appointments/<appointment_id>",
    tags=TAGS,
    summary="Change an appointment (If-Match); only a booked one changes",
    **documented(200, 409, body=AppointmentAnswer, description=ONE, if_match=REQUIRED),
)
def edit_appointment(appointment_id: AppointmentId, body: AppointmentBody) -> Response[Any]:
    edited = use(router, Appointments).edit(
        access(router), appointment_id, body.facts(), if_match(router)
    )
    return appointment_response(200, edited)


@router.delete(
    "/me/agenda/appointments/<appointment_id>",
    tags=TAGS,
    summary="Cancel an appointment: it stays in the agenda as CANCELLED",
    **documented(200, 409, body=AppointmentAnswer, description=ONE, if_match=OPTIONAL),
)
def cancel_appointment(appointment_id: AppointmentId) -> Response[Any]:
    cancelled = use(router, Appointments).cancel(
        access(router), appointment_id, optional_if_match(router)
    )
    metrics.add_metric(name="AppointmentCancelled", unit=MetricUnit.Count, value=1)
    return appointment_response(200, cancelled)


@router.post(
    "/me/agenda/appointments/<appointment_id>/decline",
    tags=TAGS,
    summary="Decline an appointment a professional booked: it stays as DECLINED",
    **documented(200, 409, body=AppointmentAnswer, description=ONE, if_match=OPTIONAL),
)
def decline_appointment(appointment_id: AppointmentId) -> Response[Any]:
    declined = use(router, Appointments).decline(
        access(router), appointment_id, optional_if_match(router)
    )
    metrics.add_metric(name="AppointmentDeclined", unit=MetricUnit.Count, value=1)
    return appointment_response(200, declined)
