"""The medical file: spaces and who may act on them, documents (one filing path for patients,
professionals, partners and migration), uploads, announcement holds, the medical profile and the
access log, with their ports (records.ports).

Others import its model, its ports, `access` (Caller, Access, the patient's side of visibility)
and its use cases. It knows nothing of the care rules: a professional's access (care.access)
answers the same questions as a patient's."""
