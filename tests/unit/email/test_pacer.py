"""Pacer: each sender keeps under its share of a provider's rate, and one sender's backlog is
never another's wait."""

from __future__ import annotations

import dataclasses

import pytest

from tctfmsg.core import settings
from tctfmsg.core.clients import Clients
from tctfmsg.email.bootstrap import EmailRoot
from tctfmsg.email.failover import FailoverSender
from tctfmsg.email.message import DEFAULT_CONFIG
from tctfmsg.email.pacer import Pacer
from tests.support.declared_senders import NOTIFICATION_WORKER, declare
from tests.unit.email.fakes import FakeClock, MemoryBreakerStorage, ScriptedProvider, message


class ManualTime:
    """A monotonic clock tests move. `sleep` advances it, unless `frozen`: then each sleeper
    stands for a thread that took its slot and waits beside the others."""

    def __init__(self, frozen: bool = False) -> None:
        self.now = 100.0
        self.frozen = frozen
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        if not self.frozen:
            self.now += seconds


def test_sends_are_spaced_at_the_pacers_share_of_the_rate() -> None:
    time = ManualTime()
    pacer = Pacer(share=0.5, monotonic=time.monotonic, sleep=time.sleep)

    start = time.now
    for _ in range(11):
        pacer.wait("ses", rate_per_s=10)  # half of 10/s: 5/s

    assert time.now - start == pytest.approx(2.0)  # 10 gaps of 0.2 s
    assert time.slept == pytest.approx([0.2] * 10)


def test_a_share_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="share"):
        Pacer(share=1.5)
    with pytest.raises(ValueError, match="share"):
        Pacer(share=0)


def test_providers_are_paced_independently() -> None:
    time = ManualTime()
    pacer = Pacer(monotonic=time.monotonic, sleep=time.sleep)

    pacer.wait("ses", 1)
    waited = pacer.wait("resend", 1)

    assert waited == 0


def test_idle_time_is_not_banked_as_a_burst() -> None:
    time = ManualTime()
    pacer = Pacer(monotonic=time.monotonic, sleep=time.sleep)
    pacer.wait("ses", 4)
    time.now += 60

    pacer.wait("ses", 4)
    second = pacer.wait("ses", 4)

    assert second == pytest.approx(0.25)


def test_a_rate_of_zero_means_no_limit() -> None:
    time = ManualTime()
    pacer = Pacer(monotonic=time.monotonic, sleep=time.sleep)

    for _ in range(100):
        pacer.wait("ses", 0)

    assert time.slept == []


def test_a_saturated_campaign_sender_never_delays_a_transactional_send(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the embedded stack's one process, where the campaign consumer and a transactional
    # worker each build their email root, on one clock
    declare(monkeypatch, NOTIFICATION_WORKER)
    clients = Clients(settings.load(target="local", endpoint_url="http://127.0.0.1:9"))
    time = ManualTime(frozen=True)
    campaign_waits: list[float] = []
    transactional_waits: list[float] = []
    campaign = _sender(
        EmailRoot(
            clients, "campaign_consumer", monotonic=time.monotonic, sleep=campaign_waits.append
        )
    )
    transactional = _sender(
        EmailRoot(
            clients,
            NOTIFICATION_WORKER.logical,
            monotonic=time.monotonic,
            sleep=transactional_waits.append,
        )
    )

    # WHEN fifty campaign sends hold the campaign's next fifty rate slots
    for n in range(50):
        campaign.send(message(f"reader{n}@example.com"))
    assert campaign_waits[-1] > 1.0  # the last of them waits seconds for its slot

    # THEN an MFA code goes out at once, through the same provider
    receipt = transactional.send(message("user@example.com", subject="Your code"))

    assert receipt.provider == "ses"
    assert transactional_waits == []


def _sender(root: EmailRoot) -> FailoverSender:
    """The root's own pacer, in front of a provider that accepts everything at 14/s."""
    clock = FakeClock()
    config = [dataclasses.replace(DEFAULT_CONFIG["ses"], rate_per_s=14.0)]
    provider = ScriptedProvider("ses")
    return FailoverSender(
        {"ses": provider},
        lambda: config,
        {"ses": MemoryBreakerStorage("ses", clock)},
        root.pacer,
        clock,
    )
