"""The health space: one room per context, the adapters that implement their ports, the HTTP
API and the composition roots (docs/architecture.md draws the rooms and the import rules).

    kernel/      what every room shares: errors, identifiers, settings, clock, crypto, entities
    records/     the medical file: spaces, filing, uploads, documents, profile, access log
    care/        who sees what: the professions' matrices, the patient's controls, professionals
    enrollment/  automatic enrollment: codes, population files, waves, receipts
    partners/    partner systems: signatures, the FHIR mapping, migration of former files
    notices/     who is told of what
    adapters/    the ports on AWS (DynamoDB, S3, KMS, SES/SNS, Step Functions)
    api/         the HTTP routes, one module per audience
    wiring/      one composition root per kind of function

Functions (functions/<name>/app.py) import wiring and api; nothing here imports them.
"""
