"""The communication service at a glance, for `tctfmsg doctor`: its queue and dead-letter
queue, open dead letters, and how long recent notifications took from accepted to sent."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from tctfmsg.communication.domain.notification import NotificationStatus
from tctfmsg.communication.ports import NotificationStore
from tctfmsg.communication.services.records import OPEN
from tctfmsg.core.health import Finding, QueueGauge, QueueWatch, ServiceHealth, watch_queues

SERVICE = "communication"
RUNBOOK = "notifications.md"


@dataclass(frozen=True)
class NotificationHealthDeps:
    notifications: NotificationStore
    queues: QueueGauge


@dataclass(frozen=True)
class NotificationLimits:
    latency_sample: int = 200  # the newest sent notifications the latency is figured from
    latency_p99_s: float = 60.0  # the objective: p99 of accepted → sent
    max_queue_age_s: float = 120.0


def notifications_health(
    deps: NotificationHealthDeps, limits: NotificationLimits = NotificationLimits()
) -> ServiceHealth:
    figures, findings = watch_queues(
        SERVICE,
        deps.queues,
        [
            QueueWatch("notification_queue", RUNBOOK, max_age_s=limits.max_queue_age_s),
            QueueWatch("notification_dlq", RUNBOOK, dead_letter=True),
        ],
    )
    failed = deps.notifications.list(status=NotificationStatus.FAILED, limit=1000)
    open_dead = sum(n.dead_letter == OPEN for n in failed.notifications)
    if open_dead:
        findings.append(
            Finding(SERVICE, f"{open_dead} open dead-lettered notification(s)", RUNBOOK)
        )
    latency = _latency(deps.notifications, limits.latency_sample)
    p99 = latency["p99_s"]
    if p99 is not None and p99 > limits.latency_p99_s:
        over = (
            f"notification latency p99 {p99:.1f}s is over its {limits.latency_p99_s:g}s objective"
        )
        findings.append(Finding(SERVICE, over, RUNBOOK))
    return ServiceHealth(
        SERVICE,
        {"queues": figures, "open_dead_letters": open_dead, "latency": latency},
        tuple(findings),
    )


def _latency(notifications: NotificationStore, sample: int) -> dict[str, float | int | None]:
    """Accepted (created_at) → sent (its last update, the send) of the newest sent ones."""
    sent = notifications.list(status=NotificationStatus.SENT, limit=sample).notifications
    took = sorted(
        (n.updated_at - n.created_at).total_seconds() for n in sent if n.updated_at is not None
    )
    if not took:
        return {"sample": 0, "p50_s": None, "p99_s": None}
    if len(took) == 1:
        return {"sample": 1, "p50_s": took[0], "p99_s": took[0]}
    cuts = statistics.quantiles(took, n=100, method="inclusive")
    return {"sample": len(took), "p50_s": round(cuts[49], 3), "p99_s": round(cuts[98], 3)}
