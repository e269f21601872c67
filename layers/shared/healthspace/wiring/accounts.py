"""People's accounts on AWS: the patients' user pool, the codes' items, the enrollment's
channels. The root of the accounts stream function, and a part of the enrollment API's."""

from __future__ import annotations

from healthspace.accounts.accounts import Accounts
from healthspace.accounts.france_connect import FranceConnectLinking
from healthspace.adapters.cognito import CognitoAccounts
from healthspace.adapters.dynamodb.accounts import DynamoAccountCodes
from healthspace.adapters.dynamodb.enrollment import DynamoEnrollmentStore
from healthspace.adapters.notify import Notifications
from healthspace.adapters.ops import read_pepper
from healthspace.adapters.system import SystemClock, UlidIds
from healthspace.kernel.settings import AccountSettings, NotifySettings, PepperSettings
from healthspace.wiring import root
from healthspace.wiring.records import table


@root
def accounts() -> Accounts:
    settings = AccountSettings.from_env()
    clock, ids = SystemClock(), UlidIds()
    return Accounts(
        enrollments=DynamoEnrollmentStore(table()),
        people=table(),
        codes=DynamoAccountCodes(),
        directory=CognitoAccounts(settings.patient_user_pool_id),
        sender=Notifications(NotifySettings.from_env(), clock=clock, ids=ids),
        identities=DynamoAccountCodes(),
        # Read on first use (the codes' digests, the identity index's keys).
        pepper_source=lambda: read_pepper(settings.pepper_secret_id),
        clock=clock,
        ids=ids,
    )


@root
def _pepper() -> bytes:
    return read_pepper(PepperSettings.from_env().pepper_secret_id)


@root
def france_connect(user_pool_id: str) -> FranceConnectLinking:
    """The pre sign-up trigger's use case, for the pool the event names (the trigger's own
    environment cannot name the pool it is a trigger of: a cycle in the template)."""
    return FranceConnectLinking(
        enrollments=DynamoEnrollmentStore(table()),
        index=DynamoAccountCodes(),
        links=CognitoAccounts(user_pool_id),
        history=DynamoAccountCodes(),
        pepper_source=_pepper,
        clock=SystemClock(),
        ids=UlidIds(),
    )
