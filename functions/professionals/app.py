"""Professionals' API: a health professional reaches a patient's file (by INS) under the care
rules, reads what they may and adds profile entries as author. A thin adapter: routes in
healthspace.api.professionals, rules in healthspace.care_access and the service.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.api import professionals
from healthspace.api.common import install_error_handlers
from healthspace.observability import logger, metrics

app = APIGatewayRestResolver(
    enable_validation=True,
    cors=CORSConfig(
        allow_origin=os.environ.get("WEB_ORIGIN", "https://espace.example.org"),
        allow_headers=["Authorization", "Content-Type", professionals.EMERGENCY_HEADER],
        expose_headers=["ETag"],
    ),
)
app.include_router(professionals.router)
install_error_handlers(app)
app.enable_swagger(path="/pro/docs", title="Health space — professionals' API", version="1.0.0")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
