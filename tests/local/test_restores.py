"""The local stack's restore clock (infra/local/restores.py): an archive deleted between its
listing and its HEAD (a reopening's last step deletes it) is skipped, not an error that stops
the round (and, in a test, the flow that called it)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.local.restores import RestoreClock


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-3")
    with mock_aws():
        client = boto3.client("s3", region_name="eu-west-3")
        client.create_bucket(
            Bucket="archive", CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
        )
        yield client


def test_an_archive_deleted_after_the_listing_is_skipped(s3: Any) -> None:
    for name in ("a", "b"):
        s3.put_object(
            Bucket="archive",
            Key=f"spaces/{name}/archive.tar",
            Body=b"tar",
            StorageClass="DEEP_ARCHIVE",
        )
        s3.restore_object(
            Bucket="archive", Key=f"spaces/{name}/archive.tar", RestoreRequest={"Days": 1}
        )
    clock = RestoreClock("archive")
    clock._client = s3
    head = s3.head_object
    headed: list[str] = []

    def gone_meanwhile(**params: Any) -> Any:
        headed.append(params["Key"])
        if params["Key"] == "spaces/a/archive.tar":
            s3.delete_object(Bucket="archive", Key=params["Key"])
        return head(**params)

    s3.head_object = gone_meanwhile

    clock.complete()  # a's 404 skipped: the round goes on to b

    assert headed == ["spaces/a/archive.tar", "spaces/b/archive.tar"]


def test_another_error_still_stops_the_round(s3: Any) -> None:
    s3.put_object(
        Bucket="archive", Key="spaces/a/archive.tar", Body=b"tar", StorageClass="DEEP_ARCHIVE"
    )
    clock = RestoreClock("archive")
    clock._client = s3

    def refused(**_: Any) -> Any:
        raise s3.exceptions.ClientError(
            {"Error": {"Code": "403", "Message": "Forbidden"}}, "HeadObject"
        )

    s3.head_object = refused
    with pytest.raises(s3.exceptions.ClientError):
        clock.complete()
