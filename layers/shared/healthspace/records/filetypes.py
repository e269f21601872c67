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
# What a browser may show on screen (records.documents.Documents.view): a PDF in its viewer, an
# image in <img>. Judged on the type detected at filing, never the declared one; the others
# (text, RTF, TIFF) are only downloaded.
VIEWABLE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})
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


def named_as(filename: str, mime: str) -> str:
    """The file name ending with the extension of what the file is (a PDF named "page.html"
    saved from the viewer must not open as a web page)."""
    wanted = EXTENSIONS.get(mime, "bin")
    stem, dot, ext = filename.rpartition(".")
    if dot and ext.lower() in {wanted, *(("jpeg",) if wanted == "jpg" else ())}:
        return filename
    return f"{stem if dot and stem else filename}.{wanted}"
