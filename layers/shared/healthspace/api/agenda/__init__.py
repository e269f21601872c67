"""The agenda's API: the patients' routes under /me/agenda (AgendaFunction), a professional's
booking (api/agenda/professional.py, in the professionals' function) and the calendar feed's
public route (api/agenda/feed.py's `public_router`, AgendaFeedFunction). A holder acts on their
own space, a legal representative on the one named by X-Space-Id."""

from __future__ import annotations

from healthspace.api.agenda import appointments, feed, prevention, reminders

routers = (appointments.router, feed.router, prevention.router, reminders.router)
