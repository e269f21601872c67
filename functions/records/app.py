"""Patient-facing medical file API: space, documents, medical profile, access history.

A thin adapter: routes live in healthspace.api, rules in healthspace.service.
"""

from __future__ import annotations

import os

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig

from healthspace.api import care, documents, profile, spaces
from healthspace.api.common import api_handler, install_error_handlers

app = APIGatewayRestResolver(
    enable_validation=True,
    cors=CORSConfig(
        allow_origin=os.environ.get("WEB_ORIGIN", "https://espace.example.org"),
        allow_headers=["Authorization", "Content-Type", "If-Match", "X-Space-Id"],
        expose_headers=["ETag"],
    ),
)
app.include_router(spaces.router)
app.include_router(documents.router)
app.include_router(profile.router)
app.include_router(care.router)
install_error_handlers(app)
app.enable_swagger(path="/docs", title="Health space — patient API", version="1.0.0")

lambda_handler = api_handler(app)
