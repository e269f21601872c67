"""Migration through the real function on moto: a former system's file dropped under
migrations/ in the operations bucket is filed into the patients' spaces, its report written
beside the imports', the patient's history showing the migration; dropped again, nothing new."""

import csv
import io
import json

from tests.unit.test_migration import NOBODY_INS, former, ndjson


def summaries(s3, bucket, name):
    """The summaries of the runs of this file, oldest first."""
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="reports/migration-")["Contents"]
    found = [
        summary
        for o in sorted(listed, key=lambda o: o["Key"])
        if o["Key"].endswith(".json")
        and (summary := json.load(s3.get_object(Bucket=bucket, Key=o["Key"])["Body"]))["name"]
        == name
    ]
    assert found, f"no summary for {name}"
    return found


def test_a_dropped_file_is_migrated_reported_and_shown_in_the_history(
    deployed, stack_env, s3, person, api
):
    patient = person("Mia")
    bucket, key = stack_env["OPS_BUCKET"], "migrations/former-mia.ndjson"
    body = ndjson(
        former(patient.ins, "MIA-1"), former(NOBODY_INS, "NOBODY-1"), former(patient.ins, "MIA-2")
    )

    s3.put_object(Bucket=bucket, Key=key, Body=body.encode())  # notifies the function

    [summary] = summaries(s3, bucket, key)
    assert (summary["records"], summary["filed"], summary["rejected_records"]) == (3, 2, 1)
    report = s3.get_object(Bucket=bucket, Key=summary["report_key"])["Body"].read().decode()
    assert list(csv.reader(io.StringIO(report)))[1][:2] == [
        "2",
        "DocumentReference.subject.identifier",
    ]
    documents = api("GET", "/me/documents", patient)[2]["items"]
    assert sorted(d["author"]["display_name"] for d in documents) == ["Dr Anne Lefèvre"] * 2
    log = api("GET", "/me/access-log", patient)[2]["items"]
    migrated = [
        (
            e["action"],
            e["object"]["type"],
            e["role"],
            e["actor"]["kind"],
            e["actor"]["display_name"],
        )
        for e in log
        if e["actor"]["id"] == "migration"
    ]
    assert migrated == [("CREATE", "document", "SYSTEM", "SYSTEM", "Migration du DMP")] * 2

    s3.put_object(Bucket=bucket, Key=key, Body=body.encode())  # dropped again, by mistake

    second = summaries(s3, bucket, key)[-1]
    assert (second["filed"], second["already_there"]) == (0, 2)
    assert len(api("GET", "/me/documents", patient)[2]["items"]) == 2
    log = api("GET", "/me/access-log", patient)[2]["items"]
    assert len([e for e in log if e["actor"]["id"] == "migration"]) == 2


def test_a_file_too_big_for_one_invocation_is_refused_whole(
    deployed, stack_env, s3, person, api, monkeypatch
):
    from functions.migration import app

    monkeypatch.setattr(app, "MAX_RECORDS_PER_FILE", 1)
    patient = person("Noa")
    bucket, key = stack_env["OPS_BUCKET"], "migrations/too-big.ndjson"
    body = ndjson(former(patient.ins, "NOA-1"), former(patient.ins, "NOA-2"))

    s3.put_object(Bucket=bucket, Key=key, Body=body.encode())

    [summary] = summaries(s3, bucket, key)
    assert (summary["records"], summary["filed"], summary["errors"]) == (2, 0, 1)
    assert api("GET", "/me/documents", patient)[2]["items"] == []
