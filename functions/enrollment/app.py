"""Enrollment API: opposition, early activation and lost codes (public, code-protected), the
first sign-in's and forgotten password's codes (public, code-protected), and the
operators' routes: the helpline's assisted decisions, acts for callers and suspensions, wave
figures, partner systems' keys.

A thin adapter: routes live in healthspace.api.enrollment, rules in healthspace.enrollment_service.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import CORSConfig

from healthspace.accounts.accounts import Accounts
from healthspace.api import accounts, enrollment, operator
from healthspace.api.common import api_handler, json_api
from healthspace.enrollment.enrollments import Enrollments
from healthspace.kernel.settings import WebSettings
from healthspace.lifecycle.helpline import HelplineDesk
from healthspace.lifecycle.reopen import Reopenings
from healthspace.lifecycle.suspensions import Suspensions
from healthspace.partners.keys import KeyRegistry
from healthspace.wiring.accounts import accounts as account_service
from healthspace.wiring.enrollment import enrollments
from healthspace.wiring.lifecycle import reopenings
from healthspace.wiring.lifecycle_ops import helpline_desk, suspensions
from healthspace.wiring.partners import key_registry

# At init, in SnapStart's snapshot; a missing setting stops the function here, naming it.
enrollments()
account_service()
suspensions()
helpline_desk()
reopenings()

app = json_api(
    every_route_signed_in=False,
    cors=CORSConfig(
        allow_origin=WebSettings.from_env().web_origin,
        allow_headers=["Authorization", "Content-Type"],
    ),
)
app.include_router(enrollment.public)
app.include_router(enrollment.patients)
app.include_router(accounts.public)
app.include_router(operator.operators)

lambda_handler = api_handler(
    app,
    lambda: {
        Enrollments: enrollments(),
        Accounts: account_service(),
        KeyRegistry: key_registry(),
        Suspensions: suspensions(),
        HelplineDesk: helpline_desk(),
        Reopenings: reopenings(),
    },
)
