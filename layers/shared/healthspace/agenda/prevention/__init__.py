"""The prevention calendar (issue 13): the published calendar of the child's examinations, the
vaccinations, the organised cancer screenings and "Mon bilan prévention", as data with their
sources (catalogue.py); a holder's items computed from their birth date and sex (due.py); the
vaccinations of the medical profile that fill them (vaccines.py); the statuses the patient sets
(calendar.py, over ports.py).

Others import `calendar.PreventionCalendar` (the use case), `ports` (the adapters) and
`model` (shapes)."""
