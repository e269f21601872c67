"""The demo's directory of professionals: a synthetic extract in the national directory's format
(directory.txt: 200 invented professionals in a dozen towns, the demo's three among them with
their RPPS), imported through the operators' import when the stack starts."""

from __future__ import annotations

import logging
from pathlib import Path

DEMO_EXTRACT = Path(__file__).with_name("directory.txt")

log = logging.getLogger(__name__)


def import_demo_directory(extract: Path = DEMO_EXTRACT) -> None:
    """Runs in the stack's process, whose environment points the domain at moto."""
    from healthspace.wiring.directory_import import import_extract

    with extract.open(encoding="utf-8-sig", newline="") as stream:
        summary, _ = import_extract(stream, extract.name)
    log.info("imported the demo directory: %d professionals", summary.professionals)
