"""Lanes: bulk records step aside while urgent ones run, and are never starved."""

from __future__ import annotations

import threading
import time

from tctfmsg.core.lanes import LINGER_S, Lanes, lane_of


def test_bulk_work_waits_while_urgent_work_runs() -> None:
    lanes = Lanes()
    urgent_done = threading.Event()
    order: list[str] = []

    def urgent() -> None:
        with lanes.urgent():
            time.sleep(0.2)
            order.append("urgent")
        urgent_done.set()

    thread = threading.Thread(target=urgent)
    thread.start()
    time.sleep(0.02)
    waited = lanes.step_aside(max_wait_s=5)
    order.append("bulk")
    thread.join()

    assert order == ["urgent", "bulk"]
    assert waited >= 0.15


def test_bulk_work_is_slowed_never_starved() -> None:
    lanes = Lanes()
    with lanes.urgent():
        waited = lanes.step_aside(max_wait_s=0.1)

    assert 0.1 <= waited < 1.0


def test_bulk_work_goes_at_once_when_nothing_urgent_ran_lately() -> None:
    lanes = Lanes()

    assert lanes.step_aside() < LINGER_S


def test_lanes_follow_the_send_class_in_the_spec() -> None:
    assert lane_of("notification_worker") == "urgent"
    assert lane_of("campaign_consumer") == "bulk"
    assert lane_of("campaign_scheduler") is None


def test_an_aws_call_of_a_bulk_thread_waits_while_urgent_work_runs() -> None:
    lanes = Lanes()
    started = threading.Event()

    def urgent() -> None:
        with lanes.urgent():
            started.set()
            time.sleep(0.2)

    thread = threading.Thread(target=urgent)
    thread.start()
    started.wait(1)
    with lanes.bulk():
        began = time.monotonic()
        lanes.before_call(request=None)
        bulk_waited = time.monotonic() - began
    began = time.monotonic()
    lanes.before_call(request=None)  # not a bulk thread: never waits
    other_waited = time.monotonic() - began
    thread.join()

    assert bulk_waited >= 0.1
    assert other_waited < 0.05
