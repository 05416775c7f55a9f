"""Sending functions the spec does not hold yet, declared as the communication service (and a
second campaign sender) would declare them, for tests of the rate budget and the shared grants.

`declare(monkeypatch)` adds them, with the communication queues they read, to the spec."""

from __future__ import annotations

import pytest

from tctfmsg.core import resources
from tctfmsg.core.resources import FunctionSpec, QueueSource, QueueSpec

NOTIFICATION_QUEUES = (
    QueueSpec("notification_dlq", "communication", retention_s=14 * 24 * 3600),
    QueueSpec(
        "notifications", "communication", visibility_timeout_s=180, dead_letter="notification_dlq"
    ),
)
NOTIFICATION_WORKER = FunctionSpec(
    "notification_worker",
    "communication",
    "lambdas.communication.worker:handler",
    timeout_s=120,
    queue_source=QueueSource("notifications", batch_size=10, max_concurrency=5),
    purpose="delivers transactional notifications",
    send_class="transactional",
)
# Another campaign sender, so the campaign fraction is split between two functions.
DIGEST_SENDER = FunctionSpec(
    "digest_sender",
    "campaigns",
    "lambdas.campaigns.digest:handler",
    timeout_s=120,
    queue_source=QueueSource("delivery", batch_size=10, max_concurrency=3),
    send_class="campaign",
)


def declare(monkeypatch: pytest.MonkeyPatch, *functions: FunctionSpec) -> tuple[FunctionSpec, ...]:
    """Adds functions (default: the notification worker) to the spec; returns every function."""
    monkeypatch.setattr(resources, "QUEUES", resources.QUEUES + NOTIFICATION_QUEUES)
    everything = resources.FUNCTIONS + (functions or (NOTIFICATION_WORKER,))
    monkeypatch.setattr(resources, "FUNCTIONS", everything)
    return everything
