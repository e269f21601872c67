"""What the APIs' OpenAPI documents say beyond what Powertools derives from the routes: every
status a route can answer, with its body; the headers it reads; who may call it.

A route declares its own answers (`@router.put(path, **documented(200, 404, if_match=REQUIRED))`):
its success, the refusals its logic can give, whether it reads If-Match. Its API adds what every
one of its routes can answer (`JsonApi`): 400 for a request it cannot read or validate, 429 (the
gateway's throttling), 500, 413 and 415 for a body, 404 for a path parameter, the API's own
(401 and 403 behind an authorizer) and the headers it reads on every route (X-Space-Id).
Schemathesis checks the result against the running stack (tests/e2e/test_api_contract.py): an
answer the document does not declare fails it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.models import OpenAPI
from pydantic import BaseModel, Field

from healthspace.kernel.errors import BadRequest

REQUIRED: Literal["required"] = "required"
OPTIONAL: Literal["optional"] = "optional"
_IF_MATCH = "x-healthspace-if-match"  # documented() -> JsonApi: becomes the If-Match parameter
ERROR_REF = "#/components/schemas/ErrorBody"
SIGNED_IN: list[dict[str, list[str]]] = [{"idToken": []}]
SUCCESS = {200: "OK", 201: "Created", 202: "Accepted", 204: "Done, nothing to return"}
REFUSALS = {
    400: "The request cannot be read, or a value in it is invalid (the message names it).",
    401: "No valid identity of the kind this API takes, or too old (REAUTHENTICATION_REQUIRED).",
    403: "The caller may not do this; the code says which rule refused (SPACE_CLOSED: closed; "
    "SPACE_SUSPENDED: suspended by operators).",
    404: "Absent, or hidden from this caller: the same answer, so that it tells nothing.",
    409: "The object's state refuses the change, or its collection is full (LIMIT_REACHED).",
    412: "If-Match names a version that is no longer the current one: read it again.",
    413: "The body, or the file it announces, is over the limit.",
    415: "The body is not JSON, or the file is not of a type the file accepts.",
    428: "A change without a valid If-Match: send the version you read.",
    429: "Too many requests (the gateway's throttling) or attempts: wait, then try again.",
    500: "An unexpected failure, or an answer over Lambda's 6 MB (RESPONSE_TOO_LARGE).",
}


class ErrorBody(BaseModel):
    """Every refusal of the JSON APIs, the gateway's own included."""

    code: str = Field(description="Stable and machine-readable.", examples=["NOT_FOUND"])
    message: str = Field(description="A sentence for people; never health data.")


def documented(
    success: int = 200,
    *refusals: int,
    body: type[BaseModel] | None = None,
    description: str | None = None,
    if_match: Literal["required", "optional"] | None = None,
) -> dict[str, Any]:
    """The route decorator's OpenAPI arguments: its success (its body's schema `body`, else the
    route's return type), the refusals its own logic gives, and whether it reads If-Match
    (which adds 412 and 428)."""
    answer: dict[str, Any] = {"description": description or SUCCESS[success]}
    if body is not None:
        answer["content"] = {"application/json": {"model": body}}
    elif success == 204:
        answer["content"] = {}
    versioned = (412, 428) if if_match else ()
    responses = {success: answer, **dict(map(refusal, sorted({*refusals, *versioned})))}
    return {
        "responses": responses,
        "openapi_extensions": {_IF_MATCH: if_match} if if_match else None,
    }


def refusal(status: int) -> tuple[int, dict[str, Any]]:
    content = {"application/json": {"schema": {"$ref": ERROR_REF}}}
    return status, {"description": REFUSALS[status], "content": content}


@dataclass(frozen=True)
class HeaderParameter:
    """A header every route of an API may read: documented on each, and checked on each (a
    malformed value is a 400 whether or not the route reads it, as its document says)."""

    name: str
    description: str
    pattern: str
    refusal: str  # the 400's message for a value that does not match

    def parameter(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "in": "header",
            "description": self.description,
            "required": False,
            "schema": {"type": "string", "pattern": self.pattern},
        }

    def check(self, headers: Mapping[str, str]) -> None:
        value = headers.get(self.name)
        if value is not None and not re.fullmatch(self.pattern, value):
            raise BadRequest(f"{self.name}: {self.refusal}")


IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "description": 'The version you read (the ETag: "3", 3 or W/"3").',
    "schema": {"type": "string", "maxLength": 24},
}


class DeclaredApi(APIGatewayRestResolver):
    """A resolver whose OpenAPI document says only what it answers. Powertools declares a 422
    (its HTTPValidationError) on every validated route; our APIs answer validation failures
    400, in their own error body, so that declaration goes where a route did not make its own
    (the partners' 422 is an OperationOutcome)."""

    def get_openapi_schema(self, **options: Any) -> OpenAPI:
        document = super().get_openapi_schema(**options)
        plain = document.model_dump(mode="json", by_alias=True, exclude_none=True)
        for operations in plain.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.get("responses", {})
                if "HTTPValidationError" in str(responses.get("422", "")):
                    del responses["422"]
                self._complete(operation)
        schemas = plain.setdefault("components", {}).setdefault("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        schemas["ErrorBody"] = ErrorBody.model_json_schema()  # refusal()'s, the gateway's too
        return OpenAPI.model_validate(plain)

    def _complete(self, operation: dict[str, Any]) -> None:
        """What the API adds to each operation of its document."""


class JsonApi(DeclaredApi):
    """A resolver whose OpenAPI document declares what every route answers (module docstring)."""

    def __init__(
        self,
        *,
        refusals: Iterable[int] = (),
        headers: Iterable[HeaderParameter] = (),
        every_route_signed_in: bool = True,
        **resolver: Any,
    ) -> None:
        super().__init__(**resolver)
        self.refusals = tuple(refusals)
        self.headers = tuple(headers)
        if self.headers:
            self.use(middlewares=[self._check_headers])
        # A Cognito user pool's ID token, which the gateway's authorizer checks: on every route,
        # or on those whose decorator says `security=SIGNED_IN`.
        self.configure_openapi(
            security_schemes={"idToken": {"type": "http", "scheme": "bearer"}},  # type: ignore[dict-item]
            security=SIGNED_IN if every_route_signed_in else None,
        )

    def _check_headers(self, app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Any:
        for header in self.headers:
            header.check(app.current_event.headers)
        return next_middleware(app)

    def methods_of(self, path: str) -> list[str]:
        """The methods the routes matching this path take (a 405's Allow header): none, the
        path has no route. Read from Powertools' own compiled routes, so that a path it cannot
        route (a segment of characters its patterns refuse) is a 404 here too."""
        routes = self._static_routes + self._dynamic_routes
        return sorted({r.method for r in routes if r.rule.match(path) and r.method != "OPTIONS"})

    def _complete(self, operation: dict[str, Any]) -> None:
        responses: dict[str, Any] = operation.setdefault("responses", {})
        # 429: API Gateway throttles every route; 500: what no route means to answer.
        common = [400, 429, 500, *self.refusals]
        if "requestBody" in operation:
            common += [413, 415]
        if any(p.get("in") == "path" for p in operation.get("parameters", [])):
            common.append(404)  # a segment Powertools' patterns refuse routes nowhere
        responses.update(
            (str(s), body) for s, body in map(refusal, common) if str(s) not in responses
        )
        operation["responses"] = dict(sorted(responses.items()))
        parameters: list[dict[str, Any]] = operation.setdefault("parameters", [])
        parameters.extend(header.parameter() for header in self.headers)
        if_match = operation.pop(_IF_MATCH, None)
        if if_match:
            parameters.append({**IF_MATCH, "required": if_match == REQUIRED})
        if not parameters:
            del operation["parameters"]
