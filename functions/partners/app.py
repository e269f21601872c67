"""Partner API: FHIR R4 documents pushed by hospital, clinic and laboratory systems, every request
signed (RFC 9421). A thin adapter: routes in healthspace.api.partners, rules in the domain."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from healthspace.api import partners
from healthspace.api.common import api_handler

app = APIGatewayRestResolver(enable_validation=True)
app.use(middlewares=[partners.verify_signature])
app.include_router(partners.router)
partners.install_fhir_error_handlers(app)

lambda_handler = api_handler(app)
