"""The suppression list in memory, behaving as DynamoSuppressionList does."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tctfmsg.email.suppression import Suppression, SuppressionReason, suppression_key


@dataclass
class MemorySuppressions:
    entries_by_key: dict[str, Suppression] = field(default_factory=dict)
    transient: dict[str, int] = field(default_factory=dict)

    def find(self, address: str) -> Suppression | None:
        return self.entries_by_key.get(suppression_key(address))

    def find_many(self, addresses: Sequence[str]) -> dict[str, Suppression]:
        keys = {suppression_key(a) for a in addresses}
        return {k: v for k, v in self.entries_by_key.items() if k in keys}

    def add(self, suppression: Suppression) -> bool:
        if suppression.key in self.entries_by_key:
            return False
        self.entries_by_key[suppression.key] = suppression
        return True

    def remove(self, address: str) -> Suppression | None:
        self.transient.pop(suppression_key(address), None)
        return self.entries_by_key.pop(suppression_key(address), None)

    def entries(self, reason: SuppressionReason | None = None) -> Iterator[Suppression]:
        return iter([s for s in self.entries_by_key.values() if reason in (None, s.reason)])

    def count_transient_bounce(self, address: str, now: datetime) -> int:
        key = suppression_key(address)
        self.transient[key] = self.transient.get(key, 0) + 1
        return self.transient[key]

    def reset_transient_bounces(self, address: str) -> None:
        self.transient.pop(suppression_key(address), None)
