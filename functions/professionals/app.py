"""Professionals' API: a health professional reaches a patient's file (by INS) under the care
rules, reads what they may and adds profile entries and documents (presigned uploads, filed by
the ingest function) as author. A thin adapter: routes in
healthspace.api.professionals, rules in healthspace.care_access and the service.
"""

from __future__ import annotations

import os

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig

from healthspace.api import pro_notices, professionals
from healthspace.api.common import api_handler, install_error_handlers

app = APIGatewayRestResolver(
    enable_validation=True,
    cors=CORSConfig(
        allow_origin=os.environ.get("WEB_ORIGIN", "https://espace.example.org"),
        allow_headers=["Authorization", "Content-Type", professionals.EMERGENCY_HEADER],
        expose_headers=["ETag"],
    ),
)
app.include_router(professionals.router)
app.include_router(pro_notices.router)
install_error_handlers(app)
app.enable_swagger(path="/pro/docs", title="Health space — professionals' API", version="1.0.0")

lambda_handler = api_handler(app)
