"""The partner API: hospital, clinic and laboratory systems push documents in FHIR R4, and
search and read them on behalf of a professional, each request signed (RFC 9421,
docs/partners.md) and answered as a FHIR server does (rest.py): errors as OperationOutcome, the
CapabilityStatement at /fhir/metadata.

Every request is verified before anything else (`verify_signature`, a middleware): a refused
one reads the partner's key at most and stores nothing.
"""

from __future__ import annotations

from healthspace.api.partner import capability, documents
from healthspace.api.partner.rest import (
    TOO_LARGE_ANSWER,
    install_fhir_error_handlers,
    routes,
    verify_signature,
)

router = routes.router
__all__ = [
    "TOO_LARGE_ANSWER",
    "capability",
    "documents",
    "install_fhir_error_handlers",
    "router",
    "verify_signature",
]
