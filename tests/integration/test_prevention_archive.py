"""The prevention calendar's statuses are the space's items: archived with it when it closes,
back as they were when it reopens (the archive and reopening workflows of
tests/integration/test_archive_reopen.py, executing on moto)."""

from __future__ import annotations

from tests.integration.test_agenda_api import agenda as agenda  # the fixture
from tests.integration.test_archive_reopen import (
    _archive_of,
    _ask_again,
    _close_and_archive,
    _execution_of,
    _restored,
    _wait_for_token,
)
from tests.integration.test_archive_reopen import _executing as _executing  # the fixtures
from tests.integration.test_archive_reopen import _machines as _machines
from tests.integration.test_closure import space_items


def test_statuses_go_to_the_archive_and_come_back(agenda, api, person, deployed):
    alice = person("Alice")
    marked = {"status": "DONE", "done_on": "2026-02-03"}
    status, _, item = agenda(
        "PUT", "/me/agenda/prevention/checkup-45-50", alice, marked, {"If-Match": "0"}
    )
    assert status == 200, item
    before = [i for i in space_items(alice.space_id) if i["sk"].startswith("PREVENTION#")]
    assert len(before) == 1

    _close_and_archive(api, deployed, alice)
    assert not [i for i in space_items(alice.space_id) if i["sk"].startswith("PREVENTION#")]

    assert _ask_again(deployed, alice)[0] == 202
    execution = _execution_of("REOPEN_STATE_MACHINE_ARN", alice.space_id)
    _wait_for_token(alice.space_id)
    assert _restored(_archive_of(alice.space_id), execution)["status"] == "SUCCEEDED"

    after = [i for i in space_items(alice.space_id) if i["sk"].startswith("PREVENTION#")]
    assert after == before
    status, _, page = agenda("GET", "/me/agenda/prevention", alice, query={"limit": "100"})
    assert status == 200, page
    checkup = next(i for i in page["items"] if i["item_id"] == "checkup-45-50")
    assert (checkup["status"], checkup["done_on"], checkup["version"]) == ("DONE", "2026-02-03", 1)
