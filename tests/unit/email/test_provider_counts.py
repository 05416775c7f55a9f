"""What each provider accepted and what it reported back are counted per provider, under the
`Provider` dimension the per-provider rate alarms read (docs/decisions/0092)."""

from __future__ import annotations

import json
import threading

import pytest

from tctfmsg.core import settings
from tctfmsg.core.clients import Clients
from tctfmsg.core.metric_names import EMAIL_SENT, email_event_metric
from tctfmsg.core.provider_metrics import ProviderCounts
from tctfmsg.email.bootstrap import EmailRoot
from tctfmsg.email.failover import FailoverSender
from tctfmsg.email.pacer import Pacer
from tctfmsg.local.components import pointed_at
from tests.unit.email.fakes import FakeClock, MemoryBreakerStorage, ScriptedProvider, message
from tests.unit.email.test_failover import configs, outage


def _emf_records(printed: str) -> list[dict]:
    return [json.loads(line) for line in printed.splitlines() if line.startswith("{")]


def test_counts_gather_until_flushed_and_print_one_emf_record_per_metric_and_provider(capsys):
    counts = ProviderCounts("campaigns")
    counts.add(email_event_metric("bounced"), "resend")
    counts.add(email_event_metric("bounced"), "resend")
    counts.add(email_event_metric("bounced"), "sendgrid")
    assert _emf_records(capsys.readouterr().out) == []

    counts.flush()
    counts.flush()  # nothing left: nothing printed twice

    records = _emf_records(capsys.readouterr().out)
    assert len(records) == 2
    by_provider = {r["Provider"]: r for r in records}
    resend = by_provider["resend"]
    assert resend["EmailEvent-bounced"] == [2.0]
    assert by_provider["sendgrid"]["EmailEvent-bounced"] == [1.0]
    (directive,) = resend["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "tctfmsg"
    assert set(directive["Dimensions"][0]) == {"service", "Provider"}
    assert resend["service"] == "campaigns"


def test_counts_from_many_threads_are_all_kept():
    emitted: list[tuple[str, str, int]] = []
    counts = ProviderCounts("campaigns", emit=lambda m, p, n: emitted.append((m, p, n)))

    def add_many() -> None:
        for _ in range(500):
            counts.add(EMAIL_SENT, "resend")

    threads = [threading.Thread(target=add_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    counts.flush()

    assert emitted == [(EMAIL_SENT, "resend", 2000)]


def _sender(accepted, providers) -> FailoverSender:
    clock = FakeClock()
    storages = {n: MemoryBreakerStorage(n, clock) for n in ("ses", "resend", "sendgrid")}
    config = configs()
    return FailoverSender(providers, lambda: config, storages, Pacer(), clock, accepted=accepted)


def test_a_send_is_counted_for_the_provider_that_accepted_it_and_none_it_failed_over_from():
    accepted: list[str] = []
    sender = _sender(
        accepted.append,
        {"ses": ScriptedProvider("ses", then=outage("ses")), "resend": ScriptedProvider("resend")},
    )

    receipt = sender.send(message())

    assert receipt.provider == "resend"
    assert accepted == ["resend"]


def test_a_count_that_fails_never_fails_the_send(caplog: pytest.LogCaptureFixture):
    def broken(provider: str) -> None:
        raise RuntimeError("metrics are down")

    sender = _sender(broken, {"ses": ScriptedProvider("ses")})

    assert sender.send(message()).provider == "ses"
    assert "could not count a send through ses" in caplog.text


def test_a_sending_functions_backbone_publishes_each_accepted_send_under_its_service(capsys):
    clients = Clients(pointed_at(settings.load(target="local"), 40000))
    consumer = EmailRoot(clients, "campaign_consumer").backbone.sender
    operator = EmailRoot(clients).backbone.sender

    assert operator.accepted is None  # an operator's test send counts nothing
    assert consumer.accepted is not None
    consumer.accepted("sendgrid")

    (record,) = _emf_records(capsys.readouterr().out)
    assert record[EMAIL_SENT] == [1.0]
    assert (record["service"], record["Provider"]) == ("campaigns", "sendgrid")
