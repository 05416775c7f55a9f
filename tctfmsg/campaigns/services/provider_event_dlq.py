"""The provider-events dead-letter queue for operators: how many wait, what each is, and sending
them to the provider_events queue again (docs/decisions/0092).

No monitor empties this queue (a provider event needs no failed-message record: applying it
again is harmless, every rule being idempotent), so its messages are read where they are:
borrowed out of sight and given back. Redriving sends a message on first and deletes it only
once the main queue took it, so a crash between the two leaves it in both queues (applied
twice, harmlessly), never in neither."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tctfmsg.campaigns.ports import DeadLetter, DeadLetterDestination, DeadLetterQueue
from tctfmsg.campaigns.services.provider_event_batch import parse_events
from tctfmsg.core.clock import Clock
from tctfmsg.core.errors import InvalidInput
from tctfmsg.core.health import QueueFigures, QueueGauge

QUEUE = "provider_events_dlq"
MAX_LISTED = 100
MAX_REDRIVEN = 1000
LIST_HIDE_S = 30  # out of sight while listed, so none is listed twice; then given back
# Refused ones stay hidden until the whole redrive ends (so it never meets them again), then
# are given back; if the CLI dies first they show again after this long.
REDRIVE_HIDE_S = 900
MAX_WHY = 200


@dataclass(frozen=True)
class DeadEventDeps:
    dead: DeadLetterQueue
    destination: DeadLetterDestination
    gauge: QueueGauge
    clock: Clock


@dataclass(frozen=True)
class DeadEvent:
    message_id: str
    provider: str  # "" when the message is no provider event
    kinds: tuple[str, ...]
    recipients: int
    campaign_id: str
    why: str
    age_s: float | None
    receives: int

    def as_json(self) -> dict[str, object]:
        return {
            "message_id": self.message_id,
            "provider": self.provider,
            "kinds": list(self.kinds),
            "recipients": self.recipients,
            "campaign_id": self.campaign_id,
            "why": self.why,
            "age_s": self.age_s,
            "receives": self.receives,
        }


@dataclass(frozen=True)
class Listing:
    events: list[DeadEvent]
    more: bool  # the queue holds more than were listed


@dataclass
class Redrive:
    requeued: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # message id -> why it stays
    requeued_not_removed: dict[str, str] = field(default_factory=dict)  # in both queues

    def as_json(self) -> dict[str, object]:
        return {
            "requeued": self.requeued,
            "refused": [{"message_id": k, "why": v} for k, v in self.refused.items()],
            "requeued_not_removed": [
                {"message_id": k, "why": v} for k, v in self.requeued_not_removed.items()
            ],
        }


def count(deps: DeadEventDeps) -> QueueFigures:
    return deps.gauge.measure(QUEUE)


def list_dead(deps: DeadEventDeps, limit: int = 20) -> Listing:
    limit = _bounded("--limit", limit, MAX_LISTED)
    borrowed: list[DeadLetter] = []
    try:
        while len(borrowed) <= limit:  # one more than listed tells whether more wait
            batch = deps.dead.borrow(limit + 1 - len(borrowed), LIST_HIDE_S)
            if not batch:
                break
            borrowed += batch
    finally:
        deps.dead.give_back(borrowed)
    now = deps.clock.now()
    return Listing([describe(letter, now) for letter in borrowed[:limit]], len(borrowed) > limit)


def redrive(deps: DeadEventDeps, most: int = MAX_REDRIVEN) -> Redrive:
    most = _bounded("--max", most, MAX_REDRIVEN)
    report, kept = Redrive(), list[DeadLetter]()
    try:
        while len(report.requeued) + len(kept) < most:
            batch = deps.dead.borrow(most - len(report.requeued) - len(kept), REDRIVE_HIDE_S)
            if not batch:
                break
            sendable = []
            for letter in batch:
                why = _unsendable(letter)
                if why:
                    report.refused[letter.message_id] = f"{why}; left in the dead-letter queue"
                    kept.append(letter)
                else:
                    sendable.append(letter)
            not_taken = deps.destination.requeue(sendable)
            taken = [x for x in sendable if x.message_id not in not_taken]
            for letter in sendable:
                if letter.message_id in not_taken:
                    why = not_taken[letter.message_id][:MAX_WHY]
                    report.refused[letter.message_id] = f"{why}; left in the dead-letter queue"
                    kept.append(letter)
            report.requeued += [x.message_id for x in taken]
            report.requeued_not_removed.update(deps.dead.remove(taken))
    finally:
        deps.dead.give_back(kept)
    return report


def describe(letter: DeadLetter, now: datetime) -> DeadEvent:
    age = None if letter.sent_at is None else max(0.0, (now - letter.sent_at).total_seconds())
    why = _unsendable(letter)
    if why:
        return DeadEvent(letter.message_id, "", (), 0, "", why, age, letter.receives)
    events = parse_events(letter.body)
    if not events:  # SES event types we do not act on: redriven, it is dropped as ignored
        return DeadEvent(
            letter.message_id, "ses", (), 0, "", "no event we act on", age, letter.receives
        )
    kinds = tuple(dict.fromkeys(e.kind.value for e in events))
    providers = sorted({e.provider for e in events})
    campaigns = sorted({e.campaign_id for e in events if e.campaign_id})
    return DeadEvent(
        letter.message_id,
        ",".join(providers),
        kinds,
        len(events),
        ",".join(campaigns),
        f"it failed to apply on each of {letter.receives} receives: the "
        f"provider_event_consumer's log says why (search it for {events[0].event_id})",
        age,
        letter.receives,
    )


def _unsendable(letter: DeadLetter) -> str:
    """Why the message can never apply (so sending it again only dead-letters it again)."""
    try:
        parse_events(letter.body)
    except (InvalidInput, ValueError, KeyError, TypeError, AttributeError) as exc:
        return f"not a provider event ({str(exc)[:MAX_WHY]})"
    return ""


def _bounded(option: str, value: int, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise InvalidInput(f"{option} must be from 1 to {most}", f"e.g. {option} {min(20, most)}")
    return value
