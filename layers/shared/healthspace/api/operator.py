"""The operators' API: the helpline records a decision for a caller it has identified, acts on
a caller's space for them (closing, deleting or reopening it, sending its summary or its file
by post), suspends a space
(identity fraud) and lifts a suspension, and follows the enrollment waves (the operators' Cognito
pool, `helpline` group); partner administrators trust, list and revoke partner systems' keys
(`partner-admins` group)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, cast

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import BaseModel, ConfigDict, Field

from healthspace.api.common import json_response, use
from healthspace.api.openapi import SIGNED_IN, documented
from healthspace.api.shapes import page_body
from healthspace.enrollment.enrollments import Enrollments
from healthspace.enrollment.model import Decision
from healthspace.kernel.dates import IsoDate
from healthspace.kernel.entity import MAX_PAGE
from healthspace.kernel.errors import Forbidden, Unauthorized
from healthspace.kernel.observability import logger, metrics
from healthspace.lifecycle.helpline import (
    HelplineAction,
    HelplineDesk,
    HelplineRequest,
    IdentityCheck,
)
from healthspace.lifecycle.model import ClosureReason
from healthspace.lifecycle.suspensions import Suspensions
from healthspace.partners.keys import KEY_ID, PARTNER_ID, KeyRegistry, KeyStatus, PartnerKey
from healthspace.records.model import SpaceStatus

operators = APIGatewayRouter()
HELPLINE_GROUP = "helpline"
# Who may trust and revoke partner systems' keys: not the helpline.
PARTNER_KEYS_GROUP = "partner-admins"


class AssistedDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    ins: Annotated[str, Field(min_length=13, max_length=21)]
    birth_date: IsoDate
    decision: Decision
    identity_checked: Annotated[
        bool, Field(description="the operator checked the caller's identity (must be true)")
    ]


def _operator(group: str = HELPLINE_GROUP) -> str:
    """The operator behind the request (Cognito operators pool), in `group`."""
    event = cast(APIGatewayProxyEvent, operators.current_event)
    authorizer = event.request_context.authorizer
    claims: dict[str, Any] = (authorizer.claims or {}) if authorizer else {}
    if not claims.get("sub"):
        raise Unauthorized("an operator token is required")
    groups = str(claims.get("cognito:groups", "")).replace(",", " ").split()
    if group not in groups:
        raise Forbidden(f"reserved to the {group} group of operators")
    logger.append_keys(operator=claims["sub"])
    return str(claims["sub"])


@operators.post(
    "/operator/enrollment/decisions",
    tags=["Helpline"],
    summary="Record an opposition or activation for a caller (after identity checks)",
    security=SIGNED_IN,
    **documented(200, 401, 403, 409),
)
def assisted(decision: AssistedDecision) -> dict[str, Any]:
    operator = _operator()
    if not decision.identity_checked:
        raise Forbidden("check the caller's identity first")
    receipt, link = use(operators, Enrollments).decide_for(
        operator, decision.ins, decision.birth_date, decision.decision
    )
    logger.info("assisted decision recorded", extra={"decision": decision.decision.value})
    return receipt.with_link(link)


# --- a space's life, for a caller or against fraud (docs/lifecycle.md)

InsField = Annotated[str, Field(min_length=13, max_length=21)]


class SuspensionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    ins: InsField
    birth_date: IsoDate = Field(description="the holder's: it must match the space's")
    reason: Literal["IDENTITY_FRAUD"]


class LiftRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    ins: InsField
    birth_date: IsoDate = Field(description="the holder's: it must match the space's")


class SpaceStateBody(BaseModel):
    """A space as operators see it: its id and status, never its content."""

    space_id: str
    status: SpaceStatus


class HelplineActRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    action: HelplineAction = Field(
        description="CLOSE, DELETE (express deletion), REOPEN, SEND_SUMMARY or SEND_FILE (by post)"
    )
    ins: InsField
    birth_date: IsoDate = Field(description="the caller's: it must match the space's")
    identity_checked: Annotated[
        bool, Field(description="the operator checked the caller's identity (must be true)")
    ]
    checks: Annotated[
        list[IdentityCheck],
        Field(min_length=1, max_length=len(IdentityCheck), description="what was checked"),
    ]


class HelplineActBody(BaseModel):
    action: HelplineAction
    space_id: str
    status: SpaceStatus
    closed_at: datetime | None = None
    reason: ClosureReason | None = None
    purge_after: datetime | None = Field(default=None, description="then the data is deleted")
    requested_at: datetime | None = Field(default=None, description="DELETE: asked on")
    requested_by: Literal["SYSTEM"] | None = Field(default=None, description="DELETE: the helpline")
    deleted_at: datetime | None = Field(default=None, description="DELETE: once done")
    last_copy_gone_by: datetime | None = Field(
        default=None, description="DELETE: no readable copy of anything after this"
    )
    sent_at: datetime | None = Field(default=None, description="SEND_*: the letter's batching")
    letter_id: str | None = Field(default=None, description="SEND_*: its id in the mail batch")
    receipt: Literal["email", "sms", "post"] | None = Field(
        default=None, description="how the receipt or the letter went (post with an address)"
    )


@operators.post(
    "/operator/suspensions",
    tags=["Helpline"],
    summary="Suspend a space (identity fraud): frozen, its holder told, closed after the wait",
    description=(
        "ACTIVE -> SUSPENDED (one conditional write, traced with the operator's id); the holder "
        "and representatives then get 403 SPACE_SUSPENDED, professionals and partners the "
        "answers of a closed space. The suspension workflow closes it (SUSPENSION_UNANSWERED) "
        "if it is still suspended at the end of its wait (six weeks). Again: no change. 404: no "
        "space matches this INS and birth date. 409: the space is closed."
    ),
    security=SIGNED_IN,
    **documented(200, 401, 403, 404, 409, body=SpaceStateBody),
)
def suspend_space(request: SuspensionRequest) -> dict[str, Any]:
    operator = _operator()
    state = use(operators, Suspensions).suspend(operator, request.ins, request.birth_date)
    logger.info("space suspended", extra={"space_id": state.space_id, "changed": state.changed_now})
    if state.changed_now:
        metrics.add_metric(name="SpaceSuspended", unit=MetricUnit.Count, value=1)
    return state.to_api()


@operators.post(
    "/operator/suspensions/lifting",
    tags=["Helpline"],
    summary="Lift a suspension: the space is ACTIVE again (its wait then does nothing)",
    description="An active space answers as it is. 404: no match. 409: the space is closed.",
    security=SIGNED_IN,
    **documented(200, 401, 403, 404, 409, body=SpaceStateBody),
)
def lift_suspension(request: LiftRequest) -> dict[str, Any]:
    operator = _operator()
    state = use(operators, Suspensions).lift(operator, request.ins, request.birth_date)
    logger.info(
        "suspension lifted", extra={"space_id": state.space_id, "changed": state.changed_now}
    )
    return state.to_api()


@operators.post(
    "/operator/helpline/acts",
    tags=["Helpline"],
    summary="Act on a caller's space for them, after identity checks",
    description=(
        "Every act is audited with the operator's id and the checks. CLOSE: the space closes "
        "at once (reason REQUEST, by the operator), kept ten years then purged; the receipt "
        "goes by post (the mail house's batch) when an address is on file. A closed space "
        "answers its closure and nothing is sent again. DELETE: express deletion of an active, "
        "closed or archived space (its key destroyed at once, the rest by the deletion "
        "workflow), the receipt naming `last_copy_gone_by`; a deletion under way answers its "
        "state, nothing sent again. REOPEN: an archived space, within its ten years, turns "
        "REOPENING (then ACTIVE once the archive is restored, within about a day), a receipt "
        "by post; a reopening under way answers its state, nothing sent again. SEND_SUMMARY: "
        "the International Patient Summary printed "
        "and posted to the address on file; SEND_FILE: the summary and the list of the "
        "documents (date, title, category; not their content); each traced in the space's "
        "history as a download by the operator, each call a letter. 403: identity not "
        "checked. 404: no space matches this INS and birth date. 409: the space changed "
        "meanwhile (try again), cannot be deleted now (reopening, suspended), has nothing to "
        "reopen (open, suspended, still being archived, its ten years over), is not active "
        "(SEND_*), or has no postal address on file (SEND_*)."
    ),
    security=SIGNED_IN,
    **documented(200, 401, 403, 404, 409, body=HelplineActBody),
)
def helpline_act(request: HelplineActRequest) -> dict[str, Any]:
    operator = _operator()
    if not request.identity_checked:
        raise Forbidden("check the caller's identity first")
    outcome = use(operators, HelplineDesk).act(
        HelplineRequest(
            operator_id=operator,
            action=request.action,
            ins=request.ins,
            birth_date=request.birth_date,
            checks=frozenset(request.checks),
        )
    )
    answer = outcome.to_api()
    answer.pop("closed_by", None)  # an operator's id stays in the audit
    return answer


def _wave_view(wave: Any, counts: Any) -> dict[str, Any]:
    return {
        **wave.to_api(),
        **counts.to_api(),
        "opposition_rate": round(counts.opposition_rate, 4),
    }


@operators.get(
    "/operator/waves",
    tags=["Helpline"],
    summary="Waves, newest first, with counts",
    security=SIGNED_IN,
    **documented(200, 401, 403),
)
def list_waves(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=2048)] = None,
) -> dict[str, Any]:
    _operator()
    waves, next_cursor = use(operators, Enrollments).waves.recent(limit, cursor)
    return {"items": [_wave_view(w, counts) for w, counts in waves], "next_cursor": next_cursor}


@operators.get(
    "/operator/waves/<wave_id>",
    tags=["Helpline"],
    summary="One wave and its counts",
    security=SIGNED_IN,
    **documented(200, 401, 403, 404),
)
def get_wave(
    wave_id: Annotated[str, Path(pattern=r"^W\d{8}(-\d{1,4})?$")],
) -> dict[str, Any]:
    _operator()
    wave, counts = use(operators, Enrollments).waves.figures(wave_id)
    return _wave_view(wave, counts)


# --- partner systems' keys (docs/partners.md)


class KeyRegistration(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    partner_id: Annotated[str, Field(pattern=f"^{PARTNER_ID.pattern}$")]
    key_id: Annotated[str, Field(pattern=f"^{KEY_ID.pattern}$")]
    public_key: Annotated[
        str,
        Field(
            min_length=1,
            max_length=2000,
            description="the partner's Ed25519 public key: PEM, or its 32 bytes in base64",
        ),
    ]


class KeyView(BaseModel):
    key_id: str
    partner_id: str
    alg: str
    public_key: str = Field(description="the raw 32 bytes, base64")
    status: KeyStatus
    registered_at: datetime
    registered_by: str
    revoked_at: datetime | None = None
    revoked_by: str | None = None


class KeyPage(BaseModel):
    items: list[KeyView]
    next_cursor: str | None = None


def _audited(action: str, key: PartnerKey) -> None:
    # Who (the operator, in the log's keys) did what to which key: the lasting record is the
    # key's audit (KeyEvent); never the key material in a log.
    logger.info(
        "partner key changed",
        extra={"action": action, "key_id": key.key_id, "partner_id": key.partner_id},
    )
    metrics.add_metric(name=f"PartnerKeys{action.title()}", unit=MetricUnit.Count, value=1)


@operators.post(
    "/operator/partner-keys",
    tags=["Partner keys"],
    summary="Trust a partner system's public key under a new key id (audited)",
    security=SIGNED_IN,
    **documented(201, 401, 403, 409, body=KeyView, description="registered"),
)
def register_partner_key(registration: KeyRegistration) -> Response[Any]:
    operator = _operator(PARTNER_KEYS_GROUP)
    key = use(operators, KeyRegistry).register(
        operator, registration.partner_id, registration.key_id, registration.public_key
    )
    _audited("registered", key)
    return json_response(201, key.to_api())


@operators.get(
    "/operator/partners/<partner_id>/keys",
    tags=["Partner keys"],
    summary="A partner's keys, oldest first, paged",
    security=SIGNED_IN,
    **documented(200, 401, 403, body=KeyPage, description="a page of keys"),
)
def list_partner_keys(
    partner_id: Annotated[str, Path(pattern=f"^{PARTNER_ID.pattern}$")],
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=2048)] = None,
) -> dict[str, Any]:
    _operator(PARTNER_KEYS_GROUP)
    page = use(operators, KeyRegistry).list(partner_id, limit, cursor)
    return page_body(page)


@operators.post(
    "/operator/partner-keys/<key_id>/revocation",
    tags=["Partner keys"],
    summary="Stop trusting a key, from the next request on (audited; again: no change)",
    security=SIGNED_IN,
    **documented(200, 401, 403, 404, body=KeyView, description="the revoked key"),
)
def revoke_partner_key(
    key_id: Annotated[str, Path(pattern=f"^{KEY_ID.pattern}$")],
) -> dict[str, Any]:
    operator = _operator(PARTNER_KEYS_GROUP)
    key = use(operators, KeyRegistry).revoke(operator, key_id)
    _audited("revoked", key)
    return key.to_api()
