"""Import a subscriber export: every row ends up imported, updated, unchanged, skipped,
merged as a duplicate, or rejected with its reason. Nothing is silently dropped."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Protocol

from tctfmsg.domain.subscriber import Subscriber
from tctfmsg.domain.subscriber_rows import SourceRecord, subscriber_from_record
from tctfmsg.errors import InvalidInput
from tctfmsg.services.ports import Clock, SubscriberStore

CHUNK = 100


class OnExisting(StrEnum):
    UPDATE = "update"
    SKIP = "skip"


class RejectSink(Protocol):
    def write(self, record: SourceRecord, reason: str) -> None: ...


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str


@dataclass
class ImportReport:
    read: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    duplicates: int = 0
    rejected: int = 0
    reject_file: str | None = None
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def accounted(self) -> int:
        return (
            self.imported
            + self.updated
            + self.unchanged
            + self.skipped
            + self.duplicates
            + self.rejected
        )


Progress = Callable[[int, int], None]


def import_subscribers(
    records: Iterable[SourceRecord],
    store: SubscriberStore,
    clock: Clock,
    rejects: RejectSink,
    *,
    lists: frozenset[str] = frozenset(),
    on_existing: OnExisting = OnExisting.UPDATE,
    dry_run: bool = False,
    workers: int = 4,
    progress: Progress | None = None,
) -> ImportReport:
    report = ImportReport()
    candidates = _parse(records, lists, rejects, report)
    keys = list(candidates)
    chunks = [keys[i : i + CHUNK] for i in range(0, len(keys), CHUNK)]

    def apply(chunk: list[str]) -> tuple[int, dict[str, int]]:
        return len(chunk), _apply(chunk, candidates, store, clock, on_existing, dry_run)

    done = 0
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for size, counts in pool.map(apply, chunks):
            report.imported += counts["imported"]
            report.updated += counts["updated"]
            report.unchanged += counts["unchanged"]
            report.skipped += counts["skipped"]
            done += size
            if progress:
                progress(done, len(keys))
    return report


def _parse(
    records: Iterable[SourceRecord],
    lists: frozenset[str],
    rejects: RejectSink,
    report: ImportReport,
) -> dict[str, Subscriber]:
    candidates: dict[str, Subscriber] = {}
    for record in records:
        report.read += 1
        try:
            if record.fields is None:
                raise InvalidInput(record.error or "record could not be read")
            subscriber = subscriber_from_record(record.fields, lists)
        except InvalidInput as exc:
            report.rejected += 1
            report.rejections.append(Rejection(record.line, exc.message))
            rejects.write(record, exc.message)
            continue
        earlier = candidates.get(subscriber.key)
        if earlier is None:
            candidates[subscriber.key] = subscriber
        else:
            report.duplicates += 1
            candidates[subscriber.key] = earlier.merged_with(subscriber)
    return candidates


def _apply(
    keys: Sequence[str],
    candidates: dict[str, Subscriber],
    store: SubscriberStore,
    clock: Clock,
    on_existing: OnExisting,
    dry_run: bool,
) -> dict[str, int]:
    counts = dict.fromkeys(("imported", "updated", "unchanged", "skipped"), 0)
    existing = store.get_many(keys)
    now = clock.now()
    to_save: list[Subscriber] = []
    memberships: list[tuple[str, str]] = []
    for key in keys:
        incoming, current = candidates[key], existing.get(key)
        if current is None:
            counts["imported"] += 1
            to_save.append(replace(incoming, created_at=now, updated_at=now))
            memberships += [(lst, key) for lst in incoming.lists]
        elif on_existing is OnExisting.SKIP:
            counts["skipped"] += 1
        else:
            merged = current.merged_with(incoming)
            if merged.same_content(current):
                counts["unchanged"] += 1
                continue
            counts["updated"] += 1
            to_save.append(replace(merged, updated_at=now))
            memberships += [(lst, key) for lst in merged.lists - current.lists]
    if to_save and not dry_run:
        store.save_many(to_save, memberships)
    return counts
