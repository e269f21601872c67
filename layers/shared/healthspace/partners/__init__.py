"""Partner systems: their keys, RFC 9421 signatures on every request, the FHIR R4 mapping of
documents, the gate their requests pass (verify, file on behalf of an author), and the
migration of former files (docs/partners.md). Builds on records and care."""
