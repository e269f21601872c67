"""`make lint`'s import rules (pyproject.toml, import-linter): the real code keeps them, and a
copy broken by one forbidden import fails, naming the rule it breaks.

Each broken copy adds one import to one module of a copy of the layer and the functions (in a
tmp dir) and runs `lint-imports` on it as `make lint` does, in a subprocess.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{root / 'layers' / 'shared'}{os.pathsep}{root}"}
    return subprocess.run(  # noqa: S603 (the venv's lint-imports on a copy of ours)
        [str(LINT_IMPORTS), str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def broken_copy(tmp_path: Path, module: str, line: str) -> Path:
    """The layer, the functions and pyproject.toml copied under tmp_path, with `line` added to
    `module` (a path under the copy)."""
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "layers", tmp_path / "layers", ignore=ignore)
    shutil.copytree(ROOT / "functions", tmp_path / "functions", ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    target.write_text(target.read_text() + f"\n{line}  # noqa\n")
    return tmp_path


def test_the_real_code_keeps_every_import_rule() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


KERNEL = "layers/shared/healthspace/kernel"
RECORDS = "layers/shared/healthspace/records"
API = "layers/shared/healthspace/api"


@pytest.mark.parametrize(
    ("module", "line", "rule"),
    [
        (f"{KERNEL}/errors.py", "import healthspace.records.model", "The kernel imports nothing"),
        (
            f"{RECORDS}/documents.py",
            "import healthspace.adapters.s3",
            "Contexts never import adapters",
        ),
        (f"{RECORDS}/spaces.py", "import healthspace.care.rules", "Contexts stand on one another"),
        (
            f"{RECORDS}/access.py",
            "import healthspace.lifecycle.closures",
            "Contexts stand on one another",
        ),
        (
            "layers/shared/healthspace/lifecycle/closures.py",
            "import healthspace.adapters.dynamodb.lifecycle",
            "Contexts never import adapters",
        ),
        (f"{API}/patient/spaces.py", "import healthspace.api.professional", "One API module per"),
        (f"{API}/common.py", "import healthspace.wiring.records", "The API never imports"),
        (
            "layers/shared/healthspace/adapters/s3.py",
            "import healthspace.api.common",
            "Adapters never import",
        ),
        ("functions/ingest/app.py", "import healthspace.adapters.s3", "Functions reach adapters"),
        ("functions/releases/app.py", "import healthspace.api.common", "Functions not behind API"),
        (
            "functions/records/app.py",
            "import healthspace.enrollment.enrollments",
            "The records function loads neither",
        ),
    ],
)
def test_a_forbidden_import_fails_naming_the_rule(
    tmp_path: Path, module: str, line: str, rule: str
) -> None:
    result = lint_imports(broken_copy(tmp_path, module, line))

    assert result.returncode != 0
    # The report names each broken contract again under this heading, with the imports at fault.
    _, _, broken = result.stdout.partition("Broken contracts")
    assert rule in broken, result.stdout
    assert line.removeprefix("import ") in broken, result.stdout
