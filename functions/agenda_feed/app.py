"""The agenda's calendar feed, as a phone's calendar fetches it: GET /agenda/feeds/{token},
public (the token in the URL is the key), read-only but for the day's trace in the access
history.

A thin adapter: the route lives in healthspace.api.agenda.feed, rules in healthspace.agenda.feed,
the composition in healthspace.wiring.agenda.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import CORSConfig

from healthspace.agenda.feed import Feeds
from healthspace.api.agenda.feed import public_router
from healthspace.api.common import api_handler, json_api
from healthspace.kernel.settings import WebSettings
from healthspace.wiring.agenda import feeds

feeds()  # at init: a missing setting stops the function here, naming it

app = json_api(
    every_route_signed_in=False,
    cors=CORSConfig(allow_origin=WebSettings.from_env().web_origin),
)
app.include_router(public_router)

lambda_handler = api_handler(app, lambda: {Feeds: feeds()})
