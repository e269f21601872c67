"""A professional's bookings in a patient's agenda (the professionals' function): by their
reference to the file, under the care rules as for adding a document (a professional who may
add a report to this file may book; not under break-glass). They list only what they booked;
the patient sees who booked it and may decline it."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.metrics import MetricUnit

from healthspace.agenda.appointments import Appointments
from healthspace.api.agenda.shapes import (
    AppointmentAnswer,
    AppointmentBody,
    AppointmentPage,
    RangeEnd,
    RangeStart,
    appointment_response,
)
from healthspace.api.common import use
from healthspace.api.openapi import documented
from healthspace.api.professional import Ref, patient_file
from healthspace.api.shapes import Cursor, Limit, page_body
from healthspace.kernel.observability import metrics

router = APIGatewayRouter()
TAGS = ["Professionals"]


@router.post(
    "/pro/patients/<ref>/appointments",
    tags=TAGS,
    summary="Book an appointment in the patient's agenda (they see it is yours, may decline it)",
    **documented(201, 404, 409, body=AppointmentAnswer, description="the appointment booked"),
)
def book_appointment(ref: Ref, body: AppointmentBody) -> Response[Any]:
    opened = patient_file(router, ref, reads=False)
    booked = use_appointments().add(opened, body.facts())
    metrics.add_metric(name="AppointmentBookedByProfessional", unit=MetricUnit.Count, value=1)
    return appointment_response(201, booked)


@router.get(
    "/pro/patients/<ref>/appointments",
    tags=TAGS,
    summary="The appointments you booked in the patient's agenda, by start",
    **documented(200, 404, body=AppointmentPage, description="one page (may be short)"),
)
def list_bookings(
    ref: Ref,
    start_from: RangeStart = None,
    start_to: RangeEnd = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    opened = patient_file(router, ref)  # a read: under break-glass too, their bookings only
    page = use_appointments().in_range(opened, start_from, start_to, limit, cursor)
    return page_body(page)


def use_appointments() -> Appointments:
    return use(router, Appointments)
