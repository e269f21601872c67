"""The confirmation of a space's deletion, on AWS (the DeletionConfirmations port of
healthspace.lifecycle): sent where the enrollment's messages went, through the Notifier's
channels (SES, SNS, the mail house's letters)."""

from __future__ import annotations

from typing import Protocol

from healthspace.adapters.notify import Notifications
from healthspace.enrollment.model import Enrollment
from healthspace.lifecycle.deletion_model import Deletion
from healthspace.lifecycle.messages import deletion_message


class Enrollments(Protocol):
    def get_enrollment(self, ins: str) -> Enrollment | None: ...


class EnrollmentConfirmations:
    """The confirmation goes where the enrollment's messages went (the person, or a child's
    legal representative): email, else SMS, else a letter in the mail house's batch."""

    def __init__(self, enrollments: Enrollments, notifications: Notifications) -> None:
        self._enrollments = enrollments
        self._notifications = notifications

    def confirm(self, holder_ins: str, deletion: Deletion) -> bool:
        enrollment = self._enrollments.get_enrollment(holder_ins)
        if enrollment is None:
            return False
        settings = self._notifications.settings
        with self._notifications:  # a letter is written before the function returns
            self._notifications.send(
                enrollment,
                "deletion",
                lambda channel: deletion_message(enrollment, deletion, channel, settings),
            )
        return True
