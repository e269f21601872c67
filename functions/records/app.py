"""Patient-facing medical file API: space, documents, medical profile, access history.

A thin adapter: routes live in healthspace.api, rules in healthspace.service.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.api import care, documents, profile, spaces
from healthspace.api.common import install_error_handlers
from healthspace.observability import logger, metrics

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


# clear_state: keys a request appends (its space, role...) must not label the next one.
@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
