"""FailoverSender: order, breakers, rejections, Retry-After, all-down, duplicate guard."""

from __future__ import annotations

import dataclasses

import pytest

from tctfmsg.email.failover import FailoverSender
from tctfmsg.email.message import (
    DEFAULT_CONFIG,
    AllProvidersUnavailable,
    ProviderConfig,
    ProviderUnavailable,
    RecipientRejected,
    SendWithdrawn,
)
from tctfmsg.email.pacer import Pacer
from tests.unit.email.fakes import FakeClock, MemoryBreakerStorage, ScriptedProvider, message

FAIL_MAX = 3
RESET_S = 30.0


def outage(name: str) -> ProviderUnavailable:
    return ProviderUnavailable(name, "503")


def configs(**changes: dict[str, object]) -> list[ProviderConfig]:
    result = []
    for name, default in DEFAULT_CONFIG.items():
        config = dataclasses.replace(
            default, fail_max=FAIL_MAX, reset_timeout_s=RESET_S, rate_per_s=0
        )
        result.append(dataclasses.replace(config, **changes.get(name, {})))
    return result


class Backbone:
    def __init__(self, *providers: ScriptedProvider, config: list[ProviderConfig] | None = None):
        self.clock = FakeClock()
        self.providers = {p.name: p for p in providers}
        self.storages = {name: MemoryBreakerStorage(name, self.clock) for name in DEFAULT_CONFIG}
        self.config = config or configs()
        self.sender = self.new_sender()

    def new_sender(self) -> FailoverSender:
        """Another process: its own breakers and pacer over the same shared storage."""
        return FailoverSender(
            self.providers, lambda: self.config, self.storages, Pacer(), self.clock
        )


def test_first_provider_in_order_delivers_when_healthy() -> None:
    ses, resend = ScriptedProvider("ses"), ScriptedProvider("resend")
    backbone = Backbone(ses, resend)

    receipt = backbone.sender.send(message())

    assert receipt.provider == "ses"
    assert receipt.attempts == ("ses: delivered",)
    assert resend.calls == []


def test_unavailable_primary_fails_over_to_next_provider() -> None:
    ses, resend = ScriptedProvider("ses", then=outage("ses")), ScriptedProvider("resend")
    backbone = Backbone(ses, resend)

    receipt = backbone.sender.send(message())

    assert receipt.provider == "resend"
    assert receipt.attempts == ("ses: 503", "resend: delivered")
    assert len(ses.sent) == 0 and len(resend.sent) == 1
    assert backbone.storages["ses"].counter == 1
    assert backbone.storages["ses"].status().last_error == "503"


def test_breaker_opens_after_threshold_and_primary_is_skipped() -> None:
    ses, resend = ScriptedProvider("ses", then=outage("ses")), ScriptedProvider("resend")
    backbone = Backbone(ses, resend)

    for _ in range(FAIL_MAX):
        backbone.sender.send(message())
    receipt = backbone.sender.send(message())

    assert backbone.storages["ses"].state == "open"
    assert len(ses.calls) == FAIL_MAX  # the fourth send never reached SES
    assert receipt.attempts == ("ses: breaker open", "resend: delivered")
    assert len(resend.sent) == FAIL_MAX + 1


def test_traffic_returns_to_primary_after_reset_timeout() -> None:
    ses = ScriptedProvider("ses", *[outage("ses")] * FAIL_MAX, then=None)
    resend = ScriptedProvider("resend")
    backbone = Backbone(ses, resend)
    for _ in range(FAIL_MAX):
        backbone.sender.send(message())

    backbone.clock.advance(RESET_S - 1)
    still_open = backbone.sender.send(message())
    backbone.clock.advance(2)
    trial = backbone.sender.send(message())
    after = backbone.sender.send(message())

    assert still_open.provider == "resend"
    assert trial.provider == "ses" and after.provider == "ses"
    assert backbone.storages["ses"].state == "closed"


def test_failed_trial_after_reset_timeout_opens_the_breaker_again() -> None:
    ses, resend = ScriptedProvider("ses", then=outage("ses")), ScriptedProvider("resend")
    backbone = Backbone(ses, resend)
    for _ in range(FAIL_MAX):
        backbone.sender.send(message())

    backbone.clock.advance(RESET_S + 1)
    trial = backbone.sender.send(message())
    next_one = backbone.sender.send(message())

    assert trial.attempts == ("ses: 503", "resend: delivered")
    assert next_one.attempts == ("ses: breaker open", "resend: delivered")
    assert len(ses.calls) == FAIL_MAX + 1


def test_a_breaker_opened_by_one_process_is_respected_by_another() -> None:
    ses, resend = ScriptedProvider("ses", then=outage("ses")), ScriptedProvider("resend")
    backbone = Backbone(ses, resend)
    for _ in range(FAIL_MAX):
        backbone.sender.send(message())

    other_process = backbone.new_sender()
    receipt = other_process.send(message())

    assert receipt.attempts[0] == "ses: breaker open"
    assert len(ses.calls) == FAIL_MAX


def test_recipient_rejected_neither_trips_the_breaker_nor_fails_over() -> None:
    rejected = RecipientRejected("ses", "bad@example.com", "MessageRejected (400)")
    ses, resend = ScriptedProvider("ses", then=rejected), ScriptedProvider("resend")
    backbone = Backbone(ses, resend)

    for _ in range(FAIL_MAX + 2):
        with pytest.raises(RecipientRejected) as caught:
            backbone.sender.send(message("bad@example.com"))

    assert resend.calls == []
    assert backbone.storages["ses"].state == "closed"
    assert backbone.storages["ses"].counter == 0
    assert caught.value.attempts == ("ses: rejected MessageRejected (400)",)


def test_throttled_provider_is_not_tried_again_before_retry_after() -> None:
    throttled = ProviderUnavailable("ses", "TooManyRequestsException (429)", retry_after_s=2.0)
    ses = ScriptedProvider("ses", throttled, then=None)
    resend = ScriptedProvider("resend")
    backbone = Backbone(ses, resend)

    first = backbone.sender.send(message())
    backbone.clock.advance(1.5)
    resting = backbone.sender.send(message())
    backbone.clock.advance(1.0)
    back = backbone.sender.send(message())

    assert first.provider == "resend"
    assert resting.attempts == ("ses: asked to wait 0.5s", "resend: delivered")
    assert back.provider == "ses"
    assert len(ses.calls) == 2


def test_all_providers_down_is_one_transient_error_with_the_soonest_retry() -> None:
    backbone = Backbone(
        ScriptedProvider("ses", then=outage("ses")),
        ScriptedProvider("resend", then=ProviderUnavailable("resend", "429", retry_after_s=4)),
        ScriptedProvider("sendgrid", then=ProviderUnavailable("sendgrid", "429", retry_after_s=2)),
    )

    with pytest.raises(AllProvidersUnavailable) as caught:
        backbone.sender.send(message())

    assert caught.value.attempts == ("ses: 503", "resend: 429", "sendgrid: 429")
    assert caught.value.retry_after_s == 2


def test_all_open_breakers_tell_when_the_first_half_opens() -> None:
    backbone = Backbone(
        ScriptedProvider("ses", then=outage("ses")),
        ScriptedProvider("resend", then=outage("resend")),
        ScriptedProvider("sendgrid", then=outage("sendgrid")),
    )
    for _ in range(FAIL_MAX):
        with pytest.raises(AllProvidersUnavailable):
            backbone.sender.send(message())
    backbone.clock.advance(10)

    with pytest.raises(AllProvidersUnavailable) as caught:
        backbone.sender.send(message())

    assert all(a.endswith("breaker open") for a in caught.value.attempts)
    assert caught.value.retry_after_s == pytest.approx(RESET_S - 10)


def test_disabled_providers_are_skipped_and_order_is_configurable() -> None:
    ses, resend, sendgrid = (ScriptedProvider(n) for n in ("ses", "resend", "sendgrid"))
    backbone = Backbone(
        ses,
        resend,
        sendgrid,
        config=configs(ses={"enabled": False}, sendgrid={"order": 0}),
    )

    receipt = backbone.sender.send(message())

    assert receipt.provider == "sendgrid"
    backbone.config = configs(ses={"enabled": False})
    assert backbone.sender.send(message()).provider == "resend"
    assert ses.calls == []


def test_no_enabled_provider_is_a_transient_error() -> None:
    backbone = Backbone(
        ScriptedProvider("ses"),
        config=configs(**{n: {"enabled": False} for n in DEFAULT_CONFIG}),
    )

    with pytest.raises(AllProvidersUnavailable, match="none is enabled"):
        backbone.sender.send(message())


def test_every_attempt_of_one_send_carries_the_same_idempotency_key() -> None:
    ses = ScriptedProvider("ses", then=outage("ses"))
    resend = ScriptedProvider("resend")
    backbone = Backbone(ses, resend)

    backbone.sender.send(message())

    key = ses.calls[0].idempotency_key
    assert key and resend.sent[0].idempotency_key == key


def test_callers_idempotency_key_is_kept() -> None:
    resend = ScriptedProvider("resend")
    backbone = Backbone(resend)

    backbone.sender.send(message(idempotency_key="campaign-7:ada"))

    assert resend.sent[0].idempotency_key == "campaign-7:ada"


def test_timeout_at_a_guarded_provider_is_retried_there_not_failed_over() -> None:
    timed_out = ProviderUnavailable("resend", "no answer", uncertain=True)
    resend = ScriptedProvider("resend", timed_out, then=None, idempotent=True)
    sendgrid = ScriptedProvider("sendgrid")
    backbone = Backbone(resend, sendgrid)

    receipt = backbone.sender.send(message())

    assert receipt.provider == "resend"
    assert sendgrid.calls == []
    assert resend.calls[0].idempotency_key == resend.calls[1].idempotency_key


def test_timeout_at_an_unguarded_provider_is_reported_as_uncertain() -> None:
    timed_out = ProviderUnavailable("ses", "no answer", uncertain=True)
    ses, resend = ScriptedProvider("ses", timed_out), ScriptedProvider("resend")
    backbone = Backbone(ses, resend)

    receipt = backbone.sender.send(message())

    assert receipt.provider == "resend"
    assert receipt.uncertain == ("ses",)
    assert len(ses.calls) == 1


def test_an_unexpected_adapter_error_fails_over_and_counts_against_the_breaker() -> None:
    ses, resend = ScriptedProvider("ses", KeyError("MessageId")), ScriptedProvider("resend")
    backbone = Backbone(ses, resend)

    receipt = backbone.sender.send(message())

    assert receipt.provider == "resend"
    assert receipt.attempts[0] == "ses: unexpected KeyError"
    assert backbone.storages["ses"].counter == 1


def test_a_send_withdrawn_after_its_rate_slot_reaches_no_provider_and_trips_nothing() -> None:
    ses, resend = ScriptedProvider("ses"), ScriptedProvider("resend")
    backbone = Backbone(ses, resend)
    asked: list[bool] = []

    for _ in range(FAIL_MAX + 2):
        with pytest.raises(SendWithdrawn):
            backbone.sender.send(message(), proceed=lambda: asked.append(True) or False)

    assert ses.calls == [] and resend.calls == []
    assert len(asked) == FAIL_MAX + 2  # once per send, at the first provider, then no failover
    assert backbone.storages["ses"].state == "closed"
    assert backbone.storages["ses"].counter == 0


def test_a_send_that_may_proceed_is_delivered() -> None:
    ses = ScriptedProvider("ses")
    receipt = Backbone(ses).sender.send(message(), proceed=lambda: True)
    assert receipt.provider == "ses" and len(ses.calls) == 1


def test_proceed_is_asked_once_even_when_the_send_fails_over() -> None:
    ses, resend = ScriptedProvider("ses", then=outage("ses")), ScriptedProvider("resend")
    asked: list[bool] = []

    receipt = Backbone(ses, resend).sender.send(
        message(), proceed=lambda: asked.append(True) or True
    )

    assert receipt.provider == "resend"
    assert asked == [True]


def test_an_error_in_proceed_is_the_callers_and_trips_no_breaker() -> None:
    ses = ScriptedProvider("ses")
    backbone = Backbone(ses)

    def failing() -> bool:
        raise LookupError("ledger unavailable")

    for _ in range(FAIL_MAX + 1):
        with pytest.raises(LookupError, match="ledger unavailable"):
            backbone.sender.send(message(), proceed=failing)

    assert ses.calls == []
    assert backbone.storages["ses"].state == "closed"
    assert backbone.storages["ses"].counter == 0
