"""The website's build (infra/site): hashed names, every reference rewritten, nothing it cannot
follow let through; and its upload, on moto's S3."""

import gzip
import re
import shutil
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from infra.local.template import REPO_ROOT
from infra.site.__main__ import main, upload
from infra.site.build import (
    IMMUTABLE,
    MIN_COMPRESSED_BYTES,
    REVALIDATE,
    BuildError,
    Site,
    build,
)
from infra.site.references import module_references, page_references, stylesheet_references

WEB_DIR = REPO_ROOT / "web"
HASHED = re.compile(r"[0-9a-f]{8}")


def site_of(folder: Path, files: dict[str, str]) -> Site:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return build(folder)


def text(site: Site, path: str) -> str:
    return site.files[path].body.decode()


# ------------------------------------------------------------------------------- finding
def test_every_static_import_and_export_form_is_found() -> None:
    source = """
        import a from "./a.js";
        import { b, c as d } from './b.js';
        import * as e from "./e.js";
        import f, { g } from "./f.js" with { type: "json" };
        import "./side.js";
        export * from "./all.js";
        export * as ns from "./ns.js";
        export { h } from "./h.js";
        const later = await import("./lazy.js");
        export const from = 1;
    """
    found = [r.target for r in module_references(source)]
    assert found == [
        "./a.js", "./b.js", "./e.js", "./f.js", "./side.js", "./all.js", "./ns.js", "./h.js",
        "./lazy.js",
    ]  # fmt: skip
    for ref in module_references(source):
        assert source[ref.start : ref.end] == ref.target


def test_what_only_looks_like_an_import_is_not_one() -> None:
    source = r"""
        // import x from "./comment.js";
        /* export * from "./block.js"; */
        const s = 'import y from "./string.js"';
        const t = `import z from "./template.js" ${ok ? "from" : "x"} done`;
        const r = /from "\.\/regex.js"/g, half = total / 2 / 3;
        obj.import("./method.js"); const u = import.meta.url;
        import real from "./real.js";
    """
    assert [r.target for r in module_references(source)] == ["./real.js"]


def test_a_computed_dynamic_import_cannot_be_hashed() -> None:
    with pytest.raises(BuildError, match="computed"):
        module_references("const m = await import(`./${name}.js`);")


def test_the_websites_own_modules_import_as_a_plain_grep_sees_them() -> None:
    """The JS of web/ uses static forms and literal dynamic imports (i18n.js's catalogues) only:
    the tokenizer finds what a line grep finds."""
    for module in WEB_DIR.rglob("*.js"):
        source = module.read_text()
        found = re.findall(
            r'^\s*(?:import|export)\b[^;]*?from\s*"([^"]+)"|\bimport\(\s*"([^"]+)"', source, re.M
        )
        grep = [static or dynamic for static, dynamic in found]
        assert [r.target for r in module_references(source)] == grep, module.name


def test_stylesheet_and_page_references() -> None:
    css = '/* url(skip.png) */ @import "base.css"; a { background: url( "img/a.png" ) }'
    assert [r.target for r in stylesheet_references(css)] == ["base.css", "img/a.png"]
    page = '<link rel="icon" href="data:,">\n<script type=module src=/app.js></script><a href="#x">'
    refs = page_references(page)
    assert [r.target for r in refs] == ["data:,", "/app.js", "#x"]
    assert all(page[r.start : r.end] == r.target for r in refs)


# ------------------------------------------------------------------------------ building
def test_the_website_builds_and_every_built_reference_names_a_built_file() -> None:
    site = build(WEB_DIR)
    assets = {".js", ".css", ".json"}
    assert set(site.hashed) == {
        p.relative_to(WEB_DIR).as_posix() for p in WEB_DIR.rglob("*") if p.suffix in assets
    }
    for name, hashed in site.hashed.items():
        stem, suffix = name.rsplit(".", 1)
        assert re.fullmatch(rf"{re.escape(stem)}\.[0-9a-f]{{8}}\.{suffix}", hashed)
        assert site.files[hashed].cache_control == IMMUTABLE
        assert site.files[name].body == site.files[hashed].body  # its own name too
        assert site.files[name].cache_control == REVALIDATE
    for path, built in site.files.items():
        if path.endswith(".js"):
            for ref in module_references(built.body.decode()):
                assert ref.target.lstrip("./") in site.files, (path, ref.target)
                assert HASHED.search(ref.target), (path, ref.target)
    page = text(site, "index.html")
    assert f'href="/{site.hashed["styles.css"]}"' in page
    assert f'src="/{site.hashed["app.js"]}"' in page
    assert site.files["index.html"].cache_control == REVALIDATE
    assert "README.md" not in site.files


def test_a_hash_covers_what_a_module_imports(tmp_path) -> None:
    shutil.copytree(WEB_DIR, tmp_path / "web")
    before = build(tmp_path / "web").hashed
    (tmp_path / "web" / "ui.js").write_text(
        (WEB_DIR / "ui.js").read_text() + "\nexport const x = 1;\n"
    )
    after = build(tmp_path / "web").hashed
    changed = {name for name in before if before[name] != after[name]}
    # ui.js, what imports it, and what imports those; never the stylesheet, the catalogues or
    # the modules that ui.js does not reach (i18n.js, sections.js).
    assert changed == {
        *("ui.js", "app.js", "care.js", "documents.js", "enrollment.js", "profile.js"),
        *("history.js", "people.js", "viewer.js", "accounts.js", "settings.js", "export.js"),
        "lifecycle.js",
        *("agenda.js", "agenda_form.js", "agenda_feed.js", "prevention.js", "reminders.js"),
    }


def test_the_same_sources_build_the_same_bytes() -> None:
    first, second = build(WEB_DIR), build(WEB_DIR)
    assert {p: (f.body, f.gzipped) for p, f in first.files.items()} == {
        p: (f.body, f.gzipped) for p, f in second.files.items()
    }


def test_new_files_are_found_without_being_listed(tmp_path) -> None:
    site = site_of(
        tmp_path,
        {
            "index.html": '<script type="module" src="./app.js"></script>',
            "app.js": 'import { t } from "./i18n/i18n.js";\n',
            "i18n/i18n.js": 'export * from "../locales/fr.js";\nexport const t = 1;\n',
            "locales/fr.js": 'export const fr = { "from": "de" };\n',
            "locales/en.json": '{"hello": "hello"}',
            "img/logo.svg": "<svg/>",
            "styles.css": 'h1 { background: url("img/logo.svg") }',
        },
    )
    assert set(site.hashed) == {
        "app.js", "i18n/i18n.js", "locales/fr.js", "locales/en.json", "img/logo.svg",
        "styles.css",
    }  # fmt: skip
    assert f'"../locales/{site.hashed["locales/fr.js"].split("/")[1]}"' in text(
        site, site.hashed["i18n/i18n.js"]
    )
    assert f'src="./{site.hashed["app.js"]}"' in text(site, "index.html")
    assert f'url("img/{site.hashed["img/logo.svg"].split("/")[1]}")' in text(site, "styles.css")
    assert site.files["locales/en.json"].content_type == "application/json"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"a.js": 'import { b } from "./b.js";'}, r"web/a.js: './b.js' names no file"),
        ({"a.js": 'import { b } from "lodash";'}, r"web/a.js: imports 'lodash'"),
        ({"a.js": 'import "https://cdn.example.org/x.js";'}, r"imports 'https://cdn"),
        ({"a.js": 'import "../outside.js";'}, r"'../outside.js' names no file"),
        ({"a.js": 'import "./b.js";', "b.js": 'import "./a.js";'}, r"cycle a.js -> b.js -> a.js"),
        ({"a.css": "p { background: url(missing.png) }"}, r"web/a.css: 'missing.png' names no"),
        ({"index.html": '<script src="/nope.js"></script>'}, r"web/index.html: '/nope.js'"),
        ({"notes.docx": "x"}, r"no content type for '.docx'"),
        ({"a.js": 'const s = "unclosed;\n'}, r"web/a.js: unclosed string"),
    ],
)
def test_what_the_build_cannot_follow_fails_it_by_name(tmp_path, files, message) -> None:
    with pytest.raises(BuildError, match=message):
        site_of(tmp_path, files)


def test_text_assets_get_a_smaller_gzip_copy() -> None:
    site = build(WEB_DIR)
    for path, built in site.files.items():
        if len(built.body) < MIN_COMPRESSED_BYTES:
            continue  # CloudFront sends these as they are too
        assert built.gzipped is not None, path  # every file of web/ is text
        assert gzip.decompress(built.gzipped) == built.body
        assert len(built.gzipped) < len(built.body)


# ------------------------------------------------------------------------------ shipping
def test_build_writes_the_site_into_a_folder(tmp_path, capsys) -> None:
    assert main(["build", "--out", str(tmp_path / "out")]) == 0
    site = build(WEB_DIR)
    out = tmp_path / "out"
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert written == set(site.files)
    assert "app.js" in capsys.readouterr().out


def test_the_upload_puts_assets_first_each_with_its_headers() -> None:
    site = build(WEB_DIR)
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-3")
        s3.create_bucket(
            Bucket="site", CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
        )
        keys = upload(site, "site", s3)
        assert keys[-1] == "index.html" and set(keys) == set(site.files)
        for path, built in site.files.items():
            stored = s3.get_object(Bucket="site", Key=path)
            assert stored["Body"].read() == built.body
            assert stored["ContentType"] == built.content_type, path
            assert stored["CacheControl"] == built.cache_control, path


def test_a_site_that_does_not_build_is_not_uploaded(tmp_path, capsys) -> None:
    (tmp_path / "a.js").write_text('import "./gone.js";')
    assert main(["--web", str(tmp_path), "upload", "--bucket", "site"]) == 1
    assert "does not build" in capsys.readouterr().err
