"""Patient-facing agenda API: appointments, the calendar feed's settings, reminders and the
prevention calendar, every route under /me/agenda.

A thin adapter: routes live in healthspace.api.agenda, rules in healthspace.agenda, the
composition in healthspace.wiring.agenda.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import CORSConfig

from healthspace.api import agenda as agenda_api
from healthspace.api.common import SPACE_PARAMETER, api_handler, json_api
from healthspace.kernel.settings import WebSettings
from healthspace.wiring.agenda import agenda

agenda()  # at init: a missing setting stops the function here, naming it

app = json_api(
    refusals=(401, 403, 404),
    headers=[SPACE_PARAMETER],
    cors=CORSConfig(
        allow_origin=WebSettings.from_env().web_origin,
        allow_headers=["Authorization", "Content-Type", "If-Match", "X-Space-Id"],
        expose_headers=["ETag"],
    ),
)
for router in agenda_api.routers:
    app.include_router(router)
app.enable_swagger(path="/me/agenda/docs", title="Health space — agenda API", version="1.0.0")

lambda_handler = api_handler(app, lambda: agenda().use_cases)
