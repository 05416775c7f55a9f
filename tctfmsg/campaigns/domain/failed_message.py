"""A message that could not be delivered by retrying: kept until an operator retries or
resolves it, so nothing that reached the dead-letter queue is lost."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class FailureState(StrEnum):
    OPEN = "open"  # waiting for an operator
    RETRIED = "retried"  # re-enqueued; the ledger tells how it ended
    RESOLVED = "resolved"  # accepted as permanently failed


@dataclass(frozen=True)
class FailedMessage:
    failure_id: str
    campaign_id: str  # "-" when the body named none
    email_key: str
    reason: str
    detail: str
    attempts: int
    body: str
    failed_at: datetime
    state: FailureState = FailureState.OPEN
    updated_at: datetime | None = None


def failure_id(*parts: str) -> str:
    """Stable for one delivery (campaign, recipient), so a delivery that dies again after a
    retry reopens its item instead of adding a second one."""
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()
    return "f-" + digest[:16]


@dataclass(frozen=True)
class FailureStats:
    open: int
    by_reason: dict[str, int]
    by_campaign: dict[str, int]
    retried: int = 0
    resolved: int = 0
