"""`GET /fhir/metadata`: the CapabilityStatement, derived from the routes' declared
interactions (rest.Interaction), so that it lists exactly what the API does."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response

from healthspace.api.common import use
from healthspace.api.partner.rest import (
    FHIR_JSON,
    Interaction,
    fhir_response,
    outcomes,
    resource_answer,
    routes,
)
from healthspace.partners.gate import PartnerGate

# The day the statement last changed (FHIR's `date`): change it with the routes.
STATEMENT_DATE = "2026-12-04"
FHIR_RELEASE = "4.0.1"
# Interactions a CapabilityStatement lists at system level (capabilities itself is implied).
_SYSTEM_INTERACTIONS = frozenset({"transaction", "batch", "search-system", "history-system"})


def capability_statement(base_url: str, interactions: list[Interaction]) -> dict[str, Any]:
    """What the API serves, in FHIR's terms."""
    types = sorted({i.resource for i in interactions if i.resource})

    def resource(type_: str) -> dict[str, Any]:
        mine = [i for i in interactions if i.resource == type_]
        search = [p for i in mine for p in i.search]
        return {
            "type": type_,
            "interaction": [{"code": i.code} for i in mine],
            "versioning": "versioned",
            "readHistory": False,
            "updateCreate": False,
            "conditionalCreate": any(i.conditional_create for i in mine),
            "conditionalRead": "not-supported",
            "conditionalUpdate": False,
            "conditionalDelete": "not-supported",
            **(
                {
                    "searchParam": [
                        {"name": p.name, "type": p.type, "documentation": p.documentation}
                        for p in search
                    ]
                }
                if search
                else {}
            ),
        }

    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": STATEMENT_DATE,
        "publisher": "Health space",
        "kind": "instance",
        "software": {"name": "Health space partner API"},
        "implementation": {
            "description": "The health space's partner API (documents from partner systems)",
            "url": f"{base_url}/fhir",
        },
        "fhirVersion": FHIR_RELEASE,
        "format": [FHIR_JSON, "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Documents pushed by partner systems, and read on behalf of a"
                " professional under the patient's care rules.",
                "security": {
                    "description": "Every request, this one included, is signed with RFC 9421"
                    " HTTP Message Signatures (Ed25519) and Content-Digest (RFC 9530), with a key"
                    " our operators registered; a read names the professional it is made for in"
                    " the signed Healthspace-Professional field."
                },
                "resource": [resource(t) for t in types],
                "interaction": [
                    {"code": i.code} for i in interactions if i.code in _SYSTEM_INTERACTIONS
                ],
            }
        ],
    }


@routes.route(
    Interaction("GET", "/fhir/metadata", "capabilities"),
    summary="The CapabilityStatement: what this server supports",
    responses={200: resource_answer("the CapabilityStatement"), **outcomes()},
)
def metadata() -> Response[Any]:
    base_url = use(routes.router, PartnerGate).base_url
    return fhir_response(200, capability_statement(base_url, routes.interactions))
