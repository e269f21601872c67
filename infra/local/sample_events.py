"""Lambda events built from the samples in events/: for the integration tests and the benchmark,
which call handlers directly as API Gateway and S3 would."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).parents[2] / "events"


@cache
def _sample(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return loaded


def api_event(
    method: str,
    path: str,
    claims: Mapping[str, str] | None,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    resource: str | None = None,
) -> dict[str, Any]:
    """A REST proxy event; a body that is not a string is sent as JSON. The resource defaults to
    the records API's (/me and /me/{proxy+}); claims None means an unauthenticated route."""
    event = copy.deepcopy(_sample("api_get_me.json"))
    all_headers = {**event["headers"], **(headers or {})}
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    resource = resource or ("/me" if path == "/me" else "/me/{proxy+}")
    prefix = resource.split("{proxy+}")[0]
    proxy = path.removeprefix(prefix) if "{proxy+}" in resource else None
    event.update(
        resource=resource,
        path=path,
        httpMethod=method,
        headers=all_headers,
        multiValueHeaders={k: [v] for k, v in all_headers.items()},
        queryStringParameters=dict(query) if query else None,
        multiValueQueryStringParameters={k: [v] for k, v in query.items()} if query else None,
        pathParameters={"proxy": proxy} if proxy else None,
        body=body if isinstance(body, str) or body is None else json.dumps(body),
    )
    context = event["requestContext"]
    context.update(httpMethod=method, resourcePath=resource, path=f"/{context['stage']}{path}")
    if claims is None:
        del context["authorizer"]
    else:
        context["authorizer"]["claims"] = dict(claims)
    return event


def api_result(response: Mapping[str, Any]) -> tuple[int, dict[str, str], Any]:
    """(status, headers, decoded JSON body) of a proxy integration's response."""
    text = response.get("body") or ""
    multi = {k: v[0] for k, v in (response.get("multiValueHeaders") or {}).items() if v}
    headers = {**multi, **(response.get("headers") or {})}
    return int(response["statusCode"]), headers, json.loads(text) if text else None


def s3_created_event(bucket: str, key: str, size: int) -> dict[str, Any]:
    """An S3 ObjectCreated notification; the key URL-encoded as S3 sends it."""
    from urllib.parse import quote_plus

    event = copy.deepcopy(_sample("s3_upload_created.json"))
    record = event["Records"][0]["s3"]
    record["bucket"].update(name=bucket, arn=f"arn:aws:s3:::{bucket}")
    record["object"].update(key=quote_plus(key, safe="/"), size=size)
    return event


def dynamodb_stream_event(
    items: list[Mapping[str, Any]], first_sequence: int = 1
) -> dict[str, Any]:
    """A DynamoDB stream event of INSERTs, as the NEW_IMAGE mapping passes them to Lambda: each
    item in DynamoDB's JSON (what a boto3 client's query returns), numbered in order."""
    sample = _sample("dynamodb_access_log_inserted.json")["Records"][0]
    records = []
    for n, item in enumerate(items, start=first_sequence):
        record = copy.deepcopy(sample)
        record["eventID"] = f"{n:032x}"
        record["dynamodb"].update(
            Keys={"pk": item["pk"], "sk": item["sk"]},
            NewImage=dict(item),
            SequenceNumber=f"{n:024d}",
        )
        records.append(record)
    return {"Records": records}


def sqs_event(bodies: list[str], queue_arn: str = "") -> dict[str, Any]:
    """An SQS event as Lambda's mapping passes messages to a function: one record per body."""
    queue_arn = queue_arn or "arn:aws:sqs:eu-west-3:123456789012:queue"
    return {
        "Records": [
            {
                "messageId": f"{n:08x}-0000-4000-8000-000000000000",
                "receiptHandle": f"handle-{n}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1765152000000",
                    "SenderId": "AROAEXAMPLE",
                    "ApproximateFirstReceiveTimestamp": "1765152000001",
                },
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": queue_arn.split(":")[3],
            }
            for n, body in enumerate(bodies, start=1)
        ]
    }


def queued_stream_event(items: list[Mapping[str, Any]], first_sequence: int = 1) -> dict[str, Any]:
    """The SQS event a function fed by the stream router gets for these items' inserts: each
    message's body is the stream record (healthspace.adapters.dynamodb.stream)."""
    records = dynamodb_stream_event(items, first_sequence)["Records"]
    return sqs_event([json.dumps(record) for record in records])
