"""The worker tells its latency sink how long each sent notification took from when it was due:
accepted, or the end of the user's quiet hours (the p99 alarm's figure, docs/decisions/0085)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tctfmsg.communication.adapters.latency_metric import METRIC, MetricLatency
from tctfmsg.communication.domain.notification import NotificationRequest
from tctfmsg.communication.domain.user import QuietHours
from tctfmsg.communication.services.accept import accept
from tctfmsg.communication.services.worker import Outcome, deliver
from tests.support.notification_world import Service


class Latencies:
    def __init__(self) -> None:
        self.seen: list[float] = []

    def sent(self, latency_ms: float) -> None:
        self.seen.append(latency_ms)


def _accepted(service: Service, type_: str, data: dict[str, object]) -> str:
    return accept(
        service.accept_deps, NotificationRequest(type_, "u-ada", data)
    ).notification.notification_id


def test_a_sent_notification_reports_the_time_since_it_was_accepted(service: Service) -> None:
    service.clock.at = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    nid = _accepted(service, "mfa_code", {"code": "482913"})
    service.clock.at += timedelta(seconds=3)
    latencies = Latencies()

    assert deliver(replace(service.worker_deps, latency=latencies), nid, "t1") == Outcome.SENT

    assert latencies.seen == [3000.0]


def test_a_deferred_notification_is_timed_from_the_end_of_quiet_hours(service: Service) -> None:
    service.clock.at = datetime(2030, 1, 1, 23, 30, tzinfo=UTC)
    user = service.users.items["u-ada"]
    service.users.put(replace(user, quiet_hours=QuietHours.parse("22:00-07:00")))
    nid = _accepted(service, "unread_messages", {"unread_count": 3, "inbox_url": "https://i"})
    latencies = Latencies()
    deps = replace(service.worker_deps, latency=latencies)
    assert deliver(deps, nid, "t1") == Outcome.DEFERRED

    service.clock.at = datetime(2030, 1, 2, 7, 0, 2, tzinfo=UTC)
    assert deliver(deps, nid, "t2") == Outcome.SENT

    assert latencies.seen == [2000.0]


def test_a_notification_that_is_not_sent_reports_nothing(service: Service) -> None:
    user = service.users.items["u-ada"]
    service.users.put(
        replace(user, preferences={"unread_messages": {"email": False, "push": False}})
    )
    nid = _accepted(service, "unread_messages", {"unread_count": 3, "inbox_url": "https://i"})
    latencies = Latencies()

    assert deliver(replace(service.worker_deps, latency=latencies), nid, "t1") == Outcome.SKIPPED

    assert latencies.seen == []


class RecordingMetrics:
    def __init__(self) -> None:
        self.added: list[tuple[str, object, float]] = []

    def add_metric(self, name: str, unit: object, value: float) -> None:
        self.added.append((name, unit, value))


def test_latency_is_counted_in_milliseconds_under_the_alarms_metric() -> None:
    metrics = RecordingMetrics()

    MetricLatency(metrics).sent(1234.5)

    ((name, unit, value),) = metrics.added
    assert (name, str(unit.value), value) == (METRIC, "Milliseconds", 1234.5)
