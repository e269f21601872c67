"""What a file really is, by its first bytes, whatever its name or declared type says."""

from __future__ import annotations

import filetype

ALLOWED_TYPES = frozenset(
    {"application/pdf", "text/plain", "application/rtf", "image/jpeg", "image/png", "image/tiff"}
)
# The file name's extension of each type (the name we give a file says what it really is).
EXTENSIONS = {
    "application/pdf": "pdf",
    "text/plain": "txt",
    "application/rtf": "rtf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/tiff": "tif",
}
_SNIFF_BYTES = 8192
# Text has no magic number: accept UTF-8 without control characters other than layout ones.
_LAYOUT = {"\t", "\n", "\r", "\f"}


def _is_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sniff window is still text.
        if exc.start < len(head) - 3:
            return False
        text = head[: exc.start].decode("utf-8")
    return bool(text) and all(ch.isprintable() or ch in _LAYOUT for ch in text)


def sniff(data: bytes) -> str | None:
    """The MIME type read from the content, or None if it is none we recognise."""
    head = data[:_SNIFF_BYTES]
    mime = filetype.guess_mime(head)
    if mime:
        return str(mime)
    return "text/plain" if _is_text(head) else None


def extension(data: bytes) -> str:
    """The file name extension of what these bytes are ("bin" for none we recognise)."""
    return EXTENSIONS.get(sniff(data) or "", "bin")
