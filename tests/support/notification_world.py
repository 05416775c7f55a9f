"""The communication service wired to hand-written fakes and the shipped templates: what the
service's unit tests and the CLI's share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

from tctfmsg.communication.domain.user import User
from tctfmsg.communication.services.accept import AcceptDeps
from tctfmsg.communication.services.records import RecordDeps
from tctfmsg.communication.services.worker import WorkerDeps
from tctfmsg.rendering import FileTemplateStore, Renderer, load_registry
from tctfmsg.rendering.registry import Registry
from tctfmsg.rendering.store import TEMPLATES_DIR
from tests.support.campaign_memory import FixedClock
from tests.support.notification_memory import (
    EventLog,
    FakeChannel,
    MemoryLedger,
    MemoryNotifications,
    MemoryQueue,
    MemoryUsers,
)

CLAIM_FOR = timedelta(seconds=90)


@dataclass
class Service:
    registry: Registry
    renderer: Renderer
    clock: FixedClock = field(default_factory=FixedClock)
    notifications: MemoryNotifications = field(default_factory=MemoryNotifications)
    ledger: MemoryLedger = field(default_factory=MemoryLedger)
    users: MemoryUsers = field(default_factory=MemoryUsers)
    queue: MemoryQueue = field(default_factory=MemoryQueue)
    events: EventLog = field(default_factory=EventLog)
    channels: dict[str, FakeChannel] = field(
        default_factory=lambda: {c: FakeChannel(c) for c in ("email", "sms", "whatsapp", "push")}
    )

    @property
    def accept_deps(self) -> AcceptDeps:
        return AcceptDeps(self.notifications, self.users, self.queue, self.registry, self.clock)

    @property
    def record_deps(self) -> RecordDeps:
        return RecordDeps(self.notifications, self.ledger, self.queue, self.clock)

    @property
    def worker_deps(self) -> WorkerDeps:
        return WorkerDeps(
            self.notifications,
            self.ledger,
            self.users,
            self.queue,
            self.registry,
            self.renderer,
            self.channels,
            self.events,
            self.clock,
            CLAIM_FOR,
        )

    def sent(self, channel: str) -> list[str]:
        return [m.to for m in self.channels[channel].sent]


@lru_cache(maxsize=1)
def shipped() -> tuple[Registry, Renderer]:
    files = FileTemplateStore(TEMPLATES_DIR)
    registry = load_registry()
    return registry, Renderer(files, registry, files.design(), {"asset_base_url": "https://a"})


def world() -> Service:
    """A fresh service on the shipped templates, with one user, Ada, reachable everywhere."""
    registry, renderer = shipped()
    svc = Service(registry, renderer)
    svc.users.put(
        User(
            "u-ada",
            email="ada@example.com",
            phone="+447700900123",
            push_tokens=("device-token-aaaaaaaaaaaa", "device-token-bbbbbbbbbbbb"),
            timezone="Europe/London",
        )
    )
    return svc
