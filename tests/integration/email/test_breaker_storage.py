"""pybreaker on the DynamoDB storage (moto): shared between instances, opened and closed,
the reset timeout measured on a controlled clock."""

from __future__ import annotations

import pybreaker
import pytest

from tctfmsg.email.breaker_storage import DynamoBreakerStorage
from tctfmsg.email.message import ProviderUnavailable
from tests.unit.email.fakes import FakeClock


def breaker(
    tables, clock: FakeClock, fail_max: int = 2, reset_s: float = 30
) -> pybreaker.CircuitBreaker:
    storage = DynamoBreakerStorage(
        "ses", tables["breakers"], tables["dynamodb"], clock, max_age_s=0
    )
    return pybreaker.CircuitBreaker(
        fail_max=fail_max,
        reset_timeout=30,
        state_storage=storage,
        throw_new_error_on_trip=False,
    )


def fail() -> None:
    raise ProviderUnavailable("ses", "503")


def test_breaker_opens_after_the_threshold(tables) -> None:
    ses = breaker(tables, FakeClock())

    for _ in range(2):
        with pytest.raises(ProviderUnavailable):
            ses.call(fail)

    assert ses.current_state == "open"
    with pytest.raises(pybreaker.CircuitBreakerError):
        ses.call(lambda: "sent")


def test_two_instances_share_one_breaker(tables) -> None:
    clock = FakeClock()
    one, other = breaker(tables, clock), breaker(tables, clock)

    with pytest.raises(ProviderUnavailable):
        one.call(fail)
    with pytest.raises(ProviderUnavailable):
        other.call(fail)  # the second failure, counted on the same item

    assert one.current_state == "open" and other.current_state == "open"
    with pytest.raises(pybreaker.CircuitBreakerError):
        one.call(lambda: "sent")


def test_breaker_half_opens_after_reset_timeout_and_closes_on_success(tables) -> None:
    clock = FakeClock()
    one, other = breaker(tables, clock), breaker(tables, clock)
    for _ in range(2):
        with pytest.raises(ProviderUnavailable):
            one.call(fail)

    clock.advance(29)
    with pytest.raises(pybreaker.CircuitBreakerError):
        other.call(lambda: "sent")
    clock.advance(2)

    assert other.call(lambda: "sent") == "sent"
    assert one.current_state == "closed" and one.fail_counter == 0


def test_reset_closes_the_breaker_for_everyone(tables) -> None:
    clock = FakeClock()
    one = breaker(tables, clock)
    for _ in range(2):
        with pytest.raises(ProviderUnavailable):
            one.call(fail)
    storage = DynamoBreakerStorage("ses", tables["breakers"], tables["dynamodb"], clock)

    storage.reset()

    assert one.call(lambda: "sent") == "sent"
    assert storage.status(fresh=True).failures == 0


def test_failure_details_and_retry_after_are_shared(tables) -> None:
    clock = FakeClock()
    writer = DynamoBreakerStorage("resend", tables["breakers"], tables["dynamodb"], clock)
    reader = DynamoBreakerStorage("resend", tables["breakers"], tables["dynamodb"], clock, 0)

    writer.note_failure("rate_limit_exceeded (429)", retry_after_s=2)
    clock.advance(0.5)

    assert reader.resting_for() == pytest.approx(1.5)
    assert reader.status().last_error == "rate_limit_exceeded (429)"
    clock.advance(2)
    assert reader.resting_for() == 0


def test_reads_come_from_a_snapshot_at_most_max_age_old(tables) -> None:
    clock = FakeClock()
    cached = DynamoBreakerStorage("ses", tables["breakers"], tables["dynamodb"], clock, 1.0)
    writer = DynamoBreakerStorage("ses", tables["breakers"], tables["dynamodb"], clock)
    assert cached.state == "closed"

    writer.state = "open"

    assert cached.state == "closed"  # within max_age: no read
    clock.advance(1.0)
    assert cached.state == "open"


def test_unreachable_table_keeps_the_breaker_working_on_what_it_knew(tables) -> None:
    storage = DynamoBreakerStorage("ses", "no-such-table", tables["dynamodb"], FakeClock(), 0)

    storage.increment_counter()

    assert storage.state == "closed" and storage.counter == 0
