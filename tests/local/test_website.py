"""The website as the local gateway serves it: built as for production (hashed assets cached a
year, pages revalidated), gzip when asked, with the headers of template.yaml's CloudFront
response headers policy; rebuilt when web/ changes."""

import gzip
import os
import re
import shutil
from pathlib import Path

import pytest
from werkzeug.test import Client

from infra.local.gateway import Gateway, LocalSettings
from infra.local.lambdas import FunctionRegistry
from infra.local.template import REPO_ROOT, Resolver, TemplateError, load_template
from infra.local.website import policy_headers, site_headers
from infra.site.build import IMMUTABLE, REVALIDATE

WEB_DIR = REPO_ROOT / "web"
VIEWER = "http://127.0.0.1:9999"
HEADERS = site_headers(Resolver(load_template(), parameters={"ViewerOrigin": VIEWER}))


def web_client(web_dir: Path) -> Client:
    settings = LocalSettings(
        login_client_id=None,
        docs_function=None,
        web_dir=web_dir,
        site_headers=HEADERS,
        config={},
        env={},
        account_id="123456789012",
        region="eu-west-3",
    )
    return Client(Gateway([], {}, {}, FunctionRegistry({}, {}), settings))


def assets_of(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/[^"]+\.(?:js|css))"', page)


def test_the_policys_headers_are_the_ones_cloudfront_sends() -> None:
    assert {
        "Content-Security-Policy": HEADERS["Content-Security-Policy"],
        "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
    } == HEADERS
    assert HEADERS["Content-Security-Policy"].endswith("; frame-ancestors 'none'")
    # The documents' own origin, and only it, beside the site's own for frames and images.
    assert f"; frame-src {VIEWER};" in HEADERS["Content-Security-Policy"]
    assert f"; img-src 'self' data: {VIEWER};" in HEADERS["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/", "/index.html", "/app.js", "/styles.css"])
def test_pages_and_plain_names_are_revalidated_with_the_security_headers(path) -> None:
    response = web_client(WEB_DIR).get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == REVALIDATE
    assert HEADERS.items() <= dict(response.headers).items()


def test_the_page_names_hashed_assets_cached_a_year_and_typed() -> None:
    client = web_client(WEB_DIR)
    page = client.get("/").get_data(as_text=True)
    assets = assets_of(page)
    assert {re.sub(r"\.[0-9a-f]{8}\.", ".", a) for a in assets} == {"/app.js", "/styles.css"}
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert response.headers["Cache-Control"] == IMMUTABLE, asset
        assert HEADERS.items() <= dict(response.headers).items(), asset
    types = {a.rsplit(".", 1)[1]: client.head(a).headers["Content-Type"] for a in assets}
    # Browsers refuse ES modules of another type.
    assert types == {"js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8"}


def test_every_module_imports_modules_by_their_hashed_names() -> None:
    client = web_client(WEB_DIR)
    for module in sorted(WEB_DIR.glob("*.js")):
        body = client.get(f"/{module.name}").get_data(as_text=True)
        for specifier in re.findall(r'from "([^"]+)"', body):
            assert re.fullmatch(r"\./\w+\.[0-9a-f]{8}\.js", specifier), (module.name, specifier)
            response = client.head(specifier[1:])
            assert response.headers["Cache-Control"] == IMMUTABLE, specifier


def test_gzip_when_accepted_identity_otherwise_and_caches_told_so() -> None:
    client = web_client(WEB_DIR)
    plain = client.get("/app.js")
    packed = client.get("/app.js", headers={"Accept-Encoding": "gzip, deflate, br"})
    only_br = client.get("/app.js", headers={"Accept-Encoding": "br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    assert len(packed.get_data()) < len(plain.get_data()) / 2
    assert "Content-Encoding" not in plain.headers and "Content-Encoding" not in only_br.headers
    for response in (plain, packed, only_br):
        assert response.headers["Vary"] == "Accept-Encoding"
    assert packed.headers["ETag"] != plain.headers["ETag"]  # two representations


def test_a_small_file_is_sent_as_is(tmp_path) -> None:
    (tmp_path / "index.html").write_text('<script type="module" src="/a.js"></script>')
    (tmp_path / "a.js").write_text("export const a = 1;\n")
    response = web_client(tmp_path).get("/a.js", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response.headers and "Vary" not in response.headers


def test_a_page_unchanged_is_a_304() -> None:
    client = web_client(WEB_DIR)
    first = client.get("/", headers={"Accept-Encoding": "gzip"})
    again = client.get(
        "/", headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.get_data() == b""


def test_an_edit_of_web_shows_on_the_next_load(tmp_path) -> None:
    web = tmp_path / "web"
    shutil.copytree(WEB_DIR, web)
    client = web_client(web)
    before = assets_of(client.get("/").get_data(as_text=True))
    ui = web / "ui.js"
    ui.write_text(ui.read_text() + "\nexport const edited = true;\n")
    os.utime(ui, ns=(ui.stat().st_atime_ns, ui.stat().st_mtime_ns + 1_000_000))
    after = assets_of(client.get("/").get_data(as_text=True))
    # app.js imports ui.js: its hash covers ui.js's new name; the stylesheet is untouched.
    assert [a for a in after if a.endswith(".js")] != [a for a in before if a.endswith(".js")]
    assert [a for a in after if a.endswith(".css")] == [a for a in before if a.endswith(".css")]
    assert client.get(before[-1]).status_code == 404  # the build holds the current files only


def test_a_web_folder_that_does_not_build_says_why(tmp_path) -> None:
    (tmp_path / "index.html").write_text('<script type="module" src="/a.js"></script>')
    (tmp_path / "a.js").write_text('import { b } from "./b.js";\n')
    client = web_client(tmp_path)
    response = client.get("/")
    assert response.status_code == 500
    assert response.get_json()["code"] == "SITE_BUILD_FAILED"
    assert "web/a.js" in response.get_json()["message"]
    assert "./b.js" in response.get_json()["message"]
    (tmp_path / "b.js").write_text("export const b = 2;\n")
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    "path", ["/missing.js", "/../pyproject.toml", "/%2e%2e/template.yaml", "/README.md"]
)
def test_nothing_outside_the_built_site_is_served(path) -> None:
    response = web_client(WEB_DIR).get(path)
    assert response.status_code == 404
    assert response.get_json()["code"] == "NOT_FOUND"


def test_a_header_setting_the_local_stack_cannot_play_fails_loudly(tmp_path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n"
        "  Headers:\n"
        "    Type: AWS::CloudFront::ResponseHeadersPolicy\n"
        "    Properties:\n"
        "      ResponseHeadersPolicyConfig:\n"
        "        Name: site\n"
        "        SecurityHeadersConfig:\n"
        "          XSSProtection: {Protection: true, Override: true}\n"
    )
    with pytest.raises(TemplateError, match="XSSProtection"):
        policy_headers(Resolver(load_template(template)), "Headers")
