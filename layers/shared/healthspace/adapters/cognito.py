"""The AccountDirectory port on the patients' Cognito user pool.

The username is the INS (everyone has one; a letter's reader has neither email nor phone), and
`custom:ins` repeats it, immutable, for the API's authorizer claims. The pool sends nothing
(MessageAction SUPPRESS): codes are ours, on the enrollment's channel. Email and phone are kept
as the enrollment gave them, unverified, so that the pool's own forgotten-password flow (which
needs a verified address) stays closed: ours is the only one. Logs never name the INS."""

from __future__ import annotations

import threading
from functools import cached_property
from typing import Any

import boto3
from botocore.exceptions import ClientError

from healthspace.accounts.accounts import WeakPassword
from healthspace.enrollment.model import Contact
from healthspace.kernel.observability import logger

_CLIENT = threading.Lock()


class CognitoAccounts:
    def __init__(self, user_pool_id: str) -> None:
        self.user_pool_id = user_pool_id

    @cached_property
    def _idp(self) -> Any:
        with _CLIENT:  # boto3's default session is not thread-safe
            return boto3.client("cognito-idp")

    def open_account(self, ins: str, contact: Contact) -> bool:
        attributes = [{"Name": "custom:ins", "Value": ins}]
        if contact.email:
            attributes.append({"Name": "email", "Value": str(contact.email)})
        if contact.mobile:
            attributes.append({"Name": "phone_number", "Value": contact.mobile})
        try:
            self._idp.admin_create_user(
                UserPoolId=self.user_pool_id,
                Username=ins,
                UserAttributes=attributes,
                MessageAction="SUPPRESS",
            )
        except ClientError as exc:
            if _code(exc) == "UsernameExistsException":
                return False
            raise
        logger.info("account opened")
        return True

    def set_password(self, ins: str, password: str) -> None:
        try:
            self._idp.admin_set_user_password(
                UserPoolId=self.user_pool_id, Username=ins, Password=password, Permanent=True
            )
        except ClientError as exc:
            if _code(exc) == "InvalidPasswordException":
                raise WeakPassword("the password does not meet the policy") from None
            raise

    def sign_out_everywhere(self, ins: str) -> None:
        self._idp.admin_user_global_sign_out(UserPoolId=self.user_pool_id, Username=ins)

    def link(self, ins: str, provider: str, subject: str) -> None:
        """The ProviderLinks port: the provider's user (its `sub`) signs in as this account."""
        self._idp.admin_link_provider_for_user(
            UserPoolId=self.user_pool_id,
            DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": ins},
            SourceUser={
                "ProviderName": provider,
                "ProviderAttributeName": "Cognito_Subject",
                "ProviderAttributeValue": subject,
            },
        )


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
