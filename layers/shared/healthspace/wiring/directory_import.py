"""The operators' import of the national directory's extract (the CLI, the local stack's demo):
the directory's table items, and the reports in the operations bucket. Apart from
wiring.directory, so that the records function loads nothing of the operations bucket."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from healthspace.adapters.dynamodb.directory import DynamoDirectory
from healthspace.adapters.system import UlidIds
from healthspace.directory.importer import DirectorySummary, import_directory
from healthspace.kernel.reports import LineError
from healthspace.wiring.ops import ops_files
from healthspace.wiring.records import table


def import_extract(
    stream: TextIO, name: str, progress: Callable[[int], None] | None = None
) -> tuple[DirectorySummary, list[LineError]]:
    store = DynamoDirectory(table())
    return import_directory(store, ops_files(), UlidIds(), stream, name, progress)
