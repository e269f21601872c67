"""The website's static files (web/) as the local gateway serves them: / is web/index.html, /app.js
is web/app.js, with the website's content types whatever the machine's MIME database says, and
the headers a static host must add: web/index.html's <meta> Content-Security-Policy plus
frame-ancestors 'none' (which only a header can set), X-Content-Type-Options: nosniff,
Referrer-Policy: no-referrer.
"""

from __future__ import annotations

from contextlib import suppress
from html.parser import HTMLParser
from pathlib import Path

from werkzeug.exceptions import NotFound
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Request, Response

from infra.local.proxy import error

# The website's files, typed here rather than by the machine's MIME database (Windows' registry
# may say text/plain for .js, and browsers refuse ES modules served so).
WEB_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
}
# Ignored in a <meta> policy: only a header keeps the site out of frames (clickjacking).
FRAME_ANCESTORS = "frame-ancestors 'none'"
FALLBACK_POLICY = "default-src 'self'; object-src 'none'; base-uri 'none'"  # no <meta> found


def static_response(web_dir: Path, request: Request) -> Response:
    """A file of the website for a GET or HEAD, typed and with a static host's headers; 404
    {"code": "NOT_FOUND"} when there is none."""
    path = request.path.lstrip("/")
    if path == "" or path.endswith("/"):
        path += "index.html"
    try:
        response = send_from_directory(web_dir, path, request.environ)
    except NotFound:
        return error(404, "NOT_FOUND", f"no route or file for {request.path}")
    content_type = WEB_TYPES.get(Path(path).suffix.lower())
    if content_type:
        response.headers["Content-Type"] = content_type
    response.headers["Cache-Control"] = "no-store"  # edits show on reload
    response.headers["Content-Security-Policy"] = site_policy(web_dir)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def site_policy(web_dir: Path) -> str:
    """The Content-Security-Policy of index.html's <meta>, plus frame-ancestors 'none'. Read on
    every request (a 2 KB file), so that an edit of the page's policy shows on reload."""
    meta = _MetaPolicy()
    with suppress(OSError):  # no page: the fallback policy
        meta.feed((web_dir / "index.html").read_text(encoding="utf-8"))
    meta.close()
    directives = [d.strip() for d in (meta.policy or FALLBACK_POLICY).split(";") if d.strip()]
    if not any(d.split()[0].lower() == "frame-ancestors" for d in directives):
        directives.append(FRAME_ANCESTORS)
    return "; ".join(directives)


class _MetaPolicy(HTMLParser):
    """The content of the first <meta http-equiv="Content-Security-Policy">."""

    def __init__(self) -> None:
        super().__init__()
        self.policy: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        equiv = (values.get("http-equiv") or "").lower()
        if tag == "meta" and equiv == "content-security-policy" and self.policy is None:
            self.policy = values.get("content")
