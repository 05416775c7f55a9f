"""The campaigns service at a glance, for `tctfmsg doctor`: its queues, its dead letters, the
failures of the last hour by reason, and campaigns that stalled or paused themselves."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from tctfmsg.campaigns.domain.campaign import CampaignStatus
from tctfmsg.campaigns.domain.failed_message import FailureState
from tctfmsg.campaigns.ports import CampaignStore, FailedMessageStore
from tctfmsg.core.clock import Clock
from tctfmsg.core.health import Finding, QueueGauge, QueueWatch, ServiceHealth, watch_queues

SERVICE = "campaigns"
RECENT = timedelta(hours=1)
MAX_LISTED = 5  # campaigns named one by one in findings; the rest are counted


@dataclass(frozen=True)
class CampaignHealthDeps:
    campaigns: CampaignStore
    failures: FailedMessageStore
    queues: QueueGauge
    clock: Clock


@dataclass(frozen=True)
class CampaignLimits:
    # sending with recipients left and no outcome counted for this long: stalled (whatever the
    # queue holds: messages in flight that never end stall a campaign too)
    stalled_after_s: float = 600.0
    max_queue_age_s: float = 900.0


def campaigns_health(
    deps: CampaignHealthDeps, limits: CampaignLimits = CampaignLimits()
) -> ServiceHealth:
    figures, findings = watch_queues(
        SERVICE,
        deps.queues,
        [
            QueueWatch("delivery", "campaign-stuck.md", max_age_s=limits.max_queue_age_s),
            QueueWatch("delivery_dlq", "dead-letters.md", dead_letter=True),
            QueueWatch("provider_events", "deliverability.md", max_age_s=limits.max_queue_age_s),
            QueueWatch(
                "provider_events_dlq",
                "deliverability.md",
                dead_letter=True,
                look_with="tctfmsg dlq events list",
            ),
        ],
    )
    queues = dict(figures)
    now = deps.clock.now()
    open_failures, recent = 0, Counter[str]()
    for failed in deps.failures.list(state=None):
        open_failures += failed.state is FailureState.OPEN
        if failed.failed_at >= now - RECENT:
            recent[failed.reason] += 1
    if open_failures:
        findings.append(
            Finding(SERVICE, f"{open_failures} open failed message(s)", "dead-letters.md")
        )
    live = deps.campaigns.list()
    sending = [c for c in live if c.status is CampaignStatus.SENDING]
    after = timedelta(seconds=limits.stalled_after_s)
    stalled = [c for c in sending if c.stalled(now, after)]
    auto_paused = [c for c in live if c.status is CampaignStatus.PAUSED and c.pause_reason]
    findings += [
        Finding(SERVICE, f"campaign {c.campaign_id} is sending with recipients left and no "
                f"progress for {c.idle_for(now).total_seconds() / 60:.0f} min",
                "campaign-stuck.md")
        for c in stalled[:MAX_LISTED]
    ]  # fmt: skip
    findings += [
        Finding(SERVICE, f"campaign {c.campaign_id} paused itself: {c.pause_reason}",
                "deliverability.md")
        for c in auto_paused[:MAX_LISTED]
    ]  # fmt: skip
    for listed, runbook in ((stalled, "campaign-stuck.md"), (auto_paused, "deliverability.md")):
        if len(listed) > MAX_LISTED:
            more = f"and {len(listed) - MAX_LISTED} more campaign(s) like those above"
            findings.append(Finding(SERVICE, more, runbook))
    return ServiceHealth(
        SERVICE,
        {
            "queues": queues,
            "open_failed_messages": open_failures,
            "failed_last_hour_by_reason": dict(recent.most_common()),
            "sending": len(sending),
            "stalled": [c.campaign_id for c in stalled],
            "auto_paused": {c.campaign_id: c.pause_reason for c in auto_paused},
        },
        tuple(findings),
    )
