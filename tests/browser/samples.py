"""Files a patient adds in the browser tests: a one-page PDF with a line of text, the same PDF
made a web page too (a polyglot: its first bytes say PDF, a browser told it is HTML runs its
script), and a small PNG."""

from __future__ import annotations

import struct
import zlib

# What the polyglot's script and image ask for if they ever run: a request for this path, on
# whatever origin the file is served from, means the file ran as a page.
STOLEN = "/stolen"
_PAGE = (
    f"%<html><body><h1>Page</h1><script>fetch('{STOLEN}?by=script')</script>"
    f"<img src='{STOLEN}?by=img' alt=''></body></html>\n"
).encode()


def pdf(text: str, comment: bytes = b"") -> bytes:
    """A valid one-page PDF showing `text`; `comment` goes right after the header (a PDF comment
    line starts with %, which HTML shows as text)."""
    stream = f"BT /F1 24 Tf 72 760 Td ({text}) Tj ET".encode()
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]"
        b"/Resources<</Font<</F1 4 0 R>>>>/Contents 5 0 R>>",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
        b"<</Length %d>>stream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = b"%PDF-1.4\n" + comment
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj" % number + body + b"endobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def polyglot(text: str) -> bytes:
    """A PDF that is also a web page whose script calls STOLEN."""
    return pdf(text, _PAGE)


def png(width: int = 48, height: int = 24, rgb: tuple[int, int, int] = (0, 0, 145)) -> bytes:
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
