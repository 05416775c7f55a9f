"""Delivering a notification: its channels in the order the registry and the user's preferences
give, each channel claimed before it is sent, so redelivery and crashes send nothing twice.

A channel whose providers are all down, or that cannot reach the user, is recorded and the next
channel is tried where the type allows a fallback. If a channel was only unavailable and none
delivered, the message comes back (RetryLater) and the channels are tried again in order, so a
notification fails back to its first channel when it recovers; after the queue's last receive
the dead-letter monitor marks it failed."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from tctfmsg.communication.domain.notification import (
    Attempt,
    AttemptOutcome,
    Notification,
    NotificationStatus,
)
from tctfmsg.communication.domain.routing import channel_order, quiet_until
from tctfmsg.communication.domain.user import User
from tctfmsg.communication.ports import (
    AttemptLedger,
    Channel,
    ChannelReceipt,
    ChannelUnavailable,
    NotificationQueue,
    NotificationStore,
    Outgoing,
    RecipientUnreachable,
    StatusEvents,
    UserStore,
)
from tctfmsg.core.clock import Clock
from tctfmsg.core.errors import NotFound, TctfmsgError
from tctfmsg.rendering.registry import Registry, RegistryEntry

log = logging.getLogger("tctfmsg.communication.worker")
MAX_DELAY_S = 900  # SQS's longest message delay: a longer wait is several hops


class Rendering(Protocol):
    def render(self, template: str, data: Mapping[str, Any], locale: str | None = None) -> Any: ...

    def render_sms(
        self, template: str, data: Mapping[str, Any], locale: str | None = None
    ) -> str: ...


class RetryLater(TctfmsgError):
    """Transient: the message must come back (every channel tried was unavailable, or another
    worker holds a claim)."""


class Outcome(StrEnum):
    SENT = "sent"
    ALREADY_FINAL = "already-final"
    DEFERRED = "deferred"
    FAILED = "failed"
    SKIPPED = "skipped"
    SUPPRESSED = "suppressed"
    MISSING = "missing"


@dataclass(frozen=True)
class WorkerDeps:
    notifications: NotificationStore
    ledger: AttemptLedger
    users: UserStore
    queue: NotificationQueue
    registry: Registry
    renderer: Rendering
    channels: Mapping[str, Channel]
    events: StatusEvents
    clock: Clock
    claim_for: timedelta  # a claim older than this, still unsettled, was cut off by a crash
    latency: LatencySink | None = None  # told how long each sent notification took


class LatencySink(Protocol):
    def sent(self, latency_ms: float) -> None: ...


def deliver(deps: WorkerDeps, notification_id: str, token: str) -> Outcome:
    notification = deps.notifications.get(notification_id)
    if notification is None:
        log.warning("no notification %s; the message is dropped", notification_id)
        return Outcome.MISSING
    if notification.status.final:
        return Outcome.ALREADY_FINAL
    entry = deps.registry.entry(notification.type)
    now = deps.clock.now()
    user = notification.recipient.reaching(
        notification.user_id, deps.users.get(notification.user_id)
    )
    wait_until = quiet_until(entry, user, now)
    if wait_until is not None:
        return _defer(deps, notification, wait_until, now)
    plan = channel_order(entry, user, now)
    if not plan.channels:
        why = "; ".join(f"{c}: {r}" for c, r in plan.left_out.items()) or "no channel"
        return _finish(deps, notification, NotificationStatus.SKIPPED, reason=why)
    # No write before the first channel: the attempt ledger shows a send in flight, and the
    # record changes once, when it ends (or when it must come back).
    reasons: list[str] = []
    unavailable = False
    suppressed = 0
    for channel in plan.channels:
        attempt = _attempt(deps, notification, entry, user, channel, token)
        if attempt.outcome == AttemptOutcome.SENT:
            if deps.latency is not None:  # measured from when it was due: after quiet hours
                due = max(
                    notification.created_at, notification.not_before or notification.created_at
                )
                deps.latency.sent((deps.clock.now() - due).total_seconds() * 1000)
            return _finish(
                deps,
                notification,
                NotificationStatus.SENT,
                channel=channel,
                provider=attempt.provider,
                provider_message_id=attempt.provider_message_id,
            )
        unavailable |= attempt.outcome == AttemptOutcome.UNAVAILABLE
        suppressed += attempt.outcome == AttemptOutcome.SUPPRESSED
        reasons.append(f"{channel}: {attempt.error}")
    if suppressed == len(reasons):  # every channel tried refused it as suppressed
        return _finish(deps, notification, NotificationStatus.SUPPRESSED, reason="; ".join(reasons))
    if unavailable:
        # kept on the record, so a message the queue finally gives up says why
        deps.notifications.update(
            notification_id,
            NotificationStatus.SENDING,
            deps.clock.now(),
            expect=(
                NotificationStatus.QUEUED,
                NotificationStatus.DEFERRED,
                NotificationStatus.SENDING,
            ),
            reason="; ".join(reasons),
        )
        raise RetryLater("; ".join(reasons))
    return _finish(deps, notification, NotificationStatus.FAILED, reason="; ".join(reasons))


def _attempt(
    deps: WorkerDeps,
    notification: Notification,
    entry: RegistryEntry,
    user: User,
    channel: str,
    token: str,
) -> Attempt:
    """One channel, claimed first: the outcome of sending it now, or of an earlier attempt."""
    to = user.address(channel) or ""
    now = deps.clock.now()
    if not deps.ledger.claim(notification.notification_id, channel, to, token, now):
        return _earlier(deps, notification, channel, now)
    try:
        receipt, to = _send(deps, notification, entry, user, channel)
    except ChannelUnavailable as exc:
        attempt = Attempt(channel, AttemptOutcome.UNAVAILABLE, to, error=exc.reason, at=now)
    except RecipientUnreachable as exc:
        outcome = AttemptOutcome.SUPPRESSED if exc.suppressed else AttemptOutcome.FAILED
        attempt = Attempt(channel, outcome, exc.to, error=exc.reason, at=now)
    except TctfmsgError as exc:  # it does not render for this channel, or has no part for it
        attempt = Attempt(channel, AttemptOutcome.FAILED, to, error=exc.message, at=now)
    else:
        attempt = Attempt(
            channel,
            AttemptOutcome.SENT,
            to,
            provider=receipt.provider,
            provider_message_id=receipt.message_id,
            at=deps.clock.now(),
        )
    deps.ledger.settle(notification.notification_id, replace(attempt, claim=token))
    return attempt


def _earlier(deps: WorkerDeps, notification: Notification, channel: str, now: datetime) -> Attempt:
    """The attempt someone else made at this channel: the message was delivered again."""
    found = {a.channel: a for a in deps.ledger.attempts(notification.notification_id)}
    attempt = found.get(channel)
    if attempt is None:  # released between our claim and our read: try again later
        raise RetryLater(f"{channel} was being claimed by another worker")
    if attempt.outcome != AttemptOutcome.SENDING:
        return attempt
    if attempt.at is not None and attempt.at + deps.claim_for > now:
        raise RetryLater(f"{channel} is being sent by another worker")
    # Claimed and never settled: the worker stopped after handing it to the channel, or just
    # before. It may have been delivered, so it is never sent again.
    return replace(
        attempt,
        outcome=AttemptOutcome.FAILED,
        error="uncertain: the worker stopped while sending it; it may have been delivered, "
        "so it is not sent again",
    )


def _send(
    deps: WorkerDeps, notification: Notification, entry: RegistryEntry, user: User, channel: str
) -> tuple[ChannelReceipt, str]:
    port = deps.channels.get(channel)
    if port is None:
        raise ChannelUnavailable(channel, "no adapter for this channel is configured")
    data = notification.data
    subject, html, text = "", None, ""
    if channel == "email":
        email = deps.renderer.render(entry.template, data, user.locale)
        subject, html, text = email.subject, email.html, email.text
    else:
        text = _short_text(deps, entry, channel, data, user.locale)
        subject = deps.registry.globals.get("brand_name", "")
    message = Outgoing(
        notification_id=notification.notification_id,
        type=notification.type,
        channel=channel,
        to=user.address(channel) or "",
        text=text,
        subject=subject,
        html=html,
        locale=user.locale,
        data={k: str(v) for k, v in data.items()},
    )
    if channel != "push":
        return port.send(message), message.to
    return _push(deps, user, port, message)


def _short_text(
    deps: WorkerDeps,
    entry: RegistryEntry,
    channel: str,
    data: Mapping[str, Any],
    locale: str | None,
) -> str:
    """The template's SMS part; a push or in-app note without one shows the email's subject."""
    try:
        return deps.renderer.render_sms(entry.template, data, locale)
    except NotFound:
        if channel not in ("push", "websocket"):
            raise
        return str(deps.renderer.render(entry.template, data, locale).subject)


def _push(
    deps: WorkerDeps, user: User, port: Channel, message: Outgoing
) -> tuple[ChannelReceipt, str]:
    """Each of the user's devices in turn until one takes it; a token FCM calls unregistered is
    removed from the user."""
    last: RecipientUnreachable | None = None
    for token in user.push_tokens:
        try:
            return port.send(replace(message, to=token)), token
        except RecipientUnreachable as exc:
            last = exc
            if exc.forget:
                deps.users.remove_push_token(user.user_id, token)
                log.info("removed unregistered push token of %s", user.user_id)
    raise last or RecipientUnreachable("push", user.user_id, "no device token")


def _defer(deps: WorkerDeps, notification: Notification, until: datetime, now: datetime) -> Outcome:
    delay = max(1, min(MAX_DELAY_S, int((until - now).total_seconds()) + 1))
    deps.notifications.update(
        notification.notification_id,
        NotificationStatus.DEFERRED,
        now,
        expect=(NotificationStatus.QUEUED, NotificationStatus.DEFERRED),
        reason=f"quiet hours: waits until {until.isoformat(timespec='minutes')}",
        not_before=until,
    )
    deps.queue.enqueue(notification.notification_id, delay_s=delay)
    return Outcome.DEFERRED


def _finish(
    deps: WorkerDeps, notification: Notification, status: NotificationStatus, **fields: object
) -> Outcome:
    done = deps.notifications.update(
        notification.notification_id,
        status,
        deps.clock.now(),
        expect=(
            NotificationStatus.QUEUED,
            NotificationStatus.DEFERRED,
            NotificationStatus.SENDING,
        ),
        **fields,
    )
    if done is not None:
        try:
            deps.events.published(done)
        except Exception:  # the status stands; the event is a courtesy to the caller
            log.exception("could not publish the status of %s", notification.notification_id)
    return Outcome(status.value)  # sent, failed, skipped or suppressed
