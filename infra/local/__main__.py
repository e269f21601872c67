"""python -m infra.local [--port 3000] [--no-demo] [--no-demo-wave] [--enrollment-window PT2M]
[--instances [FUNCTION=]N] [--logs PATH] [--log-level INFO]: the local stack.

Runs until Ctrl-C or SIGTERM, then stops the gateway, the functions' worker processes and moto,
and exits with 0.

The console stays for people: the functions' logs (Powertools JSON lines) and the gateway's line
per request go to a file (--logs; the banner names it), the console shows only warnings and
errors, one short line each, and the banner (URLs, demo accounts) comes last, once the demo wave
is imported.

Each function runs in worker processes of its own, as Lambda instances: 2 for a function serving
API routes, 1 for the others; --instances N sets every API function's, --instances FUNCTION=N
one function's (by logical id), and may be repeated.

The demo (unless --no-demo): patients who can log in, a helpline operator, and a notification
wave of a few hundred synthetic people imported at startup, whose deadline is the enrollment
window away (the template's EnrollmentWindow, short here so that a whole wave runs in minutes).
Waves are per day: a file imported later the same day joins the demo wave, which is why tests
that import their own file start with --no-demo-wave.

Lambda puts each layer (layers/shared) on the handlers' import path. So does this entry point:
when the template's layer directories are not importable, it re-executes itself once with them
on PYTHONPATH, so that `make run` and a bare `python -m infra.local` both work.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from infra.local.template import (
    ACCOUNT_ID,
    DEFAULT_TEMPLATE,
    REGION,
    layer_dirs,
    load_template,
    walk_events,
)

if TYPE_CHECKING:
    from infra.local.demo.people import DemoOperator
    from infra.local.demo.wave import DemoWave
    from infra.local.stack import LocalStack

_REEXEC_MARK = "HEALTHSPACE_LOCAL_REEXEC"
DEMO_ENROLLMENT_WINDOW = "PT2M"  # a whole wave while you watch
OPERATOR_POOL = "OperatorUserPool"  # the template's logical id of the operators' pool


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m infra.local",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=3000, help="gateway port (0: any free one)")
    parser.add_argument("--no-demo", action="store_true", help="no demo accounts, no demo wave")
    parser.add_argument(
        "--no-demo-wave", action="store_true", help="demo accounts, but no demo wave at startup"
    )
    parser.add_argument(
        "--enrollment-window",
        default=DEMO_ENROLLMENT_WINDOW,
        metavar="DURATION",
        help="time to oppose, ISO 8601 (the template's EnrollmentWindow; P42D in the cloud)",
    )
    parser.add_argument(
        "--instances",
        action="append",
        default=[],
        metavar="[FUNCTION=]N",
        help="worker processes per API function, or for one function (repeatable)",
    )
    parser.add_argument(
        "--logs",
        type=Path,
        default=Path(tempfile.gettempdir()) / "healthspace-local" / "functions.log",
        help="the file the functions' logs and the gateway's request lines go to",
    )
    parser.add_argument(
        "--log-level", default="INFO", help="of the file; DEBUG shows skipped settings"
    )
    parser.add_argument(
        "--schedule-seconds",
        type=float,
        default=3600,
        metavar="SECONDS",
        help="how often the template's daily schedules fire (the holds' releases, the purge "
        "sweep: EventBridge never fires in moto); one that repeats within the hour (the "
        "reminders, every five minutes) fires at its own period if shorter; 0: never",
    )
    parser.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE)
    return parser.parse_args(argv)


def _put_layers_on_path(template: Path, argv: list[str]) -> None:
    """Re-execute with the layer directories on PYTHONPATH if they are missing (once)."""
    on_path = {Path(p).resolve() for p in sys.path if p}
    missing = [
        str(d.resolve()) for d in layer_dirs(load_template(template)) if d.resolve() not in on_path
    ]
    if not missing or os.environ.get(_REEXEC_MARK):
        return
    current = os.environ.get("PYTHONPATH")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([*missing, *([current] if current else [])]))
    env[_REEXEC_MARK] = "1"
    command = [sys.executable, "-m", "infra.local", *argv]
    os.execve(sys.executable, command, env)  # noqa: S606 (our own interpreter and module)


def banner(stack: LocalStack, operator: DemoOperator | None = None) -> str:
    url = stack.api_url
    lines = [
        "",
        "Health space local stack is up",
        f"  API       {url}   ({len(stack.routes)} routes: see Docs)",
        f"  Website   {url}/",
        f"  Viewer    {stack.viewer_url}   (documents shown on screen: their own origin)",
        f"  Docs      {url}/docs   OpenAPI {url}/openapi.json",
        f"  AWS       {stack.aws_endpoint_url}   (moto; aws --endpoint-url ... --region eu-west-3)",
        f"  Outbox    {url}/local/outbox   (what was sent: emails, SMS, letters; local only)",
        f"  Logs      {stack.function_logs}   (the functions' JSON lines, the gateway's requests)"
        if stack.function_logs
        else "  Logs      on this console",
    ]
    if stack.registry and stack.registry.isolated:
        counts = stack.instance_counts()
        lines.append(
            f"  Functions {len(counts)}, {sum(counts.values())} worker processes "
            "(each alone with its module state, as Lambda instances; --instances)"
        )
    if stack.registry and stack.registry.failures:
        lines.append("  Not loaded (their routes answer 502):")
        lines += [f"    {lid}: {why}" for lid, why in stack.registry.failures.items()]
    if stack.demo_users:
        lines.append("Demo accounts:")
        lines += [
            f"  {u.account.username} / {u.account.password}   {u.account.description}"
            for u in stack.demo_users
        ]
        first = stack.demo_users[0].account
        lines += [
            "Try:",
            f"  TOKEN=$(curl -s -X POST {url}/local/login -H 'Content-Type: application/json' \\",
            f'    -d \'{{"username": "{first.username}", "password": "{first.password}"}}\' \\',
            f"    | {_ID_TOKEN})",
            f'  curl -s {url}/me -H "Authorization: Bearer $TOKEN"',
        ]
    if stack.demo_users:
        from infra.local.demo.people import DEMO_PROFESSIONALS

        lines += [
            "Health professionals (professionals' pool; /local/login answers their MFA; "
            "README: Act as a professional):",
            *(f"  {p.username} / {p.password}   {p.description}" for p in DEMO_PROFESSIONALS),
        ]
    if operator:
        lines += [
            "Helpline operator (operators' pool; /local/login answers its MFA challenge):",
            f"  {operator.username} / {operator.password}   {operator.description}",
            "  OPERATOR_TOKEN=$(curl -s -X POST "
            f"{url}/local/login -H 'Content-Type: application/json' \\",
            f'    -d \'{{"username": "{operator.username}", "password": "{operator.password}", '
            '"pool": "operators"}\' \\',
            f"    | {_ID_TOKEN})",
            f'  curl -s {url}/operator/waves -H "Authorization: Bearer $OPERATOR_TOKEN"',
        ]
    lines.append("Ctrl-C to stop.")
    return "\n".join(lines)


# The shell's way to keep the id token of /local/login's answer.
_ID_TOKEN = "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"id_token\"])'"  # noqa: S105


def wave_banner(url: str, wave: DemoWave, window: str) -> list[str]:
    """The demo wave's figures, and how to follow it and to oppose as one of its people."""
    rejected = f"{wave.rejected_lines} line{'s' if wave.rejected_lines != 1 else ''} rejected"
    rate = len(wave.opposed) / wave.notified if wave.notified else 0.0
    lines = [
        f"Demo wave {wave.wave_id} ({wave.file_lines} lines imported in {wave.seconds:.1f} s): "
        f"{wave.notified} notified, {rejected}",
        *(f"  {error}" for error in wave.errors[:3]),
        f"  {len(wave.opposed)} opposed ({rate:.2%}), {len(wave.activated_early)} activated early;"
        f" the timer activates the others at {wave.deadline:%H:%M:%S} UTC "
        f"(window {window or 'from the template'})",
        f"  infra/bin/healthspace --local {url} waves",
        f"  infra/bin/healthspace --local {url} wave {wave.wave_id}",
    ]
    if wave.sample:
        person = wave.sample.person
        reached = person.email or person.mobile
        lines += [
            f"  Oppose as {person.given_name} {person.family_name} would, with the code sent by "
            f"{wave.sample.channel} to {reached} (before the deadline):",
            f"  curl -s -X POST {url}/enrollment/opposition -H 'Content-Type: application/json' \\",
            f'    -d \'{{"ins": "{person.ins}", "birth_date": "{person.birth_date}", '
            f'"code": "{wave.sample.code}"}}\'',
        ]
    return lines


def _seed_operator(stack: LocalStack) -> DemoOperator | None:
    import boto3

    from infra.local.demo.people import DEMO_OPERATOR
    from infra.local.demo.users import seed_operator

    assert stack.resolver is not None
    if OPERATOR_POOL not in stack.resolver.refs:  # another template may have no operators
        return None
    seed_operator(boto3.client("cognito-idp"), stack.ref(OPERATOR_POOL))
    return DEMO_OPERATOR


def _start_demo_wave(
    stack: LocalStack, stopping: threading.Event, report: list[str]
) -> threading.Thread | None:
    """Import the demo wave in the background (about 10 s on moto); its figures go to `report`.
    The stack answers meanwhile."""
    from infra.local.demo.wave import run_demo_wave

    ops_bucket = stack.shared_env.get("OPS_BUCKET")
    if not ops_bucket:  # another template may have no enrollment
        return None
    url, window = stack.api_url, stack.parameters.get("EnrollmentWindow", "")

    def run() -> None:
        try:
            wave = run_demo_wave(url, ACCOUNT_ID, REGION, ops_bucket, stopping=stopping)
        except Exception:
            if not stopping.is_set():  # Ctrl-C during the import: the stack went away
                logging.getLogger(__name__).exception("the demo wave failed")
            return
        report.extend(["", *wave_banner(url, wave, window)])

    thread = threading.Thread(target=run, name="demo-wave", daemon=True)
    thread.start()
    return thread


def _instances(values: list[str], api_functions: set[str], default: int) -> dict[str, int]:
    """Worker processes by function from --instances: N for every API function, FUNCTION=N for
    one (unknown functions are refused by the stack)."""
    counts = dict.fromkeys(api_functions, default)
    for value in values:
        name, _, count = value.rpartition("=")
        if not count.isdigit() or int(count) < 1:
            raise SystemExit(f"--instances {value}: expected N or FUNCTION=N, N >= 1")
        if name:
            counts[name] = int(count)
        else:
            counts.update(dict.fromkeys(api_functions, int(count)))
    return counts


def _log_to(path: Path, level: str) -> logging.Handler:
    """This process's logs: to the file, and warnings and errors, one short line, to stderr
    (that handler returned)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("")  # this run's only
    to_file = logging.FileHandler(path, encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    to_file.setLevel(level.upper())
    console = logging.StreamHandler()
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    console.setLevel(logging.WARNING)
    root = logging.getLogger()
    root.setLevel(level.upper())
    root.addHandler(to_file)
    root.addHandler(console)
    for noisy in ("werkzeug", "botocore", "boto3", "urllib3", "pynamodb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("moto").setLevel(logging.ERROR)  # its warnings are about moto itself
    return console


def _domain_logs_to(path: Path, console: logging.Handler) -> None:
    """The domain code this process runs itself (the demo's seeding and wave) logs as the
    functions do, through Powertools' handlers on stdout: into the file as well."""
    import healthspace.kernel.observability  # noqa: F401 (its Logger, created at import)

    stream = path.open("a", encoding="utf-8")
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        for handler in getattr(logger, "handlers", []):
            if (
                handler is not console
                and isinstance(handler, logging.StreamHandler)
                and handler.stream in (sys.stdout, sys.stderr)
            ):
                handler.setStream(stream)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parse(argv)
    _put_layers_on_path(args.template, argv)
    console = _log_to(args.logs, args.log_level)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")  # demo names are French

    # Imported once the layers are importable: the handlers and demo data need them.
    from infra.local.stack import API_INSTANCES, LocalStack

    _domain_logs_to(args.logs, console)

    # moto then checks the operators' TOTP codes (MFA is "ON" in their pool) as Cognito does.
    os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
    # Another template may not declare the window (the stack refuses unknown parameters).
    template = load_template(args.template)
    declared = template.parameters
    window = {"EnrollmentWindow": args.enrollment_window} if "EnrollmentWindow" in declared else {}
    serving = {function for function, _, _ in walk_events(template, "Api")}
    counts = _instances(args.instances, serving, API_INSTANCES)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"Starting the local stack (logs: {args.logs})...", flush=True)
    with LocalStack(
        port=args.port,
        demo=not args.no_demo,
        template_path=args.template,
        parameters=window,
        instances=counts,
        function_logs=args.logs,
        schedule_seconds=args.schedule_seconds or None,
    ) as stack:
        operator = None if args.no_demo else _seed_operator(stack)
        report: list[str] = []
        demo_wave = None
        if not args.no_demo and not args.no_demo_wave:
            demo_wave = _start_demo_wave(stack, stop, report)
        if demo_wave:
            print("Importing the demo wave, a synthetic population (about 10 s)...", flush=True)
            while demo_wave.is_alive() and not stop.wait(0.2):
                pass
        if not stop.is_set():
            print("\n".join([*report, banner(stack, operator)]), flush=True)
        while not stop.wait(0.5):
            pass
        logging.getLogger(__name__).info("stopping")
        if demo_wave:  # it gives up at its next person; its last request needs moto up
            demo_wave.join(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
