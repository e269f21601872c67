"""`healthspace deaths import FILE`, `healthspace suspension suspend|lift`, `healthspace helpline
close|delete|reopen|send-summary|send-file`: a space's life in operators' hands (docs/lifecycle.md,
docs/operations.md), through the same use cases as the deaths function and the operators'
routes, audited the same way (the operator's id in the space's history).

The helpline's acts share one shape: `healthspace helpline ACTION --ins --birth-date --checked
CHECK...` (`_HELPLINE_ACTIONS`)."""

from __future__ import annotations

import argparse
import json
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from infra.cli.partner_keys import _guarded, _operator

# CLI action -> the use case's HelplineAction value.
_HELPLINE_ACTIONS = {
    "close": ("CLOSE", "close the caller's space (kept ten years); a receipt by post"),
    "delete": ("DELETE", "delete the caller's space for good; a receipt by post"),
    "reopen": ("REOPEN", "reopen the caller's archived space; a receipt by post"),
    "send-summary": ("SEND_SUMMARY", "post the caller's medical summary (printed)"),
    "send-file": ("SEND_FILE", "post the summary and the list of the documents (printed)"),
}
_CHECKS = ("IDENTITY_QUESTIONS", "POSTAL_ADDRESS", "CALLBACK")


def add_commands(commands: Any) -> None:
    deaths = commands.add_parser("deaths", help="the death registry's files")
    deaths_actions = deaths.add_subparsers(dest="action", required=True)
    importing = deaths_actions.add_parser(
        "import", help="close the spaces of the people a death registry file names"
    )
    importing.add_argument("file")
    importing.add_argument("--format", choices=("csv", "jsonl"))
    importing.set_defaults(run=_import_deaths)

    suspension = commands.add_parser("suspension", help="suspend a space (identity fraud)")
    _operator_option(suspension)
    suspension_actions = suspension.add_subparsers(dest="action", required=True)
    for name, run, helps in (
        ("suspend", _suspend, "freeze the space; closed after the wait if nobody answers"),
        ("lift", _lift, "the suspension answered: the space is active again"),
    ):
        action = suspension_actions.add_parser(name, help=helps)
        _person(action)
        action.set_defaults(run=run)

    helpline = commands.add_parser("helpline", help="act on a caller's space for them")
    _operator_option(helpline)
    helpline_actions = helpline.add_subparsers(dest="action", required=True)
    for name, (_, helps) in _HELPLINE_ACTIONS.items():
        action = helpline_actions.add_parser(name, help=helps)
        _person(action)
        action.add_argument(
            "--checked",
            nargs="+",
            required=True,
            choices=_CHECKS,
            help="what you checked of the caller's identity (recorded)",
        )
        action.set_defaults(run=_helpline)


def _operator_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--operator", help="who acts, for the audit (default: the AWS identity this runs under)"
    )


def _person(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ins", required=True, help="the holder's INS (15 digits)")
    parser.add_argument(
        "--birth-date", required=True, type=date.fromisoformat, help="YYYY-MM-DD; must match"
    )


def _show(answer: dict[str, object]) -> None:
    print(json.dumps(answer, default=str))


def _suspend(args: argparse.Namespace) -> int:
    from healthspace.wiring.lifecycle_ops import suspensions

    return _guarded(
        lambda: _show(suspensions().suspend(_operator(args), args.ins, args.birth_date).to_api())
    )


def _lift(args: argparse.Namespace) -> int:
    from healthspace.wiring.lifecycle_ops import suspensions

    return _guarded(
        lambda: _show(suspensions().lift(_operator(args), args.ins, args.birth_date).to_api())
    )


def _helpline(args: argparse.Namespace) -> int:
    from healthspace.lifecycle.helpline import HelplineAction, HelplineRequest, IdentityCheck
    from healthspace.wiring.lifecycle_ops import helpline_desk

    request = HelplineRequest(
        operator_id=_operator(args),
        action=HelplineAction(_HELPLINE_ACTIONS[args.action][0]),
        ins=args.ins,
        birth_date=args.birth_date,
        checks=frozenset(IdentityCheck(check) for check in args.checked),
    )

    def act() -> None:
        answer = helpline_desk().act(request).to_api()
        answer.pop("closed_by", None)
        _show(answer)

    return _guarded(act)


def _import_deaths(args: argparse.Namespace) -> int:
    """A death registry file, from this machine: no line limit (the function has one)."""
    from healthspace.lifecycle.deaths import Format, import_deaths
    from healthspace.wiring.lifecycle import closures
    from healthspace.wiring.ops import ops_files
    from healthspace.wiring.records import medical_file

    path = Path(args.file)
    fmt: Format = args.format or ("jsonl" if path.suffix in (".jsonl", ".ndjson") else "csv")
    file = medical_file()
    with path.open(encoding="utf-8-sig", newline="") as stream:
        summary, errors = import_deaths(
            closures(),
            file.spaces.any_space_of,
            ops_files(),
            file.ids,
            stream,
            fmt,
            path.name,
            datetime.now(UTC).date(),
        )
    print(
        f"{summary.lines} lines: {summary.closed} spaces closed, {summary.already_closed} already "
        f"closed, {summary.without_space} without a space, {summary.rejected_lines} rejected "
        f"({summary.errors} errors)"
    )
    for error in errors:
        print(f"  line {error.line}, {error.field}: {error.reason}")
    print(f"error report: s3://{os.environ['OPS_BUCKET']}/{summary.report_key}")
    return 1 if errors else 0
