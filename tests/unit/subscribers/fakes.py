"""Hand-written fakes of the subscriber ports: dictionaries, no sockets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tctfmsg.campaigns.domain.subscriber import Subscriber, SubscriberStatus
from tctfmsg.campaigns.domain.subscriber_rows import SourceRecord
from tctfmsg.campaigns.ports import SubscriberPage
from tctfmsg.core.errors import NotFound
from tests.support.campaign_memory import page_in_key_order


class FakeClock:
    def __init__(self, start: datetime = datetime(2026, 1, 1, tzinfo=UTC)) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


class FakeSubscriberStore:
    def __init__(self, *existing: Subscriber) -> None:
        self.items: dict[str, Subscriber] = {s.key: s for s in existing}
        self.memberships: set[tuple[str, str]] = {(lst, s.key) for s in existing for lst in s.lists}
        self.writes = 0
        self.item_limit = 1_000_000  # a name longer than this is "too large to store"
        self.pages_read: list[tuple[str | None, int, str | None, SubscriberStatus | None]] = []

    def get(self, key: str) -> Subscriber | None:
        return self.items.get(key)

    def get_many(self, keys: Sequence[str]) -> dict[str, Subscriber]:
        return {k: self.items[k] for k in keys if k in self.items}

    def save_many(
        self, subscribers: Sequence[Subscriber], memberships: Sequence[tuple[str, str]]
    ) -> None:
        for s in subscribers:
            self.items[s.key] = s
            self.writes += 1
        self.memberships.update(memberships)

    def unstorable_reason(self, subscriber: Subscriber) -> str | None:
        too_large = len(subscriber.name) > self.item_limit
        return f"too large to store: over {self.item_limit} characters" if too_large else None

    def set_status(self, key: str, status: SubscriberStatus, at: datetime) -> Subscriber:
        if key not in self.items:
            raise NotFound(key)
        self.items[key] = replace(self.items[key], status=status, updated_at=at)
        return self.items[key]

    def delete(self, subscriber: Subscriber) -> None:
        self.items.pop(subscriber.key, None)
        self.memberships = {m for m in self.memberships if m[1] != subscriber.key}

    def list_page(self, after, limit, *, list_name=None, status=None) -> SubscriberPage:
        self.pages_read.append((after, limit, list_name, status))
        return page_in_key_order(self.items.values(), after, limit, list_name, status)


class RecordingRejects:
    def __init__(self) -> None:
        self.rows: list[tuple[SourceRecord, str]] = []

    def write(self, record: SourceRecord, reason: str) -> None:
        self.rows.append((record, reason))


def record(line: int, **fields: object) -> SourceRecord:
    return SourceRecord(line, dict(fields), [str(v) for v in fields.values()])
