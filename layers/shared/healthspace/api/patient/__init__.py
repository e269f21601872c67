"""The patients' API (the records function): their space and its history, documents, medical
profile, who sees their file, and closing it. A holder acts on their own space, a legal
representative on the one named by X-Space-Id."""

from __future__ import annotations

from healthspace.api.patient import (
    care,
    closure,
    deletion,
    directory,
    documents,
    profile,
    spaces,
)

routers = (
    spaces.router,
    documents.router,
    profile.router,
    care.router,
    directory.router,
    closure.router,
    deletion.router,
)
