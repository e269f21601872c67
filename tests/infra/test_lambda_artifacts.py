"""The checks of what `sam build` produced (infra/lambda_artifacts.py), on small builds made here.

Each test builds a directory shaped as `sam build` leaves it (a built template, a function's
code, the layer under python/) and breaks one thing. The x86_64 case uses a real x86_64
extension module: this machine's own pydantic_core, as a native build would package it.
The real build is checked by `make validate` (tests/infra/test_validate.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pydantic_core
import pytest

from infra import lambda_artifacts
from infra.lambda_artifacts import UNZIPPED_LIMIT_BYTES, Target, check_build, elf_machine

ARM64_PY312 = Target.of("python3.12", "arm64")

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Architectures: [{architecture}]
    Layers:
      - !Ref SharedLayer
Resources:
  SharedLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: SharedLayer
  RecordsFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: RecordsFunction
      Handler: app.lambda_handler
"""

HANDLER = """\
from __future__ import annotations

import json

from healthspace.api import routes


def lambda_handler(event, context):
    return json.dumps(routes)
"""


def elf_header(machine: int) -> bytes:
    """The first bytes of a 64-bit little-endian ELF shared object for `machine`."""
    return (
        b"\x7fELF"
        + bytes([2, 1, 1])
        + bytes(9)
        + (3).to_bytes(2, "little")
        + (machine.to_bytes(2, "little"))
    )


AARCH64_ELF = elf_header(183)
X86_64_ELF = elf_header(62)


def add_wheel(site: Path, name: str, *tags: str, files: dict[str, bytes] | None = None) -> None:
    """A distribution as pip --target installs it: its files, WHEEL and RECORD."""
    files = files or {f"{name}/__init__.py": b""}
    for path, content in files.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_bytes(content)
    dist_info = site / f"{name}-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "WHEEL").write_text(
        "Wheel-Version: 1.0\n" + "".join(f"Tag: {tag}\n" for tag in tags), encoding="utf-8"
    )
    record = [f"{path},," for path in files] + [f"{dist_info.name}/WHEEL,,"]
    (dist_info / "RECORD").write_text("\n".join(record) + "\n", encoding="utf-8")


@pytest.fixture
def build(tmp_path: Path) -> Path:
    """A good build for python3.12 arm64: the handler, our package in the layer, two wheels."""
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(architecture="arm64"))
    code = tmp_path / "RecordsFunction"
    code.mkdir()
    (code / "app.py").write_text(HANDLER, encoding="utf-8")
    site = tmp_path / "SharedLayer" / "python"
    (site / "healthspace" / "api").mkdir(parents=True)
    (site / "healthspace" / "__init__.py").write_text("")
    (site / "healthspace" / "api" / "__init__.py").write_text(
        "import typing\n\nimport fastcore\n\nif typing.TYPE_CHECKING:\n    import mypy_boto3_s3\n"
        "routes = []\n"
    )
    add_wheel(
        site,
        "fastcore",
        "cp312-cp312-manylinux_2_17_aarch64",
        "cp312-cp312-manylinux2014_aarch64",
        files={
            "fastcore/__init__.py": b"",
            "fastcore/_speed.cpython-312-aarch64-linux-gnu.so": AARCH64_ELF,
        },
    )
    add_wheel(site, "purelib", "py3-none-any")
    return tmp_path


def site_of(build: Path) -> Path:
    return build / "SharedLayer" / "python"


def test_a_build_for_the_declared_lambda_passes_and_prints_its_size(build: Path) -> None:
    report = check_build(build)

    assert report.ok, report.text
    assert "| RecordsFunction |" in report.table
    assert "every function is built for the Lambda it declares" in report.text


def test_a_natively_built_x86_64_wheel_is_refused_by_its_tags_and_its_elf_header(
    build: Path,
) -> None:
    # Given this machine's pydantic_core (x86_64, CPython 3.11), copied in as pip installs it
    installed = Path(pydantic_core.__file__).parent
    site = site_of(build)
    shutil.copytree(installed, site / "pydantic_core")
    dist_info = next(installed.parent.glob("pydantic_core-*.dist-info"))
    shutil.copytree(dist_info, site / dist_info.name)
    native = next((site / "pydantic_core").glob("*.so")).name

    # When
    report = check_build(build)

    # Then
    assert not report.ok
    assert any(
        dist_info.name in p and "x86_64" in p and "python3.12 aarch64 loads none" in p
        for p in report.problems
    ), report.text
    assert any(native in p and "ELF for x86_64" in p for p in report.problems), report.text


@pytest.mark.parametrize(
    "tag",
    [
        "cp312-cp312-manylinux_2_17_aarch64",
        "cp312-cp312-manylinux_2_34_aarch64",
        "cp311-abi3-manylinux_2_28_aarch64",
        "py3-none-any",
        "py2.py3-none-any",
    ],
)
def test_wheels_python312_on_arm64_loads_are_accepted(tmp_path: Path, tag: str) -> None:
    add_wheel(tmp_path, "dist", tag)

    assert lambda_artifacts.wheel_problems(tmp_path, ARM64_PY312) == []


@pytest.mark.parametrize(
    "tag",
    [
        pytest.param("cp312-cp312-manylinux_2_17_x86_64", id="another-machine"),
        pytest.param("cp311-cp311-manylinux_2_17_aarch64", id="another-interpreter"),
        pytest.param("cp313-abi3-manylinux_2_17_aarch64", id="a-newer-stable-abi"),
        pytest.param("cp312-cp312-manylinux_2_39_aarch64", id="a-newer-glibc-than-al2023"),
        pytest.param("cp312-cp312-musllinux_1_2_aarch64", id="musl"),
        pytest.param("cp312-cp312-macosx_11_0_arm64", id="macos-arm64"),
    ],
)
def test_wheels_python312_on_arm64_cannot_load_are_refused(tmp_path: Path, tag: str) -> None:
    add_wheel(tmp_path, "dist", tag)

    problems = lambda_artifacts.wheel_problems(tmp_path, ARM64_PY312)

    assert len(problems) == 1
    assert tag in problems[0]


def test_a_distribution_not_installed_from_a_wheel_is_refused(build: Path) -> None:
    (site_of(build) / "purelib-1.0.dist-info" / "WHEEL").unlink()

    report = check_build(build)

    assert "purelib-1.0.dist-info: not installed from a wheel (no WHEEL file)" in report.text


def test_an_aarch64_extension_module_built_for_another_python_is_refused(build: Path) -> None:
    (site_of(build) / "fastcore" / "_slow.cpython-311-aarch64-linux-gnu.so").write_bytes(
        AARCH64_ELF
    )

    report = check_build(build)

    assert any(
        "_slow.cpython-311-aarch64-linux-gnu.so" in p and "another interpreter" in p
        for p in report.problems
    ), report.text


def test_a_bundled_library_for_another_machine_is_refused(build: Path) -> None:
    libs = site_of(build) / "fastcore.libs"
    libs.mkdir()
    (libs / "libz-1a2b.so.1.3").write_bytes(X86_64_ELF)
    (libs / "not-elf.so").write_bytes(b"#!/bin/sh\n")

    report = check_build(build)

    assert any("libz-1a2b.so.1.3: ELF for x86_64" in p for p in report.problems), report.text
    assert any("not-elf.so: not a 64-bit little-endian ELF" in p for p in report.problems)


def test_elf_machine_reads_the_header() -> None:
    assert elf_machine(Path(pydantic_core._pydantic_core.__file__)) == 62  # this x86_64 machine


def test_the_template_says_what_the_build_must_be(build: Path) -> None:
    # Given the same arm64 build, for a function that now declares x86_64
    (build / "template.yaml").write_text(TEMPLATE.format(architecture="x86_64"))

    report = check_build(build)

    assert any("python3.12 x86_64 loads none" in p for p in report.problems), report.text
    assert any("ELF for aarch64" in p for p in report.problems), report.text


def test_an_import_the_layer_cannot_satisfy_is_named(build: Path) -> None:
    # Given our package importing a dependency missing from requirements.txt
    init = site_of(build) / "healthspace" / "__init__.py"
    init.write_text("import jwt\nimport imp\n")

    report = check_build(build)

    assert "SharedLayer: healthspace/__init__.py imports jwt, which the layer does not hold" in (
        report.problems
    )
    # 3.11's standard library has `imp`; Lambda's 3.12 does not
    assert any("imports imp," in p for p in report.problems), report.text
    assert not any("mypy_boto3_s3" in p for p in report.problems), "type checkers' only"


def test_a_function_importing_what_its_layers_lack_is_named(build: Path) -> None:
    (build / "RecordsFunction" / "app.py").write_text(HANDLER + "import requests\n")

    report = check_build(build)

    assert report.problems == [
        "RecordsFunction: app.py imports requests, found neither in its code nor in its layers"
    ]


def test_a_function_carrying_the_layer_s_package_is_refused(build: Path) -> None:
    shutil.copytree(site_of(build) / "healthspace", build / "RecordsFunction" / "healthspace")

    report = check_build(build)

    assert report.problems == [
        "RecordsFunction: its code holds healthspace, which layer SharedLayer has"
    ]


def test_a_layer_not_under_python_is_refused(build: Path) -> None:
    site_of(build).rename(build / "SharedLayer" / "site-packages")

    report = check_build(build)

    assert "RecordsFunction: layer SharedLayer has no python/ (/opt/python)" in report.problems


@pytest.mark.parametrize(
    ("app", "problem"),
    [
        (None, "RecordsFunction: no app.py at the root of its code for app.lambda_handler"),
        ("def handler(event, context): ...\n", "RecordsFunction: app.py defines no lambda_handler"),
    ],
)
def test_the_handler_is_where_lambda_looks(build: Path, app: str | None, problem: str) -> None:
    handler = build / "RecordsFunction" / "app.py"
    if app is None:
        handler.rename(handler.with_name("main.py"))
    else:
        handler.write_text(app)

    report = check_build(build)

    assert report.problems == [problem]


def fill_layer_to(build: Path, total_bytes: int) -> None:
    """A sparse file in the layer that brings the function's unzipped size to `total_bytes`."""
    before = lambda_artifacts.tree_bytes(build / "RecordsFunction") + (
        lambda_artifacts.tree_bytes(build / "SharedLayer")
    )
    with (site_of(build) / "fastcore" / "model.bin").open("wb") as file:
        file.truncate(total_bytes - before)


def test_a_function_at_the_size_limit_passes(build: Path) -> None:
    fill_layer_to(build, UNZIPPED_LIMIT_BYTES)

    report = check_build(build)

    assert report.ok, report.text
    assert "| 250.0 MiB | 100% |" in report.table


def test_a_function_past_the_size_limit_fails(build: Path) -> None:
    fill_layer_to(build, UNZIPPED_LIMIT_BYTES + 1)

    report = check_build(build)

    assert report.problems == [
        "RecordsFunction: 262,144,001 bytes unzipped with its layers, past Lambda's "
        "262,144,000 (250 MB)"
    ]


def test_no_build_says_how_to_make_one(tmp_path: Path) -> None:
    report = check_build(tmp_path)

    assert report.problems == [f"no built template in {tmp_path}: run `make build`"]


def test_the_sam_makefile_installs_for_the_platforms_the_check_accepts() -> None:
    # The Makefile asks pip for these platforms; each must be one Lambda's OS runs.
    makefile = (lambda_artifacts.ROOT / "infra" / "sam" / "Makefile").read_text()
    line = next(line for line in makefile.splitlines() if line.startswith("LAMBDA_PLATFORMS"))
    platforms = line.split(":=", 1)[1].split()

    assert platforms
    assert set(platforms) <= set(ARM64_PY312.platforms)
    assert "--python-version 3.12" in makefile
