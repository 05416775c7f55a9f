"""Pacer: each process keeps under its share of a provider's rate."""

from __future__ import annotations

import pytest

from tctfmsg.email.pacer import Pacer


class ManualTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_sends_are_spaced_at_the_process_share_of_the_rate() -> None:
    time = ManualTime()
    pacer = Pacer(processes=2, monotonic=time.monotonic, sleep=time.sleep)

    start = time.now
    for _ in range(11):
        pacer.wait("ses", rate_per_s=10)  # two processes: 5/s each

    assert time.now - start == pytest.approx(2.0)  # 10 gaps of 0.2 s
    assert time.slept == pytest.approx([0.2] * 10)


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
