"""People's accounts on AWS: the patients' user pool, the codes' items, the enrollment's
channels. The root of the accounts stream function, and a part of the enrollment API's."""

from __future__ import annotations

from healthspace.accounts.accounts import Accounts
from healthspace.adapters.cognito import CognitoAccounts
from healthspace.adapters.dynamodb.accounts import DynamoAccountCodes
from healthspace.adapters.dynamodb.enrollment import DynamoEnrollmentStore
from healthspace.adapters.notify import Notifications
from healthspace.adapters.ops import read_pepper
from healthspace.adapters.system import SystemClock, UlidIds
from healthspace.kernel.settings import AccountSettings, NotifySettings
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
        # Read on first use: opening accounts checks no code, so never reads the secret.
        pepper_source=lambda: read_pepper(settings.pepper_secret_id),
        clock=clock,
        ids=ids,
    )
