"""python -m infra.local [--port 3000] [--no-demo] [--log-level INFO]: the local stack.

Runs until Ctrl-C or SIGTERM, then stops the gateway and moto and exits with 0.

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
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from infra.local.template import DEFAULT_TEMPLATE, layer_dirs, load_template

if TYPE_CHECKING:
    from infra.local.stack import LocalStack

_REEXEC_MARK = "HEALTHSPACE_LOCAL_REEXEC"


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m infra.local",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=3000, help="gateway port (0: any free one)")
    parser.add_argument("--no-demo", action="store_true", help="do not create demo accounts")
    parser.add_argument("--log-level", default="INFO", help="DEBUG shows skipped settings")
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


def banner(stack: LocalStack) -> str:
    url = stack.api_url
    routes = ", ".join(f"{r.method} {r.resource}" for r in stack.routes)
    lines = [
        "",
        "Health space local stack is up",
        f"  API       {url}   ({routes})",
        f"  Website   {url}/",
        f"  Docs      {url}/docs   OpenAPI {url}/openapi.json",
        f"  AWS       {stack.aws_endpoint_url}   (moto; aws --endpoint-url ... --region eu-west-3)",
    ]
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
            "    | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"id_token\"])')",
            f'  curl -s {url}/me -H "Authorization: Bearer $TOKEN"',
        ]
    lines.append("Ctrl-C to stop.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parse(argv)
    _put_layers_on_path(args.template, argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)-7s %(name)s: %(message)s"
    )
    for noisy in ("werkzeug", "botocore", "boto3", "urllib3", "moto", "pynamodb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")  # demo names are French

    # Imported once the layers are importable: the handlers and demo data need them.
    from infra.local.stack import LocalStack

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with LocalStack(port=args.port, demo=not args.no_demo, template_path=args.template) as stack:
        print(banner(stack), flush=True)
        while not stop.wait(0.5):
            pass
        logging.getLogger(__name__).info("stopping")
    return 0


if __name__ == "__main__":
    sys.exit(main())
