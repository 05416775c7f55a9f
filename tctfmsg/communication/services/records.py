"""What an operator reads about notifications: one with every attempt, a filtered list, and the
ones the dead-letter queue gave up (stats, list, retry, resolve)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from tctfmsg.communication.domain.notification import Notification, NotificationStatus
from tctfmsg.communication.ports import AttemptLedger, NotificationQueue, NotificationStore
from tctfmsg.core.clock import Clock
from tctfmsg.core.errors import InvalidInput, NotFound

OPEN, RESOLVED = "open", "resolved"


@dataclass(frozen=True)
class RecordDeps:
    notifications: NotificationStore
    ledger: AttemptLedger
    queue: NotificationQueue
    clock: Clock


def show(deps: RecordDeps, notification_id: str) -> Notification:
    found = deps.notifications.get(notification_id)
    if found is None:
        raise NotFound(
            f"no notification {notification_id!r}", "see `tctfmsg notify list` for the ids"
        )
    return replace(found, attempts=tuple(deps.ledger.attempts(notification_id)))


def wait_for_final(
    deps: RecordDeps, notification_id: str, timeout_s: float, *, max_poll_s: float = 0.5
) -> Notification:
    """The notification once its status is final, or as it stands when `timeout_s` has passed.
    Polls from 20 ms, backing off to `max_poll_s`."""
    deadline = time.monotonic() + timeout_s
    delay = min(0.02, max_poll_s)
    while True:
        found = show(deps, notification_id)
        if found.status.final or time.monotonic() >= deadline:
            return found
        time.sleep(delay)
        delay = min(delay * 1.5, max_poll_s)


def list_notifications(
    deps: RecordDeps,
    *,
    user_id: str | None = None,
    type_: str | None = None,
    status: str | None = None,
    limit: int = 50,
) -> list[Notification]:
    wanted = parse_status(status) if status else None
    page = deps.notifications.list(user_id=user_id, status=wanted, limit=limit)
    return [n for n in page.notifications if type_ in (None, n.type)]


def parse_status(raw: str) -> NotificationStatus:
    try:
        return NotificationStatus(raw.strip().lower())
    except ValueError:
        known = ", ".join(s.value for s in NotificationStatus)
        raise InvalidInput(f"unknown status {raw[:20]!r}", f"use one of {known}") from None


def dead_lettered(deps: RecordDeps, state: str = OPEN) -> list[Notification]:
    """Notifications the dead-letter queue gave up, newest first."""
    failed = deps.notifications.list(status=NotificationStatus.FAILED, limit=1000)
    return [n for n in failed.notifications if n.dead_letter == state]


def dead_letter_stats(deps: RecordDeps) -> dict[str, Any]:
    found = dead_lettered(deps)
    return {
        "open": len(found),
        "by_type": dict(Counter(n.type for n in found)),
        "by_reason": dict(Counter(_reason_kind(n.reason) for n in found)),
    }


def mark_dead(deps: RecordDeps, notification_id: str, receives: int) -> Notification | None:
    """The dead-letter monitor's step: the notification is failed, open for an operator."""
    found = deps.notifications.get(notification_id)
    if found is None or found.status.final:
        return found
    why = found.reason or "no attempt could be made"
    return deps.notifications.update(
        notification_id,
        NotificationStatus.FAILED,
        deps.clock.now(),
        reason=f"dead-lettered after {receives} receives: {why}",
        dead_letter=OPEN,
    )


def retry(deps: RecordDeps, ids: Sequence[str] = (), *, all_open: bool = False) -> list[str]:
    """Queue dead-lettered notifications again; each channel is still sent at most once."""
    if bool(ids) == all_open:
        raise InvalidInput("give notification ids or --all, not both or neither")
    chosen = dead_lettered(deps) if all_open else [show(deps, i) for i in ids]
    retried = []
    for notification in chosen:
        if notification.dead_letter != OPEN:
            raise InvalidInput(f"{notification.notification_id} is not an open dead letter")
        moved = deps.notifications.update(
            notification.notification_id,
            NotificationStatus.QUEUED,
            deps.clock.now(),
            expect=(NotificationStatus.FAILED,),
            dead_letter=RESOLVED,
            reason="retried by an operator",
        )
        if moved is not None:
            deps.queue.enqueue(notification.notification_id)
            retried.append(notification.notification_id)
    return retried


def resolve(deps: RecordDeps, ids: Sequence[str]) -> list[str]:
    """Close dead letters for good: they stay failed and leave the open list."""
    if not ids:
        raise InvalidInput("give the notification ids to resolve")
    resolved = []
    for notification_id in ids:
        notification = show(deps, notification_id)
        if notification.dead_letter != OPEN:
            raise InvalidInput(f"{notification_id} is not an open dead letter")
        deps.notifications.update(
            notification_id,
            NotificationStatus.FAILED,
            deps.clock.now(),
            expect=(NotificationStatus.FAILED,),
            dead_letter=RESOLVED,
        )
        resolved.append(notification_id)
    return resolved


def notification_json(n: Notification) -> dict[str, Any]:
    return {
        "notification_id": n.notification_id,
        "type": n.type,
        "user_id": n.user_id,
        "status": n.status.value,
        "channel": n.channel,
        "provider": n.provider,
        "provider_message_id": n.provider_message_id,
        "reason": n.reason,
        "idempotency_key": n.idempotency_key,
        "created_at": n.created_at.isoformat(),
        "updated_at": n.updated_at.isoformat() if n.updated_at else None,
        "not_before": n.not_before.isoformat() if n.not_before else None,
        "dead_letter": n.dead_letter,
        "attempts": [
            {
                "channel": a.channel,
                "outcome": a.outcome.value,
                "to": a.to,
                "provider": a.provider,
                "provider_message_id": a.provider_message_id,
                "error": a.error,
                "at": a.at.isoformat() if a.at else None,
            }
            for a in n.attempts
        ],
    }


def _reason_kind(reason: str | None) -> str:
    """The first words of a reason, so the same failure counts once whoever it hit."""
    text = (reason or "unknown").split(": ", 1)[-1]
    return text.split(";")[0][:60]
