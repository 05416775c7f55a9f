"""`tctfmsg demo`: the campaign and transactional stories on the embedded stack, proven by its
outboxes.

Start the stack if needed, import the bundled sample subscribers, create and send a newsletter,
send a password reset and an MFA code while it sends (timed), take SES down while it sends and
bring it back, then reconcile every provider's outbox with the delivery ledger: sent per
provider, skipped, failed, dropped, duplicated. Then, with every email provider down, deliver an
account-locked alert by SMS, and repeat an idempotency key to show nothing is sent twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tctfmsg.campaigns.adapters.import_files import ImportFile
from tctfmsg.campaigns.bootstrap import CampaignsRoot as Runtime
from tctfmsg.campaigns.domain.campaign import Campaign, CampaignStatus
from tctfmsg.campaigns.domain.subscriber_rows import SourceRecord
from tctfmsg.campaigns.services import campaigns
from tctfmsg.campaigns.services.delivery_audit import DeliveryAudit, audit
from tctfmsg.campaigns.services.subscriber_import import (
    ImportOptions,
    ImportReport,
    import_subscribers,
)
from tctfmsg.communication.bootstrap import CommunicationRoot
from tctfmsg.core.clients import Clients
from tctfmsg.core.clock import SystemClock
from tctfmsg.core.errors import ConfigurationError, TctfmsgError
from tctfmsg.core.settings import Settings
from tctfmsg.email import admin as email_admin
from tctfmsg.email.message import PROVIDERS as EMAIL_PROVIDERS
from tctfmsg.local import stack
from tctfmsg.local.components import pointed_at
from tctfmsg.local.demo_transactional import TransactionalDemo, TransactionalReport
from tctfmsg.local.providers import control

SAMPLES = Path(__file__).parents[1] / "samples" / "subscribers.csv"
DONE = (CampaignStatus.COMPLETED, CampaignStatus.CANCELLED)


class Reporter(Protocol):
    def step(self, text: str) -> None: ...

    def progress(self, campaign: Campaign, total: int) -> None:
        """`total`: the audience's size, known before the fan-out counts it (decision 0076)."""
        ...


@dataclass(frozen=True)
class DemoOptions:
    list_name: str = "demo-newsletter"
    template: str = "newsletter"
    outage_from: float = 0.35  # SES goes down once this share of the audience is settled
    outage_until: float = 0.65  # and comes back at this share
    transactional_at: float = 0.15  # a password reset and an MFA code go out at this share
    rate_per_s: float = 150.0  # the local endpoints have no account limits of their own
    reset_timeout_s: float = 2.0
    timeout_s: float = 600.0


@dataclass(frozen=True)
class DemoReport:
    campaign: Campaign
    imported: ImportReport
    audit: DeliveryAudit
    seconds: float
    outage_s: float
    transactional: TransactionalReport


def run(settings: Settings, reporter: Reporter, options: DemoOptions = DemoOptions()) -> DemoReport:
    if settings.target != "local":
        raise ConfigurationError(
            "the demo runs on the embedded stack only", "run it without --stage"
        )
    started = stack.up(settings.local_dir, settings.local_port)
    reporter.step(
        f"embedded stack {'already running' if started.already_running else 'started'} "
        f"at {started.state.endpoint}"
    )
    runtime = Runtime(Clients(pointed_at(settings, started.state.port)))
    running = control.access(settings.local_dir, started.state)
    transactional = TransactionalDemo(
        CommunicationRoot(runtime.clients, runtime.templates), running
    )
    _healthy_providers(runtime, running, options, reporter)

    imported = _import_samples(runtime, options.list_name)
    reporter.step(
        f"imported the sample list: {imported.read} rows, {imported.imported} new, "
        f"{imported.rejected} rejected (bad addresses), {imported.duplicates} duplicates"
    )
    deps = runtime.campaign_deps
    campaign = campaigns.create(
        deps,
        name=f"Demo newsletter {time.strftime('%Y-%m-%d %H:%M:%S')}",
        subject="What's new at tctfmsg",
        template=options.template,
        list_name=options.list_name,
        sender=settings.sender,
    )
    reporter.step(f"created campaign {campaign.campaign_id} for list {options.list_name!r}")
    began = time.monotonic()
    campaigns.send_now(deps, campaign.campaign_id)
    try:
        members = imported.read - imported.rejected - imported.duplicates
        campaign, outage_s = _follow(
            runtime, running, campaign.campaign_id, members, options, reporter, transactional
        )
    finally:
        control.set_fault(running, "ses", "up")
    seconds = time.monotonic() - began
    outboxes = {p: control.outbox(running, p) for p in EMAIL_PROVIDERS}
    result = audit(campaign.campaign_id, outboxes, deps.ledger.list(campaign.campaign_id))
    alert = transactional.with_email_down()
    reporter.step(
        f"every email provider DOWN: {alert.type} {alert.status} by {alert.channel} in "
        f"{alert.latency_ms} ms (attempts: {', '.join(alert.attempts)})"
    )
    repeated = transactional.repeat()
    reporter.step(
        "the password reset sent again with its idempotency key: "
        + ("the same notification, nothing new sent" if repeated else "SENT AGAIN (a bug)")
    )
    return DemoReport(campaign, imported, result, seconds, outage_s, transactional.report)


def _healthy_providers(
    runtime: Runtime, running: control.StackAccess, options: DemoOptions, reporter: Reporter
) -> None:
    backbone = runtime.email.backbone
    for provider in EMAIL_PROVIDERS:
        control.set_fault(running, provider, "up")
        email_admin.configure(
            backbone.config_store,
            provider,
            rate_per_s=options.rate_per_s,
            reset_timeout_s=options.reset_timeout_s,
        )
        email_admin.set_enabled(backbone.config_store, provider, True)
        email_admin.reset_breaker(backbone.storages, provider)
    reporter.step(
        f"providers healthy; local rate limit {options.rate_per_s:g}/s each, "
        f"breakers retry after {options.reset_timeout_s:g}s (see `tctfmsg providers list`)"
    )


def _import_samples(runtime: Runtime, list_name: str) -> ImportReport:
    source = ImportFile(SAMPLES)
    rejects = _CountedRejects()
    return import_subscribers(
        source.records(),
        runtime.subscribers,
        SystemClock(),
        rejects,
        ImportOptions(lists=frozenset({list_name})),
    )


class _CountedRejects:
    """The bundled sample's bad rows are there on purpose: counted and reported, not written
    beside the installed package."""

    def __init__(self) -> None:
        self.count = 0

    def write(self, record: SourceRecord, reason: str) -> None:
        self.count += 1


def _follow(
    runtime: Runtime,
    running: control.StackAccess,
    campaign_id: str,
    members: int,
    options: DemoOptions,
    reporter: Reporter,
    transactional: TransactionalDemo,
) -> tuple[Campaign, float]:
    deps = runtime.campaign_deps
    deadline = time.monotonic() + options.timeout_s
    down_at: float | None = None
    outage_s = 0.0
    while True:
        campaign = campaigns.get(deps, campaign_id)
        counters = campaign.counters
        # Of the whole list, not of those targeted so far: the fan-out is still counting them.
        audience = max(members, counters.targeted, 1)
        reporter.progress(campaign, audience)
        share = counters.settled / audience
        if not transactional.report.during_campaign and share >= options.transactional_at:
            for sent in transactional.while_campaign_sends():
                reporter.step(
                    f"while the newsletter sends: {sent.type} {sent.status} by {sent.channel} "
                    f"in {sent.latency_ms} ms"
                )
        if down_at is None and not outage_s and share >= options.outage_from:
            control.set_fault(running, "ses", "down")
            down_at = time.monotonic()
            reporter.step(f"SES is DOWN at {counters.settled}/{audience} settled")
        elif down_at is not None and share >= options.outage_until:
            control.set_fault(running, "ses", "up")
            outage_s = time.monotonic() - down_at
            down_at = None
            reporter.step(f"SES is back UP after {outage_s:.1f}s")
        if campaign.status in DONE:
            if down_at is not None:
                outage_s = time.monotonic() - down_at
            return campaign, outage_s
        if time.monotonic() > deadline:
            raise TctfmsgError(
                f"campaign {campaign_id} did not finish within {options.timeout_s:.0f}s",
                f"follow it with `tctfmsg campaign status {campaign_id} --watch`",
            )
        time.sleep(0.2)
