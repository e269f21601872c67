"""The website's main pages as pictures, for the README: `make screenshots`.

Starts the local stack with its demo data (as `make run`), has the demo professionals act on
Camille Martin's file as they would (her treating doctor files a report, a doctor she never
named breaks the glass), then signs in as her in Debian's Chromium (infra/bench/site.py's path and
flags) and writes each page at a desktop (1280 px) and a phone (375 px) width into
docs/screenshots/<page>-<width>.png, in French. The pictures are cut at MAX_HEIGHT CSS px and
reduced to a 256-colour palette, to keep the repository light.

    python -m infra.bench.screenshots [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from PIL import Image
from playwright.sync_api import Page, expect, sync_playwright

from infra.bench.site import CHROMIUM, FLAGS
from infra.local.demo.people import (
    DEMO_ACCOUNTS,
    PROFESSIONALS_POOL,
    STRANGER_DOCTOR,
    TREATING_DOCTOR,
    DemoProfessional,
)
from infra.local.template import REPO_ROOT
from tests.browser.site import FR, PDF, sign_in
from tests.e2e.stack_process import start_stack

CAMILLE = DEMO_ACCOUNTS[0]
WIDTHS = {"desktop": 1280, "phone": 375}
HEIGHTS = {"desktop": 900, "phone": 812}
MAX_HEIGHT = 2400
PUBLIC = {"sign-in": "connexion", "opposition": "opposition", "help": "aide"}
SIGNED_IN = {
    "home": "accueil",
    "documents": "documents",
    "profile": "profil",
    "history": "historique",
    "care": "acces",
    "agenda": "agenda",
    "prevention": "agenda/prevention",
    "settings": "parametres",
}
EMERGENCY_REASON = "Inconsciente aux urgences, recherche d'allergies"


def professionals_act(api: str) -> None:
    """What the home page shows as new: a report from her doctor, an emergency access; and the
    follow-up her doctor books in her agenda."""
    doctor = _token(api, TREATING_DOCTOR)
    base = _reference(api, doctor)
    ticket = _call(
        "POST",
        f"{api}{base}/uploads",
        doctor,
        json={
            "filename": "compte-rendu.pdf",
            "content_type": "application/pdf",
            "size": len(PDF),
            "category": "reports",
            "title": "Compte rendu de consultation de décembre",
            "document_date": "2026-12-01",
        },
    )
    files = {"file": ("compte-rendu.pdf", PDF, "application/pdf")}
    httpx.post(ticket["url"], data=ticket["fields"], files=files, trust_env=False)
    _call("GET", f"{api}{base}/documents", doctor)
    follow_up = date.today() + timedelta(days=10)
    _call(
        "POST",
        f"{api}{base}/appointments",
        doctor,
        json={
            "start_local": f"{follow_up.isoformat()}T10:30:00",
            "end_local": f"{follow_up.isoformat()}T11:00:00",
            "time_zone": "Europe/Paris",
            "professional_rpps": TREATING_DOCTOR.rpps,
            "place": "12 rue des Lilas, Lyon",
            "reason": "Consultation de suivi",
        },
    )
    stranger = _token(api, STRANGER_DOCTOR)
    glass = {"X-Emergency-Reason": quote(EMERGENCY_REASON)}  # as the API reads it
    emergency = _reference(api, stranger, glass)
    _call("GET", f"{api}{emergency}/documents", stranger, headers=glass)


def _token(api: str, who: DemoProfessional) -> str:
    body = {"username": who.username, "password": who.password, "pool": PROFESSIONALS_POOL}
    answer = httpx.post(f"{api}/local/login", json=body, timeout=30, trust_env=False)
    answer.raise_for_status()
    return str(answer.json()["id_token"])


def _reference(api: str, token: str, headers: dict[str, str] | None = None) -> str:
    body = {"ins": CAMILLE.person.ins}
    answer = _call("POST", f"{api}/pro/patient-references", token, json=body, headers=headers)
    return f"/pro/patients/{answer['reference']}"


def _call(
    method: str, url: str, token: str, *, json: Any = None, headers: dict[str, str] | None = None
) -> Any:
    answer = httpx.request(
        method,
        url,
        json=json,
        headers={"Authorization": f"Bearer {token}", **(headers or {})},
        timeout=30,
        trust_env=False,
    )
    answer.raise_for_status()
    return answer.json()


def shoot(page: Page, path: Path) -> None:
    """The page, whole but cut at MAX_HEIGHT, in 256 colours."""
    height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
    width = page.viewport_size["width"] if page.viewport_size else 1280
    png = page.screenshot(full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256)
    image.save(path, optimize=True)


def settle(page: Page, route: str) -> None:
    page.goto(f"/#/{route}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="…")).to_have_count(0)


def screenshots(url: str, out: Path) -> list[Path]:
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        for device, width in WIDTHS.items():
            context = browser.new_context(
                base_url=url,
                locale="fr-FR",
                timezone_id="Europe/Paris",
                viewport={"width": width, "height": HEIGHTS[device]},
            )
            context.set_default_timeout(30_000)
            page = context.new_page()
            for name, route in PUBLIC.items():
                settle(page, route)
                written.append(out / f"{name}-{width}.png")
                shoot(page, written[-1])
            sign_in(page, CAMILLE, FR)
            for name, route in SIGNED_IN.items():
                settle(page, route)
                written.append(out / f"{name}-{width}.png")
                shoot(page, written[-1])
            context.close()
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if not CHROMIUM.exists():
        print(f"no Chromium at {CHROMIUM}: `make chromium` installs Debian's", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        logs = Path(folder) / "functions.log"
        stack = start_stack(Path(folder) / "stack.log", "--no-demo-wave", "--logs", str(logs))
        try:
            professionals_act(stack.url)
            written = screenshots(stack.url, args.out)
        finally:
            stack.stop()
    for path in written:
        shown = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
        print(f"{shown}  {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
