"""Enrollment API: opposition, early activation and lost codes (public, code-protected), and the
helpline's assisted decisions and wave figures (operators).

A thin adapter: routes live in healthspace.api.enrollment, rules in healthspace.enrollment_service.
"""

from __future__ import annotations

import os

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig

import healthspace.enrollment_wiring  # noqa: F401  (loaded at init: in SnapStart's snapshot)
from healthspace.api import enrollment
from healthspace.api.common import api_handler, install_error_handlers

app = APIGatewayRestResolver(
    enable_validation=True,
    cors=CORSConfig(
        allow_origin=os.environ.get("WEB_ORIGIN", "https://espace.example.org"),
        allow_headers=["Authorization", "Content-Type"],
    ),
)
app.include_router(enrollment.public)
app.include_router(enrollment.patients)
app.include_router(enrollment.operators)
install_error_handlers(app)

lambda_handler = api_handler(app)
