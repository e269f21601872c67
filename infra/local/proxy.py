"""API Gateway's REST proxy integration (payload format 1.0) for the local gateway, both ways:
the event a handler gets for an HTTP request and its route, and the HTTP response for the proxy
result the handler returns; and the gateway's own JSON answers, in the API's error shape
({"code", "message"}).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request, Response

from healthspace.api.common import SECURITY_HEADERS
from infra.local.routes import Route

MAX_LAMBDA_PAYLOAD = 6 * 1024 * 1024  # Lambda synchronous request and response


def error(status: int, code: str, message: str) -> Response:
    return json_response(status, {"code": code, "message": message})


def json_response(status: int, body: Any) -> Response:
    """The gateway's own answer, with the headers template.yaml's GatewayResponses set."""
    response = Response(json.dumps(body), status=status, content_type="application/json")
    response.headers.update(SECURITY_HEADERS)
    return response


def build_event(
    request: Request,
    route: Route,
    path_params: Mapping[str, str],
    *,
    stage: str,
    api_id: str,
    request_id: str,
    claims: Mapping[str, str] | None,
    account_id: str,
) -> dict[str, Any]:
    """The API Gateway REST proxy event (payload format 1.0) for a request and its route."""
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    multi_query = {name: request.args.getlist(name) for name in request.args}
    raw = request.get_data(cache=True)
    try:
        body, is_base64 = raw.decode("utf-8"), False
    except UnicodeDecodeError:  # API Gateway would need binaryMediaTypes; be lenient locally
        body, is_base64 = base64.b64encode(raw).decode("ascii"), True
    now = time.time()
    context: dict[str, Any] = {
        "accountId": account_id,
        "apiId": api_id,
        "resourceId": "local",
        "resourcePath": route.resource,
        "httpMethod": request.method,
        "path": request.path,  # no stage prefix: Powertools then builds "/" based URLs
        "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
        "stage": stage,
        "requestId": request_id,
        "extendedRequestId": request_id,
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "requestTimeEpoch": int(now * 1000),
        "domainName": request.host,
        "domainPrefix": request.host.split(".")[0],
        "identity": {
            "sourceIp": request.remote_addr or "127.0.0.1",
            "userAgent": request.headers.get("User-Agent"),
            "accessKey": None,
            "accountId": None,
            "caller": None,
            "cognitoAuthenticationProvider": None,
            "cognitoAuthenticationType": None,
            "cognitoIdentityId": None,
            "cognitoIdentityPoolId": None,
            "principalOrgId": None,
            "user": None,
            "userArn": None,
        },
    }
    if claims is not None:
        context["authorizer"] = {"claims": dict(claims)}
    return {
        "resource": route.resource,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": dict(path_params) or None,
        "stageVariables": None,
        "requestContext": context,
        "body": body if raw else None,
        "isBase64Encoded": is_base64,
    }


def to_response(result: Any) -> Response:
    """The HTTP response for a Lambda proxy result; ValueError if it is not one."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        raise ValueError("malformed Lambda proxy response (no integer statusCode)")
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    headers = Headers({k: str(v) for k, v in (result.get("headers") or {}).items()})
    for name, values in (result.get("multiValueHeaders") or {}).items():
        present = headers.getlist(name)
        for value in values:
            if str(value) not in present:
                headers.add(name, str(value))
    headers.setdefault("Content-Type", "application/json")  # API Gateway's default
    return Response(data, status=result["statusCode"], headers=headers)
