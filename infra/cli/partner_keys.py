"""`healthspace partner-keys register|list|revoke`: partner systems' signing keys, trusted and
revoked by an operator (docs/partners.md), through the same use case as the operators' routes,
audited the same way: each change is a KeyEvent naming the operator beside the key's record."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def add_commands(commands: Any) -> None:
    """`partner-keys` and its three actions, on the parser's subcommands."""
    keys = commands.add_parser("partner-keys", help="partner systems' signing keys")
    keys.add_argument(
        "--operator",
        help="who acts, for the audit (default: the AWS identity this runs under)",
    )
    actions = keys.add_subparsers(dest="action", required=True)
    register = actions.add_parser("register", help="trust a partner's Ed25519 public key")
    register.add_argument("--partner", required=True, help="the partner system's id")
    register.add_argument("--key-id", required=True, help="a new key id (never reused)")
    register.add_argument("public_key", help="a PEM file, or '-' to read it from stdin")
    register.set_defaults(run=_register)
    listing = actions.add_parser("list", help="a partner's keys, oldest first, a page at a time")
    listing.add_argument("--partner", required=True)
    listing.add_argument("--limit", type=int, default=20)
    listing.add_argument("--cursor", help="the next page's cursor, as the last page printed it")
    listing.set_defaults(run=_list)
    revoke = actions.add_parser("revoke", help="stop trusting a key, from its next request on")
    revoke.add_argument("key_id")
    revoke.set_defaults(run=_revoke)


def _operator(args: argparse.Namespace) -> str:
    if args.operator:
        return str(args.operator)
    import boto3

    return f"iam:{boto3.client('sts').get_caller_identity()['Arn']}"


def _show(key: Any) -> None:
    print(json.dumps(key.to_api(), default=str))


def _guarded(action: Any) -> int:
    """The domain's refusal as a message and exit code 1, not a traceback."""
    from healthspace.kernel.errors import HealthSpaceError

    try:
        action()
    except HealthSpaceError as refused:
        print(f"{refused.code}: {refused.message}", file=sys.stderr)
        return 1
    return 0


def _register(args: argparse.Namespace) -> int:
    from healthspace.wiring.partners import key_registry

    text = sys.stdin.read() if args.public_key == "-" else Path(args.public_key).read_text()
    operator = _operator(args)
    return _guarded(
        lambda: _show(key_registry().register(operator, args.partner, args.key_id, text))
    )


def _list(args: argparse.Namespace) -> int:
    from healthspace.wiring.partners import key_registry

    def show_page() -> None:
        page = key_registry().list(args.partner, args.limit, args.cursor)
        for key in page.items:
            _show(key)
        if page.next_cursor:
            print(f"next page: --cursor {page.next_cursor}", file=sys.stderr)

    return _guarded(show_page)


def _revoke(args: argparse.Namespace) -> int:
    from healthspace.wiring.partners import key_registry

    operator = _operator(args)
    return _guarded(lambda: _show(key_registry().revoke(operator, args.key_id)))
