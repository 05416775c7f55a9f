"""Reconciles what providers received with what the ledger says, for one campaign.

This is how the demo and the benchmarks prove "0 dropped, 0 duplicated" rather than assert it:
the providers' own records (the embedded stack's outboxes) against the delivery ledger.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tctfmsg.campaigns.domain.delivery import Delivery, DeliveryStatus
from tctfmsg.campaigns.domain.subscriber import email_key


@dataclass(frozen=True)
class DeliveryAudit:
    targeted: int
    sent_by_provider: dict[str, int]
    ledger: dict[str, int]  # deliveries per final or open status
    received: int  # distinct recipients some provider received the campaign for
    duplicated: int  # extra copies beyond one per recipient, across all providers
    dropped: int  # recorded SENT but never received, or still open after completion
    unrecorded: int  # received by a provider although the ledger does not say SENT
    dropped_examples: list[str] = field(default_factory=list)
    duplicated_examples: list[str] = field(default_factory=list)

    def count(self, status: DeliveryStatus) -> int:
        return self.ledger.get(status.value, 0)

    @property
    def sent(self) -> int:
        return self.count(DeliveryStatus.SENT)

    @property
    def clean(self) -> bool:
        return self.dropped == 0 and self.duplicated == 0 and self.unrecorded == 0


def audit(
    campaign_id: str,
    outboxes: Mapping[str, Iterable[Mapping[str, Any]]],
    deliveries: Iterable[Delivery],
) -> DeliveryAudit:
    copies: Counter[str] = Counter()
    by_provider: Counter[str] = Counter()
    for provider, messages in outboxes.items():
        for message in messages:
            if (message.get("tags") or {}).get("campaign_id") != campaign_id:
                continue
            for recipient in _recipients(message.get("to")):
                copies[email_key(recipient)] += 1
                by_provider[provider] += 1
    statuses: Counter[str] = Counter()
    sent: set[str] = set()
    still_open: list[str] = []
    for delivery in deliveries:
        statuses[delivery.status.value] += 1
        if delivery.status is DeliveryStatus.SENT:
            sent.add(delivery.email_key)
        elif delivery.status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING):
            still_open.append(delivery.email_key)
    lost = sorted(sent - copies.keys()) + sorted(still_open)
    doubled = sorted(k for k, n in copies.items() if n > 1)
    return DeliveryAudit(
        targeted=sum(statuses.values()),
        sent_by_provider=dict(sorted(by_provider.items())),
        ledger=dict(sorted(statuses.items())),
        received=len(copies),
        duplicated=sum(n - 1 for n in copies.values()),
        dropped=len(lost),
        unrecorded=len(copies.keys() - sent),
        dropped_examples=lost[:5],
        duplicated_examples=doubled[:5],
    )


def _recipients(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return []
