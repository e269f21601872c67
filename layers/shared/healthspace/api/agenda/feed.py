"""The calendar feed: the patient's routes (`router`: read its options, make a new secret URL,
change what it shows, revoke it) and the one a calendar fetches (`public_router`: no sign-in,
the URL's token is the key; AgendaFeedFunction)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, Field

from healthspace.agenda.feed import Feeds
from healthspace.agenda.feed_model import TOKEN_PATTERN, Feed, FeedOptions
from healthspace.api.common import access, if_match, json_response, optional_if_match, use
from healthspace.api.openapi import OPTIONAL, REQUIRED, documented, refusal
from healthspace.kernel.observability import metrics

router = APIGatewayRouter()
public_router = APIGatewayRouter()
TAGS = ["Agenda"]
FEED_PATH = "/agenda/feeds/"
CALENDAR_TYPE = "text/calendar; charset=utf-8"
Token = Annotated[str, Path(min_length=43, max_length=43, pattern=TOKEN_PATTERN)]


class FeedAnswer(BaseModel):
    created_at: str
    version: int
    options: FeedOptions


class NewFeedAnswer(FeedAnswer):
    token: str = Field(description="the secret, shown once: keep the URL, not this page")
    path: str = Field(description="the feed's path under the API's address (GET, no sign-in)")


def _feed_response(status: int, feed: Feed, token: str | None = None) -> Response[Any]:
    body = feed.to_api()
    if token is not None:
        body |= {"token": token, "path": f"{FEED_PATH}{token}"}
    return json_response(status, body, {"ETag": f'"{feed.version}"'})


@router.get(
    "/me/agenda/feed",
    tags=TAGS,
    summary="The calendar link's options (never its secret)",
    **documented(body=FeedAnswer, description="the link's options; its version in ETag"),
)
def get_feed() -> Response[Any]:
    return _feed_response(200, use(router, Feeds).get(access(router)))


@router.post(
    "/me/agenda/feed",
    tags=TAGS,
    summary="A new secret calendar link (the one before stops at once)",
    **documented(201, body=NewFeedAnswer, description="the link, shown this once"),
)
def renew_feed(options: FeedOptions) -> Response[Any]:
    feed, token = use(router, Feeds).renew(access(router), options)
    metrics.add_metric(name="CalendarLinkMade", unit=MetricUnit.Count, value=1)
    return _feed_response(201, feed, token)


@router.put(
    "/me/agenda/feed",
    tags=TAGS,
    summary="Change what the calendar link shows (If-Match)",
    **documented(body=FeedAnswer, description="the link's options", if_match=REQUIRED),
)
def change_feed(options: FeedOptions) -> Response[Any]:
    return _feed_response(200, use(router, Feeds).change(access(router), options, if_match(router)))


@router.delete(
    "/me/agenda/feed",
    tags=TAGS,
    summary="Revoke the calendar link: calendars subscribed to it get nothing more",
    **documented(204, if_match=OPTIONAL),
)
def revoke_feed() -> Response[Any]:
    use(router, Feeds).revoke(access(router), optional_if_match(router))
    return Response(status_code=204)


# A calendar, or the refusal of a token that opens none (revoked, replaced, unknown; a space
# closed or suspended): the same 404, telling nothing.
CALENDAR_ANSWERS: dict[str, Any] = {
    "responses": {
        200: {
            "description": "the appointments, as the patient chose to show them",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        },
        404: refusal(404)[1],
    }
}


@public_router.get(
    f"{FEED_PATH}<token>",
    tags=TAGS,
    summary="The agenda as an iCalendar feed (RFC 5545), for a calendar subscribed to it",
    **CALENDAR_ANSWERS,
)
def calendar_feed(token: Token) -> Response[Any]:
    body = use(public_router, Feeds).calendar(token)
    return Response(status_code=200, content_type=CALENDAR_TYPE, body=body.decode())
