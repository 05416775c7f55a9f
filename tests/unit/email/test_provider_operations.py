"""The operator's use cases over the provider config and the shared breakers."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from tctfmsg.core.errors import InvalidInput
from tctfmsg.email import admin as email_admin
from tctfmsg.email.message import DEFAULT_CONFIG, ProviderConfig
from tests.unit.email.fakes import FakeClock, MemoryBreakerStorage, ScriptedProvider


class MemoryConfigStore:
    def __init__(self) -> None:
        self.configs = dict(DEFAULT_CONFIG)

    def load(self) -> list[ProviderConfig]:
        return list(self.configs.values())

    def update(self, name: str, **changes: Any) -> ProviderConfig:
        changes = {k: v for k, v in changes.items() if v is not None}
        self.configs[name] = dataclasses.replace(self.configs[name], **changes)
        return self.configs[name]


def test_list_is_in_priority_order_with_time_to_the_next_trial() -> None:
    clock, store = FakeClock(), MemoryConfigStore()
    store.update("sendgrid", order=0)
    breakers = {n: MemoryBreakerStorage(n, clock) for n in DEFAULT_CONFIG}
    breakers["ses"].state = "open"
    breakers["ses"].opened_at = clock.now()
    clock.advance(10)

    rows = email_admin.list_providers(store, breakers, clock)

    assert [r.config.name for r in rows] == ["sendgrid", "ses", "resend"]
    assert rows[1].breaker.state == "open"
    assert rows[1].half_opens_in_s == pytest.approx(DEFAULT_CONFIG["ses"].reset_timeout_s - 10)
    assert rows[0].as_json()["breaker"] == "closed"


def test_enable_disable_and_configure_change_only_the_named_provider() -> None:
    store = MemoryConfigStore()

    email_admin.set_enabled(store, "ses", False)
    email_admin.configure(store, "resend", rate_per_s=2.0)

    assert not store.configs["ses"].enabled
    assert store.configs["resend"].rate_per_s == 2.0
    assert store.configs["sendgrid"] == DEFAULT_CONFIG["sendgrid"]


@pytest.mark.parametrize(
    "call",
    [
        lambda s, b: email_admin.set_enabled(s, "mailgun", True),
        lambda s, b: email_admin.configure(s, "ses"),
        lambda s, b: email_admin.reset_breaker(b, "mailgun"),
    ],
)
def test_unknown_provider_or_nothing_to_change_is_invalid_input(call) -> None:
    breakers = {n: MemoryBreakerStorage(n, FakeClock()) for n in DEFAULT_CONFIG}

    with pytest.raises(InvalidInput):
        call(MemoryConfigStore(), breakers)


def test_reset_closes_the_breaker() -> None:
    breakers = {n: MemoryBreakerStorage(n, FakeClock()) for n in DEFAULT_CONFIG}
    breakers["ses"].state = "open"
    breakers["ses"].increment_counter()

    status = email_admin.reset_breaker(breakers, "ses")

    assert status.state == "closed" and status.failures == 0


def test_test_send_goes_through_the_given_sender() -> None:
    provider = ScriptedProvider("resend")

    class Sender:
        def send(self, message):  # type: ignore[no-untyped-def]
            return provider.send(message)

    receipt = email_admin.send_test(Sender(), "ada@example.com", "ops@tctfmsg.local", FakeClock())

    assert receipt.provider == "resend"
    assert provider.sent[0].to == "ada@example.com"
    assert provider.sent[0].sender == "ops@tctfmsg.local"
    with pytest.raises(InvalidInput):
        email_admin.send_test(Sender(), "ada", "ops@tctfmsg.local", FakeClock())
