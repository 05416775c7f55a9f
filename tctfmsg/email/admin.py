"""What operators do with the email providers: look, enable or disable, tune, reset a breaker,
and send one real test message through the backbone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from tctfmsg.core.clock import Clock
from tctfmsg.core.errors import InvalidInput
from tctfmsg.email.message import (
    PROVIDERS,
    BreakerStatus,
    EmailMessage,
    ProviderConfig,
    SendReceipt,
)
from tctfmsg.email.ports import EmailSender


class ProviderConfigStore(Protocol):
    def load(self) -> list[ProviderConfig]: ...

    def update(self, name: str, **changes: Any) -> ProviderConfig: ...


class BreakerView(Protocol):
    def status(self, fresh: bool = False) -> BreakerStatus: ...

    def reset(self) -> None: ...


@dataclass(frozen=True)
class ProviderRow:
    config: ProviderConfig
    breaker: BreakerStatus
    half_opens_in_s: float | None

    def as_json(self) -> dict[str, Any]:
        c, b = self.config, self.breaker
        return {
            "name": c.name,
            "order": c.order,
            "enabled": c.enabled,
            "rate_per_s": c.rate_per_s,
            "fail_max": c.fail_max,
            "reset_timeout_s": c.reset_timeout_s,
            "breaker": b.state,
            "half_opens_in_s": self.half_opens_in_s,
            "failures": b.failures,
            "last_error": b.last_error,
            "last_error_at": b.last_error_at,
            "rest_until": b.rest_until,
        }


def list_providers(
    store: ProviderConfigStore, breakers: Mapping[str, BreakerView], clock: Clock
) -> list[ProviderRow]:
    now = clock.now().timestamp()
    rows = []
    for config in sorted(store.load(), key=lambda c: (c.order, c.name)):
        status = breakers[config.name].status(fresh=True)
        rows.append(ProviderRow(config, status, status.half_opens_in(config.reset_timeout_s, now)))
    return rows


def set_enabled(store: ProviderConfigStore, name: str, enabled: bool) -> ProviderConfig:
    return store.update(_known(name), enabled=enabled)


def configure(
    store: ProviderConfigStore,
    name: str,
    *,
    order: int | None = None,
    rate_per_s: float | None = None,
    fail_max: int | None = None,
    reset_timeout_s: float | None = None,
) -> ProviderConfig:
    if all(v is None for v in (order, rate_per_s, fail_max, reset_timeout_s)):
        raise InvalidInput("nothing to change", "give at least one of the options, see --help")
    return store.update(
        _known(name),
        order=order,
        rate_per_s=rate_per_s,
        fail_max=fail_max,
        reset_timeout_s=reset_timeout_s,
    )


def reset_breaker(breakers: Mapping[str, BreakerView], name: str) -> BreakerStatus:
    breaker = breakers[_known(name)]
    breaker.reset()
    return breaker.status(fresh=True)


def send_test(sender: EmailSender, to: str, from_address: str, clock: Clock) -> SendReceipt:
    """One real message through the backbone, exactly as a campaign or notification sends."""
    if "@" not in to or to.startswith("@") or to.endswith("@"):
        raise InvalidInput(f"{to!r} is not an email address", "pass --to someone@example.com")
    at = clock.now().isoformat(timespec="seconds")
    return sender.send(
        EmailMessage(
            to=to,
            sender=from_address,
            subject=f"tctfmsg provider test {at}",
            html=f"<p>This message tests the tctfmsg email backbone ({at}).</p>",
            text=f"This message tests the tctfmsg email backbone ({at}).",
            tags={"type": "provider_test"},
        )
    )


def _known(name: str) -> str:
    if name not in PROVIDERS:
        raise InvalidInput(f"unknown provider {name!r}", f"choose one of {', '.join(PROVIDERS)}")
    return name
