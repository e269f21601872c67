"""The demo's Cognito users: the patients in the patient pool (and, through spaces, their health
spaces), the professionals in the professionals' pool, the operator in the operators' pool; and
the directory of professionals that names them."""

from __future__ import annotations

import logging
import os
from typing import Any

from infra.local.demo.directory import import_demo_directory
from infra.local.demo.people import (
    DEMO_ACCOUNTS,
    DEMO_OPERATOR,
    DEMO_PROFESSIONALS,
    PROFESSIONALS_POOL,
    DemoAccount,
    DemoOperator,
    DemoProfessional,
    SeededUser,
)
from infra.local.demo.spaces import open_spaces

log = logging.getLogger(__name__)


def seed(
    cognito: Any,
    user_pool_id: str,
    accounts: tuple[DemoAccount, ...] = DEMO_ACCOUNTS,
    professionals: tuple[DemoProfessional, ...] = DEMO_PROFESSIONALS,
) -> list[SeededUser]:
    """Create the demo users in the pool, and their health spaces; then the demo professionals,
    when the stack has a professionals' pool."""
    seeded = []
    for account in accounts:
        person = account.person
        sub = create_user(
            cognito,
            user_pool_id,
            account.username,
            account.password,
            given_name=person.given_name,
            family_name=person.family_name,
            **{"custom:ins": person.ins},
        )
        seeded.append(SeededUser(account, sub))
    open_spaces(accounts, {u.account.person.ins: u.sub for u in seeded})
    log.info("seeded %d demo accounts", len(seeded))
    if os.environ.get("OPS_BUCKET"):  # another template may have no operations bucket
        import_demo_directory()
    professionals_pool = find_user_pool(cognito, PROFESSIONALS_POOL)
    if professionals_pool and professionals:  # another template may have no professionals
        seed_professionals(cognito, professionals_pool, professionals)
    return seeded


def find_user_pool(cognito: Any, name: str) -> str | None:
    """The id of the pool the template names "<stack>-<name>", if the stack has one."""
    for page in cognito.get_paginator("list_user_pools").paginate(MaxResults=60):
        for pool in page["UserPools"]:
            if str(pool["Name"]).rsplit("-", 1)[-1] == name:
                return str(pool["Id"])
    return None


def seed_professionals(
    cognito: Any, pool_id: str, professionals: tuple[DemoProfessional, ...] = DEMO_PROFESSIONALS
) -> dict[str, str]:
    """The demo professionals in the professionals' pool, with the claims the /pro API reads;
    returns their subs by username. As the operator's, their authenticator (the pool requires
    MFA) is enrolled on their first /local/login."""
    subs = {}
    for professional in professionals:
        subs[professional.username] = create_user(
            cognito,
            pool_id,
            professional.username,
            professional.password,
            given_name=professional.given_name,
            family_name=professional.family_name,
            **{"custom:rpps": professional.rpps, "custom:profession": professional.profession},
        )
    log.info("seeded %d demo professionals", len(subs))
    return subs


def seed_operator(cognito: Any, pool_id: str, operator: DemoOperator = DEMO_OPERATOR) -> str:
    """The helpline operator in the operators' pool and its group; returns the user's sub. Its
    authenticator (the pool requires MFA) is enrolled on its first /local/login."""
    sub = create_user(
        cognito,
        pool_id,
        operator.username,
        operator.password,
        given_name=operator.given_name,
        family_name=operator.family_name,
    )
    cognito.admin_add_user_to_group(
        UserPoolId=pool_id, Username=operator.username, GroupName=operator.group
    )
    return sub


def create_user(cognito: Any, pool_id: str, email: str, password: str, **attributes: str) -> str:
    """A confirmed user of the pool, signed in by email with a permanent password and these
    attributes (custom ones named `custom:...`); returns their sub."""
    user = cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            *({"Name": name, "Value": str(value)} for name, value in attributes.items()),
        ],
    )["User"]
    cognito.admin_set_user_password(
        UserPoolId=pool_id, Username=email, Password=password, Permanent=True
    )
    return str(next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub"))
