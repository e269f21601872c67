"""The table's stream beyond the access log: the root of StreamEventsFunction (the router), and
what the functions fed by its queues read a message with (healthspace.adapters.dynamodb.stream)."""

from __future__ import annotations

from healthspace.adapters.dynamodb.stream import (
    StreamRouter,
    from_queue,
    is_activation,
    is_closure,
    is_new_export,
)
from healthspace.adapters.sqs import SqsQueue
from healthspace.kernel.settings import StreamSettings
from healthspace.wiring import root
from healthspace.wiring.lifecycle import archives

__all__ = ["from_queue", "is_activation", "is_closure", "is_new_export", "stream_router"]


@root
def stream_router() -> StreamRouter:
    settings = StreamSettings.from_env()
    return StreamRouter(
        start_archive=archives().start,
        accounts=SqsQueue(settings.accounts_queue_url),
        exports=SqsQueue(settings.exports_queue_url),
    )
