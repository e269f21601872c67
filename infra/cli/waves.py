"""`healthspace waves` and `healthspace wave ID`: the notification waves and their figures, read
from the enrollment store."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_commands(commands: Any) -> None:
    """`waves` and `wave`, on the parser's subcommands."""
    waves = commands.add_parser("waves", help="the waves, newest first, with their figures")
    waves.add_argument("--limit", type=int, default=20)
    waves.add_argument("--cursor", help="the next page's cursor, as the last page printed it")
    waves.set_defaults(run=_waves)
    wave = commands.add_parser("wave", help="one wave's figures")
    wave.add_argument("wave_id")
    wave.set_defaults(run=_wave)


def _wave_row(wave: Any, counts: Any) -> str:
    return (
        f"{wave.wave_id}  {wave.status.value:<10}  deadline {wave.deadline:%Y-%m-%d %H:%M}  "
        f"notified {counts.notified:>9}  opposed {counts.opposed:>7} "
        f"({counts.opposition_rate:.2%})  early {counts.activated_early:>7}  "
        f"activated {counts.activated:>9}  failed {counts.failed}  never told {counts.unnotified}"
    )


def _waves(args: argparse.Namespace) -> int:
    from healthspace.wiring.enrollment import enrollments

    waves, next_cursor = enrollments().waves.recent(args.limit, args.cursor)
    for wave, counts in waves:
        print(_wave_row(wave, counts))
    if next_cursor:
        print(f"more: --cursor {next_cursor}")
    return 0


def _wave(args: argparse.Namespace) -> int:
    from healthspace.wiring.enrollment import enrollments

    store = enrollments().store
    wave = store.get_wave(args.wave_id)
    if wave is None:
        print(f"no wave {args.wave_id}", file=sys.stderr)
        return 2
    print(_wave_row(wave, store.wave_counts(args.wave_id)))
    return 0
