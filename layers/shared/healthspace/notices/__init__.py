"""Who is told of what: from the access log's new entries, the patient (or their
representatives) by email or SMS, and treating doctors of break-glass accesses (their inbox).
Builds on records, care and enrollment (contacts, wording)."""
