"""`make validate` (infra/validate.py): the real template passes, broken copies fail by name.

Each broken copy changes one thing in a copy of template.yaml (in a tmp dir) and runs the
validator on it as `make validate` does, in a subprocess. The SAM and checkov tools live in
.venv-sam and .venv-checkov (created by `make validate`); without them these tests fail, never
skip: CI runs `make test`, which runs `make validate` first.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra import validate

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


@pytest.fixture(scope="module", autouse=True)
def _tools_installed() -> None:
    missing = validate.missing_tools()
    if missing:
        pytest.fail(
            "the template tools are not installed; run `make validate` (it creates .venv-sam and "
            ".venv-checkov). Missing: " + "; ".join(missing),
            pytrace=False,
        )


def run_validator(
    template: Path, *steps: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    step_args = [arg for step in steps for arg in ("--step", step)]
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "infra.validate", str(template), *step_args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def broken_copy(tmp_path: Path, old: str, new: str, source: Path = TEMPLATE) -> Path:
    """`source` copied to tmp_path/template.yaml with its one `old` replaced by `new`."""
    text = source.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"the test expects exactly one {old!r} in {source}"
    copy = tmp_path / "template.yaml"
    copy.write_text(text.replace(old, new), encoding="utf-8")
    return copy


# What the build runs from PATH (SAM finds make there; the Makefile's recipes run tar and rm).
BUILD_COMMANDS = ("make", "sh", "tar", "rm")


def bare_machine(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """This environment with a PATH holding only the build's commands, and python3.12 and
    docker failing as missing ones do: a fresh machine without either, whatever this one has.
    Also the file where each call of theirs is written down."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    calls.touch()
    for command in BUILD_COMMANDS:
        found = shutil.which(command)
        assert found, f"the build needs {command}"
        (bin_dir / command).symlink_to(found)
    for command in ("python3.12", "docker"):
        stub = bin_dir / command
        stub.write_text(f'#!/bin/sh\necho "{command} $*" >> "{calls}"\nexit 127\n')
        stub.chmod(0o755)
    return {**os.environ, "PATH": str(bin_dir)}, calls


def test_the_real_template_passes_every_step_without_python312_or_docker(tmp_path: Path) -> None:
    # Given a machine with neither Python 3.12 nor Docker (CI runners often have both: a build
    # that used them would pass there, packaging that machine's wheels)
    env, calls = bare_machine(tmp_path)

    # When
    result = run_validator(TEMPLATE, env=env)

    # Then
    assert result.returncode == 0, result.stdout + result.stderr
    for step in validate.STEPS:
        assert f"== {step}: ok" in result.stdout
    assert " 0 failed" in result.stdout
    assert "every function is built for the Lambda it declares" in result.stdout
    assert calls.read_text() == ""


def test_the_python312_build_method_needs_python312(tmp_path: Path) -> None:
    # Given the layer built by SAM's own Python workflow, on the machine of the test above
    template = broken_copy(
        tmp_path,
        "      BuildMethod: makefile\n      ContextPath: infra/sam\n"
        "      BuildArchitecture: arm64\n",
        "      BuildMethod: python3.12\n      BuildArchitecture: arm64\n",
    )
    for sources in ("layers", "functions", "infra/sam"):
        shutil.copytree(ROOT / sources, tmp_path / sources)
    env, _ = bare_machine(tmp_path)

    # When
    result = run_validator(template, "sam-build", env=env)

    # Then: what the makefile build method avoids
    assert result.returncode == 1, result.stdout + result.stderr
    assert "== sam-build: FAILED" in result.stdout
    assert "Binary validation failed for python" in result.stdout


# The translated-lint step is the one that catches these: `sam validate --lint` (cfn-lint >= 1.54)
# checks SAM resources against schemas without expanding them, and misses a dangling Ref in
# Globals and a runtime that does not exist.
BROKEN_TEMPLATES = [
    pytest.param(
        "TABLE_NAME: !Ref HealthSpaceTable",
        "TABLE_NAME: !Ref HealthSpaceTabel",
        "HealthSpaceTabel",
        id="ref-to-missing-resource-in-globals",
    ),
    pytest.param(
        "POWERTOOLS_SERVICE_NAME: records",
        "POWERTOOLS_SERVICE_NAME: !Ref RecordsServiceName",
        "RecordsServiceName",
        id="ref-to-missing-parameter-in-a-function",
    ),
    pytest.param(
        "    Runtime: python3.12\n",
        "    Runtime: python9.9\n",
        "python9.9",
        id="unknown-runtime-in-globals",
    ),
    pytest.param(
        "    Runtime: python3.12\n",
        "    Runtime: python2.7\n",
        "python2.7",
        id="deprecated-runtime-in-globals",
    ),
    pytest.param(
        "      CodeUri: functions/ingest\n",
        "      CodeUri: functions/ingest\n      Runtime: python9.9\n",
        "python9.9",
        id="unknown-runtime-in-a-function",
    ),
    pytest.param(
        "        AllowMethods: \"'GET,POST,PUT,PATCH,DELETE,OPTIONS'\"\n",
        "        AllowMethods: \"'GET,POST,PUT,PATCH,DELETE,OPTIONS'\"\n"
        "        ExposeHeaders: \"'ETag'\"\n",
        "ExposeHeaders",
        id="property-that-sam-cannot-translate",
    ),
]


@pytest.mark.parametrize(("old", "new", "named"), BROKEN_TEMPLATES)
def test_a_broken_template_fails_naming_the_problem(
    tmp_path: Path, old: str, new: str, named: str
) -> None:
    # Given
    template = broken_copy(tmp_path, old, new)

    # When
    result = run_validator(template, "translated-lint")

    # Then
    assert result.returncode == 1, result.stdout + result.stderr
    assert "== translated-lint: FAILED" in result.stdout
    assert named in result.stdout


def test_failed_checks_and_skips_without_a_reason_fail_checkov(tmp_path: Path) -> None:
    # Given the customer-managed key without rotation, and a skip whose comment is gone
    rotation_off = broken_copy(tmp_path, "      EnableKeyRotation: true\n", "")
    template = broken_copy(
        tmp_path,
        "            comment: Copies expire within a day; versions would keep decrypted copies"
        " longer.\n",
        "",
        source=rotation_off,
    )

    # When
    result = run_validator(template, "checkov")

    # Then
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED CKV_AWS_7 on AWS::KMS::Key.DataKey" in result.stdout
    assert "SKIPPED WITHOUT A REASON CKV_AWS_21 on AWS::S3::Bucket.DownloadsBucket" in result.stdout


def checkov_report(*, skip_comment: str) -> dict[str, Any]:
    skipped = {
        "check_id": "CKV_AWS_21",
        "check_name": "Ensure the S3 bucket has versioning enabled",
        "resource": "AWS::S3::Bucket.DownloadsBucket",
        "check_result": {"result": "SKIPPED", "suppress_comment": skip_comment},
    }
    return {
        "summary": {"passed": 1, "failed": 0, "skipped": 1, "resource_count": 1},
        "results": {"passed_checks": [], "failed_checks": [], "skipped_checks": [skipped]},
    }


@pytest.mark.parametrize("comment", ["", "   ", "No comment provided"])
def test_checkov_verdict_rejects_a_skip_without_a_reason(comment: str) -> None:
    ok, output = validate.checkov_verdict(checkov_report(skip_comment=comment))

    assert not ok
    assert "SKIPPED WITHOUT A REASON CKV_AWS_21" in output


def test_checkov_verdict_accepts_a_skip_with_a_reason() -> None:
    ok, output = validate.checkov_verdict(checkov_report(skip_comment="Copies expire in a day."))

    assert ok, output
    assert "skipped CKV_AWS_21 on AWS::S3::Bucket.DownloadsBucket: Copies expire" in output


def test_checkov_verdict_rejects_a_report_without_results() -> None:
    ok, _ = validate.checkov_verdict({"passed": 0, "failed": 0, "resource_count": 0})

    assert not ok


def test_missing_tools_fail_with_the_make_target_to_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given no checkov installed
    monkeypatch.setattr(validate, "CHECKOV", tmp_path / "bin" / "checkov")

    # When
    status = validate.main([str(TEMPLATE)])

    # Then
    assert status == 2
    assert "make .venv-checkov/.stamp" in capsys.readouterr().err
