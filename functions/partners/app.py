"""Partner API: FHIR R4 documents pushed by hospital, clinic and laboratory systems, every request
signed (RFC 9421). A thin adapter: routes in healthspace.api.partner, rules in the domain."""

from __future__ import annotations

from healthspace.api import partner
from healthspace.api.bodies import read_json
from healthspace.api.common import api_handler
from healthspace.api.openapi import DeclaredApi
from healthspace.partners.gate import PartnerGate
from healthspace.wiring.partners import partner_gate
from healthspace.wiring.records import medical_file

partner_gate()  # at init: a missing setting stops the function here, naming it

app = DeclaredApi(enable_validation=True, json_body_deserializer=read_json)
app.use(middlewares=[partner.verify_signature])  # first: before any route, or "no such route"
app.include_router(partner.router)
partner.install_fhir_error_handlers(app)

lambda_handler = api_handler(
    app,
    lambda: {**medical_file().use_cases, PartnerGate: partner_gate()},
    too_large=partner.TOO_LARGE_ANSWER,
)
