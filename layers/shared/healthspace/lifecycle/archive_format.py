"""A closed space's archive object: one tar stream (docs/lifecycle.md, "Archive for ten years").

    items/<kind>.jsonl        the space's table items of one kind (documents' metadata, profile
                              entries, counts, care record, holds, access log...), one a line,
                              sealed with the space's data key (AES-GCM, kernel.crypto)
    objects/<key>             each object the space holds in the documents bucket (its documents'
                              stored ciphertext), byte for byte, under its key
    manifest.json             last: format version, space id, counts, and the size and SHA-256
                              of every entry above (it can only be written once they are)

Entries go into the tar as they come (a document is copied from its stream, never whole in
memory); the writer hashes the whole tar as it is written, which is what S3's checksum of the
object is compared with. The reader checks every entry against the manifest before anything is
put back. Adding an entry (the FHIR Bundle of the export) is one `add_sealed` call.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, BinaryIO, Final, cast

from healthspace.kernel.crypto import decrypt_document, encrypt_document

FORMAT_VERSION: Final = 1
MANIFEST: Final = "manifest.json"
ITEMS: Final = "items/"
OBJECTS: Final = "objects/"
_CHUNK = 1024 * 1024


class ArchiveCorrupt(Exception):
    """An archive that does not match its manifest or its recorded SHA-256."""


class _Hashing(io.RawIOBase):
    """A write-only file that hashes and counts what goes through it into `sink`."""

    def __init__(self, sink: IO[bytes]) -> None:
        self.sink = sink
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = bytes(data)
        self.digest.update(view)
        self.size += len(view)
        self.sink.write(view)
        return len(view)


class _HashingReader(io.RawIOBase):
    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.source.read(len(buffer))
        self.digest.update(data)
        buffer[: len(data)] = data
        return len(data)


def _sealed_name(name: str) -> str:
    """The associated data of a sealed entry: a sealed entry cannot be swapped for another."""
    return f"archive/{name}"


@dataclass
class ArchiveWriter:
    """Writes the tar into `sink` (a temporary file), entry by entry, then the manifest."""

    sink: IO[bytes]
    space_id: str
    key: bytes  # the space's data key (plaintext, in memory only while writing)
    created_at: datetime
    entries: list[dict[str, Any]] = field(default_factory=list)
    items: dict[str, int] = field(default_factory=dict)  # table items by kind
    objects: int = 0

    def __post_init__(self) -> None:
        self._hashing = _Hashing(self.sink)
        # Closed by finish(), which must write the manifest first.
        self._tar = tarfile.open(  # noqa: SIM115
            fileobj=self._hashing, mode="w|", format=tarfile.PAX_FORMAT
        )

    def add_sealed(self, name: str, plaintext: bytes) -> None:
        """An entry sealed with the space's data key (its name bound as associated data)."""
        sealed = encrypt_document(self.key, self.space_id, _sealed_name(name), plaintext)
        self._add(name, io.BytesIO(sealed), len(sealed), sealed=True)

    def add_items(self, kind: str, lines: list[bytes]) -> None:
        self.add_sealed(f"{ITEMS}{kind}.jsonl", b"\n".join(lines))
        self.items[kind] = self.items.get(kind, 0) + len(lines)

    def add_object(self, key: str, stream: BinaryIO, size: int) -> None:
        self._add(f"{OBJECTS}{key}", stream, size, sealed=False)
        self.objects += 1

    def _add(self, name: str, stream: IO[bytes], size: int, *, sealed: bool) -> None:
        reader = _HashingReader(stream)
        info = tarfile.TarInfo(name)
        info.size = size
        info.mtime = int(self.created_at.timestamp())
        self._tar.addfile(info, io.BufferedReader(reader, _CHUNK))
        self.entries.append(
            {"name": name, "size": size, "sha256": reader.digest.hexdigest(), "sealed": sealed}
        )

    def finish(self) -> tuple[str, int, dict[str, Any]]:
        """Writes the manifest, closes the tar: (SHA-256 of the whole tar, its size, manifest)."""
        manifest = {
            "format_version": FORMAT_VERSION,
            "space_id": self.space_id,
            "created_at": self.created_at.isoformat(),
            "counts": {
                "objects": self.objects,
                "items": sum(self.items.values()),
                "items_by_kind": dict(sorted(self.items.items())),
            },
            "entries": self.entries,
        }
        data = json.dumps(manifest, indent=1, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        info.mtime = int(self.created_at.timestamp())
        self._tar.addfile(info, io.BytesIO(data))
        self._tar.close()
        return self._hashing.digest.hexdigest(), self._hashing.size, manifest


@dataclass
class ArchiveReader:
    """Reads an archive written by ArchiveWriter from a seekable file, checking it first."""

    source: IO[bytes]
    space_id: str
    key: bytes

    def __post_init__(self) -> None:
        self._tar = tarfile.open(fileobj=self.source, mode="r:")  # noqa: SIM115 (source's owner closes)
        member = self._tar.getmember(MANIFEST)
        self.manifest: dict[str, Any] = json.loads(self._read(member))
        if self.manifest.get("format_version") != FORMAT_VERSION:
            raise ArchiveCorrupt("unknown archive format")
        if self.manifest.get("space_id") != self.space_id:
            raise ArchiveCorrupt("this archive is another space's")

    def verify(self) -> None:
        """Every entry the manifest names is there, with its size and SHA-256."""
        for entry in self.manifest["entries"]:
            digest = hashlib.sha256()
            for chunk in self._chunks(entry["name"]):
                digest.update(chunk)
            if digest.hexdigest() != entry["sha256"]:
                raise ArchiveCorrupt(f"entry {entry['name']} does not match its manifest")

    def sealed(self, name: str) -> bytes:
        """A sealed entry (the FHIR Bundle), opened with the space's data key."""
        sealed = b"".join(self._chunks(name))
        return decrypt_document(self.key, self.space_id, _sealed_name(name), sealed)

    def items(self) -> Iterator[tuple[str, bytes]]:
        """(kind, item) of every sealed items entry, opened with the space's data key."""
        for entry in self.manifest["entries"]:
            name = entry["name"]
            if not name.startswith(ITEMS):
                continue
            plain = self.sealed(name)
            kind = name.removeprefix(ITEMS).removesuffix(".jsonl")
            for line in plain.split(b"\n"):
                if line:
                    yield kind, line

    def objects(self) -> Iterator[tuple[str, BinaryIO, int]]:
        """(key, stream, size) of every object, as it was stored."""
        for entry in self.manifest["entries"]:
            name = entry["name"]
            if name.startswith(OBJECTS):
                stream = self._tar.extractfile(name)
                assert stream is not None
                yield name.removeprefix(OBJECTS), cast(BinaryIO, stream), int(entry["size"])

    def _chunks(self, name: str) -> Iterator[bytes]:
        try:
            stream = self._tar.extractfile(name)
        except KeyError:
            raise ArchiveCorrupt(f"entry {name} is missing") from None
        if stream is None:
            raise ArchiveCorrupt(f"entry {name} is not a file")
        while chunk := stream.read(_CHUNK):
            yield chunk

    def _read(self, member: tarfile.TarInfo) -> bytes:
        stream = self._tar.extractfile(member)
        if stream is None:
            raise ArchiveCorrupt("the manifest is not a file")
        return stream.read()
