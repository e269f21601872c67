"""A deletion's dates (the last readable copy: the deletion plus 35 days of DynamoDB backups) and
its confirmation: both dates, by each channel, nothing of the space's content nor the INS."""

from datetime import UTC, datetime, timedelta

import pytest

from healthspace.enrollment.messages import SMS_MAX_SEGMENTS, is_gsm7, sms_segments
from healthspace.enrollment.model import Channel
from healthspace.lifecycle.deletion_model import LAST_COPY_DAYS, Deletion, DeletionReason
from healthspace.lifecycle.messages import deletion_message
from healthspace.records.model import Role, SpaceStatus
from tests.unit.test_messages import SITE, enrollment

ASKED = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)


def deletion(deleted_at: datetime | None = None) -> Deletion:
    return Deletion(
        space_id="01SPACE",
        reason=DeletionReason.REQUEST,
        requested_at=ASKED,
        requested_by=Role.HOLDER,
        status=SpaceStatus.DELETED if deleted_at else SpaceStatus.DELETING,
        deleted_at=deleted_at,
    )


def test_the_last_copy_is_gone_35_days_after_the_deletion() -> None:
    done = deletion(ASKED + timedelta(minutes=3))
    assert done.last_copy_gone_by == ASKED + timedelta(minutes=3, days=LAST_COPY_DAYS)
    # while it runs: the latest it will be done (a day), then the 35 days
    assert deletion().last_copy_gone_by == ASKED + timedelta(days=1 + LAST_COPY_DAYS)
    assert LAST_COPY_DAYS + 1 < 90  # well inside the three months
    assert "space_id" not in done.to_api() and "objects" not in done.to_api()


@pytest.mark.parametrize("channel", list(Channel))
@pytest.mark.parametrize("minor", [False, True])
def test_the_confirmation_gives_both_dates_and_nothing_else(channel: Channel, minor: bool) -> None:
    person = enrollment(minor=minor)
    message = deletion_message(person, deletion(ASKED), channel, SITE)
    text = f"{message.subject} {message.body}"
    assert "1er mars 2027" in text and "5 avril 2027" in text
    assert person.ins not in text and "01SPACE" not in text
    assert ("de Léa" in text) is minor
    if channel is Channel.SMS:
        assert is_gsm7(message.body) and sms_segments(message.body) <= SMS_MAX_SEGMENTS
