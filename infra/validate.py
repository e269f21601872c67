"""Template validation (`make validate`): is template.yaml deployable and does it pass checkov?

Usage: python -m infra.validate [TEMPLATE] [--step NAME ...]
(TEMPLATE defaults to template.yaml at the repository root; --step runs only the named steps.)

Four independent steps run concurrently; the command exits non-zero if any of them fails:

1. sam-lint: `sam validate --lint`, SAM CLI's own check (cfn-lint on the SAM template).
2. translated-lint: translates SAM to CloudFormation with SAM CLI's translator, then runs
   cfn-lint on the result. cfn-lint >= 1.54 no longer expands SAM: it checks SAM resources
   against schemas with Globals merged in, so step 1 misses a Ref to a resource that does not
   exist (in Globals or a function) and a runtime that does not exist. On the translated
   template every Ref, GetAtt and runtime is plain CloudFormation that cfn-lint checks; the
   translation itself rejects what SAM cannot deploy (an unknown Cors key, a bad event).
3. checkov: `checkov --framework cloudformation`. Any failed check fails the step, and so does a
   check skipped in the template (Metadata: checkov: skip) without a written reason.
4. sam-build: `sam build` into .aws-sam/build beside the template (infra/sam/Makefile: pip
   fetches Lambda's arm64 / CPython 3.12 wheels; no Python 3.12, no Docker), then the artifacts
   checked against the Lambda each function declares, sizes printed (infra/lambda_artifacts.py).

The tools live in their own virtualenvs (their pins clash with the app's; see the Makefile).
Step 2 runs this same file under .venv-sam's interpreter (the hidden --translate-lint flag),
where samcli, samtranslator and cfnlint are importable. No step needs AWS credentials; only
sam-build needs the network, for pip to reach the package index.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATE = ROOT / "template.yaml"
REGION = "eu-west-3"

SAM_VENV = ROOT / ".venv-sam"
CHECKOV_VENV = ROOT / ".venv-checkov"
SAM = SAM_VENV / "bin" / "sam"
SAM_PYTHON = SAM_VENV / "bin" / "python"
CHECKOV = CHECKOV_VENV / "bin" / "checkov"

STEP_TIMEOUT_SECONDS = 300
# cfn-lint lists every allowed value ("'X' is not one of [...]"); the head names the problem.
MAX_MESSAGE_CHARS = 300
# What checkov records for a Metadata skip that has no comment.
CHECKOV_NO_COMMENT = "No comment provided"


@dataclass(frozen=True)
class StepResult:
    name: str
    ok: bool
    output: str
    seconds: float


def missing_tools() -> list[str]:
    """The tool executables that are not installed, each with the make target that installs it."""
    tools = [
        (SAM, ".venv-sam/.stamp"),
        (SAM_PYTHON, ".venv-sam/.stamp"),
        (CHECKOV, ".venv-checkov/.stamp"),
    ]
    return [
        f"{path} (install it with `make {target}`)" for path, target in tools if not path.exists()
    ]


def tool_env() -> dict[str, str]:
    """The environment for the tools: a fixed region, no telemetry; never credentials."""
    env = dict(os.environ)
    env.update(
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        SAM_CLI_TELEMETRY="0",
    )
    return env


def run_tool(args: Sequence[str | Path], **extra_env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed executables from our own virtualenvs
        [str(arg) for arg in args],
        cwd=ROOT,
        env={**tool_env(), **extra_env},
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT_SECONDS,
        check=False,
    )


def combined_output(process: subprocess.CompletedProcess[str]) -> str:
    return "\n".join(part.strip() for part in (process.stdout, process.stderr) if part.strip())


# ---------------------------------------------------------------------------- steps


def sam_lint(template: Path) -> tuple[bool, str]:
    process = run_tool([SAM, "validate", "--lint", "--template-file", template, "--region", REGION])
    return process.returncode == 0, combined_output(process)


def translated_lint(template: Path) -> tuple[bool, str]:
    # -P: keep this file's directory (infra/) off the tools' import path.
    process = run_tool([SAM_PYTHON, "-P", Path(__file__).resolve(), "--translate-lint", template])
    return process.returncode == 0, combined_output(process)


def checkov(template: Path) -> tuple[bool, str]:
    process = run_tool(
        [
            CHECKOV,
            "--file",
            template,
            "--framework",
            "cloudformation",
            "--output",
            "json",
            "--skip-download",
        ]
    )
    try:
        report = json.loads(process.stdout)
    except json.JSONDecodeError:
        return False, f"checkov did not produce a JSON report:\n{combined_output(process)}"
    return checkov_verdict(report)


def checkov_verdict(report: Any) -> tuple[bool, str]:
    """Judge a checkov JSON report: no failed check, no parsing error, every skip has a reason."""
    if not isinstance(report, dict) or "results" not in report:
        return False, f"checkov found nothing to check in the template: {report!r}"
    summary = report["summary"]
    results = report["results"]
    problems = [
        f"FAILED {check['check_id']} on {check['resource']}: {check['check_name']}"
        for check in results["failed_checks"]
    ]
    problems += [f"could not parse {path}" for path in results.get("parsing_errors", [])]
    skips = []
    for check in results["skipped_checks"]:
        reason = (check["check_result"].get("suppress_comment") or "").strip()
        if reason in ("", CHECKOV_NO_COMMENT):
            problems.append(
                f"SKIPPED WITHOUT A REASON {check['check_id']} on {check['resource']}: "
                "give the skip a comment saying why the check does not apply"
            )
        skips.append(f"  skipped {check['check_id']} on {check['resource']}: {reason}")
    lines = [
        f"checkov {summary.get('checkov_version', '?')}: {summary['passed']} passed, "
        f"{summary['failed']} failed, {summary['skipped']} skipped "
        f"over {summary['resource_count']} resources",
        *skips,
        *problems,
    ]
    return not problems, "\n".join(lines)


def sam_build(template: Path) -> tuple[bool, str]:
    # Here, not at the top: step 2 runs this file where only SAM's packages are importable.
    from infra import lambda_artifacts

    build_dir = template.parent / ".aws-sam" / "build"
    process = run_tool(
        [SAM, "build", "--template-file", template, "--build-dir", build_dir, "--region", REGION],
        # infra/sam/Makefile's pip: SAM's interpreter, there on every machine that runs SAM.
        BUILD_PYTHON=str(SAM_PYTHON),
    )
    if process.returncode != 0:
        return False, combined_output(process)
    report = lambda_artifacts.check_build(build_dir)
    return report.ok, f"built into {build_dir}\n{report.text}"


STEPS: dict[str, Callable[[Path], tuple[bool, str]]] = {
    "sam-lint": sam_lint,
    "translated-lint": translated_lint,
    "checkov": checkov,
    "sam-build": sam_build,
}


def run_step(name: str, template: Path) -> StepResult:
    started = time.monotonic()
    try:
        ok, output = STEPS[name](template)
    except subprocess.TimeoutExpired:
        ok, output = False, f"timed out after {STEP_TIMEOUT_SECONDS} s"
    return StepResult(name, ok, output, time.monotonic() - started)


def validate(template: Path, steps: Sequence[str] = tuple(STEPS)) -> list[StepResult]:
    """Run the steps concurrently (each is a separate tool process); results in step order."""
    with ThreadPoolExecutor(max_workers=len(steps)) as pool:
        return list(pool.map(lambda name: run_step(name, template), steps))


# ------------------------------------------------- step 2, run under .venv-sam's interpreter


class OfflinePolicyLoader:
    """Managed policy names resolve from the map bundled with samtranslator; never ask IAM."""

    def load(self) -> dict[str, str]:
        return {}


def translate_and_lint(template: Path) -> int:
    """Translate SAM to CloudFormation as `sam validate` does, then cfn-lint the result."""
    import logging

    import yaml
    from cfnlint.api import ManualArgs, lint
    from samcli.commands.validate.lib.exceptions import InvalidSamDocumentException
    from samcli.lib.translate.sam_template_validator import SamTemplateValidator
    from samcli.yamlhelper import yaml_parse

    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    try:
        sam_template = yaml_parse(template.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        print(f"not a YAML template: {error}")
        return 1
    translator = SamTemplateValidator(sam_template, OfflinePolicyLoader(), region=REGION)
    try:
        translated = translator.get_translated_template_if_valid()
    except InvalidSamDocumentException as error:
        # The document error that SAM CLI wraps lists every invalid resource or event.
        causes = getattr(error.__cause__, "causes", None) or [error]
        print("SAM cannot translate the template to CloudFormation:")
        for cause in causes:
            print(f"  {getattr(cause, 'message', cause)}")
        return 1

    matches = lint(translated, config=ManualArgs(regions=[REGION]))
    for match in matches:
        path = "/".join(str(part) for part in getattr(match, "path", None) or ())
        message = match.message
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[:MAX_MESSAGE_CHARS] + " ..."
        print(f"{match.rule.id} at {path or f'line {match.linenumber}'}: {message}")
    if matches:
        print("(paths are in the CloudFormation template translated from the SAM template)")
        return 1
    print(f"translated to CloudFormation; cfn-lint found nothing in {REGION}")
    return 0


# ---------------------------------------------------------------------------- entry point


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.validate",
        description="Validate a SAM template: sam validate --lint, cfn-lint on its "
        "CloudFormation translation, checkov.",
    )
    parser.add_argument("template", nargs="?", type=Path, default=DEFAULT_TEMPLATE)
    parser.add_argument(
        "--step",
        dest="steps",
        action="append",
        choices=list(STEPS),
        help="run only this step (repeatable; default: every step)",
    )
    parser.add_argument("--translate-lint", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    template: Path = args.template.resolve()

    if not template.is_file():
        print(f"validate: no template at {template}", file=sys.stderr)
        return 2
    if args.translate_lint:
        return translate_and_lint(template)
    missing = missing_tools()
    if missing:
        print("validate: tools missing:\n  " + "\n  ".join(missing), file=sys.stderr)
        return 2

    started = time.monotonic()
    results = validate(template, list(dict.fromkeys(args.steps or STEPS)))
    for result in results:
        verdict = "ok" if result.ok else "FAILED"
        print(f"== {result.name}: {verdict} ({result.seconds:.1f} s)")
        if result.output:
            print(result.output)
    failed = [result.name for result in results if not result.ok]
    elapsed = time.monotonic() - started
    if failed:
        print(f"validate: {template} FAILED ({', '.join(failed)}) in {elapsed:.1f} s")
        return 1
    print(f"validate: {template} passed in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
