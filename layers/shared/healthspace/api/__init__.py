"""The patient-facing HTTP API: Powertools routers, one per sub-area, composed by
functions/records/app.py. Handlers here only translate HTTP to use cases of healthspace.service."""
