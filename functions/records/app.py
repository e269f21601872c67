"""Patient-facing medical file API: space, documents, medical profile, access history, the
directory of professionals, and closing the space.

A thin adapter: routes live in healthspace.api.patient, rules in healthspace.records and
healthspace.care, the composition in healthspace.wiring.records.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import CORSConfig

from healthspace.api import patient
from healthspace.api.common import SPACE_PARAMETER, api_handler, json_api
from healthspace.directory.lookup import Directory
from healthspace.kernel.settings import WebSettings
from healthspace.lifecycle.closures import Closures
from healthspace.lifecycle.deletions import Deletions
from healthspace.wiring.deletions import deletions
from healthspace.wiring.directory import directory
from healthspace.wiring.lifecycle import closures
from healthspace.wiring.records import medical_file

medical_file()  # at init: a missing setting stops the function here, naming it
closures()
deletions()

app = json_api(
    refusals=(401, 403, 404),
    headers=[SPACE_PARAMETER],
    cors=CORSConfig(
        allow_origin=WebSettings.from_env().web_origin,
        allow_headers=["Authorization", "Content-Type", "If-Match", "X-Space-Id"],
        expose_headers=["ETag"],
    ),
)
for router in patient.routers:
    app.include_router(router)
app.enable_swagger(path="/docs", title="Health space — patient API", version="1.0.0")

lambda_handler = api_handler(
    app,
    lambda: {
        **medical_file().use_cases,
        Directory: directory(),
        Closures: closures(),
        Deletions: deletions(),
    },
)
