"""The website's weight and speed in Debian's Chromium against the local stack (served as in
production: hashed assets cached a year, pages revalidated, gzip).

For each load: the requests that went to the network and the bytes they took on the wire
(Chromium's encodedDataLength: compressed bodies and headers), the site's files apart from the
API's answers, and the time from navigation to a usable first view (its h1 shown, no
"Chargement…" status left); medians of --runs. A first visit starts from an empty cache; a
repeat visit reloads with the cache the first one left. Signed in: the demo account signs in
once, then its first view is loaded with the cache emptied (the session kept), then again.

Target: a first visit under 120 KB on the wire. CloudFront sends brotli where the browser
accepts it, a little smaller than the local stack's gzip: these figures are an upper bound.

    python -m infra.bench.site [--runs 5]
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import CDPSession, Page, sync_playwright

from infra.bench.measure import print_table
from infra.local.demo.people import DEMO_ACCOUNTS
from infra.local.template import REPO_ROOT
from infra.site.build import build

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Debian's Chromium, as the browser tests launch it too (tests/browser/conftest.py). Without the
# background-networking flags, Chromium's calls to Google's hosts are refused by the closed
# network, many at a time; --no-sandbox because CI runs as root.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TARGET_BYTES = 120 * 1024
API_PATH = re.compile(r"/(me|pro|enrollment|local)(/|\?|$)")  # the API's, and the local helpers
# The first view is usable: its title shown and nothing still loading.
USABLE = """() => {
    const title = document.querySelector("main h1, h1");
    const loading = [...document.querySelectorAll("[role=status]")]
        .some((s) => s.textContent.includes("Chargement"));
    return title && title.checkVisibility() && title.textContent.trim() && !loading
        ? performance.now() : false;
}"""


@dataclass
class Traffic:
    """What one load asked of the network, from Chromium's DevTools protocol."""

    origin: str
    urls: dict[str, str] = field(default_factory=dict)  # request id -> URL
    cached: set[str] = field(default_factory=set)
    wire: dict[str, int] = field(default_factory=dict)  # request id -> bytes received

    def listen(self, cdp: CDPSession) -> None:
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", lambda e: self.cached.add(e["requestId"]))
        cdp.on("Network.loadingFinished", self._finished)

    def reset(self) -> None:
        self.urls.clear()
        self.cached.clear()
        self.wire.clear()

    def _sent(self, event: dict[str, Any]) -> None:
        if event["request"]["url"].startswith("http"):
            self.urls[event["requestId"]] = event["request"]["url"]

    def _finished(self, event: dict[str, Any]) -> None:
        self.wire[event["requestId"]] = int(event["encodedDataLength"])

    def figures(self) -> dict[str, int]:
        out = {"site requests": 0, "site bytes": 0, "api requests": 0, "api bytes": 0}
        for request_id, url in self.urls.items():
            if request_id in self.cached or not self.wire.get(request_id):
                continue  # answered by the cache, no byte on the wire
            kind = "api" if API_PATH.match(url[len(self.origin) :]) else "site"
            out[f"{kind} requests"] += 1
            out[f"{kind} bytes"] += self.wire[request_id]
        return out


def measured(page: Page, traffic: Traffic, load: Callable[[], Any]) -> dict[str, float]:
    traffic.reset()
    load()
    usable_ms = float(page.wait_for_function(USABLE, polling="raf").json_value())
    page.wait_for_load_state("networkidle")  # what the view still asks counts too
    return {**traffic.figures(), "usable ms": usable_ms}


def one_run(browser: Any, url: str) -> dict[str, dict[str, float]]:
    results = {}
    context = browser.new_context(base_url=url, locale="fr-FR")
    context.set_default_timeout(90_000)  # a cold function on a busy machine
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    traffic = Traffic(url)
    traffic.listen(cdp)
    cdp.send("Network.enable")
    results["first visit, signed out"] = measured(page, traffic, lambda: page.goto("/"))
    results["repeat visit, signed out"] = measured(page, traffic, page.reload)
    account = DEMO_ACCOUNTS[0]
    page.get_by_label("Identifiant").fill(account.username)
    page.get_by_label("Mot de passe").fill(account.password)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("button", name="Se déconnecter").wait_for()
    cdp.send("Network.clearBrowserCache")
    results["first view, signed in (cache emptied)"] = measured(page, traffic, page.reload)
    results["repeat visit, signed in"] = measured(page, traffic, page.reload)
    context.close()
    return results


def kb(value: float) -> str:
    return f"{value / 1024:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.bench.site", description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"no Chromium at {CHROMIUM}: `make chromium` installs Debian's", file=sys.stderr)
        return 1
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("infra.local.gateway").setLevel(logging.WARNING)
    from infra.local.stack import LocalStack

    runs = []
    with (
        tempfile.TemporaryDirectory() as logs,
        LocalStack(port=0, function_logs=Path(logs) / "functions.log") as stack,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        one_run(browser, stack.api_url)  # warms the functions' instances; not counted
        runs = [one_run(browser, stack.api_url) for _ in range(args.runs)]
        browser.close()
    rows = []
    for load in runs[0]:
        median = {k: statistics.median(run[load][k] for run in runs) for k in runs[0][load]}
        rows.append(
            [
                load,
                f"{median['site requests']:.0f}",
                kb(median["site bytes"]),
                f"{median['api requests']:.0f}",
                kb(median["api bytes"]),
                f"{median['usable ms']:.0f}",
            ]
        )
    print_table(
        f"The website in Chromium on the local stack (medians of {args.runs} runs)",
        ["load", "site requests", "site KB (wire)", "API requests", "API KB (wire)", "usable ms"],
        rows,
    )
    site = build(REPO_ROOT / "web")
    loaded = [site.files["index.html"], *(site.files[h] for h in site.hashed.values())]
    raw = sum(len(f.body) for f in loaded)
    packed = sum(len(f.gzipped or f.body) for f in loaded)
    print(f"\nthe page and every asset: {kb(raw)} KB as written, {kb(packed)} KB gzip (bodies)")
    first = statistics.median(r["first visit, signed out"]["site bytes"] for r in runs)
    verdict = "met" if first < TARGET_BYTES else "NOT met"
    print(f"target: first visit under {kb(TARGET_BYTES)} KB on the wire: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
