"""`healthspace reminders backfill-birth-index`: a one-off migration (docs/reminders.md
"Prevention reminders", "Migration"). The prevention reminders' job finds the holders reaching an
age through the index of spaces by birth date (the space item's gsi1 keys `BORN#<day>` /
`<space>`, written with the space while it is ACTIVE: adapters/dynamodb/items.space_item). Spaces
written before that index have none: this command reads the table once (a Scan, in pages,
filtered to the ACTIVE space items without the keys) and adds them, each on condition that the
space is still at the version read (a space changed meanwhile was written with its keys). It
can be run again: what is indexed is not touched."""

from __future__ import annotations

import argparse
import json
from typing import Any

from healthspace.adapters.dynamodb.items import Item, entity_of, space_item
from healthspace.adapters.dynamodb.transactions import put_if
from healthspace.records.model import Space, SpaceStatus


def backfill_birth_index() -> dict[str, int]:
    """Index every ACTIVE space not yet indexed; how many were."""
    indexed = 0
    unindexed = (
        Item.pk.startswith("SPACE#")
        & (Item.sk == "SPACE")
        & (Item.status == SpaceStatus.ACTIVE.value)
        & Item.gsi1pk.does_not_exist()
    )
    for found in Item.scan(unindexed, page_size=500):
        space = entity_of(Space, found)
        if put_if(space_item(space), Item.version == space.version):
            indexed += 1
    return {"indexed": indexed}


def add_commands(commands: Any) -> None:
    reminders = commands.add_parser("reminders", help="the reminders' one-off migrations")
    actions = reminders.add_subparsers(dest="action", required=True)
    backfill = actions.add_parser(
        "backfill-birth-index",
        help="index the spaces written before the index by birth date (prevention reminders)",
    )
    backfill.set_defaults(run=_backfill)


def _backfill(args: argparse.Namespace) -> int:
    print(json.dumps(backfill_birth_index()))
    return 0
