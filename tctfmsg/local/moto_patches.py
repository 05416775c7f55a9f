"""Two look-ups in moto's SQS that cost O(queue depth) per message, made O(1).

moto's `send_message` builds every attribute of the queue (three full scans of its messages
for the approximate counts) only to read ContentBasedDeduplication; `receive_message` does the
same for every message it returns, only to read MessageRetentionPeriod. Filling a queue is
therefore quadratic: 30 messages/s by the time it holds 3,000. These patches keep what moto
answers and change only how much it counts to answer it (docs/decisions/0002).
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_local = threading.local()
_COUNTS = (
    "approximate_number_of_messages",
    "approximate_number_of_messages_not_visible",
    "approximate_number_of_messages_delayed",
)


def apply() -> None:
    from moto.core.utils import unix_time
    from moto.sqs import models

    if getattr(models, "_tctfmsg_patched", False):
        return
    for name in _COUNTS:
        original = getattr(models.Queue, name)
        setattr(models.Queue, name, property(_unless_not_needed(original.fget)))
    models.SQSBackend.send_message = _counts_not_needed(  # type: ignore[method-assign]
        models.SQSBackend.send_message
    )

    def retention_ok(self: Any, queue_name: str, message: Any) -> bool:
        queue = self.get_queue(queue_name)
        retain_until = int(queue.message_retention_period) + message.sent_timestamp / 1000
        return bool(retain_until > unix_time())

    models.SQSBackend.is_message_valid_based_on_retention_period = retention_ok  # type: ignore[method-assign]
    models._tctfmsg_patched = True  # type: ignore[attr-defined]


def _unless_not_needed(count: Any) -> Any:
    @functools.wraps(count)
    def wrapper(queue: Any) -> int:
        return 0 if getattr(_local, "counts_not_needed", False) else int(count(queue))

    return wrapper


def _counts_not_needed(method: Any) -> Any:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _local.counts_not_needed = True
        try:
            return method(*args, **kwargs)
        finally:
            _local.counts_not_needed = False

    return wrapper
