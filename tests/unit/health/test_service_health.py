"""The communication, email and chat services' health: dead letters, notification latency
against its objective, breakers, and open WebSocket connections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tctfmsg.communication.domain.notification import Notification, NotificationStatus
from tctfmsg.communication.services.health import (
    NotificationHealthDeps,
    NotificationLimits,
    notifications_health,
)
from tctfmsg.email.health import backbone_health
from tctfmsg.email.message import DEFAULT_CONFIG
from tctfmsg.user_messages.domain.model import Connection
from tctfmsg.user_messages.services.health import chat_health
from tests.support.campaign_memory import FixedClock
from tests.support.chat_memory import MemoryConnections
from tests.support.notification_memory import MemoryNotifications
from tests.unit.email.fakes import FakeClock, MemoryBreakerStorage
from tests.unit.email.test_provider_operations import MemoryConfigStore
from tests.unit.health.fakes import SetQueues

T0 = datetime(2030, 1, 1, tzinfo=UTC)


def notification(
    i: int, status: NotificationStatus, took_s: float, **fields: object
) -> Notification:
    return Notification(
        notification_id=f"n{i}", type="verify_email", user_id="u1", status=status, data={},
        fingerprint="f", created_at=T0 + timedelta(seconds=i),
        updated_at=T0 + timedelta(seconds=i + took_s), **fields,  # type: ignore[arg-type]
    )  # fmt: skip


def communication(*found: Notification, queues: SetQueues | None = None) -> NotificationHealthDeps:
    store = MemoryNotifications()
    for n in found:
        store.create(n)
    return NotificationHealthDeps(store, queues or SetQueues())


def test_latency_is_p50_and_p99_of_accepted_to_sent_over_the_newest_sent() -> None:
    sent = [notification(i, NotificationStatus.SENT, took_s=float(i + 1)) for i in range(100)]
    queued = notification(500, NotificationStatus.QUEUED, took_s=9999)

    health = notifications_health(
        communication(*sent, queued), NotificationLimits(latency_p99_s=120)
    )

    assert health.figures["latency"] == {"sample": 100, "p50_s": 50.5, "p99_s": 99.01}
    assert health.findings == ()


def test_latency_over_its_objective_is_a_finding() -> None:
    slow = [notification(i, NotificationStatus.SENT, took_s=90.0) for i in range(3)]

    health = notifications_health(communication(*slow), NotificationLimits(latency_p99_s=60))

    assert [(f.what, f.runbook) for f in health.findings] == [
        ("notification latency p99 90.0s is over its 60s objective", "notifications.md")
    ]


def test_no_sent_notification_means_latency_unknown_not_a_finding() -> None:
    health = notifications_health(communication())

    assert health.figures["latency"] == {"sample": 0, "p50_s": None, "p99_s": None}
    assert health.findings == ()


def test_open_dead_letters_and_a_non_empty_notification_dlq_are_findings() -> None:
    dead = notification(1, NotificationStatus.FAILED, 5, dead_letter="open")
    closed = notification(2, NotificationStatus.FAILED, 5, dead_letter="resolved")
    deps = communication(dead, closed, queues=SetQueues(depths={"notification_dlq": (1, 0, 0)}))

    health = notifications_health(deps)

    assert health.figures["open_dead_letters"] == 1
    assert [f.what for f in health.findings] == [
        "1 message(s) in dead-letter queue notification_dlq",
        "1 open dead-lettered notification(s)",
    ]


def breakers() -> tuple[MemoryConfigStore, dict[str, MemoryBreakerStorage], FakeClock]:
    clock = FakeClock()
    return MemoryConfigStore(), {n: MemoryBreakerStorage(n, clock) for n in DEFAULT_CONFIG}, clock


def test_an_open_breaker_is_a_finding_pointing_to_the_provider_outage_runbook() -> None:
    store, storages, clock = breakers()
    storages["ses"].state = "open"
    storages["ses"].note_failure("ServiceUnavailable", None)

    health = backbone_health(store, storages, clock)

    assert health.figures["providers"]["ses"]["breaker"] == "open"
    assert [(f.what, f.runbook) for f in health.findings] == [
        (
            "provider ses breaker is open (0 failures; last: ServiceUnavailable)",
            "provider-outage.md",
        )
    ]


def test_closed_breakers_are_healthy_and_no_usable_provider_is_a_finding() -> None:
    store, storages, clock = breakers()
    assert backbone_health(store, storages, clock).findings == ()

    for name in DEFAULT_CONFIG:
        store.update(name, enabled=False)
    health = backbone_health(store, storages, clock)

    assert [f.what for f in health.findings] == [
        "no enabled provider has a breaker that lets sends through: every send fails"
    ]


def test_open_connections_are_counted_without_expired_ones_and_a_bound_is_said() -> None:
    clock, connections = FixedClock(), MemoryConnections()
    now = int(clock.now().timestamp())
    for i, expires in enumerate((now + 60, now + 60, now - 1)):
        connections.put(Connection(f"c{i}", "u1", clock.now(), expires))

    assert chat_health(connections, clock).figures == {"open_connections": 2, "count_capped": False}
    assert chat_health(connections, clock, limit=2).figures["count_capped"] is True
