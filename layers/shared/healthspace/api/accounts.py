"""Accounts' public routes: a one-time code for the first sign-in or a forgotten password, and
the password chosen with it. Protected by the code itself, the attempts' lock and the
gateway's throttling; the answers tell nothing of whether an INS is known."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, Field

from healthspace.accounts.accounts import Accounts
from healthspace.api.common import json_response, use
from healthspace.api.openapi import documented
from healthspace.kernel.dates import IsoDate
from healthspace.kernel.observability import metrics

public = APIGatewayRouter()


class AccountCodeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    ins: Annotated[str, Field(min_length=13, max_length=21)]
    birth_date: IsoDate


class PasswordChoice(BaseModel):
    # Not stripped: a password is taken as typed (the policy refuses outer spaces).
    model_config = ConfigDict(extra="forbid")
    ins: Annotated[str, Field(min_length=13, max_length=21)]
    birth_date: IsoDate
    code: Annotated[str, Field(min_length=12, max_length=20)]
    password: Annotated[str, Field(min_length=1, max_length=256)]


@public.post(
    "/accounts/code-requests",
    tags=["Accounts"],
    summary="Ask for a one-time code to choose a password (first sign-in, forgotten password)",
    **documented(202),
)
def request_code(request: AccountCodeRequest) -> Response[Any]:
    use(public, Accounts).request_code(request.ins, request.birth_date)
    metrics.add_metric(name="AccountCodeRequested", unit=MetricUnit.Count, value=1)
    # Same answer whatever happened: it must not tell whether the details matched.
    message = "if these details match an account, a code is on its way"
    return json_response(202, {"message": message})


@public.post(
    "/accounts/password",
    tags=["Accounts"],
    summary="Choose the account's password with the one-time code",
    **documented(204),
)
def set_password(choice: PasswordChoice) -> Response[Any]:
    use(public, Accounts).set_password(choice.ins, choice.birth_date, choice.code, choice.password)
    metrics.add_metric(name="PasswordSet", unit=MetricUnit.Count, value=1)
    return Response(status_code=204)
