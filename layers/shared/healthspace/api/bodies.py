"""What a request's body may be on the JSON APIs: JSON (`Content-Type: application/json`), in
UTF-8, nested MAX_JSON_DEPTH levels at most. Anything else is the client's 4xx, whatever fails
reading it: 415 for another type, 400 for what cannot be read."""

from __future__ import annotations

import json
from collections.abc import Mapping
from email.message import Message
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from healthspace.kernel.errors import HealthSpaceError, InvalidBody, UnsupportedMediaType

# Our bodies nest four levels at most. The bound keeps parsing and validation linear and far
# from Python's recursion limit (a body nested 1,000 deep raised RecursionError: a 500).
MAX_JSON_DEPTH = 32


def read_json(text: str) -> Any:
    """The resolvers' body parser: JSON nested MAX_JSON_DEPTH levels at most."""
    try:
        value = json.loads(text)
    except RecursionError:
        value = None
    else:
        if _nesting(value) <= MAX_JSON_DEPTH:
            return value
    raise InvalidBody(f"the request body nests more than {MAX_JSON_DEPTH} levels")


def _nesting(value: Any) -> int:
    """How many arrays and objects deep `value` goes (iteratively: no recursion to exhaust);
    past the bound, the first depth found beyond it."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_JSON_DEPTH:
                break
            pending.extend((child, depth + 1) for child in children)
    return deepest


def declares_json(headers: Mapping[str, str]) -> bool:
    """No Content-Type, or JSON's, application/json, in UTF-8: the only charset JSON has (RFC
    8259). Spelled in lower case, as Powertools' validation reads it (it reads no +json type of
    RFC 6839 either)."""
    declared = headers.get("Content-Type")
    if declared is None:
        return True
    if not declared.strip().startswith("application/json"):
        return False
    parsed = Message()
    parsed["Content-Type"] = declared
    kind, charset = parsed.get_content_type(), parsed.get_param("charset")
    return kind == "application/json" and str(charset or "utf-8").lower() in ("utf-8", "utf8")


def unreadable(router: BaseRouter) -> HealthSpaceError | None:
    """Why the request's body cannot be read as JSON, if it cannot."""
    event = router.current_event
    if not event.body:
        return None
    if not declares_json(event.headers):
        return UnsupportedMediaType("send the body as JSON (Content-Type: application/json)")
    if event.is_base64_encoded:
        try:
            event.decoded_body  # noqa: B018 (decodes, and keeps the text for the route)
        except UnicodeDecodeError:
            return InvalidBody("the request body is not UTF-8 text")
    return None


def json_bodies_only(
    router: APIGatewayRestResolver, next_middleware: NextMiddleware
) -> Response[Any]:
    """Refuses a body that validation let through but that is not JSON (an all-optional model
    reads a form's fields as absent). Validation runs first: `install_error_handlers` gives the
    same answers for what it stops."""
    problem = unreadable(router)
    if problem is not None:
        raise problem
    return next_middleware(router)
