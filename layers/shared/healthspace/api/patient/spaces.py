"""GET /me: the caller's space and the spaces they represent; GET /me/access-log."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from healthspace.api.common import access, caller, use
from healthspace.api.openapi import documented
from healthspace.api.shapes import page_body
from healthspace.records.access_log import AccessLog
from healthspace.records.spaces import Spaces

router = APIGatewayRouter()


@router.get(
    "/me",
    tags=["Space"],
    summary="The caller's health space and those they represent",
    **documented(),
)
def get_me() -> dict[str, Any]:
    return use(router, Spaces).me(caller(router))


@router.get(
    "/me/access-log",
    tags=["Access history"],
    summary="Every read and write of the space's health data, newest first",
    **documented(),
)
def get_access_log(
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> dict[str, Any]:
    page = use(router, AccessLog).history(access(router), limit, cursor)
    return page_body(page)
