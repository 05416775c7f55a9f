"""One worker queue per local provider: every accepted send is reported once, in order, in
batches; a bounce or complaint rule replaces the delivery; a full queue holds the sender back
before it drops anything, and counts what it drops; a failing publisher loses no worker."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from tctfmsg.local.providers.feedback import Report
from tctfmsg.local.providers.reports import ReportQueue


class Recorded:
    def __init__(self, gate: threading.Event | None = None, fail_first: bool = False) -> None:
        self.batches: list[list[Report]] = []
        self.gate, self.fail_first = gate, fail_first
        self.threads: set[str] = set()

    def __call__(self, reports: Sequence[Report]) -> None:
        self.threads.add(threading.current_thread().name)
        if self.gate is not None:
            assert self.gate.wait(5)
        if self.fail_first and not self.batches:
            self.batches.append([])
            raise ConnectionError("web endpoint down")
        self.batches.append(list(reports))


def _sent(i: int) -> dict[str, Any]:
    return {"id": f"m-{i}", "to": f"r{i}@example.com"}


def test_every_send_is_reported_once_in_order_by_one_worker_in_bounded_batches() -> None:
    publish = Recorded(gate := threading.Event())
    reports = ReportQueue("ses", publish, batch=10)
    reports.start()

    for i in range(35):
        assert reports.report(_sent(i), None)
    gate.set()
    assert reports.drain(5)
    reports.stop()

    flat = [sent["id"] for batch in publish.batches for _, sent in batch]
    assert flat == [f"m-{i}" for i in range(35)]
    assert all(kind == "delivery" for batch in publish.batches for kind, _ in batch)
    assert max(len(b) for b in publish.batches) == 10
    assert len(publish.batches) < 35  # batched, not one call a send
    assert publish.threads == {"local-ses-reports"}
    assert (reports.counts.queued, reports.counts.published) == (35, 35)


def test_a_bounce_or_complaint_rule_is_reported_instead_of_the_delivery() -> None:
    publish = Recorded()
    reports = ReportQueue("resend", publish)
    reports.start()

    reports.report(_sent(1), "bounce")
    reports.report(_sent(2), "complain")
    reports.report(_sent(3), None)
    assert reports.drain(5)
    reports.stop()

    kinds = [kind for batch in publish.batches for kind, _ in batch]
    assert kinds == ["bounce", "complain", "delivery"]


def test_with_delivery_reports_off_only_the_rules_are_reported() -> None:
    publish = Recorded()
    reports = ReportQueue("sendgrid", publish, deliveries=False)
    reports.start()

    assert not reports.report(_sent(1), None)
    assert reports.report(_sent(2), "bounce")
    assert reports.drain(5)
    reports.stop()

    assert [(k, s["id"]) for b in publish.batches for k, s in b] == [("bounce", "m-2")]


def test_a_full_queue_waits_for_room_then_counts_and_logs_what_it_drops() -> None:
    publish = Recorded(gate := threading.Event())
    reports = ReportQueue("ses", publish, capacity=2, batch=1, block_s=0.05)
    reports.start()

    taken = [reports.report(_sent(i), None) for i in range(6)]
    gate.set()
    assert reports.drain(5)
    reports.stop()

    # the worker holds one, the queue two; the rest waited block_s and were counted dropped
    assert taken.count(True) in (2, 3)
    assert reports.counts.dropped == taken.count(False) >= 3
    assert reports.counts.published == taken.count(True)


def test_a_full_queue_takes_the_report_when_room_comes_within_the_wait() -> None:
    publish = Recorded(gate := threading.Event())
    reports = ReportQueue("ses", publish, capacity=1, batch=1, block_s=5)
    reports.start()
    reports.report(_sent(0), None)  # the worker takes it and waits at the gate
    assert _until(lambda: reports.waiting == 0)
    reports.report(_sent(1), None)  # fills the queue

    threading.Timer(0.2, gate.set).start()
    assert reports.report(_sent(2), None)  # waits for room rather than dropping
    assert reports.drain(5)
    reports.stop()

    assert reports.counts.dropped == 0 and reports.counts.published == 3


def test_a_batch_the_publisher_fails_is_counted_and_the_worker_goes_on() -> None:
    publish = Recorded(fail_first=True)
    reports = ReportQueue("resend", publish, batch=1)
    reports.start()

    reports.report(_sent(1), None)
    reports.report(_sent(2), None)
    assert reports.drain(5)
    reports.stop()

    assert (reports.counts.failed, reports.counts.published) == (1, 1)
    assert [s["id"] for b in publish.batches for _, s in b] == ["m-2"]


def _until(check: Any, timeout_s: float = 5.0) -> bool:
    done = threading.Event()
    for _ in range(int(timeout_s / 0.01)):
        if check():
            return True
        done.wait(0.01)
    return False
