"""The partners' API on AWS: their keys and nonces in the health space table, beside the
medical file they push to and read from; and the operators' registry of those keys."""

from __future__ import annotations

from healthspace.adapters.dynamodb.partners import DynamoNonces, DynamoPartnerKeys
from healthspace.adapters.system import SystemClock
from healthspace.kernel.settings import PartnerSettings
from healthspace.partners.gate import PartnerGate
from healthspace.partners.keys import KeyRegistry
from healthspace.wiring import root
from healthspace.wiring.records import medical_file, table


@root
def partner_gate() -> PartnerGate:
    file = medical_file()
    return PartnerGate(
        keys=DynamoPartnerKeys(table()),
        nonces=DynamoNonces(table()),
        clock=file.clock,
        base_url=PartnerSettings.from_env().base_url,
        spaces=file.spaces,
        filing=file.filing,
    )


@root
def key_registry() -> KeyRegistry:
    """The operators' side of the keys (the operators' API, the CLI): the table only, so that
    the CLI runs with TABLE_NAME alone."""
    return KeyRegistry(keys=DynamoPartnerKeys(table()), clock=SystemClock())
