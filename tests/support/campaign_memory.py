"""In-memory implementations of the campaign ports, with the same conditional semantics as
the DynamoDB adapters, for unit tests without sockets."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tctfmsg.campaigns.domain.campaign import (
    Campaign,
    CampaignStatus,
    Counters,
    Window,
    breaker_failures,
)
from tctfmsg.campaigns.domain.delivery import Delivery, DeliveryRequest, DeliveryStatus
from tctfmsg.campaigns.domain.failed_message import FailedMessage, FailureState
from tctfmsg.campaigns.domain.subscriber import Subscriber, SubscriberStatus
from tctfmsg.campaigns.ports import AudiencePage, Created, StateChanged, SubscriberPage
from tctfmsg.core.errors import Conflict, NotFound


@dataclass
class FixedClock:
    at: datetime = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@dataclass
class MemoryCampaigns:
    items: dict[str, Campaign] = field(default_factory=dict)
    leases: dict[str, tuple[str, datetime]] = field(default_factory=dict)

    def create(self, campaign: Campaign) -> None:
        if campaign.campaign_id in self.items:
            raise Conflict("exists")
        self.items[campaign.campaign_id] = campaign

    def get(self, campaign_id: str) -> Campaign | None:
        return self.items.get(campaign_id)

    def list(self, status: CampaignStatus | None = None) -> list[Campaign]:
        return [c for c in self.items.values() if status in (None, c.status)]

    def due(self, now: datetime) -> list[Campaign]:
        return [
            c
            for c in self.items.values()
            if c.status is CampaignStatus.SCHEDULED and c.send_at and c.send_at <= now
        ]

    def transition(self, campaign_id, expected, to, now, *, send_at=None, reason=None):
        c = self._get(campaign_id)
        if c.status is not expected:
            raise StateChanged("changed")
        changes = {"status": to, "updated_at": now, "pause_reason": reason}
        if send_at is not None:
            changes["send_at"] = send_at
        if to is CampaignStatus.COMPLETED:
            changes["completed_at"] = now
        return self._put(replace(c, **changes))

    def add_counts(
        self, campaign_id: str, counts: Mapping[str, int], *, progress_at: datetime | None = None
    ) -> Campaign:
        c = self._get(campaign_id)
        values = c.counters.as_dict()
        for k, v in counts.items():
            values[k] += v
        if not any(counts.values()):
            return c  # as DynamoDB: no write, no stamp
        stamp = {"progress_at": progress_at} if progress_at is not None else {}
        return self._put(replace(c, counters=Counters(**values), **stamp))

    def record_outcomes(self, campaign_id, counts, failures, now) -> Campaign:
        if not any(counts.values()) and not failures:
            return self._get(campaign_id)
        c = self.add_counts(campaign_id, counts, progress_at=now)
        w = c.window
        settled = counts.get("sent", 0) + counts.get("failed", 0)
        window = replace(
            w,
            window_settled=w.window_settled + settled,
            window_failed=w.window_failed + breaker_failures(counts.get("failed", 0), failures),
        )
        tallies, samples = dict(c.failure_counts), dict(c.failure_samples)
        for reason, (count, sample) in failures.items():
            tallies[reason] = tallies.get(reason, 0) + count
            samples.setdefault(reason, sample)
        return self._put(
            replace(
                c,
                window=window,
                failure_counts=tallies,
                failure_samples=samples,
                progress_at=now,
            )
        )

    def roll_window(self, campaign_id: str, seen: Window) -> Campaign:
        c = self._get(campaign_id)
        if c.window != seen:
            return c
        return self._put(replace(c, window=Window(window_prev_failed=seen.window_failed)))

    def set_counts(self, campaign_id: str, counters: Counters) -> Campaign:
        return self._put(replace(self._get(campaign_id), counters=counters))

    def take_lease(self, campaign_id, token, until, now) -> bool:
        held = self.leases.get(campaign_id)
        if held and held[1] >= now and held[0] != token:
            return False
        self.leases[campaign_id] = (token, until)
        return True

    def save_progress(self, campaign_id, token, cursor, counts, done) -> Campaign:
        if self.leases.get(campaign_id, ("",))[0] != token:
            raise StateChanged("lease lost")
        self.add_counts(campaign_id, counts)
        if done:
            self.leases.pop(campaign_id, None)
        return self._put(replace(self._get(campaign_id), cursor=cursor, fanout_done=done))

    def release_lease(self, campaign_id: str, token: str) -> None:
        if self.leases.get(campaign_id, ("",))[0] == token:
            del self.leases[campaign_id]

    def _get(self, campaign_id: str) -> Campaign:
        if campaign_id not in self.items:
            raise NotFound(campaign_id)
        return self.items[campaign_id]

    def _put(self, campaign: Campaign) -> Campaign:
        self.items[campaign.campaign_id] = campaign
        return campaign


@dataclass
class MemoryLedger:
    items: dict[tuple[str, str], Delivery] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def create_page(self, campaign_id, start, end, deliveries: Sequence[Delivery]) -> Created:
        created, existing = [], []
        for d in deliveries:
            key = (d.campaign_id, d.email_key)
            if key in self.items:
                existing.append(d.email_key)
            else:
                self.items[key] = d
                created.append(d.email_key)
        return Created(created, existing, end)

    def get(self, campaign_id: str, email_key: str) -> Delivery | None:
        return self.items.get((campaign_id, email_key))

    def get_many(self, campaign_id: str, keys: Sequence[str]) -> dict[str, Delivery]:
        return {k: d for k in keys if (d := self.items.get((campaign_id, k)))}

    def claim(self, campaign_id, email_key, token, until, now) -> Delivery | None:
        with self.lock:
            d = self.get(campaign_id, email_key)
            if d is None or d.status is not DeliveryStatus.PENDING:
                return None
            return self._put(
                replace(
                    d, status=DeliveryStatus.SENDING, claim=token, claimed_until=until,
                    attempts=d.attempts + 1, updated_at=now,
                )
            )  # fmt: skip

    def finish(self, campaign_id, email_key, token, status, now, *, provider=None,
               message_id=None, reason=None, attempts=None) -> bool:  # fmt: skip
        d = self.get(campaign_id, email_key)
        if d is None or d.status is not DeliveryStatus.SENDING or d.claim != token:
            return False
        assert attempts in (None, d.attempts), "finish was given another claim's attempts"
        self._put(
            replace(
                d, status=status, claim=None, claimed_until=None, provider=provider,
                provider_message_id=message_id, reason=reason, updated_at=now,
            )
        )  # fmt: skip
        return True

    def release(self, campaign_id, email_key, token, reason, now) -> bool:
        d = self.get(campaign_id, email_key)
        if d is None or d.status is not DeliveryStatus.SENDING or d.claim != token:
            return False
        self._put(replace(d, status=DeliveryStatus.PENDING, claim=None, claimed_until=None,
                          reason=reason, updated_at=now))  # fmt: skip
        return True

    def settle(self, campaign_id, email_key, expected, to, reason, now, *, stale_before=None):
        d = self.get(campaign_id, email_key)
        if d is None or d.status is not expected:
            return False
        if stale_before is not None and d.claimed_until and d.claimed_until > stale_before:
            return False
        self._put(replace(d, status=to, reason=reason, claim=None, claimed_until=None,
                          updated_at=now))  # fmt: skip
        return True

    def settle_sent(self, campaign_id, email_key, provider, message_id, now) -> bool:
        d = self.get(campaign_id, email_key)
        if d is None or d.status is not DeliveryStatus.FAILED:
            return False
        if not (d.reason or "").startswith("interrupted"):
            return False
        self._put(replace(d, status=DeliveryStatus.SENT, provider=provider,
                          provider_message_id=message_id, updated_at=now))  # fmt: skip
        return True

    def open_keys(self, campaign_id: str, status: DeliveryStatus | None = None) -> Iterator[str]:
        return iter(
            [
                k
                for (c, k), d in sorted(self.items.items())
                if c == campaign_id and d.status.open and status in (None, d.status)
            ]
        )

    def count_by_status(self, campaign_id: str) -> dict[DeliveryStatus, int]:
        counts = dict.fromkeys(DeliveryStatus, 0)
        for (c, _), d in self.items.items():
            if c == campaign_id:
                counts[d.status] += 1
        return counts

    def list(self, campaign_id: str, status: DeliveryStatus | None = None) -> Iterator[Delivery]:
        return iter(
            [d for (c, _), d in sorted(self.items.items()) if c == campaign_id
             and status in (None, d.status)]
        )  # fmt: skip

    def _put(self, d: Delivery) -> Delivery:
        self.items[(d.campaign_id, d.email_key)] = d
        return d


@dataclass
class MemoryQueue:
    messages: list[DeliveryRequest] = field(default_factory=list)

    def send(self, requests: Sequence[DeliveryRequest]) -> int:
        self.messages.extend(requests)
        return len(requests)

    def depth(self) -> int:
        return len(self.messages)

    def take(self) -> list[DeliveryRequest]:
        taken, self.messages = self.messages, []
        return taken


@dataclass
class MemoryFailures:
    items: dict[str, FailedMessage] = field(default_factory=dict)

    def record(self, failed: FailedMessage) -> None:
        self.items[failed.failure_id] = failed

    def get(self, failure_id: str) -> FailedMessage | None:
        return self.items.get(failure_id)

    def list(self, *, campaign_id=None, reason=None, state=FailureState.OPEN):
        return iter(
            [
                f
                for f in self.items.values()
                if campaign_id in (None, f.campaign_id)
                and reason in (None, f.reason)
                and state in (None, f.state)
            ]
        )

    def set_state(self, failure_id: str, state: FailureState, now: datetime) -> None:
        self.items[failure_id] = replace(self.items[failure_id], state=state, updated_at=now)


@dataclass
class MemorySubscribers:
    """What the pipeline reads (get, get_many, audience pages by cursor) and listing pages."""

    people: dict[str, Subscriber] = field(default_factory=dict)

    def add(self, *subscribers: Subscriber) -> None:
        for s in subscribers:
            self.people[s.key] = s

    def get(self, key: str) -> Subscriber | None:
        return self.people.get(key)

    def get_many(self, keys: Sequence[str]) -> dict[str, Subscriber]:
        return {k: self.people[k] for k in keys if k in self.people}

    def set_status(self, key: str, status: SubscriberStatus, at: datetime) -> Subscriber:
        if key not in self.people:
            raise NotFound(f"no subscriber {key}")
        self.people[key] = replace(self.people[key], status=status, updated_at=at)
        return self.people[key]

    def page(self, list_name: str, cursor: str | None, limit: int) -> AudiencePage:
        keys = sorted(k for k, s in self.people.items() if list_name in s.lists)
        keys = [k for k in keys if cursor is None or k > cursor]
        chunk = keys[:limit]
        return AudiencePage(chunk, chunk[-1] if len(keys) > limit else None)

    def list_page(self, after, limit, *, list_name=None, status=None) -> SubscriberPage:
        return page_in_key_order(self.people.values(), after, limit, list_name, status)


def page_in_key_order(
    subscribers: Iterable[Subscriber],
    after: str | None,
    limit: int,
    list_name: str | None,
    status: SubscriberStatus | None,
) -> SubscriberPage:
    """SubscriberStore.list_page over subscribers in memory, in key order."""
    matching = sorted(
        (s for s in subscribers if list_name in (None, *s.lists) and status in (None, s.status)),
        key=lambda s: s.key,
    )
    rest = [s for s in matching if after is None or s.key > after]
    shown = rest[:limit]
    return SubscriberPage(shown, shown[-1].key if len(rest) > limit else None)


def record(ledger: Any, deliveries: Sequence[Delivery]) -> Created:
    """Records deliveries as the fan-out would: one page of one campaign."""
    (campaign_id,) = {d.campaign_id for d in deliveries}
    return ledger.create_page(campaign_id, None, None, deliveries)
