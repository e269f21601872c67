"""The website as production serves it: web/ built (infra/site/build.py: hashed asset names,
rewritten references, gzip copies), each file with its Cache-Control, compressed when the
browser accepts it, with the security headers of the distribution's response headers policy
(template.yaml's WebsiteHeaders, read here, so the two cannot differ; the documents' viewer
reads its own the same way, infra/local/viewer.py).

The site is built in memory on the first request and again whenever a file of web/ changes (its
modification time or size): an edit shows on the next reload, as the page is revalidated
(no-cache) and names the new hashed assets. A build of web/ takes milliseconds; a stat of each
of its files per request costs far less. While web/ does not build (an import of a missing
file), every file answers 500 SITE_BUILD_FAILED with the reason: a developer sees it at once.
"""

from __future__ import annotations

import logging
import threading
from contextlib import suppress
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from infra.local.proxy import error
from infra.local.template import Resolver, TemplateError
from infra.site.build import BuildError, Site, build

log = logging.getLogger(__name__)


class Website:
    """GET and HEAD of the built site; thread-safe (the gateway serves requests in threads)."""

    def __init__(self, web_dir: Path, headers: dict[str, str]) -> None:
        self.web_dir = web_dir
        self.headers = headers
        self._lock = threading.Lock()
        self._built: tuple[tuple[Any, ...], Site] | None = None

    def site(self) -> Site:
        """The built site, rebuilt if web/ changed since the last build."""
        state = self._state()
        with self._lock:
            if self._built is None or self._built[0] != state:
                self._built = (state, build(self.web_dir))
            return self._built[1]

    def _state(self) -> tuple[Any, ...]:
        state = []
        for path in sorted(self.web_dir.rglob("*")):
            with suppress(FileNotFoundError):  # removed meanwhile: the next request sees it
                stat = path.stat()
                state.append((str(path), stat.st_mtime_ns, stat.st_size))
        return tuple(state)

    def __call__(self, request: Request) -> Response:
        try:
            site = self.site()
        except BuildError as broken:
            log.error("web/ does not build: %s", broken)
            return error(500, "SITE_BUILD_FAILED", str(broken))
        path = request.path.lstrip("/")
        if path == "" or path.endswith("/"):
            path += "index.html"  # CloudFront's DefaultRootObject
        built = site.files.get(path)
        if built is None:
            return error(404, "NOT_FOUND", f"no route or file for {request.path}")
        gzipped = built.gzipped is not None and request.accept_encodings["gzip"] > 0
        response = Response(built.gzipped if gzipped else built.body)
        response.headers["Content-Type"] = built.content_type
        response.headers["Cache-Control"] = built.cache_control
        if built.gzipped is not None:
            response.headers["Vary"] = "Accept-Encoding"  # caches keep both forms apart
        if gzipped:
            response.headers["Content-Encoding"] = "gzip"
        response.set_etag(built.etag + ("-gzip" if gzipped else ""))
        response.headers.update(self.headers)
        return response.make_conditional(request)  # 304 to a revalidated page that is the same


# CloudFront's SecurityHeadersConfig, each entry as the header it sends.
def _hsts(config: dict[str, Any]) -> str:
    value = f"max-age={int(config['AccessControlMaxAgeSec'])}"
    if config.get("IncludeSubdomains"):
        value += "; includeSubDomains"
    if config.get("Preload"):
        value += "; preload"
    return value


_SECURITY_HEADERS = {
    "ContentSecurityPolicy": ("Content-Security-Policy", lambda c: c["ContentSecurityPolicy"]),
    "StrictTransportSecurity": ("Strict-Transport-Security", _hsts),
    "ContentTypeOptions": ("X-Content-Type-Options", lambda c: "nosniff"),
    "FrameOptions": ("X-Frame-Options", lambda c: c["FrameOption"]),
    "ReferrerPolicy": ("Referrer-Policy", lambda c: c["ReferrerPolicy"]),
}


def policy_headers(resolver: Resolver, logical_id: str) -> dict[str, str]:
    """The headers a response headers policy of the template adds to every answer (resolved:
    a policy may name a parameter or another resource). A setting the local stack cannot play
    fails loudly rather than serve other headers."""
    resource = resolver.template.resources.get(logical_id)
    if resource is None or resource.type != "AWS::CloudFront::ResponseHeadersPolicy":
        raise TemplateError(f"{logical_id} is not a response headers policy")
    config = resolver.resolve(resource.properties["ResponseHeadersPolicyConfig"])
    security = config.get("SecurityHeadersConfig", {})
    unplayed = set(config) - {"Name", "Comment", "SecurityHeadersConfig", "CustomHeadersConfig"}
    unplayed |= set(security) - set(_SECURITY_HEADERS)
    if unplayed:
        raise TemplateError(f"{logical_id}: not played locally: {sorted(unplayed)}")
    headers = {}
    for key, settings in security.items():
        name, write = _SECURITY_HEADERS[key]
        headers[name] = str(write(settings))
    for item in config.get("CustomHeadersConfig", {}).get("Items", []):
        headers[item["Header"]] = str(item["Value"])
    return headers


def distribution_headers(resolver: Resolver, distribution: str) -> dict[str, str]:
    """The headers of the response headers policy of a distribution's default behaviour."""
    resource = resolver.template.resources.get(distribution)
    if resource is None or resource.type != "AWS::CloudFront::Distribution":
        raise TemplateError(f"{distribution} is not a CloudFront distribution")
    behaviour = resource.properties["DistributionConfig"]["DefaultCacheBehavior"]
    policy = behaviour.get("ResponseHeadersPolicyId")
    if not (isinstance(policy, dict) and set(policy) == {"Ref"}):
        raise TemplateError(f"{distribution}: its default behaviour names no headers policy")
    return policy_headers(resolver, policy["Ref"])


def site_headers(resolver: Resolver) -> dict[str, str]:
    """The headers the website's distribution adds to every page and asset."""
    return distribution_headers(resolver, "WebsiteDistribution")
