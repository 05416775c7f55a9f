"""A breaker opening is reported once, by the process whose failure opened it, and counted as
the metric the stage's breaker alarms watch (docs/decisions/0085)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from tctfmsg.core.metric_names import breaker_opened_metric
from tctfmsg.email.breaker_metric import MetricBreakerAlarm
from tctfmsg.email.failover import FailoverSender
from tctfmsg.email.pacer import Pacer
from tests.unit.email.fakes import FakeClock, MemoryBreakerStorage, ScriptedProvider, message
from tests.unit.email.test_failover import FAIL_MAX, RESET_S, configs, outage


class Senders:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.ses = ScriptedProvider("ses", then=outage("ses"))
        self.providers = {"ses": self.ses, "resend": ScriptedProvider("resend")}
        self.storages = {
            n: MemoryBreakerStorage(n, self.clock) for n in ("ses", "resend", "sendgrid")
        }
        self.config = configs()

    def process(self, reports: list[str], on_open: Any = None) -> FailoverSender:
        """One process's sender over the shared storage, reporting openings into `reports`."""
        return FailoverSender(
            self.providers,
            lambda: self.config,
            self.storages,
            Pacer(),
            self.clock,
            breaker_opened=on_open or reports.append,
        )


def test_the_process_that_opens_a_breaker_reports_it_and_one_that_only_sees_it_does_not():
    senders = Senders()
    first, second = [], []
    opener, watcher = senders.process(first), senders.process(second)

    for _ in range(FAIL_MAX + 2):
        opener.send(message())
    watcher.send(message())

    assert first == ["ses"]  # once, however many sends found it open afterwards
    assert second == []
    assert senders.storages["ses"].state == "open"


def test_a_failed_trial_that_opens_the_breaker_again_is_reported_again():
    senders = Senders()
    reports: list[str] = []
    sender = senders.process(reports)
    for _ in range(FAIL_MAX):
        sender.send(message())

    senders.clock.advance(RESET_S + 1)
    sender.send(message())

    assert reports == ["ses", "ses"]


def test_a_report_that_fails_changes_nothing_about_the_send():
    def broken(_provider: str) -> None:
        raise RuntimeError("metrics are down")

    senders = Senders()
    sender = senders.process([], on_open=broken)
    receipts = [sender.send(message()) for _ in range(FAIL_MAX + 1)]

    assert receipts[-1].attempts == ("ses: breaker open", "resend: delivered")


class RecordingMetrics:
    def __init__(self) -> None:
        self.added: list[tuple[str, Any, float]] = []

    def add_metric(self, name: str, unit: Any, value: float) -> None:
        self.added.append((name, unit, value))


def test_an_opening_is_counted_under_the_providers_metric():
    metrics = RecordingMetrics()

    MetricBreakerAlarm(metrics).opened("resend")

    assert metrics.added == [("BreakerOpened-resend", MetricUnit.Count, 1)]
    assert breaker_opened_metric("resend") == "BreakerOpened-resend"
