"""Partner API: FHIR R4 documents pushed by hospital, clinic and laboratory systems, every request
signed (RFC 9421). A thin adapter: routes in healthspace.api.partners, rules in the domain."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.api import partners
from healthspace.observability import logger, metrics

app = APIGatewayRestResolver(enable_validation=True)
app.use(middlewares=[partners.verify_signature])
app.include_router(partners.router)
partners.install_fhir_error_handlers(app)


# clear_state: keys a request appends (its space, role...) must not label the next one.
@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
