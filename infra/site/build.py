"""The deployable website, built from web/ as it is written (plain files that also work unbuilt).

Every file of web/ but the pages (*.html) and the notes (*.md, dotfiles) is an asset: it gets a
name carrying a hash of its content (app.js -> app.3f9a1c2b.js), and every reference to it is
rewritten to that name: a page's src and href, a module's import and export specifiers, a
stylesheet's url() and @import. A module's hash covers the hashed names it imports, so a change
anywhere renames every module that leads to it, and an old page never loads a new module.
Assets are then cached for a year, immutable; pages are revalidated on every load (no-cache),
so a deployment shows at the next load. Each asset stays reachable under its own name too,
revalidated, for what names a file at run time (a fetch of a JSON file).

Files are discovered, never listed: a new module or locale file is built as soon as it exists.
A reference the build cannot resolve (a missing file, a bare or remote specifier, a computed
import(), an import cycle) fails the build with the file and the reference named.
"""

from __future__ import annotations

import gzip
import hashlib
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from infra.site.references import (
    BuildError,
    Reference,
    module_references,
    page_references,
    stylesheet_references,
)

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
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
}
COMPRESSIBLE = {".html", ".js", ".mjs", ".css", ".json", ".svg", ".txt"}
# CloudFront compresses objects from 1,000 bytes; below, the headers outweigh the gain.
MIN_COMPRESSED_BYTES = 1000
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"  # stored, but checked with the origin (ETag) before each use
HASH_CHARS = 8

_FINDERS: dict[str, Callable[[str], list[Reference]]] = {
    ".js": module_references,
    ".mjs": module_references,
    ".css": stylesheet_references,
    ".html": page_references,
}
_EXTERNAL = ("data:", "http:", "https:", "mailto:", "tel:", "blob:", "//", "#")


@dataclass(frozen=True)
class BuiltFile:
    path: str  # its URL path without the leading slash: "app.3f9a1c2b.js", "index.html"
    body: bytes
    content_type: str
    cache_control: str
    gzipped: bytes | None = None  # when its type compresses and the result is smaller

    @property
    def etag(self) -> str:
        return hashlib.sha256(self.body).hexdigest()[:32]


@dataclass(frozen=True)
class Site:
    files: dict[str, BuiltFile]  # by path
    hashed: dict[str, str]  # each asset's own name -> its hashed name


def source_files(web_dir: Path) -> dict[str, Path]:
    """Every file of the website by its path under web/ (posix), notes and dotfiles left out."""
    found = {}
    for path in sorted(web_dir.rglob("*")):
        name = path.relative_to(web_dir).as_posix()
        if path.is_dir() or path.suffix == ".md" or any(p.startswith(".") for p in name.split("/")):
            continue
        if path.suffix.lower() not in WEB_TYPES:
            raise BuildError(f"web/{name}: no content type for {path.suffix!r} (WEB_TYPES)")
        found[name] = path
    return found


def build(web_dir: Path) -> Site:
    sources = {name: path.read_bytes() for name, path in source_files(web_dir).items()}
    pages = [name for name in sources if name.endswith(".html")]
    assets = [name for name in sources if name not in pages]
    links = {name: _links(name, sources) for name in sources}
    hashed: dict[str, str] = {}
    files: dict[str, BuiltFile] = {}
    for name in _dependencies_first(assets, links):
        body = _rewrite(name, sources[name], links[name], hashed)
        hashed[name] = _hashed_name(name, body)
        files[hashed[name]] = _built(hashed[name], body, IMMUTABLE)
        files[name] = _built(name, body, REVALIDATE)
    for name in pages:
        files[name] = _built(name, _rewrite(name, sources[name], links[name], hashed), REVALIDATE)
    return Site(files, hashed)


def write(site: Site, out_dir: Path) -> None:
    """The built files into a folder, by path (what goes to the bucket)."""
    for built in site.files.values():
        target = out_dir / built.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(built.body)


# ------------------------------------------------------------------------------ internals
def _links(name: str, sources: dict[str, bytes]) -> list[tuple[Reference, str | None]]:
    """Each reference of a file with the file of web/ it names (None: a page or elsewhere)."""
    finder = _FINDERS.get(posixpath.splitext(name)[1])
    if finder is None:
        return []
    try:
        text = sources[name].decode("utf-8")
        found = finder(text)
    except (UnicodeDecodeError, BuildError) as problem:
        raise BuildError(f"web/{name}: {problem}") from None
    module = finder is module_references
    return [(ref, _resolve(name, ref.target, sources, module)) for ref in found]


def _resolve(name: str, target: str, sources: dict[str, bytes], module: bool) -> str | None:
    if module and (target.startswith("//") or not target.startswith(("./", "../", "/"))):
        raise BuildError(
            f"web/{name}: imports {target!r}: only files of web/ can be imported "
            '("./x.js", "../x.js" or "/x.js"), nothing from a package or another host'
        )
    if not target or target.startswith(_EXTERNAL):
        return None
    path = target.split("#")[0].split("?")[0]
    base = "/" if path.startswith("/") else posixpath.dirname("/" + name)
    resolved = posixpath.normpath(posixpath.join(base, path)).lstrip("/")
    if path.endswith("/") or resolved in ("", "."):
        return None  # a folder: a page's address
    if resolved.startswith("../") or resolved not in sources:
        raise BuildError(f"web/{name}: {target!r} names no file of web/")
    return None if resolved.endswith(".html") else resolved


def _dependencies_first(
    assets: list[str], links: dict[str, list[tuple[Reference, str | None]]]
) -> list[str]:
    ordered: list[str] = []
    visiting: list[str] = []

    def visit(name: str) -> None:
        if name in ordered:
            return
        if name in visiting:
            cycle = " -> ".join([*visiting[visiting.index(name) :], name])
            raise BuildError(
                f"import cycle {cycle}: a hashed name covers what a file imports, so the "
                "imports must not loop; move what both need into a module of its own"
            )
        visiting.append(name)
        for _, target in links[name]:
            if target is not None:
                visit(target)
        visiting.pop()
        ordered.append(name)

    for name in assets:
        visit(name)
    return ordered


def _rewrite(
    name: str, body: bytes, links: list[tuple[Reference, str | None]], hashed: dict[str, str]
) -> bytes:
    """The file with each reference to an asset naming its hashed file (same folder, so only
    the last segment of the reference changes)."""
    if not links:
        return body
    text, pieces, at = body.decode("utf-8"), [], 0
    for ref, target in sorted(links, key=lambda link: link[0].start):
        if target is None:
            continue
        written = text[ref.start : ref.end]
        cut = len(written.split("#")[0].split("?")[0])
        folder = written[:cut].rsplit("/", 1)[0] + "/" if "/" in written[:cut] else ""
        new_name = posixpath.basename(hashed[target])
        pieces += [text[at : ref.start], folder + new_name + written[cut:]]
        at = ref.end
    pieces.append(text[at:])
    return "".join(pieces).encode("utf-8")


def _hashed_name(name: str, body: bytes) -> str:
    stem, suffix = posixpath.splitext(name)
    return f"{stem}.{hashlib.sha256(body).hexdigest()[:HASH_CHARS]}{suffix}"


def _built(path: str, body: bytes, cache_control: str) -> BuiltFile:
    suffix = posixpath.splitext(path)[1].lower()
    gzipped = None
    if suffix in COMPRESSIBLE and len(body) >= MIN_COMPRESSED_BYTES:
        packed = gzip.compress(body, compresslevel=9, mtime=0)  # mtime 0: the same bytes each build
        gzipped = packed if len(packed) < len(body) else None
    return BuiltFile(path, body, WEB_TYPES[suffix], cache_control, gzipped)
