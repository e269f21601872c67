"""The operators' command line: `healthspace import FILE`, `migrate FILE`, `waves`, `wave ID`,
`partner-keys register|list|revoke`, `directory import FILE`, `deaths import FILE`,
`suspension suspend|lift`, `helpline close`, `reminders backfill-birth-index`.

It runs the domain with the operator's own AWS credentials and the functions' settings from the
environment (TABLE_NAME, OPS_BUCKET, ...), or, with `--local URL`, against a running local stack.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request

from infra.cli import directory, files, lifecycle, partner_keys, reminders, waves


def _use_local_stack(url: str) -> None:
    """Point this process at a local stack: its AWS endpoint and the functions' settings."""
    with urllib.request.urlopen(f"{url.rstrip('/')}/local/env", timeout=10) as answer:  # noqa: S310
        os.environ.update(json.load(answer))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="healthspace", description=__doc__)
    parser.add_argument("--local", metavar="URL", help="use the local stack at URL")
    commands = parser.add_subparsers(dest="command", required=True)
    files.add_commands(commands)
    waves.add_commands(commands)
    partner_keys.add_commands(commands)
    directory.add_commands(commands)
    lifecycle.add_commands(commands)
    reminders.add_commands(commands)
    args = parser.parse_args(argv)
    if args.local:
        _use_local_stack(args.local)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
