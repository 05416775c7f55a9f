"""SQS: moto's `send_message` builds every attribute of the queue (three full scans of its
messages for the approximate counts) only to read ContentBasedDeduplication; `receive_message`
does the same for every message it returns, only to read MessageRetentionPeriod. Filling a
queue is therefore quadratic: 30 messages/s by the time it holds 3,000 (docs/decisions/0002).
`GetQueueAttributes` for named attributes builds all of them twice per name; once is enough."""

from __future__ import annotations

import functools
import threading
from typing import Any

from tctfmsg.local.moto_patches.registry import Patches

_local = threading.local()
_COUNTS = (
    "approximate_number_of_messages",
    "approximate_number_of_messages_not_visible",
    "approximate_number_of_messages_delayed",
)


def apply(patches: Patches) -> None:
    from moto.core.utils import unix_time
    from moto.sqs import models

    for name in _COUNTS:
        original = getattr(models.Queue, name)
        patches.replace(models.Queue, name, property(_unless_not_needed(original.fget)))
    patches.replace(
        models.SQSBackend, "send_message", _counts_not_needed(models.SQSBackend.send_message)
    )

    def retention_ok(self: Any, queue_name: str, message: Any) -> bool:
        queue = self.get_queue(queue_name)
        retain_until = int(queue.message_retention_period) + message.sent_timestamp / 1000
        return bool(retain_until > unix_time())

    patches.replace(models.SQSBackend, "is_message_valid_based_on_retention_period", retention_ok)

    original_get_attributes = models.SQSBackend.get_queue_attributes

    @functools.wraps(original_get_attributes)
    def get_queue_attributes(self: Any, queue_name: str, attribute_names: list[str]) -> Any:
        # moto builds every attribute (three scans of the queue) twice per name asked for;
        # build them once. "All", no names and unknown names stay moto's.
        queue = self.get_queue(queue_name)
        if not attribute_names or "All" in attribute_names:
            return original_get_attributes(self, queue_name, attribute_names)
        known = set(queue.BASE_ATTRIBUTES + queue.FIFO_ATTRIBUTES + queue.KMS_ATTRIBUTES)
        if not all(name in known for name in attribute_names):
            return original_get_attributes(self, queue_name, attribute_names)
        everything = queue.attributes
        return {n: everything[n] for n in attribute_names if everything.get(n) is not None}

    patches.replace(models.SQSBackend, "get_queue_attributes", get_queue_attributes)


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
