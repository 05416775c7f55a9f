"""A queue gauge that answers what a test set, for the doctor's checks."""

from __future__ import annotations

from dataclasses import dataclass, field

from tctfmsg.core.health import QueueFigures


@dataclass
class SetQueues:
    depths: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # visible, flight, delay
    ages: dict[str, float] = field(default_factory=dict)

    def measure(self, logical: str) -> QueueFigures:
        visible, in_flight, delayed = self.depths.get(logical, (0, 0, 0))
        return QueueFigures(logical, visible, in_flight, delayed, self.ages.get(logical))
