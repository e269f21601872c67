"""The reminders' items of a space (its settings, its sent markers) go with the space's life: a
close -> archive -> reopen round trip gives them back attribute for attribute, and a reminder
sent before the closure is not sent again after the reopening (the archive workflows as
tests/integration/test_archive_reopen.py runs them)."""

from __future__ import annotations

from datetime import UTC, datetime

from healthspace.adapters.dynamodb.items import Item
from healthspace.agenda.reminders import Outcome
from tests.integration.test_archive_reopen import (  # the workflows, and their fixtures
    _archive_of,
    _ask_again,
    _close_and_archive,
    _executing,  # noqa: F401
    _execution_of,
    _low_level_items,
    _machines,  # noqa: F401
    _restored,
    _wait_for_token,
)
from tests.integration.test_closure import space_items
from tests.integration.test_reminders import agenda as agenda  # the fixture
from tests.integration.test_reminders import book, enroll, run, sent_to, want
from tests.integration.test_reminders import job as job


def test_settings_and_markers_survive_the_archive_and_send_nothing_again(
    api, agenda, person, deployed, job
) -> None:
    alice = person("Alice")
    address = enroll(alice)
    want(agenda, alice, "P1D")
    book(agenda, alice, "2030-03-12T10:00:00")
    job.store.advance_cursor(datetime(2030, 3, 11, 8, 55, tzinfo=UTC))
    assert run(job, "2030-03-11T09:01:00") == {Outcome.SENT: 1}
    kinds = ("REMINDERS", "REMINDED#")
    before = {
        i["sk"]["S"]: i for i in _low_level_items(alice.space_id) if i["sk"]["S"].startswith(kinds)
    }
    assert len(before) == 2, before

    _close_and_archive(api, deployed, alice)
    assert {i["sk"] for i in space_items(alice.space_id)} == {"SPACE", "CLOSURE"}

    status, _ = _ask_again(deployed, alice)
    assert status == 202
    execution = _execution_of("REOPEN_STATE_MACHINE_ARN", alice.space_id)
    _wait_for_token(alice.space_id)
    assert _restored(_archive_of(alice.space_id), execution)["status"] == "SUCCEEDED"
    after = {i["sk"]["S"]: i for i in _low_level_items(alice.space_id)}
    for sk, item in before.items():
        assert after[sk] == item, sk

    # A sweep of the same slot again (the cursor put back) meets the restored marker.
    Item("REMINDERS#SWEEP", "CURSOR", body='"2030-03-11T08:55:00.000000Z"').save()
    assert run(job, "2030-03-11T09:02:00") == {Outcome.ALREADY: 1}
    assert len(sent_to(address)) == 1
