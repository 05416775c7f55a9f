"""One rate budget per provider: how its rate is split between everything that sends, so that
together they never exceed it. The spec declares the split (`resources.RATE_BUDGET`); the CDK
puts each instance's share in its function's environment, and the embedded stack gives each
sending function its own pacer at its function's share (docs/decisions/0063)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class Sender(Protocol):
    """What the budget reads of a sending function's spec (resources.FunctionSpec)."""

    @property
    def logical(self) -> str: ...

    @property
    def send_class(self) -> str | None: ...

    @property
    def max_instances(self) -> int: ...


@dataclass(frozen=True)
class RateBudget:
    """Fractions of each provider's rate (the config table's `rate_per_s`, changeable at
    runtime), one per send class.

    A class owns its fraction: campaign senders never take the transactional part, however
    idle it is, so an MFA code never waits behind a newsletter. The functions of a class split
    its fraction evenly, and a function's concurrent instances split its part. The operator's
    fraction is for sends outside any function: the CLI's test sends."""

    transactional: float
    campaign: float
    operator: float

    def __post_init__(self) -> None:
        fractions = (self.transactional, self.campaign, self.operator)
        if min(fractions) < 0 or sum(fractions) > 1:
            raise ValueError(f"rate budget fractions {fractions} must be >= 0 and sum to <= 1")

    def function_share(self, spec: Sender, functions: Sequence[Sender]) -> float:
        """The fraction one sending function takes, all its instances together."""
        if spec.send_class is None:
            raise ValueError(f"function {spec.logical} sends no email")
        peers = [f for f in functions if f.send_class == spec.send_class]
        if spec not in peers:
            raise ValueError(f"function {spec.logical} is not among the functions budgeted")
        fraction: float = getattr(self, spec.send_class)
        return fraction / len(peers)

    def instance_share(self, spec: Sender, functions: Sequence[Sender]) -> float:
        """The fraction one instance takes: its function's, split between its instances."""
        return self.function_share(spec, functions) / spec.max_instances
