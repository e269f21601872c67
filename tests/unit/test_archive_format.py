"""The archive object's format (healthspace.lifecycle.archive_format): what is written reads
back entry for entry, sealed with the space's key, and any change to it is caught."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from datetime import UTC, datetime

import pytest

from healthspace.kernel.crypto import DecryptionFailed
from healthspace.lifecycle.archive_format import ArchiveCorrupt, ArchiveReader, ArchiveWriter

KEY = bytes(range(32))
NOW = datetime(2031, 3, 1, 9, 0, tzinfo=UTC)


def written(space_id: str = "space-1", documents: int = 2) -> tuple[bytes, str, dict]:
    sink = io.BytesIO()
    writer = ArchiveWriter(sink, space_id, KEY, NOW)
    writer.add_items("doc", [b'{"title": "Bilan"}', b'{"title": "Radio"}'])
    writer.add_items("log", [b'{"object": "space/closure"}'])
    for n in range(documents):
        blob = os.urandom(1000 + n)
        writer.add_object(f"spaces/{space_id}/documents/d{n}", io.BytesIO(blob), len(blob))
    sha256, size, manifest = writer.finish()
    data = sink.getvalue()
    assert size == len(data)
    return data, sha256, manifest


def test_what_is_written_reads_back_and_its_hash_is_the_whole_tar():
    data, sha256, manifest = written()

    assert hashlib.sha256(data).hexdigest() == sha256
    reader = ArchiveReader(io.BytesIO(data), "space-1", KEY)
    reader.verify()
    assert list(reader.items()) == [
        ("doc", b'{"title": "Bilan"}'),
        ("doc", b'{"title": "Radio"}'),
        ("log", b'{"object": "space/closure"}'),
    ]
    objects = [(key, stream.read(), size) for key, stream, size in reader.objects()]
    assert [(k, len(b), s) for k, b, s in objects] == [
        ("spaces/space-1/documents/d0", 1000, 1000),
        ("spaces/space-1/documents/d1", 1001, 1001),
    ]
    assert manifest["counts"] == {"objects": 2, "items": 3, "items_by_kind": {"doc": 2, "log": 1}}
    assert b"Bilan" not in data  # sealed


def test_a_changed_byte_in_an_entry_is_caught():
    data, _, manifest = written()
    entry = next(e for e in manifest["entries"] if e["name"].endswith("d1"))
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        offset = tar.getmember(entry["name"]).offset_data
    tampered = bytearray(data)
    tampered[offset + 10] ^= 0x01

    with pytest.raises(ArchiveCorrupt, match="does not match"):
        ArchiveReader(io.BytesIO(bytes(tampered)), "space-1", KEY).verify()


def test_another_key_or_another_space_opens_nothing():
    data, _, _ = written()
    with pytest.raises(DecryptionFailed):
        list(ArchiveReader(io.BytesIO(data), "space-1", bytes(32)).items())
    with pytest.raises(ArchiveCorrupt, match="another space"):
        ArchiveReader(io.BytesIO(data), "space-2", KEY)
