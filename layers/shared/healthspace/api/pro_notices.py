"""GET /pro/notices: the professional's inbox. Today it holds the break-glass accesses to the
files of the patients they are the treating doctor of (healthspace.notices writes them), newest
first, kept 90 days."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from healthspace.api.professionals import TAGS, professional_caller
from healthspace.bootstrap import professional_inbox

router = APIGatewayRouter()


@router.get("/pro/notices", tags=TAGS, summary="The professional's notices, newest first")
def list_notices(
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> dict[str, Any]:
    rpps = professional_caller(router).professional.rpps
    page = professional_inbox().list(rpps, limit, cursor)
    return {"items": [n.to_api() for n in page.items], "next_cursor": page.next_cursor}
