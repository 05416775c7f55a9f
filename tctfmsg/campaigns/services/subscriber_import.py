"""Import a subscriber export: every row ends up imported, updated, unchanged, skipped,
merged as a duplicate, or rejected with its reason. Nothing is silently dropped.

Rows stream: parsing continues while earlier chunks are read and written by workers, so memory
stays bounded by the number of distinct addresses, not by the rows. A duplicate whose first
occurrence was already handed to a worker is merged in a last pass, after every chunk landed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Protocol

from tctfmsg.campaigns.domain.subscriber import Subscriber, SubscriberStatus
from tctfmsg.campaigns.domain.subscriber_rows import SourceRecord, subscriber_from_record
from tctfmsg.campaigns.ports import SubscriberStore
from tctfmsg.core.clock import Clock
from tctfmsg.core.errors import InvalidInput, Unavailable
from tctfmsg.email.suppression import SuppressionList, SuppressionReason

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
    # on the suppression list: stored (or kept) bounced, complained or unsubscribed, never
    # subscribed; counted among the rows above as well
    suppressed: int = 0
    reject_file: str | None = None
    rejections: list[Rejection] = field(default_factory=list)
    uncertain: int = 0  # subscribers of writes that failed part-way: some may be stored

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


class ImportInterrupted(Unavailable):
    """The store failed part-way. The report counts what was written; re-running the same
    import is safe: every write is a put of the merged subscriber, so rows written already
    come out unchanged."""

    def __init__(self, report: ImportReport, cause: Unavailable, merging: int = 0) -> None:
        written = report.imported + report.updated
        late = f"; merging {merging} late duplicate(s) did not finish" if merging else ""
        super().__init__(
            f"the import stopped part-way: {cause.message}. Written: {written} subscriber(s) "
            f"({report.imported} new, {report.updated} updated) of {report.read} row(s) read, "
            f"{report.rejected} rejected{late}; {report.uncertain} more were being written "
            "when it failed and may or may not be stored; no row after those was written",
            "once the store is back, run the same import again: it is safe to repeat",
        )
        self.report = report
        self.cause = cause


@dataclass
class _Outcome:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    suppressed: int = 0
    skipped: list[str] = field(default_factory=list)
    failure: Unavailable | None = None  # the store failed: nothing above is confirmed
    uncertain: int = 0  # subscribers whose write failed part-way


Progress = Callable[[int], None]


@dataclass(frozen=True)
class ImportOptions:
    lists: frozenset[str] = frozenset()
    on_existing: OnExisting = OnExisting.UPDATE
    dry_run: bool = False
    workers: int = 4


def import_subscribers(
    records: Iterable[SourceRecord],
    store: SubscriberStore,
    clock: Clock,
    rejects: RejectSink,
    options: ImportOptions = ImportOptions(),
    progress: Progress | None = None,
    suppressions: SuppressionList | None = None,
) -> ImportReport:
    """A suppressed address is never (re-)subscribed: it is stored with the status its
    suppression means (docs/decisions/0077)."""
    report = ImportReport()
    seen: set[str] = set()
    chunk: dict[str, Subscriber] = {}
    late: dict[str, Subscriber] = {}  # duplicates of rows already handed to a worker
    skipped: set[str] = set()
    in_flight: deque[Future[_Outcome]] = deque()

    def collect(future: Future[_Outcome]) -> None:
        outcome = future.result()
        if outcome.failure is not None:  # nothing of it is counted as written
            failures.append(outcome.failure)
            report.uncertain += outcome.uncertain
            return
        report.imported += outcome.imported
        report.updated += outcome.updated
        report.unchanged += outcome.unchanged
        report.suppressed += outcome.suppressed
        report.skipped += len(outcome.skipped)
        skipped.update(outcome.skipped)
        if progress:
            progress(report.accounted)

    failures: list[Unavailable] = []
    with ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool:
        for subscriber in _valid(records, options.lists, rejects, report, store):
            if failures:
                break
            key = subscriber.key
            if key in chunk:
                report.duplicates += 1
                chunk[key] = chunk[key].merged_with(subscriber)
            elif key in seen:
                report.duplicates += 1
                late[key] = late[key].merged_with(subscriber) if key in late else subscriber
            else:
                seen.add(key)
                chunk[key] = subscriber
            if len(chunk) == CHUNK:
                in_flight.append(pool.submit(_apply, chunk, store, clock, options, suppressions))
                chunk = {}
                while len(in_flight) > 2 * options.workers:
                    collect(in_flight.popleft())
        if chunk and not failures:
            in_flight.append(pool.submit(_apply, chunk, store, clock, options, suppressions))
        while in_flight:
            collect(in_flight.popleft())
    if failures:
        raise ImportInterrupted(report, failures[0])
    try:
        _merge_late(late, skipped, store, clock, options)
    except Unavailable as exc:
        raise ImportInterrupted(report, exc, merging=len(late)) from exc
    if progress:
        progress(report.accounted)
    return report


def _valid(
    records: Iterable[SourceRecord],
    lists: frozenset[str],
    rejects: RejectSink,
    report: ImportReport,
    store: SubscriberStore,
) -> Iterator[Subscriber]:
    for record in records:
        report.read += 1
        try:
            if record.fields is None:
                raise InvalidInput(record.error or "record could not be read")
            subscriber = subscriber_from_record(record.fields, lists)
            unstorable = store.unstorable_reason(subscriber)
            if unstorable:
                raise InvalidInput(unstorable)
            yield subscriber
        except InvalidInput as exc:
            report.rejected += 1
            report.rejections.append(Rejection(record.line, exc.message))
            rejects.write(record, exc.message)


def _apply(
    candidates: dict[str, Subscriber],
    store: SubscriberStore,
    clock: Clock,
    options: ImportOptions,
    suppressions: SuppressionList | None = None,
) -> _Outcome:
    outcome = _Outcome()
    try:
        if suppressions is not None:
            candidates = _held_back(candidates, suppressions, outcome)
        existing = store.get_many(list(candidates))
    except Unavailable as exc:
        return _Outcome(failure=exc)
    now = clock.now()
    to_save: list[Subscriber] = []
    memberships: list[tuple[str, str]] = []
    for key, incoming in candidates.items():
        current = existing.get(key)
        if current is None:
            outcome.imported += 1
            to_save.append(replace(incoming, created_at=now, updated_at=now))
            memberships += [(lst, key) for lst in incoming.lists]
        elif options.on_existing is OnExisting.SKIP:
            outcome.skipped.append(key)
        else:
            merged = current.merged_with(incoming)
            if merged.same_content(current):
                outcome.unchanged += 1
                continue
            outcome.updated += 1
            to_save.append(replace(merged, updated_at=now))
            memberships += [(lst, key) for lst in sorted(merged.lists - current.lists)]
    if to_save and not options.dry_run:
        try:
            store.save_many(to_save, memberships)
        except Unavailable as exc:
            return _Outcome(failure=exc, uncertain=len(to_save))
    return outcome


_HELD_AS = {
    SuppressionReason.BOUNCED: SubscriberStatus.BOUNCED,
    SuppressionReason.COMPLAINED: SubscriberStatus.COMPLAINED,
    SuppressionReason.MANUAL: SubscriberStatus.UNSUBSCRIBED,
}


def _held_back(
    candidates: dict[str, Subscriber], suppressions: SuppressionList, outcome: _Outcome
) -> dict[str, Subscriber]:
    found = suppressions.find_many([s.email for s in candidates.values()])
    held = dict(candidates)
    for key, entry in found.items():
        if key in held:
            outcome.suppressed += 1
            held[key] = replace(held[key], status=_HELD_AS[entry.reason])
    return held


def _merge_late(
    late: dict[str, Subscriber],
    skipped: set[str],
    store: SubscriberStore,
    clock: Clock,
    options: ImportOptions,
) -> None:
    """Duplicates are counted as such; their data still merges into what the import stored."""
    keys: Sequence[str] = [k for k in late if k not in skipped]
    if not keys or options.dry_run:
        return
    stored = store.get_many(keys)
    now = clock.now()
    to_save, memberships = [], []
    for key in keys:
        current = stored[key]
        merged = current.merged_with(late[key])
        if not merged.same_content(current):
            to_save.append(replace(merged, updated_at=now))
            memberships += [(lst, key) for lst in sorted(merged.lists - current.lists)]
    if to_save:
        store.save_many(to_save, memberships)
