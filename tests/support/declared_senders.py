"""Sending functions for tests of the rate budget and the shared grants: the communication
service's real notification worker, and a second campaign sender the spec does not hold, declared
as one would be.

`declare(monkeypatch, ...)` adds those the spec lacks to it and returns every function."""

from __future__ import annotations

import pytest

from tctfmsg.core import resources
from tctfmsg.core.resources import FunctionSpec, QueueSource

NOTIFICATION_WORKER = resources.function("notification_worker")
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
    """Adds the functions the spec does not hold yet; returns every function."""
    missing = tuple(f for f in functions if f not in resources.FUNCTIONS)
    everything = resources.FUNCTIONS + missing
    monkeypatch.setattr(resources, "FUNCTIONS", everything)
    return everything
