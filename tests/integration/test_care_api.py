"""The patient's controls through the records function (issue 4): GET /me/care and its changes,
on API Gateway events against moto."""

import pytest

from healthspace.kernel.errors import PreconditionFailed
from healthspace.records.access import Caller
from healthspace.records.model import Action
from tests.unit.test_care_access import rpps

DOCTOR, NURSE, OTHER = rpps(11), rpps(12), rpps(13)
BAD_LUHN = DOCTOR[:-1] + str((int(DOCTOR[-1]) + 1) % 10)


def change(api, who, method, path, version, body=None, space=None):
    headers = {"If-Match": f'"{version}"'}
    if space:
        headers["X-Space-Id"] = space
    return api(method, path, who, body=body, headers=headers)


def test_a_new_space_has_the_default_settings_at_version_0(api, person):
    alice = person("Alice")
    status, headers, care = api("GET", "/me/care", alice)
    assert (status, headers["ETag"]) == (200, '"0"')
    assert care == {
        "version": 0,
        "emergency_access": True,
        "mask_by_default": False,
        "blocked": [],
        "blocked_professionals": [],
        "treating_doctor": None,
        "team": [],
    }
    assert api("GET", "/me/access-log", alice)[2]["items"] == []  # reading it is not traced


def test_every_control_round_trips_and_is_traced(api, person):
    alice = person("Alice")
    status, headers, care = change(
        api, alice, "PUT", "/me/care/settings", 0, {"emergency_access": False}
    )
    assert (status, headers["ETag"], care["emergency_access"]) == (200, '"1"', False)

    status, _, care = change(api, alice, "PUT", "/me/care/treating-doctor", 1, {"rpps": DOCTOR})
    assert (status, care["treating_doctor"]["rpps"]) == (200, DOCTOR)

    body = {"scope": ["vaccinations", "biology"], "expires_at": "2099-01-01T00:00:00+01:00"}
    status, _, care = change(api, alice, "PUT", f"/me/care/team/{NURSE}", 2, body)
    assert status == 200
    [grant] = care["team"]
    assert (grant["rpps"], grant["kind"], grant["scope"]) == (
        NURSE,
        "TEAM",
        ["biology", "vaccinations"],
    )

    status, _, care = change(api, alice, "PUT", f"/me/care/blocked/{OTHER}", 3)
    assert (status, care["blocked"]) == (200, [OTHER])

    assert change(api, alice, "DELETE", f"/me/care/blocked/{OTHER}", 4)[2]["blocked"] == []
    assert change(api, alice, "DELETE", f"/me/care/team/{NURSE}", 5)[2]["team"] == []
    status, headers, care = change(api, alice, "DELETE", "/me/care/treating-doctor", 6)
    assert (status, headers["ETag"], care["treating_doctor"]) == (200, '"7"', None)

    assert api("GET", "/me/care", alice)[2] == care
    log = api("GET", "/me/access-log", alice)[2]["items"]
    assert [(e["action"], e["object"]["type"], e["object"].get("id")) for e in log] == [
        ("DELETE", "care/treating-doctor", None),
        ("DELETE", "care/team", NURSE),
        ("DELETE", "care/blocked", OTHER),
        ("UPDATE", "care/blocked", OTHER),
        ("UPDATE", "care/team", NURSE),
        ("UPDATE", "care/treating-doctor", DOCTOR),
        ("UPDATE", "care/settings", None),
    ]
    assert {e["actor"]["id"] for e in log} == {alice.subject}


def test_blocking_the_treating_doctor_is_a_conflict(api, person):
    alice = person("Alice")
    change(api, alice, "PUT", "/me/care/treating-doctor", 0, {"rpps": DOCTOR})
    status, _, error = change(api, alice, "PUT", f"/me/care/blocked/{DOCTOR}", 1)
    assert (status, error["code"]) == (409, "BLOCK_CONFLICT")
    assert "end the designation first" in error["message"]
    assert api("GET", "/me/care", alice)[2]["blocked"] == []


def test_stale_version_gets_412_and_missing_version_428(api, person):
    alice = person("Alice")
    assert change(api, alice, "PUT", "/me/care/settings", 0, {"mask_by_default": True})[0] == 200
    status, _, error = change(api, alice, "PUT", f"/me/care/blocked/{OTHER}", 0)
    assert (status, error["code"]) == (412, "PRECONDITION_FAILED")
    status, _, error = api("PUT", "/me/care/settings", alice, body={"emergency_access": False})
    assert (status, error["code"]) == (428, "PRECONDITION_REQUIRED")
    status, _, error = api("DELETE", "/me/care/treating-doctor", alice)
    assert (status, error["code"]) == (428, "PRECONDITION_REQUIRED")
    _, headers, care = api("GET", "/me/care", alice)
    assert (headers["ETag"], care["blocked"], care["emergency_access"]) == ('"1"', [], True)


def test_a_representative_manages_the_childs_controls(api, person):
    parent = person("Alice")
    child = person("Léa", represented_by=parent)
    status, _, care = change(
        api, parent, "PUT", f"/me/care/blocked/{OTHER}", 0, space=child.space_id
    )
    assert (status, care["blocked"]) == (200, [OTHER])
    assert api("GET", "/me/care", parent)[2]["blocked"] == []
    child_log = api("GET", "/me/access-log", parent, headers={"X-Space-Id": child.space_id})[2]
    assert [e["role"] for e in child_log["items"]] == ["LEGAL_REPRESENTATIVE"]


def test_another_patients_controls_are_out_of_reach(api, person):
    alice, mallory = person("Alice"), person("Mallory")
    elsewhere = {"X-Space-Id": alice.space_id}
    assert api("GET", "/me/care", mallory, headers=elsewhere)[0] == 404
    for method, path, body in [
        ("PUT", "/me/care/settings", {"emergency_access": False}),
        ("PUT", "/me/care/treating-doctor", {"rpps": DOCTOR}),
        ("PUT", f"/me/care/team/{DOCTOR}", {"scope": "full"}),
        ("PUT", f"/me/care/blocked/{DOCTOR}", None),
        ("DELETE", "/me/care/treating-doctor", None),
    ]:
        status, _, error = api(
            method, path, mallory, body=body, headers={**elsewhere, "If-Match": "0"}
        )
        assert (status, error["code"]) == (404, "NOT_FOUND"), (method, path)
    assert api("GET", "/me/care", alice)[1]["ETag"] == '"0"'


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("PUT", "/me/care/settings", {}, "VALIDATION_ERROR"),
        ("PUT", "/me/care/settings", {"emergency_access": "sometimes"}, "VALIDATION_ERROR"),
        ("PUT", "/me/care/settings", {"emergency_access": True, "x": 1}, "VALIDATION_ERROR"),
        ("PUT", "/me/care/settings", "{not json", "VALIDATION_ERROR"),
        ("PUT", "/me/care/treating-doctor", {"rpps": "123"}, "VALIDATION_ERROR"),
        ("PUT", "/me/care/treating-doctor", {"rpps": BAD_LUHN}, "INVALID_IDENTIFIER"),
        (
            "PUT",
            "/me/care/treating-doctor",
            {"rpps": DOCTOR, "profession": "93"},
            "VALIDATION_ERROR",
        ),
        ("PUT", "/me/care/treating-doctor", {"rpps": NURSE, "profession": "60"}, "BAD_REQUEST"),
        ("PUT", f"/me/care/team/{NURSE}", {"scope": []}, "VALIDATION_ERROR"),
        ("PUT", f"/me/care/team/{NURSE}", {"scope": ["astrology"]}, "VALIDATION_ERROR"),
        ("PUT", f"/me/care/team/{NURSE}", {"scope": "everything"}, "VALIDATION_ERROR"),
        (
            "PUT",
            f"/me/care/team/{NURSE}",
            {"scope": "full", "expires_at": "2099-01-01T00:00:00"},  # no time zone
            "VALIDATION_ERROR",
        ),
        (
            "PUT",
            f"/me/care/team/{NURSE}",
            {"scope": "full", "expires_at": "2001-01-01T00:00:00Z"},
            "BAD_REQUEST",
        ),
        ("PUT", f"/me/care/team/{BAD_LUHN}", {"scope": "full"}, "INVALID_IDENTIFIER"),
        ("PUT", "/me/care/blocked/not-an-rpps", None, "VALIDATION_ERROR"),
        ("DELETE", f"/me/care/blocked/{BAD_LUHN}", None, "INVALID_IDENTIFIER"),
    ],
)
def test_bad_input_gets_a_clear_4xx_and_changes_nothing(api, person, method, path, body, code):
    alice = person("Alice")
    status, _, error = api(method, path, alice, body=body, headers={"If-Match": "0"})
    assert 400 <= status < 500
    assert error["code"] == code and error["message"]
    assert api("GET", "/me/care", alice)[2]["version"] == 0
    assert api("GET", "/me/access-log", alice)[2]["items"] == []


def test_the_table_refuses_a_write_at_a_version_it_no_longer_holds(api, person):
    """The conditional write behind If-Match, on DynamoDB: a record computed from a stale read
    (first write racing another, or an older version) fails with its access-log entry."""
    from healthspace.wiring.records import medical_file

    alice = person("Alice")
    file = medical_file()
    access = file.spaces.policy.resolve(Caller(alice.subject, alice.ins, "Alice"), None)
    fresh = file.store.get_care_record(alice.space_id)
    assert change(api, alice, "PUT", f"/me/care/blocked/{OTHER}", 0)[0] == 200
    for stale, expected in ((fresh, 0), (fresh.model_copy(update={"version": 5}), 4)):
        audit = file.history.entry(access, Action.UPDATE, "care/settings")
        with pytest.raises(PreconditionFailed):
            file.store.put_care_record(stale.model_copy(update={"version": 1}), expected, audit)
    assert api("GET", "/me/care", alice)[2]["blocked"] == [OTHER]
    assert len(api("GET", "/me/access-log", alice)[2]["items"]) == 1
