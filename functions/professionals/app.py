"""Professionals' API: a health professional reaches a patient's file (by INS) under the care
rules, reads what they may and adds profile entries and documents (presigned uploads, filed by
the ingest function) as author, and books appointments in the patient's agenda. A thin
adapter: routes in healthspace.api.professional and healthspace.api.agenda.professional, rules
in healthspace.care.access and the contexts.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import CORSConfig

from healthspace.agenda.appointments import Appointments
from healthspace.api import professional
from healthspace.api.agenda import professional as agenda_bookings
from healthspace.api.common import (
    EMERGENCY_HEADER,
    EMERGENCY_PARAMETER,
    api_handler,
    json_api,
)
from healthspace.kernel.settings import WebSettings
from healthspace.notices.patient import ProfessionalInbox
from healthspace.wiring.agenda import appointments
from healthspace.wiring.notices import professional_inbox
from healthspace.wiring.records import medical_file

medical_file()  # at init: a missing setting stops the function here, naming it

app = json_api(
    refusals=(401, 403),
    headers=[EMERGENCY_PARAMETER],
    cors=CORSConfig(
        allow_origin=WebSettings.from_env().web_origin,
        allow_headers=["Authorization", "Content-Type", EMERGENCY_HEADER],
        expose_headers=["ETag"],
    ),
)
app.include_router(professional.router)
app.include_router(agenda_bookings.router)
app.enable_swagger(path="/pro/docs", title="Health space — professionals' API", version="1.0.0")

lambda_handler = api_handler(
    app,
    lambda: {
        **medical_file().use_cases,
        ProfessionalInbox: professional_inbox(),
        Appointments: appointments(),
    },
)
