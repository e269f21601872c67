"""Enrollment API: opposition, early activation and lost codes (public, code-protected), and the
helpline's assisted decisions and wave figures (operators).

A thin adapter: routes live in healthspace.api.enrollment, rules in healthspace.enrollment_service.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

import healthspace.enrollment_wiring  # noqa: F401  (loaded at init: in SnapStart's snapshot)
from healthspace.api import enrollment
from healthspace.api.common import install_error_handlers
from healthspace.observability import logger, metrics

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


# clear_state: keys a request appends (its space, role...) must not label the next one.
@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
