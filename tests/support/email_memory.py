"""The email backbone's operator surface in memory: provider config, shared breakers and a
sender that records what it was asked to send, for the CLI's unit tests."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tctfmsg.email.message import (
    DEFAULT_CONFIG,
    PROVIDERS,
    BreakerStatus,
    EmailMessage,
    ProviderConfig,
    SendReceipt,
)


@dataclass
class MemoryProviderConfigStore:
    """Keeps what `update` is told, as the DynamoDB store does: None means unchanged."""

    configs: dict[str, ProviderConfig] = field(default_factory=lambda: dict(DEFAULT_CONFIG))
    updates: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def load(self) -> list[ProviderConfig]:
        return list(self.configs.values())

    def update(self, name: str, **changes: Any) -> ProviderConfig:
        changes = {k: v for k, v in changes.items() if v is not None}
        self.updates.append((name, changes))
        self.configs[name] = dataclasses.replace(self.configs[name], **changes)
        return self.configs[name]


@dataclass
class MemoryBreaker:
    """One provider's shared breaker as operators see it: a status, and a reset."""

    name: str
    current: BreakerStatus = field(init=False)
    resets: int = 0

    def __post_init__(self) -> None:
        self.current = BreakerStatus(self.name)

    def status(self, fresh: bool = False) -> BreakerStatus:
        return self.current

    def reset(self) -> None:
        self.resets += 1
        self.current = BreakerStatus(self.name)

    def trip(self, opened_at: float, failures: int, error: str, error_at: float) -> None:
        self.current = BreakerStatus(self.name, "open", failures, opened_at, error, error_at)


@dataclass
class RecordingSender:
    """Accepts every message with the receipt it was given, or raises what it was given."""

    receipt: SendReceipt = field(default_factory=lambda: SendReceipt("ses", "m-1"))
    fails_with: Exception | None = None
    sent: list[EmailMessage] = field(default_factory=list)

    def send(
        self, message: EmailMessage, *, proceed: Callable[[], bool] | None = None
    ) -> SendReceipt:
        if self.fails_with is not None:
            raise self.fails_with
        self.sent.append(message)
        return self.receipt


@dataclass
class FakeBackbone:
    sender: RecordingSender = field(default_factory=RecordingSender)
    config_store: MemoryProviderConfigStore = field(default_factory=MemoryProviderConfigStore)
    storages: dict[str, MemoryBreaker] = field(
        default_factory=lambda: {name: MemoryBreaker(name) for name in PROVIDERS}
    )


@dataclass
class FakeEmailRoot:
    """What the CLI asks of EmailRoot: the backbone, and its sender."""

    backbone: FakeBackbone = field(default_factory=FakeBackbone)

    @property
    def sender(self) -> RecordingSender:
        return self.backbone.sender
