"""The email backbone at a glance, for `tctfmsg doctor`: each provider's breaker, and whether any
provider can send at all."""

from __future__ import annotations

from collections.abc import Mapping

from tctfmsg.core.clock import Clock
from tctfmsg.core.health import Finding, ServiceHealth
from tctfmsg.email.admin import BreakerView, ProviderConfigStore, ProviderRow, list_providers

SERVICE = "email"
RUNBOOK = "provider-outage.md"


def backbone_health(
    store: ProviderConfigStore, breakers: Mapping[str, BreakerView], clock: Clock
) -> ServiceHealth:
    rows = list_providers(store, breakers, clock)
    findings = [
        Finding(SERVICE, _breaker_line(r), RUNBOOK)
        for r in rows
        if r.config.enabled and r.breaker.state != "closed"
    ]
    usable = [r for r in rows if r.config.enabled and r.breaker.state != "open"]
    if not usable:
        findings.append(
            Finding(
                SERVICE,
                "no enabled provider has a breaker that lets sends through: every send fails",
                RUNBOOK,
            )
        )
    return ServiceHealth(
        SERVICE,
        {
            "providers": {
                r.config.name: {
                    "enabled": r.config.enabled,
                    "breaker": r.breaker.state,
                    "failures": r.breaker.failures,
                }
                for r in rows
            }
        },
        tuple(findings),
    )


def _breaker_line(row: ProviderRow) -> str:
    b = row.breaker
    last = (b.last_error or "-")[:120]
    return f"provider {row.config.name} breaker is {b.state} ({b.failures} failures; last: {last})"
